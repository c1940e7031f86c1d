// catalogue/evaluate.ts and the shared workload helpers: what every caller (pack, checker, tests) relies on.
import { strict as assert } from "assert";
import { ruleById } from "../catalogue";
import {
    capFindings,
    evaluate,
    evaluateKubernetes,
    formatFinding,
    matchesKind,
    MAX_MESSAGE_CHARS,
    MAX_PATH_CHARS,
} from "../catalogue/evaluate";
import { KubernetesRule } from "../catalogue/types";
import { isRecord, knownStr, own, setOwn } from "../catalogue/view";
import {
    containersOf,
    exemptImagePrefixes,
    parsePodTemplateKind,
    podSpecOf,
    podTemplateKindMatches,
    rememberPodOf,
} from "../catalogue/workloads";

const latest = ruleById("images-disallow-latest") as KubernetesRule;
const labels = ruleById("metadata-required-labels") as KubernetesRule;
const pod = (namespace: string, image = "nginx:latest") => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace },
    spec: { containers: [{ name: "c", image }] },
});

describe("evaluating one rule on one object", () => {
    it("bounds each message and path, saying how much was cut", () => {
        const [exact] = capFindings([{ message: "m".repeat(MAX_MESSAGE_CHARS), path: "p".repeat(MAX_PATH_CHARS) }]);
        assert.deepEqual(exact, { message: "m".repeat(MAX_MESSAGE_CHARS), path: "p".repeat(MAX_PATH_CHARS) });
        const [cut] = capFindings([{ message: "m".repeat(MAX_MESSAGE_CHARS + 7), path: "p".repeat(MAX_PATH_CHARS + 1) }]);
        assert.equal(cut.message, `${"m".repeat(MAX_MESSAGE_CHARS)}...(7 more characters)`);
        assert.equal(cut.path, `${"p".repeat(MAX_PATH_CHARS)}...(1 more characters)`);
        const more = capFindings(
            [
                { message: "a", path: "x" },
                { message: "b", path: "y" },
            ],
            1,
        );
        assert.deepEqual(
            more.map((f) => f.path),
            ["x", "(more)"],
        );
    });

    it("turns a rule that throws into one finding without the error's text (it may quote a secret)", () => {
        const throwing: KubernetesRule = {
            ...latest,
            check: () => {
                throw new TypeError("token=hunter2");
            },
        };
        const findings = evaluateKubernetes(throwing, pod("apps"));
        assert.equal(findings.length, 1);
        assert.equal(findings[0].path, "(resource)");
        assert.match(
            findings[0].message,
            /^the rule could not evaluate this resource \(TypeError on malformed input\); fix the resource's fields/,
        );
        assert.ok(!findings[0].message.includes("hunter2"));
        const notAnError: KubernetesRule = {
            ...latest,
            check: () => {
                // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test: a rule throwing a non-Error
                throw "plain";
            },
        };
        assert.match(evaluateKubernetes(notAnError, pod("apps"))[0].message, /\(error on malformed input\)/);
    });

    it("matches by API group and kind; a wrong-typed apiVersion or kind matches nothing", () => {
        assert.equal(matchesKind(latest, pod("apps")), true);
        assert.equal(matchesKind(latest, { ...pod("apps"), apiVersion: "apps/v1" }), false, "a Pod is in the core group");
        assert.equal(matchesKind(latest, { ...pod("apps"), apiVersion: "apps/v1", kind: "Deployment" }), true);
        assert.equal(matchesKind(latest, { ...pod("apps"), apiVersion: 1 as unknown as string }), true, "no group: the core group");
        assert.equal(matchesKind(latest, { ...pod("apps"), kind: ["Pod"] as unknown as string }), false);
        const rollout = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "r", namespace: "apps" } };
        assert.equal(matchesKind(latest, rollout), true, "Argo Rollouts are a default pod template kind");
        assert.equal(matchesKind(latest, rollout, { podTemplateKinds: [] }), false);
        assert.equal(matchesKind(latest, rollout, {}), false, "no podTemplateKinds: the rule's own match only");
    });

    it("skips exempt namespaces (a Namespace by its own name); a malformed exemption list exempts nothing", () => {
        assert.equal(evaluateKubernetes(latest, pod("apps")).length, 1);
        assert.deepEqual(evaluateKubernetes(latest, pod("apps"), { exemptNamespaces: ["apps"] }), []);
        assert.equal(evaluateKubernetes(latest, pod("apps"), { exemptNamespaces: "apps" }).length, 1);
        const namespaceRule: KubernetesRule = { ...labels, match: [{ apiGroups: [""], kinds: ["Namespace"] }] };
        const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", namespace: "other" } };
        assert.ok(evaluateKubernetes(namespaceRule, namespace).length > 0);
        assert.deepEqual(evaluateKubernetes(namespaceRule, namespace, { exemptNamespaces: ["team-a"] }), []);
        assert.ok(evaluateKubernetes(namespaceRule, namespace, { exemptNamespaces: ["other"] }).length > 0);
    });

    it("evaluates a corpus-style input only when it has what the rule's target needs", () => {
        assert.deepEqual(evaluate(latest, {}), []);
        const cloud = ruleById("gke-legacy-abac-disabled");
        const props = { enableLegacyAbac: true };
        assert.ok(evaluate(cloud, { resourceType: "gcp:container/cluster:Cluster", props }).length > 0);
        assert.deepEqual(evaluate(cloud, { props }), []);
        assert.deepEqual(evaluate(cloud, { resourceType: "gcp:container/cluster:Cluster" }), []);
    });

    it("formats a finding as title, message and field", () => {
        assert.equal(formatFinding(latest, { message: "m", path: "spec.x" }), `${latest.title}: m (field spec.x)`);
    });

    it("names the unknown rule id and the known ones", () => {
        assert.throws(
            () => ruleById("no-such-rule"),
            /^Error: unknown rule id "no-such-rule"; known: images-disallow-latest, images-allowed-registries, /,
        );
    });
});

