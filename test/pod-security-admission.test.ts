// Pod Security Admission in the plan (tools/charts/pod-security-admission.ts): every pod and pod template is
// judged at its namespace's enforce/warn/audit level and version with the pss-* rules, reported apart from
// Gatekeeper; and the verdicts agree with Kubernetes' own PSA (psa-check) at the levels and versions the
// program labels namespaces with.
import { strict as assert } from "assert";
import { K8sObject } from "../policy-pack/catalogue";
import { appPodSecurityModes, podSecurityFromLabels, podSecurityLabels, uniformModes } from "../platform/pod-security";
import { PolicyEnforcement } from "../stacks/types";
import { isPsaPodObject, judgePodSecurity, namespacePodSecurity, pssRulesFor } from "../tools/charts/pod-security-admission";
import { podSecurityViolations } from "../tools/charts/admission-findings";
import { requireTool } from "./support/engines";
import { runPsaCheck } from "./support/psa-check";

const NS = "shop";

function settingsFor(enforcement: PolicyEnforcement, version = "v1.33") {
    return new Map([[NS, podSecurityFromLabels(podSecurityLabels(appPodSecurityModes(enforcement), version))]]);
}

function deployment(name: string, podSpec: Record<string, unknown>, container: Record<string, unknown> = {}): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: NS },
        spec: {
            selector: { matchLabels: { app: name } },
            template: {
                metadata: { labels: { app: name } },
                spec: { ...podSpec, containers: [{ name: "c", image: "registry.example.com/app:1", ...container }] },
            },
        },
    };
}

/** The Missing Table's workloads before the README's changes: no securityContext at all. */
const PLAIN = deployment("backend", {});
/** The restricted fields the README asks the app for. */
const RESTRICTED = deployment(
    "frontend",
    { securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } } },
    { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true } },
);
const PRIVILEGED = deployment("debug", {}, { securityContext: { privileged: true } });
const HOST_NETWORK = deployment("sniffer", { hostNetwork: true });
const JOB: K8sObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "cache-flush", namespace: NS },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "flush", image: "redis:7" }] } } },
};
const POD: K8sObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: NS },
    spec: { containers: [{ name: "c", image: "x" }] },
};

