// The scheduled compliance reporter: its namespace, read-only RBAC, CronJobs and where the reports go.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { ComplianceReporter, ComplianceReporterArgs, REPORTER_NAMESPACE, reporterCommand } from "../components/compliance-reporter";
import { RULES } from "../policy-pack/catalogue";
import { evaluate } from "../policy-pack/catalogue/evaluate";
import { K8sObject } from "../policy-pack/catalogue/types";
import { COMPLIANCE_REPORTS, constraintResources, TRIVY_REPORT_KINDS } from "../platform/report-kinds";
import { parseStackConfig, plainConfigSource, StackConfigError } from "../stacks/config";
import { EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, runProgram } from "../tools/mock-engine";

const DIGEST = `registry.example.com/acme/reporter:0.1.0@sha256:${"b".repeat(64)}`;
const SCHEDULES = { daily: "0 2 * * *", weekly: "0 3 * * 1", monthly: "0 4 1 * *" };
const GCS = { kind: "gcs" as const, project: "acme-prod", location: "europe-west1", clusterName: "gitops-prod", retentionDays: 365 };

async function deploy(environment: EnvironmentName, extra: Partial<ComplianceReporterArgs> = {}): Promise<ProgramRun> {
    return runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            new ComplianceReporter("reporter", {
                provider,
                environment,
                apiServerCidrs: ["172.16.0.32/28"],
                stack: environment,
                config: { image: DIGEST, schedules: SCHEDULES },
                storage: GCS,
                ...extra,
            });
        },
    });
}

