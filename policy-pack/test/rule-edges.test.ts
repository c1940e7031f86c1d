// Rule behaviour the shared corpus cannot hold: inputs the API server would reject before Gatekeeper sees
// them (so there is no admission-time verdict to compare), and configuration mistakes.
import { strict as assert } from "assert";
import { ruleById } from "../catalogue";
import { evaluateKubernetes } from "../catalogue/evaluate";
import { K8sObject, KubernetesRule, UNKNOWN_SENTINEL } from "../catalogue/types";
import { ContainerRef } from "../catalogue/workloads";
import { limitFindings } from "../lib/container-limits";

const labelsRule = ruleById("metadata-required-labels") as KubernetesRule;
const automount = ruleById("pods-no-automount-service-account-token") as KubernetesRule;

/** A Pod as the engine may send it: labels and spec fields of any type (the API server would reject some). */
function pod(labels: Record<string, unknown>, spec: Record<string, unknown> = {}, namespace?: string): K8sObject {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", ...(namespace ? { namespace } : {}), labels },
        spec: { containers: [{ name: "c", image: "nginx:1.27" }], ...spec },
    } as K8sObject;
}

describe("metadata-required-labels on what the API server or the config gets wrong", () => {
    it("reports an allowedRegex that is not a regular expression instead of skipping the label", () => {
        const findings = evaluateKubernetes(labelsRule, pod({ team: "payments" }), {
            labels: [{ key: "team", allowedRegex: "([edge-case-1" }],
        });
        assert.equal(findings.length, 1);
        assert.match(
            findings[0].message,
            /metadata\.labels cannot be checked: allowedRegex "\(\[edge-case-1" of label "team" is not a valid regular expression/,
        );
    });

    it("checks a value against a pattern it has not seen before", () => {
        const params = { labels: [{ key: "team", allowedRegex: "edge-case-[0-9]+" }] };
        assert.deepEqual(evaluateKubernetes(labelsRule, pod({ team: "edge-case-42" }), params), []);
        assert.equal(evaluateKubernetes(labelsRule, pod({ team: "edge-case-x" }), params).length, 1);
    });

    it("reports a value that is not a string, and one longer than a label value can be, without matching it", () => {
        const params = { labels: [{ key: "team", allowedRegex: "[a-z]+" }] };
        assert.match(
            evaluateKubernetes(labelsRule, pod({ team: 7 }), params)[0]?.message ?? "",
            /has label "team" = 7, which is not a string/,
        );
        assert.match(
            evaluateKubernetes(labelsRule, pod({ team: "a".repeat(64) }), params)[0]?.message ?? "",
            /has label "team" with a value longer than 63 characters/,
        );
        assert.deepEqual(evaluateKubernetes(labelsRule, pod({ team: "a".repeat(63) }), params), [], "63 characters is a valid label value");
    });

    it("ignores malformed label requirements (not objects, no string key) and a labels parameter that is not a list", () => {
        assert.deepEqual(evaluateKubernetes(labelsRule, pod({}), { labels: ["team", { key: 5 }, null] }), []);
        assert.deepEqual(evaluateKubernetes(labelsRule, pod({}), { labels: { key: "team" } }), []);
        assert.equal(evaluateKubernetes(labelsRule, pod({}), { labels: ["team", { key: "team" }] }).length, 1);
    });

    it("skips a labels map of the wrong type (the API server rejects it)", () => {
        assert.deepEqual(
            evaluateKubernetes(labelsRule, { ...pod({}), metadata: { name: "p", labels: ["team"] } } as unknown as K8sObject, {
                labels: [{ key: "team" }],
            }),
            [],
        );
    });
});