describe("pod template kinds and exempt images", () => {
    it("parse group/Kind entries; a bare Kind is the core group; malformed entries are dropped", () => {
        assert.deepEqual(parsePodTemplateKind("argoproj.io/Rollout"), { group: "argoproj.io", kind: "Rollout" });
        assert.deepEqual(parsePodTemplateKind("ReplicationController"), { group: "", kind: "ReplicationController" });
        assert.deepEqual(parsePodTemplateKind("a/b.io/Kind"), undefined, "the group has no slash");
        for (const bad of [
            "/Rollout",
            "argoproj.io/rollout",
            "Argoproj.io/Rollout",
            "x/Roll out",
            "x/Rollout!",
            "Rollout ",
            ` x/Rollout`,
            "x/",
            5,
            undefined,
            `x/${"R".repeat(300)}`,
        ]) {
            assert.equal(parsePodTemplateKind(bad), undefined, JSON.stringify(bad));
        }
        assert.deepEqual(parsePodTemplateKind(`x/R${"r".repeat(294)}`)?.kind.length, 295, "300 characters: still read");
        assert.deepEqual(podTemplateKindMatches(["argoproj.io/Rollout", "bad kind", "Foo"]), [
            { apiGroups: ["argoproj.io"], kinds: ["Rollout"] },
            { apiGroups: [""], kinds: ["Foo"] },
        ]);
        assert.deepEqual(podTemplateKindMatches("argoproj.io/Rollout"), []);
    });

    it("give Gatekeeper the exempt-image prefixes without the trailing * and without entries exempting nothing", () => {
        assert.deepEqual(exemptImagePrefixes(["docker.io/falcosecurity/*", "gcr.io/x/", "*", "", 3, "quay.io/*"]), [
            "docker.io/falcosecurity/",
            "gcr.io/x/",
            "quay.io/",
        ]);
    });
});

describe("typed view helpers", () => {
    it("treat only plain objects as records", () => {
        assert.equal(isRecord({}), true);
        for (const value of [null, undefined, [], "x", 5, true]) assert.equal(isRecord(value), false, JSON.stringify(value));
    });

    it("read a known string only", () => {
        assert.equal(knownStr(5), undefined);
        assert.equal(knownStr({}), undefined);
        assert.equal(knownStr(""), "");
    });

    it("set a __proto__ key as a deletable own property", () => {
        const target: Record<string, unknown> = {};
        setOwn(target, "__proto__", 1);
        assert.equal(delete target.__proto__, true);
        assert.equal(own(target, "__proto__"), undefined);
    });
});

describe("pod and containers found once per read-only object", () => {
    it("remembers them only for objects declared read-only, and never with exemptions", () => {
        const changing = pod("apps");
        assert.equal(containersOf(changing)[0]?.name, "c");
        changing.spec.containers[0].name = "renamed";
        assert.equal(containersOf(changing)[0]?.name, "renamed", "an object not declared read-only is read afresh");

        const shared = pod("apps");
        rememberPodOf(shared);
        const containers = containersOf(shared);
        assert.equal(containersOf(shared), containers, "the same list for every rule");
        assert.ok(Object.isFrozen(containers), "shared between rules, so frozen");
        assert.equal(podSpecOf(shared), podSpecOf(shared));
        const exempt = containersOf(shared, ["nginx"]);
        assert.deepEqual(exempt, [], "exemptions are applied, not answered from the remembered list");
        assert.notEqual(containersOf(shared, ["other"]), containers);

        const noPod = { apiVersion: "v1", kind: "Service", metadata: { name: "s" } };
        rememberPodOf(noPod);
        assert.equal(podSpecOf(noPod), undefined);
        assert.equal(podSpecOf(noPod), undefined, "a remembered absence stays absent");
        assert.deepEqual(containersOf(noPod), []);
    });
});