describe("Pod Security Admission in the plan", () => {
    it("knows the kinds PSA evaluates and the rules of each level", () => {
        for (const o of [PLAIN, JOB, POD]) assert.ok(isPsaPodObject(o), String(o.kind));
        assert.ok(!isPsaPodObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }));
        assert.ok(
            !isPsaPodObject({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "x" } }),
            "PSA never sees a Rollout",
        );
        assert.equal(pssRulesFor("privileged").length, 0);
        const baseline = pssRulesFor("baseline");
        const restricted = pssRulesFor("restricted");
        assert.ok(baseline.length >= 12 && baseline.every((r) => r.id.startsWith("pss-baseline-")));
        assert.ok(restricted.length > baseline.length && baseline.every((r) => restricted.includes(r)));
    });

    it("advisory (dev, staging): the plain app is admitted by enforce baseline and warned by warn/audit restricted", () => {
        const verdict = judgePodSecurity(PLAIN, NS, settingsFor("advisory"));
        assert.ok(verdict);
        assert.equal(verdict.outcome, "warned");
        assert.ok(verdict.enforce.allowed);
        assert.equal(verdict.enforce.level, "baseline");
        assert.equal(verdict.enforce.version, "v1.33");
        assert.ok(!verdict.warn.allowed && !verdict.audit.allowed);
        assert.ok(verdict.warn.findings.some((f) => f.ruleId === "pss-restricted-seccomp"));
        assert.match(
            verdict.summary,
            /^warned \(Pod Security Admission: enforce baseline v1\.33 admits; warn restricted v1\.33, audit restricted v1\.33/,
        );
        assert.equal(verdict.subject, "pods from the template");
        const violations = podSecurityViolations(verdict, { type: "kubernetes:apps/v1:Deployment", name: "shop/backend" });
        assert.ok(violations.length > 0);
        assert.ok(
            violations.every((v) => v.enforcement === "advisory" && v.message.startsWith("Pod Security Admission (warn restricted v1.33)")),
        );
        // warn and audit report the same findings once.
        assert.equal(new Set(violations.map((v) => v.message)).size, violations.length);
    });

    it("mandatory (prod): the plain app's pods and hook Job are denied at restricted, the hardened one admitted", () => {
        for (const object of [PLAIN, JOB]) {
            const verdict = judgePodSecurity(object, NS, settingsFor("mandatory"));
            assert.equal(verdict?.outcome, "denied", String(object.kind));
            assert.equal(verdict?.summary, "denied (Pod Security Admission: restricted v1.33)");
            const rules = new Set(verdict?.enforce.findings.map((f) => f.ruleId));
            for (const id of [
                "pss-restricted-run-as-non-root",
                "pss-restricted-seccomp",
                "pss-restricted-capabilities",
                "pss-restricted-privilege-escalation",
            ])
                assert.ok(rules.has(id), `${String(object.kind)}: ${id}`);
            const violations = podSecurityViolations(verdict, { type: String(object.kind), name: "x" });
            assert.ok(violations.every((v) => v.enforcement === "mandatory"));
        }
        assert.equal(judgePodSecurity(RESTRICTED, NS, settingsFor("mandatory"))?.outcome, "admitted");
        assert.equal(judgePodSecurity(RESTRICTED, NS, settingsFor("advisory"))?.outcome, "admitted");
    });

    it("advisory never lets a pod take the node: baseline still denies privileged and host namespaces", () => {
        for (const enforcement of ["advisory", "disabled"] as const) {
            for (const object of [PRIVILEGED, HOST_NETWORK]) {
                const verdict = judgePodSecurity(object, NS, settingsFor(enforcement));
                assert.equal(
                    verdict?.summary,
                    "denied (Pod Security Admission: baseline v1.33)",
                    `${enforcement} ${object.metadata?.name}`,
                );
            }
        }
    });

    it("follows the labels' version: a check PSA added later does not apply below its version", () => {
        // hostProbesAndHostLifecycle starts at v1.34: a probe with a host is baseline-clean at v1.33.
        const probe = deployment("probe", {}, { livenessProbe: { httpGet: { host: "10.0.0.1", port: 8080 } } });
        const at = (version: string) =>
            judgePodSecurity(probe, NS, new Map([[NS, podSecurityFromLabels(podSecurityLabels(uniformModes("baseline"), version))]]));
        assert.equal(at("v1.33")?.outcome, "admitted");
        assert.equal(at("v1.34")?.outcome, "denied");
    });

    it("says when the program declares no labels for a namespace (PSA's default: privileged), never judging other kinds", () => {
        const verdict = judgePodSecurity(PRIVILEGED, "elsewhere", settingsFor("mandatory"));
        assert.equal(verdict?.outcome, "admitted");
        assert.equal(verdict?.labels, "undeclared");
        assert.match(verdict?.summary ?? "", /not declared by the program/);
        assert.equal(
            judgePodSecurity({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }, NS, settingsFor("mandatory")),
            undefined,
        );
    });

    it("reads the namespaces' labels from the program's Namespace resources", () => {
        const map = namespacePodSecurity({
            resources: [
                {
                    type: "kubernetes:core/v1:Namespace",
                    inputs: { metadata: { name: NS, labels: podSecurityLabels(appPodSecurityModes("advisory"), "v1.31") } },
                },
                { type: "kubernetes:core/v1:ConfigMap", inputs: { metadata: { name: "x", namespace: NS } } },
            ] as never,
        });
        assert.deepEqual([...map.keys()], [NS]);
        assert.deepEqual(map.get(NS)?.enforce, { level: "baseline", version: "v1.31" });
    });

    describe("agrees with Kubernetes' own Pod Security Admission (psa-check)", function () {
        it("on every object at the levels and versions the program labels namespaces with", function () {
            const tool = requireTool(this, "psa-check");
            const objects = [PLAIN, RESTRICTED, PRIVILEGED, HOST_NETWORK, JOB, POD];
            const versions = ["v1.25", "v1.30", "v1.33", "v1.34", "latest"];
            const requests = objects.flatMap((object, i) => versions.map((version) => ({ id: `${i}@${version}`, version, object })));
            const results = runPsaCheck(tool, requests);
            assert.equal(results.length, objects.length * versions.length);
            let compared = 0;
            results.forEach((result, index) => {
                const { object, version } = requests[index];
                assert.ok(result.evaluated, `${result.id}: PSA evaluates ${String(object.kind)}`);
                for (const level of ["baseline", "restricted"] as const) {
                    const ours = judgePodSecurity(
                        object,
                        NS,
                        new Map([[NS, podSecurityFromLabels(podSecurityLabels(uniformModes(level), version))]]),
                    );
                    const psa = result[level]?.allowed;
                    assert.equal(
                        ours?.enforce.allowed,
                        psa,
                        `${result.id} ${level}: ours ${String(ours?.enforce.allowed)}, PSA ${String(psa)} (${(result[level]?.forbidden ?? []).join("; ")})`,
                    );
                    compared++;
                }
            });
            assert.equal(compared, objects.length * versions.length * 2);
        });
    });
});