describe("pods-no-automount-service-account-token on what the API server gets wrong", () => {
    it("judges nothing when the service account name is not a string", () => {
        assert.deepEqual(evaluateKubernetes(automount, pod({}, { serviceAccountName: 5 }, "apps")), []);
    });

    it("reads a missing namespace as default for namespace/name entries", () => {
        const findings = (entries: string[]) =>
            evaluateKubernetes(automount, pod({}, { serviceAccountName: "web" }), { allowedServiceAccounts: entries });
        assert.deepEqual(findings(["default/web"]), []);
        assert.equal(findings(["apps/web"]).length, 1);
    });

    it("names a non-boolean automount value as it is", () => {
        assert.match(
            evaluateKubernetes(automount, pod({}, { automountServiceAccountToken: "yes" }, "apps"))[0]?.message ?? "",
            /automountServiceAccountToken is yes;/,
        );
    });
});

describe("container limit maxima and ratios on configuration mistakes", () => {
    const ref = (resources: unknown, list: ContainerRef["list"] = "containers"): ContainerRef => ({
        container: { name: "api", image: "app:1", resources },
        name: "api",
        list,
        path: `spec.${list}[name=api]`,
    });
    const run = (resources: unknown, params: Record<string, unknown>, list?: ContainerRef["list"]) =>
        limitFindings("Pod shop/api", ref(resources, list), params);

    it("reports a maximum or a ratio that is not a quantity instead of passing the container", () => {
        assert.deepEqual(run({ limits: { cpu: "1" } }, { maxCpuLimit: "two" }), [
            {
                path: "spec.containers[name=api].resources.limits.cpu",
                message:
                    'Pod shop/api: container "api" cannot be checked: the rule\'s maxCpuLimit "two" is not a quantity; fix the policy configuration.',
            },
        ]);
        assert.match(
            run({ limits: { memory: "1Gi" } }, { maxMemoryLimit: "lots" })[0]?.message ?? "",
            /the rule's maxMemoryLimit "lots" is not a quantity/,
        );
        assert.deepEqual(run({ limits: { cpu: "1" }, requests: { cpu: "1" } }, { maxCpuLimitRequestRatio: "x" }), [
            {
                path: "spec.containers[name=api].resources.limits.cpu",
                message:
                    'Pod shop/api: container "api" cannot be checked: the rule\'s limit/request ratio "x" is not a number; fix the policy configuration.',
            },
        ]);
    });

    it("reports both an unparsable limit and an unparsable request under a ratio", () => {
        assert.deepEqual(
            run({ limits: { memory: "1GB" }, requests: { memory: "1MB" } }, { maxLimitRequestRatio: "2" }).map((f) => f.path),
            ["spec.containers[name=api].resources.limits.memory", "spec.containers[name=api].resources.requests.memory"],
        );
        assert.match(
            run({ limits: { memory: "1GB" } }, { maxMemoryLimit: "1Gi" })[0]?.message ?? "",
            /has resources\.limits\.memory 1GB, which is not a Kubernetes quantity; write it as a quantity/,
        );
    });

    it("checks nothing that is unset, empty, null or unknown, and no ephemeral container (the API rejects its resources)", () => {
        const params = { maxCpuLimit: "1", maxLimitRequestRatio: "1" };
        assert.equal(run({ limits: { cpu: "2" }, requests: { cpu: "1" } }, params).length, 2, "the baseline: both checks fire");
        assert.deepEqual(run({ limits: { cpu: "2" }, requests: { cpu: "1" } }, params, "ephemeralContainers"), []);
        assert.deepEqual(run({ limits: { cpu: "2" } }, { maxCpuLimit: "", maxCpuLimitRequestRatio: "" }), []);
        assert.deepEqual(run({ limits: { cpu: null }, requests: { cpu: "1" } }, params), []);
        assert.deepEqual(run({ limits: { cpu: "2" } }, { maxLimitRequestRatio: "1" }), [], "no request: no ratio");
        assert.deepEqual(run(UNKNOWN_SENTINEL, params), []);
        assert.deepEqual(run({ limits: UNKNOWN_SENTINEL, requests: { cpu: "1" } }, params), []);
        assert.deepEqual(run({ limits: { cpu: "2" }, requests: UNKNOWN_SENTINEL }, { maxLimitRequestRatio: "1" }), []);
        assert.deepEqual(run("not a map", params), []);
    });
});
