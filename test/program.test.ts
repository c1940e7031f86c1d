// The whole program (index.ts) under the in-process engine, per stack.
import { strict as assert } from "assert";
import { readStackConfigFile, runProgram, ProgramRun } from "../tools/mock-engine";
import { readConfigFixture } from "./support/config-fixtures";
import { WEBHOOK_PORT as GATEKEEPER_WEBHOOK_PORT } from "../components/gatekeeper";
import { podSecurityFromLabels } from "../platform/pod-security";
import { podSecurityLevelFor } from "../platform/exemptions";
import * as fs from "fs";
import * as path from "path";

/** Prod URNs of the GCP audit resources when AuditLogging declared them (recorded before the move). */
const URNS_BEFORE_MOVE = JSON.parse(
    fs.readFileSync(path.join(__dirname, "fixtures", "audit", "prod-urns-before-gke-audit-sources.json"), "utf8"),
) as { urns: string[]; protected: string[] };
const GKE_AUDIT_SOURCES = "secure-gitops:audit:GkeAuditSources";

const runs: Record<string, ProgramRun> = {};

describe("the program (index.ts) under mocks", function () {
    this.timeout(120000);

    before(async () => {
        for (const stack of ["dev", "staging", "prod"]) runs[stack] = await runProgram({ stack });
        const existing = readConfigFixture("existing");
        runs.existing = await runProgram({ stack: existing.stack, config: existing.config, secretKeys: existing.secretKeys });
    });

    it("declares no resource directly in index.ts: every resource but the stack and components' roots has a component parent", () => {
        for (const [stack, run] of Object.entries(runs)) {
            const stackUrn = run.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
            const topLevel = run.resources.filter((r) => r.parent === stackUrn);
            for (const r of topLevel)
                assert.match(
                    r.type,
                    /^secure-gitops:[a-z]+:[A-Z][A-Za-z]+$/,
                    `${stack}: ${r.type} ${r.name} is declared outside a component`,
                );
        }
    });

    it("uses secure-gitops:<area>:<Name> type tokens for every component", () => {
        for (const run of Object.values(runs)) {
            for (const r of run.resources.filter((x) => !x.custom && x.type !== "pulumi:pulumi:Stack"))
                assert.match(r.type, /^secure-gitops:[a-z]+:[A-Z][A-Za-z]+$/);
        }
    });

    it("installs every component in gke mode and creates the cluster only there", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const types = new Set(runs[stack].resources.map((r) => r.type));
            for (const t of [
                "secure-gitops:gcp:GkeCluster",
                "secure-gitops:policy:Gatekeeper",
                "secure-gitops:gitops:ArgoCd",
                "secure-gitops:runtime:Falco",
                "secure-gitops:scanning:TrivyOperator",
                "secure-gitops:audit:AuditLogging",
                "secure-gitops:observability:Grafana",
                "secure-gitops:observability:Monitoring",
                "gcp:container/cluster:Cluster",
            ]) {
                assert.ok(types.has(t), `${stack} lacks ${t}`);
            }
        }
    });

    it("gke mode: the control plane may call Gatekeeper's webhook port on the nodes (GKE opens only 443 and 10250)", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const rules = runs[stack].resources.filter((r) => r.type === "gcp:compute/firewall:Firewall");
            assert.equal(rules.length, 1, `${stack}: ${rules.length} firewall rules`);
            assert.deepEqual(rules[0].inputs.allows, [{ protocol: "tcp", ports: [String(GATEKEEPER_WEBHOOK_PORT)] }], stack);
            const cluster = runs[stack].resources.find((r) => r.type === "gcp:container/cluster:Cluster");
            assert.deepEqual(rules[0].inputs.sourceRanges, [cluster?.inputs.privateClusterConfig.masterIpv4CidrBlock], stack);
        }
    });

    it("touches no GCP resource in existing-cluster mode", () => {
        const gcp = runs.existing.resources.filter((r) => r.type.startsWith("gcp:"));
        assert.deepEqual(
            gcp.map((r) => r.type),
            [],
        );
        assert.ok(runs.existing.resources.some((r) => r.type === "secure-gitops:kubernetes:ExistingCluster"));
    });

    it("creates the GKE audit plumbing (GkeAuditSources) in gke mode only, Fluentd (AuditLogging) in both", () => {
        for (const stack of ["dev", "staging", "prod"])
            assert.equal(runs[stack].resources.filter((r) => r.type === GKE_AUDIT_SOURCES).length, 1, stack);
        assert.equal(runs.existing.resources.filter((r) => r.type === GKE_AUDIT_SOURCES).length, 0);
        assert.equal(runs.existing.resources.filter((r) => r.type === "secure-gitops:audit:AuditLogging").length, 1);
    });

    it("prod: every GCP audit resource moved into GkeAuditSources resolves through its aliases to its old URN (nothing replaced)", () => {
        const { urns, protected: protectedUrns } = URNS_BEFORE_MOVE;
        assert.ok(urns.length > 0 && protectedUrns.length > 0, "fixture lists the old URNs and the protected ones");
        const sourcesUrn = runs.prod.resources.find((r) => r.type === GKE_AUDIT_SOURCES)?.urn;
        assert.ok(sourcesUrn);
        const moved = runs.prod.resources.filter((r) => r.parent === sourcesUrn);
        // Same set both ways: each old URN is claimed by exactly one moved resource of the same type and name,
        // and no moved resource is new to the state.
        assert.equal(moved.length, urns.length, moved.map((r) => r.urn).join("\n"));
        for (const oldUrn of urns) {
            const claimants = runs.prod.resources.filter((r) => (r.aliases ?? []).includes(oldUrn));
            assert.equal(claimants.length, 1, `${oldUrn} is claimed by ${claimants.length} resources`);
            const [claimant] = claimants;
            assert.equal(claimant.parent, sourcesUrn, `${claimant.urn} moved into GkeAuditSources`);
            assert.ok(oldUrn.endsWith(`$${claimant.type}::${claimant.name}`), `${claimant.urn} keeps the type and name of ${oldUrn}`);
            assert.ok(!runs.prod.resources.some((r) => r.urn === oldUrn), `${oldUrn} is not declared a second time`);
        }
        // The retention-locked audit bucket (and the logs bucket) stay protected under their new address.
        for (const oldUrn of protectedUrns) {
            const bucket = moved.find((r) => (r.aliases ?? []).includes(oldUrn));
            assert.equal(bucket?.protect, true, oldUrn);
        }
        const locked = moved.filter((r) => r.type === "gcp:storage/bucket:Bucket" && r.inputs.retentionPolicy?.isLocked === true);
        assert.equal(locked.length, 1);
        assert.ok(
            protectedUrns.some((u) => locked[0].aliases?.includes(u)),
            "the locked bucket is one of the protected old URNs",
        );
    });

    it("protects the prod cluster and KMS key, and not dev's cluster", () => {
        const cluster = (stack: string) => runs[stack].resources.find((r) => r.type === "gcp:container/cluster:Cluster");
        assert.equal(cluster("prod")?.protect, true);
        assert.equal(cluster("prod")?.inputs.deletionProtection, true);
        assert.equal(cluster("dev")?.protect, false);
        const kms = runs.prod.resources.filter((r) => r.type === "gcp:kms/keyRing:KeyRing" || r.type === "gcp:kms/cryptoKey:CryptoKey");
        assert.equal(kms.length, 3); // ring, secrets key (CIS GKE 5.3.1), disk key (CIS GKE 5.9.1 / 5.9.2)
        assert.ok(
            kms.every((r) => r.protect),
            "prod KMS key ring and keys are protected",
        );
        const auditBucket = runs.prod.resources.find(
            (r) => r.type === "gcp:storage/bucket:Bucket" && r.inputs.retentionPolicy?.isLocked === true,
        );
        assert.ok(auditBucket?.protect, "prod audit bucket is locked and protected");
    });

    it("makes every workload component wait for the Gatekeeper constraints", () => {
        for (const stack of ["dev", "prod"]) {
            const run = runs[stack];
            const constraints = run.resources.filter((r) => r.type.startsWith("kubernetes:constraints.gatekeeper.sh/")).map((r) => r.urn);
            assert.ok(constraints.length > 0);
            for (const type of ["kubernetes:argoproj.io/v1alpha1:Application", "kubernetes:argoproj.io/v1alpha1:AppProject"]) {
                const r = run.resources.find((x) => x.type === type);
                for (const c of constraints) assert.ok(r?.dependencies.includes(c), `${stack}: ${type} does not wait for ${c}`);
            }
            // Gatekeeper itself and the pod-less Prometheus Operator CRDs come before the constraints.
            for (const release of run.resources.filter(
                (r) =>
                    r.type === "kubernetes:helm.sh/v3:Release" &&
                    !r.name.startsWith("gatekeeper") &&
                    r.inputs.chart !== "prometheus-operator-crds",
            )) {
                for (const c of constraints)
                    assert.ok(release.dependencies.includes(c), `${stack}: release ${release.name} does not wait for ${c}`);
            }
        }
    });

    it("keeps secrets secret in the stack outputs", () => {
        const stack = runs.prod.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        assert.ok(stack);
        const { secretOutputs } = { secretOutputs: runs.prod.outputs };
        assert.ok("kubeconfig" in secretOutputs && "grafanaAdminPassword" in secretOutputs);
    });

    it("Pod Security Admission follows the app's level in the app namespaces; platform namespaces keep theirs; one pinned version", () => {
        const namespaces = (run: ProgramRun) =>
            new Map(
                run.resources
                    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                    .map((r) => [String(r.inputs.metadata.name), podSecurityFromLabels(r.inputs.metadata.labels)]),
            );
        const expectations = { dev: "baseline", staging: "baseline", prod: "restricted" } as const;
        for (const [stack, enforce] of Object.entries(expectations)) {
            const run = runs[stack];
            const byName = namespaces(run);
            assert.ok(byName.size >= 7, `${stack}: the platform's and the app's namespaces`);
            const app = byName.get("missing-table");
            assert.ok(app, `${stack}: the app namespace`);
            assert.equal(app.enforce.level, enforce, `${stack}: app enforce`);
            assert.equal(app.warn.level, "restricted", `${stack}: app warn`);
            assert.equal(app.audit.level, "restricted", `${stack}: app audit`);
            for (const [name, setting] of byName) {
                if (name === "missing-table") continue;
                const level = podSecurityLevelFor(name);
                for (const mode of ["enforce", "warn", "audit"] as const)
                    assert.equal(setting[mode].level, level, `${stack} ${name} ${mode}`);
            }
            // One fact: every label's version is the pss-* rules' podSecurityVersion, in the pack config and the constraints.
            const pack = run.outputs.policyPackConfig as Record<string, { podSecurityVersion?: string }>;
            const version = pack["pss-restricted-seccomp"].podSecurityVersion;
            assert.equal(version, "v1.33");
            for (const [name, setting] of byName)
                for (const mode of ["enforce", "warn", "audit"] as const)
                    assert.equal(setting[mode].version, version, `${stack} ${name} ${mode}`);
            const constraints = run.resources.filter((r) => r.type.startsWith("kubernetes:constraints.gatekeeper.sh/v1beta1:"));
            const pssConstraints = constraints.filter((c) => String(c.inputs.metadata.name).startsWith("pss-"));
            assert.ok(pssConstraints.length >= 19, `${stack}: pss constraints`);
            for (const c of pssConstraints)
                assert.equal(c.inputs.spec.parameters.podSecurityVersion, version, `${stack} ${c.inputs.metadata.name}`);
        }
    });

    it("a stack's podSecurityVersion reaches every namespace label and every pss-* constraint", async () => {
        const file = readStackConfigFile("staging");
        const run = await runProgram({
            stack: "staging",
            config: { ...file.config, "secure-gitops:podSecurityVersion": "v1.30" },
            secretKeys: file.secretKeys,
        });
        const labels = run.resources
            .filter((r) => r.type === "kubernetes:core/v1:Namespace")
            .map((r) => podSecurityFromLabels(r.inputs.metadata.labels));
        assert.ok(labels.length >= 7);
        for (const l of labels) assert.deepEqual([l.enforce.version, l.warn.version, l.audit.version], ["v1.30", "v1.30", "v1.30"]);
        const pack = run.outputs.policyPackConfig as Record<string, { podSecurityVersion?: string }>;
        assert.equal(pack["pss-baseline-host-probes"].podSecurityVersion, "v1.30");
    });

    it("exports the policy pack configuration matching its environment", () => {
        const dev = runs.dev.outputs.policyPackConfig as Record<string, { enforcementLevel: string }>;
        const prod = runs.prod.outputs.policyPackConfig as Record<string, { enforcementLevel: string }>;
        assert.ok(
            Object.values(dev).every((c) => c.enforcementLevel !== "mandatory"),
            "dev is advisory",
        );
        assert.ok(
            Object.values(prod).some((c) => c.enforcementLevel === "mandatory"),
            "prod enforces",
        );
    });
});
