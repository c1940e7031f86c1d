// The namespace baseline under Pulumi mocks: Pod Security labels per level with the reason annotation, the
// three baseline NetworkPolicies and typed extra allowances.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { NAMESPACE_EXEMPTIONS, NamespaceExemption } from "../platform/exemptions";
import { DEFAULT_POD_SECURITY_VERSION } from "../platform/cluster-version";
import { appPodSecurityModes, appPodSecurityReason, podSecurityFromLabels } from "../platform/pod-security";
import { apiServerEgress, metricsIngressFrom, SecureNamespace, SecureNamespaceArgs } from "../components/secure-namespace";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

// Test-only exemptions, added for this file and removed afterwards (the real list belongs to the components).
const TEST_EXEMPTIONS: NamespaceExemption[] = [
    { namespace: "sn-test-privileged", rules: [], podSecurity: "privileged", reason: "test: loads kernel modules" },
    { namespace: "sn-test-baseline", rules: [], podSecurity: "baseline", reason: "test: needs NET_RAW" },
];

async function create(args: Omit<SecureNamespaceArgs, "provider">): Promise<ProgramRun> {
    return runProgram({
        stack: "unit",
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            new SecureNamespace("ns", { provider, ...args });
        },
    });
}

function policy(run: ProgramRun, name: string): RecordedResource {
    const found = ofType(run, NP).find((p) => p.inputs.metadata.name === name);
    assert.ok(
        found,
        `no NetworkPolicy ${name}; have ${ofType(run, NP)
            .map((p) => p.inputs.metadata.name)
            .join(", ")}`,
    );
    return found;
}

