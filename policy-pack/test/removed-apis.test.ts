// The removed-API table (lib/removed-apis.ts) is consistent with itself and with how the rule reads it.
import { strict as assert } from "assert";
import { ruleById } from "../catalogue";
import { evaluate } from "../catalogue/evaluate";
import {
    apiKey,
    longestChain,
    NEWEST_REMOVAL_MINOR,
    REMOVED_APIS,
    REMOVED_APIS_BY_RELEASE,
    removalAt,
    targetMinor,
} from "../lib/removed-apis";

describe("removed API versions table", () => {
    it("lists each apiVersion/kind once, with a replacement or what to do instead", () => {
        const keys = Object.values(REMOVED_APIS_BY_RELEASE).flatMap((apis) =>
            apis.flatMap((a) => a.kinds.map((k) => apiKey(a.apiVersion, k))),
        );
        assert.ok(keys.length > 40);
        assert.equal(new Set(keys).size, keys.length, "an apiVersion/kind appears in two releases");
        for (const [key, entry] of REMOVED_APIS) assert.ok(entry.use !== undefined || entry.instead !== undefined, key);
    });

    it("names replacements that were still served when the old version was removed", () => {
        for (const [key, entry] of REMOVED_APIS) {
            if (!entry.use) continue;
            const kind = key.slice(key.lastIndexOf("/") + 1);
            const next = REMOVED_APIS.get(apiKey(entry.use, kind));
            if (next) assert.ok(next.removedIn > entry.removedIn, `${key} -> ${entry.use} was removed first`);
        }
        assert.equal(longestChain(), 1);
    });

    it("follows a replacement only while the target version no longer serves it", () => {
        assert.deepEqual(removalAt("extensions/v1beta1", "DaemonSet", 16), { removedIn: 16, use: "apps/v1" });
        assert.equal(removalAt("extensions/v1beta1", "DaemonSet", 15), undefined);
        assert.equal(removalAt("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 31)?.use, "flowcontrol.apiserver.k8s.io/v1beta3");
        assert.equal(removalAt("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 32)?.use, "flowcontrol.apiserver.k8s.io/v1");
        const psp = removalAt("extensions/v1beta1", "PodSecurityPolicy", 25);
        assert.equal(psp?.use, undefined);
        assert.match(psp?.instead ?? "", /Pod Security Admission/);
        assert.equal(removalAt("apps/v1", "Deployment", 1000), undefined);
    });

    it("reads kubernetesVersion like the schema: v1.NN, latest, anything else as latest", () => {
        assert.equal(targetMinor("v1.20"), 20);
        assert.equal(targetMinor("latest"), targetMinor(`v1.${NEWEST_REMOVAL_MINOR + 1}`));
        assert.equal(targetMinor("v1.020"), targetMinor("latest"));
        assert.equal(targetMinor(20), targetMinor("latest"));
        const rule = ruleById("apis-no-removed-versions");
        const cronJob = { apiVersion: "batch/v1beta1", kind: "CronJob", metadata: { name: "c", namespace: "a" } };
        assert.equal(evaluate(rule, { object: cronJob, params: { kubernetesVersion: "v1.24" } }).length, 0);
        assert.equal(evaluate(rule, { object: cronJob, params: { kubernetesVersion: "v1.25" } }).length, 1);
    });
});