describe("ComplianceReporter component", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await deploy("prod");
    });

    it("is a component whose children are all parented to it", () => {
        const component = findResource(prod, "secure-gitops:compliance:ComplianceReporter", "reporter");
        const children = prod.resources.filter((r) => r.parent === component.urn);
        assert.ok(children.length >= 8);
        for (const t of [
            "kubernetes:batch/v1:CronJob",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "gcp:storage/bucket:Bucket",
            "secure-gitops:kubernetes:SecureNamespace",
        ])
            assert.ok(
                children.some((c) => c.type === t),
                t,
            );
    });

    it("declares daily, weekly and monthly CronJobs from the stack's schedules, with the digest-pinned image", () => {
        const jobs = ofType(prod, "kubernetes:batch/v1:CronJob");
        assert.deepEqual(jobs.map((j) => j.inputs.spec.schedule).sort(), Object.values(SCHEDULES).sort());
        for (const job of jobs) {
            const pod = job.inputs.spec.jobTemplate.spec.template.spec;
            assert.equal(pod.containers[0].image, DIGEST);
            assert.equal(pod.automountServiceAccountToken, false);
            assert.equal(job.inputs.spec.concurrencyPolicy, "Forbid");
            const kind = job.inputs.metadata.name.replace("compliance-report-", "");
            assert.deepEqual(pod.containers[0].command.slice(-4), [
                "--out-root",
                "/reports",
                "--upload-bucket",
                "acme-prod-gitops-prod-compliance-reports",
            ]);
            assert.ok(pod.containers[0].command.includes(kind));
        }
    });

    it("its CronJobs pass every Kubernetes rule of the catalogue (judged with our own rules)", () => {
        const jobs = ofType(prod, "kubernetes:batch/v1:CronJob");
        assert.equal(jobs.length, 3);
        for (const job of jobs) {
            const object = { apiVersion: "batch/v1", kind: "CronJob", ...job.inputs } as K8sObject;
            const failing = RULES.filter((r) => r.target === "kubernetes" && evaluate(r, { object }).length > 0).map((r) => r.id);
            assert.deepEqual(failing, [], job.name);
        }
    });

    it("binds a ClusterRole that can only get and list exactly the report kinds the reporter reads", () => {
        const [role] = ofType(prod, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
        const rules = role.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
        for (const r of rules) {
            assert.deepEqual(r.verbs, ["get", "list"]);
            assert.ok(!r.resources.includes("*") && !r.apiGroups.includes("*"));
        }
        assert.deepEqual(rules.find((r) => r.apiGroups[0] === "constraints.gatekeeper.sh")?.resources, constraintResources());
        assert.deepEqual(
            rules.find((r) => r.apiGroups[0] === "aquasecurity.github.io")?.resources,
            [...Object.keys(TRIVY_REPORT_KINDS), COMPLIANCE_REPORTS].sort(),
        );
        assert.deepEqual(rules.find((r) => r.apiGroups[0] === "")?.resources, ["events"]);
        const [binding] = ofType(prod, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
        assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "compliance-reporter", namespace: REPORTER_NAMESPACE }]);
    });

    it("runs in a restricted namespace that denies everything but DNS, the API server and (gke mode) storage", () => {
        const [ns] = ofType(prod, "kubernetes:core/v1:Namespace");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const policies = ofType(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs.metadata.name as string);
        assert.deepEqual(policies.sort(), [
            "allow-apiserver-egress",
            "allow-dns-egress",
            "allow-gke-metadata-egress",
            "allow-gke-metadata-legacy-egress",
            "allow-same-namespace",
            "allow-storage-egress",
            "default-deny-all",
        ]);
    });

    it("gke mode: a new bucket with a retention policy (locked in prod) whose Workload Identity writer can only create objects", () => {
        const [bucket] = ofType(prod, "gcp:storage/bucket:Bucket");
        assert.equal(bucket.inputs.retentionPolicy.isLocked, true);
        assert.equal(bucket.inputs.retentionPolicy.retentionPeriod, String(365 * 86400));
        assert.equal(bucket.inputs.publicAccessPrevention, "enforced");
        assert.equal(bucket.inputs.uniformBucketLevelAccess, true);
        const grants = ofType(prod, "gcp:storage/bucketIAMMember:BucketIAMMember");
        assert.deepEqual(
            grants.map((g) => g.inputs.role),
            ["roles/storage.objectCreator"],
        );
        const [wi] = ofType(prod, "gcp:serviceaccount/iAMMember:IAMMember");
        assert.equal(wi.inputs.member, `serviceAccount:acme-prod.svc.id.goog[${REPORTER_NAMESPACE}/compliance-reporter]`);
    });

    it("serves the report's metrics for Grafana: a Deployment our rules pass, a PodMonitor, ingress from the monitoring namespace only", async () => {
        const run = await deploy("prod", { metrics: { monitoringNamespace: "monitoring", podMonitor: true } });
        const [deployment] = ofType(run, "kubernetes:apps/v1:Deployment");
        assert.ok(deployment);
        const object = { apiVersion: "apps/v1", kind: "Deployment", ...deployment.inputs } as K8sObject;
        assert.deepEqual(
            RULES.filter((r) => r.target === "kubernetes" && evaluate(r, { object }).length > 0).map((r) => r.id),
            [],
        );
        const container = deployment.inputs.spec.template.spec.containers[0];
        assert.deepEqual(container.command.slice(-4), ["--serve-metrics", ":9464", "--interval", "60"]);
        const [monitor] = ofType(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
        assert.equal(monitor.inputs.spec.podMetricsEndpoints[0].port, "metrics");
        const ingress = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
            (p) => p.inputs.metadata.name === "allow-metrics-ingress",
        );
        assert.deepEqual(ingress?.inputs.spec.ingress[0].ports, [{ port: 9464, protocol: "TCP" }]);
        assert.deepEqual(ingress?.inputs.spec.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ]);
    });

    it("existing mode: writes to the configured volume, no bucket and no storage egress", async () => {
        const run = await deploy("staging", {
            storage: { kind: "volume", claimName: "audit-reports" },
            config: { image: "registry.example.com/acme/reporter:0.1.0", schedules: SCHEDULES },
        });
        assert.equal(ofType(run, "gcp:storage/bucket:Bucket").length, 0);
        const [job] = ofType(run, "kubernetes:batch/v1:CronJob");
        const volumes = job.inputs.spec.jobTemplate.spec.template.spec.volumes as {
            name: string;
            persistentVolumeClaim?: { claimName: string };
        }[];
        assert.equal(volumes.find((v) => v.name === "reports")?.persistentVolumeClaim?.claimName, "audit-reports");
        assert.ok(
            !ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((p) => p.inputs.metadata.name === "allow-storage-egress"),
        );
        assert.deepEqual(reporterCommand("staging", "daily"), [
            "npm",
            "run",
            "report",
            "--",
            "--stack",
            "staging",
            "--in-cluster",
            "--kind",
            "daily",
            "--out-root",
            "/reports",
        ]);
    });

    it("refuses an image without a digest in prod (component and stack config alike, naming the key)", async () => {
        await assert.rejects(
            deploy("prod", { config: { image: "registry.example.com/acme/reporter:0.1.0", schedules: SCHEDULES } }),
            /pinned by digest in prod/,
        );
        const base = {
            environment: "prod",
            gcpProject: "acme-prod",
            masterAuthorizedNetworks: '[{"cidrBlock":"203.0.113.0/24","displayName":"office"}]',
            auditRetentionDays: "365",
            appRepoUrl: "https://github.com/acme/app",
            appNamespaces: '["app"]',
        };
        assert.throws(
            () => parseStackConfig(plainConfigSource({ ...base, reporterImage: "registry.example.com/acme/reporter:0.1.0" }), "prod"),
            (e: unknown) =>
                e instanceof StackConfigError &&
                e.problems.some((p) => p.key === "secure-gitops:reporterImage" && p.allowed.includes("digest")),
        );
        assert.throws(
            () => parseStackConfig(plainConfigSource({ ...base, reporterImage: DIGEST, reporterWeeklyCron: "every monday" }), "prod"),
            (e: unknown) => e instanceof StackConfigError && e.problems.some((p) => p.key === "secure-gitops:reporterWeeklyCron"),
        );
        const ok = parseStackConfig(plainConfigSource({ ...base, reporterImage: DIGEST }), "prod");
        assert.deepEqual(ok.reporter, { image: DIGEST, schedules: SCHEDULES });
        assert.equal(parseStackConfig(plainConfigSource(base), "prod").reporter, undefined);
    });
});