describe("SecureNamespace", () => {
    before(() => NAMESPACE_EXEMPTIONS.push(...TEST_EXEMPTIONS));
    after(() => {
        for (const e of TEST_EXEMPTIONS) NAMESPACE_EXEMPTIONS.splice(NAMESPACE_EXEMPTIONS.indexOf(e), 1);
    });

    for (const [namespace, level, reason] of [
        ["sn-test-apps", "restricted", undefined],
        ["sn-test-baseline", "baseline", "test: needs NET_RAW"],
        ["sn-test-privileged", "privileged", "test: loads kernel modules"],
    ] as const) {
        it(`labels ${namespace} ${level} in all three modes, each pinned to the default Pod Security version`, async () => {
            const run = await create({ name: namespace, labels: { "pod-security.kubernetes.io/enforce": "privileged", team: "a" } });
            const ns = ofType(run, NS)[0];
            assert.equal(ns.inputs.metadata.name, namespace);
            const labels = ns.inputs.metadata.labels as Record<string, string>;
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.equal(labels[`pod-security.kubernetes.io/${mode}`], level, `${mode} (extra labels must not override the level)`);
                assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], DEFAULT_POD_SECURITY_VERSION);
            }
            assert.equal(labels.team, "a");
            assert.equal(ns.inputs.metadata.annotations?.["secure-gitops.io/pod-security-reason"], reason);
            assert.ok(ns.provider?.includes("pulumi:providers:kubernetes::k8s"));
        });
    }

    it("pins every mode's version to the stack's podSecurityVersion", async () => {
        const run = await create({ name: "sn-test-apps", podSecurityVersion: "v1.31" });
        const labels = ofType(run, NS)[0].inputs.metadata.labels as Record<string, string>;
        for (const mode of ["enforce", "audit", "warn"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], "v1.31");
    });

    for (const [enforcement, enforce, warnAudit] of [
        ["mandatory", "restricted", "restricted"],
        ["advisory", "baseline", "restricted"],
        ["disabled", "baseline", "restricted"],
    ] as const) {
        it(`an app namespace at ${enforcement}: enforce ${enforce}, warn and audit ${warnAudit}, with the reason when below restricted`, async () => {
            const run = await create({
                name: "sn-test-apps",
                podSecurityVersion: "v1.33",
                appPodSecurity: { modes: appPodSecurityModes(enforcement), reason: appPodSecurityReason(enforcement) },
            });
            const ns = ofType(run, NS)[0];
            const read = podSecurityFromLabels(ns.inputs.metadata.labels);
            assert.deepEqual(read, {
                enforce: { level: enforce, version: "v1.33" },
                warn: { level: warnAudit, version: "v1.33" },
                audit: { level: warnAudit, version: "v1.33" },
            });
            const reason = ns.inputs.metadata.annotations?.["secure-gitops.io/pod-security-reason"] as string | undefined;
            if (enforce === "restricted") assert.equal(reason, undefined);
            else assert.match(reason ?? "", new RegExp(`appPolicyEnforcement is ${enforcement}.*enforces baseline`));
        });
    }

    it("never gives app modes to a namespace with a platform exemption", async () => {
        await assert.rejects(
            create({ name: "sn-test-privileged", appPodSecurity: { modes: appPodSecurityModes("mandatory") } }),
            /platform exemption cannot take the app's Pod Security modes/,
        );
    });

    it("reads labels as Pod Security Admission does: missing is privileged/latest, an invalid level is restricted", () => {
        const read = podSecurityFromLabels({
            "pod-security.kubernetes.io/enforce": "Restricted",
            "pod-security.kubernetes.io/warn": "baseline",
            "pod-security.kubernetes.io/warn-version": "v1.30",
            "pod-security.kubernetes.io/audit-version": "1.30",
        });
        assert.deepEqual(read, {
            enforce: { level: "restricted", version: "latest" },
            warn: { level: "baseline", version: "v1.30" },
            audit: { level: "privileged", version: "latest" },
        });
        assert.deepEqual(podSecurityFromLabels(null).enforce, { level: "privileged", version: "latest" });
    });

    it("creates default-deny, same-namespace and DNS policies", async () => {
        const run = await create({ name: "sn-test-apps" });
        assert.equal(ofType(run, NP).length, 3);
        const component = ofType(run, "secure-gitops:kubernetes:SecureNamespace")[0];
        for (const p of ofType(run, NP)) {
            assert.equal(p.inputs.metadata.namespace, "sn-test-apps");
            assert.equal(p.parent, component.urn);
            assert.ok(p.inputs.metadata.annotations["secure-gitops.io/reason"].length > 10);
        }
        assert.deepEqual(policy(run, "default-deny-all").inputs.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(policy(run, "allow-same-namespace").inputs.spec, {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
        });
        assert.deepEqual(policy(run, "allow-dns-egress").inputs.spec, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { port: 53, protocol: "UDP" },
                        { port: 53, protocol: "TCP" },
                    ],
                },
            ],
        });
    });

    it("adds typed extra allowances with their reasons", async () => {
        const run = await create({
            name: "sn-test-apps",
            allowEgress: [apiServerEgress(["172.16.0.0/28"])],
            allowIngress: [metricsIngressFrom("monitoring", [8080], { app: "web" })],
        });
        assert.equal(ofType(run, NP).length, 5);
        const egress = policy(run, "allow-apiserver-egress").inputs;
        assert.deepEqual(egress.spec, {
            podSelector: { matchLabels: {} },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ port: 443, protocol: "TCP" }] }],
        });
        assert.match(egress.metadata.annotations["secure-gitops.io/reason"], /API server/);
        assert.deepEqual(policy(run, "allow-metrics-ingress").inputs.spec, {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                    ports: [{ port: 8080, protocol: "TCP" }],
                },
            ],
        });
    });

    it("rejects an allowance without peers and duplicate allowance names", async () => {
        await assert.rejects(
            create({ name: "sn-test-apps", allowEgress: [{ name: "nowhere", reason: "test", ports: [{ port: 1 }] }] }),
            /at least one namespace or CIDR/,
        );
        await assert.rejects(
            create({ name: "sn-test-apps", allowEgress: [apiServerEgress(["10.0.0.0/8"]), apiServerEgress(["10.0.0.0/8"])] }),
            /two allowances/,
        );
    });
});
