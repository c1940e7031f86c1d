import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";
import { AuditLogging, FLUENTD_CHART, FLUENTD_GCS_IMAGE } from "../components/audit-logging";
import { auditSinkFilter, GkeAuditSources } from "../components/gke-audit-sources";
import { Falco, K8S_AUDIT_RULES_FILE } from "../components/falco";
import { NAMESPACE_EXEMPTIONS, PLATFORM_NAMESPACES, podSecurityLevelFor } from "../platform/exemptions";
import { ruleById } from "../policy-pack/catalogue";
import { EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

interface GkeFixture {
    gcp: { project: string; location: string; clusterName: string };
    retentionDays: number;
}
const FLUENTD_CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "audit", "fluentd-chart-keys.yaml"));
const GKE = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "audit", "gke.yaml"), "utf8")) as GkeFixture;

const BUCKET = "gcp:storage/bucket:Bucket";
const SINK = "gcp:logging/projectSink:ProjectSink";
const BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember";
const SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember";
const RELEASE = "kubernetes:helm.sh/v3:Release";

interface DeployOptions {
    retentionDays?: number;
    kmsKeyName?: string;
    customOutput?: string;
}

/** GkeAuditSources (gke mode only) and AuditLogging, composed the way index.ts does it. */
function composeAudit(provider: k8s.Provider, environment: EnvironmentName, mode: "gke" | "existing", options: DeployOptions = {}) {
    const sources =
        mode === "gke"
            ? new GkeAuditSources("audit", {
                  environment,
                  ...GKE.gcp,
                  retentionDays: options.retentionDays ?? GKE.retentionDays,
                  kmsKeyName: options.kmsKeyName,
              })
            : undefined;
    new AuditLogging("audit", {
        provider,
        environment,
        gcs: sources
            ? { project: GKE.gcp.project, bucketName: sources.logsBucketName, serviceAccountEmail: sources.fluentdServiceAccountEmail }
            : undefined,
        customOutput: options.customOutput,
    });
    return sources;
}

async function deploy(environment: EnvironmentName, mode: "gke" | "existing", options: DeployOptions = {}): Promise<ProgramRun> {
    return runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            const sources = composeAudit(provider, environment, mode, options);
            return sources
                ? {
                      auditBucketName: sources.auditBucketName,
                      talonServiceAccountEmail: sources.talonServiceAccountEmail,
                      falcoAuditSource: sources.falcoAuditSource,
                  }
                : {};
        },
    });
}

const bucket = (run: ProgramRun, suffix: "audit" | "logs"): RecordedResource => findResource(run, BUCKET, `audit-${suffix}`);
const fluentd = (run: ProgramRun): RecordedResource => findResource(run, RELEASE, "audit-fluentd");
const iamOn = (run: ProgramRun, bucketName: string): RecordedResource[] =>
    ofType(run, BUCKET_IAM).filter((m) => m.inputs.bucket === bucketName);

const TOPIC = "gcp:pubsub/topic:Topic";
const SUBSCRIPTION = "gcp:pubsub/subscription:Subscription";
const TOPIC_IAM = "gcp:pubsub/topicIAMMember:TopicIAMMember";
const SUBSCRIPTION_IAM = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember";
const FALCO_WI_MEMBER = `serviceAccount:${GKE.gcp.project}.svc.id.goog[falco/falco]`;

/** The audit components composed with Falco the way index.ts does it. */
async function deployWithFalco(mode: "gke" | "existing"): Promise<ProgramRun> {
    return runProgram({
        stack: "prod",
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            const sources = composeAudit(provider, "prod", mode);
            new Falco("falco", {
                provider,
                environment: "prod",
                alerting: { minimumPriority: "warning" },
                k8sAuditGke: sources?.falcoAuditSource,
            });
        },
    });
}

describe("AuditLogging and GkeAuditSources components", () => {
    it("creates the audit bucket private, uniform, retention-limited, Coldline-tiered and never force-destroyed", async () => {
        const run = await deploy("dev", "gke");
        const b = bucket(run, "audit").inputs;
        assert.equal(b.uniformBucketLevelAccess, true);
        assert.equal(b.publicAccessPrevention, "enforced");
        assert.equal(b.forceDestroy, false);
        assert.equal(b.retentionPolicy.retentionPeriod, String(GKE.retentionDays * 86400));
        assert.ok(
            b.lifecycleRules.some(
                (r: { action: { type: string; storageClass?: string } }) =>
                    r.action.type === "SetStorageClass" && r.action.storageClass === "COLDLINE",
            ),
        );
        // GCS refuses Object Versioning together with a retention policy: the retention policy wins here.
        assert.ok(!b.versioning?.enabled);
        const logs = bucket(run, "logs").inputs;
        assert.equal(logs.versioning.enabled, true);
        assert.equal(logs.uniformBucketLevelAccess, true);
        assert.equal(logs.publicAccessPrevention, "enforced");
        assert.equal(logs.retentionPolicy, undefined);
    });

    it("locks the retention policy and protects the buckets in prod only", async () => {
        const dev = await deploy("dev", "gke");
        const prod = await deploy("prod", "gke");
        assert.equal(bucket(dev, "audit").inputs.retentionPolicy.isLocked, false);
        assert.equal(bucket(prod, "audit").inputs.retentionPolicy.isLocked, true);
        for (const suffix of ["audit", "logs"] as const) {
            assert.equal(bucket(dev, suffix).protect, false, `dev ${suffix}`);
            assert.equal(bucket(prod, suffix).protect, true, `prod ${suffix}`);
        }
    });

    it("routes the cluster's Admin Activity and Data Access audit logs to the audit bucket with its own writer identity", async () => {
        const run = await deploy("prod", "gke");
        const sink = findResource(run, SINK, "audit-audit-sink");
        const filter = sink.inputs.filter as string;
        assert.match(filter, /resource\.type="k8s_cluster"/);
        assert.match(filter, new RegExp(`resource\\.labels\\.cluster_name="${GKE.gcp.clusterName}"`));
        assert.ok(filter.includes('"cloudaudit.googleapis.com%2Factivity"'));
        assert.ok(filter.includes('"cloudaudit.googleapis.com%2Fdata_access"'));
        assert.equal(sink.inputs.uniqueWriterIdentity, true);
        const auditBucketName = bucket(run, "audit").inputs.name;
        assert.equal(sink.inputs.destination, `storage.googleapis.com/${auditBucketName}`);
        const writer = iamOn(run, auditBucketName).find((m) => m.name === "audit-audit-sink-writer");
        assert.ok(writer);
        assert.equal(writer.inputs.role, "roles/storage.objectCreator");
        assert.equal(writer.inputs.member, "serviceAccount:sink-audit-audit-sink@gcp-sa-logging.iam.gserviceaccount.com");
    });

    it("enables Data Access audit logs (DATA_READ, DATA_WRITE) for the GKE API", async () => {
        const run = await deploy("dev", "gke");
        const cfg = findResource(run, "gcp:projects/iAMAuditConfig:IAMAuditConfig").inputs;
        assert.equal(cfg.service, "container.googleapis.com");
        assert.equal(cfg.project, GKE.gcp.project);
        assert.deepEqual(cfg.auditLogConfigs.map((c: { logType: string }) => c.logType).sort(), ["DATA_READ", "DATA_WRITE"]);
    });

    it("gives Fluentd a Workload Identity service account that can only add objects to the logs bucket", async () => {
        const run = await deploy("dev", "gke");
        const logsName = bucket(run, "logs").inputs.name;
        const role = findResource(run, "gcp:projects/iAMCustomRole:IAMCustomRole").inputs;
        assert.ok(role.permissions.includes("storage.objects.create"));
        assert.ok(!role.permissions.some((p: string) => p.endsWith(".delete") || p.endsWith(".update") || p.endsWith(".setIamPolicy")));
        const grant = findResource(run, BUCKET_IAM, "audit-fluentd-writer").inputs;
        assert.equal(grant.bucket, logsName);
        const gsa = findResource(run, "gcp:serviceaccount/account:Account", "audit-fluentd-gsa");
        assert.equal(grant.member, `serviceAccount:${gsa.inputs.accountId}@project.iam.gserviceaccount.com`);
        const wi = findResource(run, SA_IAM, "audit-fluentd-workload-identity").inputs;
        assert.equal(wi.role, "roles/iam.workloadIdentityUser");
        assert.equal(wi.member, `serviceAccount:${GKE.gcp.project}.svc.id.goog[logging/fluentd]`);
        const sa = fluentd(run).inputs.values.serviceAccount;
        assert.equal(sa.name, "fluentd");
        assert.equal(sa.annotations["iam.gke.io/gcp-service-account"], `fluentd-dev@${GKE.gcp.project}.iam.gserviceaccount.com`);
        // Fluentd never gets a grant on the audit bucket.
        assert.ok(!iamOn(run, bucket(run, "audit").inputs.name).some((m) => m.inputs.member === grant.member));
    });

    it("exposes the audit bucket and a Talon evidence writer identity bound to falco/falco-talon", async () => {
        const run = await deploy("prod", "gke");
        const auditName = bucket(run, "audit").inputs.name;
        assert.equal(run.outputs.auditBucketName, auditName);
        assert.equal(run.outputs.talonServiceAccountEmail, `falco-talon-prod@${GKE.gcp.project}.iam.gserviceaccount.com`);
        const grant = findResource(run, BUCKET_IAM, "audit-talon-writer").inputs;
        assert.equal(grant.bucket, auditName);
        assert.equal(grant.role, "roles/storage.objectCreator");
        assert.equal(
            findResource(run, SA_IAM, "audit-talon-workload-identity").inputs.member,
            `serviceAccount:${GKE.gcp.project}.svc.id.goog[falco/falco-talon]`,
        );
    });

    it("publishes the cluster's audit logs to a Pub/Sub topic for Falco through a second sink with its own writer identity", async () => {
        const run = await deploy("dev", "gke");
        const topic = findResource(run, TOPIC, "audit-falco-audit-topic").inputs;
        assert.equal(topic.project, GKE.gcp.project);
        const sink = findResource(run, SINK, "audit-falco-audit-sink").inputs;
        assert.equal(sink.filter, auditSinkFilter(GKE.gcp.clusterName));
        assert.equal(sink.filter, findResource(run, SINK, "audit-audit-sink").inputs.filter, "same audit entries as the bucket sink");
        assert.equal(sink.destination, `pubsub.googleapis.com/projects/${GKE.gcp.project}/topics/${topic.name}`);
        assert.equal(sink.uniqueWriterIdentity, true);
        assert.deepEqual(
            sink.exclusions.map((e: { filter: string }) => e.filter),
            ['protoPayload.methodName="io.k8s.coordination.v1.leases.update"'],
        );
        // The sink's writer may publish to this topic, and that is its only grant.
        const publishers = ofType(run, TOPIC_IAM);
        assert.equal(publishers.length, 1);
        assert.deepEqual(
            { topic: publishers[0].inputs.topic, role: publishers[0].inputs.role, member: publishers[0].inputs.member },
            {
                topic: topic.name,
                role: "roles/pubsub.publisher",
                member: "serviceAccount:sink-audit-falco-audit-sink@gcp-sa-logging.iam.gserviceaccount.com",
            },
        );
        assert.ok(!ofType(run, BUCKET_IAM).some((m) => m.inputs.member === publishers[0].inputs.member));
        assert.equal(ofType(run, "gcp:projects/iAMMember:IAMMember").length, 0, "no project-wide grant");
    });

    it("creates a pull subscription that never expires, keeps unacked entries three days and delivers each entry once", async () => {
        const run = await deploy("dev", "gke");
        const sub = findResource(run, SUBSCRIPTION, "audit-falco-audit-sub").inputs;
        assert.equal(sub.topic, findResource(run, TOPIC, "audit-falco-audit-topic").inputs.name);
        assert.equal(sub.project, GKE.gcp.project);
        assert.equal(sub.pushConfig, undefined, "pull: the plugin calls Pub/Sub, nothing calls into the cluster");
        assert.equal(sub.ackDeadlineSeconds, 60);
        assert.equal(sub.messageRetentionDuration, "259200s");
        assert.equal(sub.retainAckedMessages, false);
        assert.deepEqual(sub.expirationPolicy, { ttl: "" });
        assert.equal(sub.enableExactlyOnceDelivery, true, "several Falco pods share the subscription");
    });

    it("gives Falco a GCP identity that can only consume this subscription, bound to falco/falco through Workload Identity", async () => {
        const run = await deploy("dev", "gke");
        const gsa = findResource(run, "gcp:serviceaccount/account:Account", "audit-falco-gsa");
        const member = `serviceAccount:${gsa.inputs.accountId}@project.iam.gserviceaccount.com`;
        const subscriber = ofType(run, SUBSCRIPTION_IAM);
        assert.equal(subscriber.length, 1);
        assert.deepEqual(
            { subscription: subscriber[0].inputs.subscription, role: subscriber[0].inputs.role, member: subscriber[0].inputs.member },
            { subscription: findResource(run, SUBSCRIPTION, "audit-falco-audit-sub").inputs.name, role: "roles/pubsub.subscriber", member },
        );
        // No other grant anywhere: not on the topic, not on a bucket, not project-wide (no viewer, no clusterViewer).
        const grantsToFalco = run.resources.filter((r) => r.type.startsWith("gcp:") && r.inputs.member === member);
        assert.deepEqual(
            grantsToFalco.map((r) => r.name),
            ["audit-falco-subscriber"],
        );
        const wi = findResource(run, SA_IAM, "audit-falco-workload-identity");
        assert.equal(wi.inputs.role, "roles/iam.workloadIdentityUser");
        assert.equal(wi.inputs.member, FALCO_WI_MEMBER);
        assert.equal(
            wi.inputs.serviceAccountId,
            `projects/${GKE.gcp.project}/serviceAccounts/${gsa.inputs.accountId}@${GKE.gcp.project}.iam.gserviceaccount.com`,
            "bound on Falco's own GCP service account",
        );
        assert.deepEqual(run.outputs.falcoAuditSource, {
            projectId: GKE.gcp.project,
            subscription: findResource(run, SUBSCRIPTION, "audit-falco-audit-sub").inputs.name,
            gcpServiceAccountEmail: `${gsa.inputs.accountId}@${GKE.gcp.project}.iam.gserviceaccount.com`,
        });
    });

    it("turns Falco's Kubernetes audit rules on in gke mode, after the subscriber grant and Workload Identity binding exist", async () => {
        const run = await deployWithFalco("gke");
        const release = ofType(run, RELEASE).find((r) => r.inputs.chart === "falco");
        assert.ok(release);
        const v = release.inputs.values;
        assert.ok(K8S_AUDIT_RULES_FILE in v.customRules);
        const subscriptionName = findResource(run, SUBSCRIPTION, "audit-falco-audit-sub").inputs.name;
        const plugin = v.falco.plugins.find((p: { name: string }) => p.name === "k8saudit-gke");
        assert.equal(plugin.open_params, subscriptionName);
        assert.equal(plugin.init_config.project_id, GKE.gcp.project);
        const gsa = findResource(run, "gcp:serviceaccount/account:Account", "audit-falco-gsa");
        assert.equal(v.serviceAccount.name, "falco", "the KSA named in the Workload Identity member");
        assert.equal(
            v.serviceAccount.annotations["iam.gke.io/gcp-service-account"],
            `${gsa.inputs.accountId}@${GKE.gcp.project}.iam.gserviceaccount.com`,
        );
        for (const grant of [
            findResource(run, SUBSCRIPTION_IAM, "audit-falco-subscriber"),
            findResource(run, SA_IAM, "audit-falco-workload-identity"),
        ]) {
            assert.ok(release.dependencies.includes(grant.urn), `Falco waits for ${grant.name}`);
        }

        const existing = await deployWithFalco("existing");
        const existingValues = ofType(existing, RELEASE).find((r) => r.inputs.chart === "falco")?.inputs.values;
        assert.ok(!(K8S_AUDIT_RULES_FILE in existingValues.customRules), "no audit source, no audit rules");
        assert.equal(existingValues.falco.plugins, undefined);
    });

    it("lets the logging namespace reach the GKE metadata server for Fluentd's Workload Identity in gke mode only", async () => {
        const names = (run: ProgramRun) =>
            ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => p.inputs.metadata.namespace === PLATFORM_NAMESPACES.logging)
                .map((p) => p.inputs.metadata.name as string);
        const gke = names(await deploy("dev", "gke"));
        assert.ok(gke.includes("allow-gke-metadata-egress") && gke.includes("allow-gke-metadata-legacy-egress"), gke.join(", "));
        assert.ok(!names(await deploy("dev", "existing")).some((n) => n.includes("metadata")));
    });

    it("installs the pinned fluentd chart with the GCS image, hardened, shipping container logs and Falco events to the logs bucket", async () => {
        const run = await deploy("prod", "gke");
        const r = fluentd(run);
        assert.equal(r.inputs.chart, "fluentd");
        assert.equal(r.inputs.version, "0.5.3");
        assert.equal(r.inputs.repositoryOpts.repo, "https://fluent.github.io/helm-charts");
        assert.equal(r.inputs.namespace, PLATFORM_NAMESPACES.logging);
        const v = r.inputs.values;
        assert.deepEqual(v.image, { repository: FLUENTD_GCS_IMAGE.repository, tag: FLUENTD_GCS_IMAGE.tag, pullPolicy: "IfNotPresent" });
        assert.match(v.image.tag, /-gcs-/);
        assert.equal(v.kind, "DaemonSet");
        assert.equal(v.securityContext.allowPrivilegeEscalation, false);
        assert.equal(v.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(v.securityContext.capabilities.drop, ["ALL"]);
        assert.equal(v.podSecurityPolicy.enabled, false);
        assert.deepEqual(v.plugins, []);
        const outputs = v.fileConfigs["04_outputs.conf"] as string;
        assert.equal((outputs.match(/@type gcs/g) ?? []).length, 2);
        assert.ok(outputs.includes(`bucket ${bucket(run, "logs").inputs.name}`));
        assert.ok(outputs.includes(`project ${GKE.gcp.project}`));
        assert.ok(outputs.includes("auto_create_bucket false"));
        assert.ok(!/^\s*(keyfile|credentials_json)\s/m.test(outputs), "Workload Identity, no key");
        // Falco's JSON lines are routed (and parsed) separately from other container logs.
        assert.match(outputs, /<match kubernetes\.var\.log\.containers\.\*_falco_falco-\*\.log>[\s\S]*path falco-events\//);
        assert.match(
            v.fileConfigs["02_filters.conf"],
            /<filter kubernetes\.var\.log\.containers\.\*_falco_falco-\*\.log>[\s\S]*@type parser/,
        );
        assert.match(v.fileConfigs["01_sources.conf"], /path \/var\/log\/containers\/\*\.log/);
    });

    it("sets only fluentd value paths verified against the pinned chart's values.yaml and templates", async () => {
        const runs = [];
        for (const env of ["dev", "prod"] as const)
            for (const mode of ["gke", "existing"] as const) runs.push(fluentd(await deploy(env, mode)).inputs.values);
        assert.deepEqual(chartKeyProblems(FLUENTD_CHART_KEYS, FLUENTD_CHART, runs), []);
    });

    it("routes Kubernetes events (exported by GKE to Cloud Logging) to the logs bucket", async () => {
        const run = await deploy("dev", "gke");
        const sink = findResource(run, SINK, "audit-events-sink").inputs;
        assert.equal(
            sink.filter,
            `resource.type="k8s_cluster" AND resource.labels.cluster_name="${GKE.gcp.clusterName}" AND logName="projects/${GKE.gcp.project}/logs/events"`,
        );
        assert.equal(sink.destination, `storage.googleapis.com/${bucket(run, "logs").inputs.name}`);
        assert.ok(findResource(run, BUCKET_IAM, "audit-events-sink-writer"));
    });

    it("sizes Fluentd per environment", async () => {
        const dev = fluentd(await deploy("dev", "existing")).inputs.values.resources;
        const prod = fluentd(await deploy("prod", "existing")).inputs.values.resources;
        assert.deepEqual(dev.limits, { cpu: "500m", memory: "512Mi" });
        assert.deepEqual(prod.limits, { cpu: "1000m", memory: "1Gi" });
    });

    it("creates no gcp: resource in existing-cluster mode and keeps logs in a node archive (or a custom output)", async () => {
        const run = await deploy("prod", "existing");
        assert.deepEqual(
            run.resources.filter((r) => r.type.startsWith("gcp:")).map((r) => r.type),
            [],
        );
        const v = fluentd(run).inputs.values;
        assert.deepEqual(v.serviceAccount.annotations, {});
        const outputs = v.fileConfigs["04_outputs.conf"] as string;
        assert.ok(!outputs.includes("@type gcs"));
        assert.match(outputs, /@type file[\s\S]*\/var\/log\/fluentd-archive\//);
        assert.equal(run.outputs.auditBucketName, undefined);

        const custom = "<match **>\n  @type forward\n  <server>\n    host siem.example.internal\n  </server>\n</match>";
        const customRun = await deploy("dev", "existing", { customOutput: custom });
        assert.ok((fluentd(customRun).inputs.values.fileConfigs["04_outputs.conf"] as string).includes(custom));
    });

    it("encrypts both buckets with a customer key when given and lets the GCS service agent use it", async () => {
        const key = "projects/proj-audit/locations/europe-west1/keyRings/audit/cryptoKeys/logs";
        const run = await deploy("prod", "gke", { kmsKeyName: key });
        for (const suffix of ["audit", "logs"] as const) assert.equal(bucket(run, suffix).inputs.encryption.defaultKmsKeyName, key);
        const grant = findResource(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").inputs;
        assert.equal(grant.cryptoKeyId, key);
        assert.equal(grant.member, "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com");
    });

    it("rejects a retention outside 1..36500 days", async () => {
        await assert.rejects(deploy("dev", "gke", { retentionDays: 0 }), /retentionDays/);
        await assert.rejects(deploy("dev", "gke", { retentionDays: 1.5 }), /retentionDays/);
    });

    it("declares the logging namespace's exemptions (Fluentd) with existing catalogue rule ids", () => {
        const entries = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === PLATFORM_NAMESPACES.logging);
        assert.equal(entries.length, 1);
        for (const id of entries[0].rules) assert.equal(ruleById(id).id, id);
        for (const id of ["pss-baseline-host-path", "pss-restricted-run-as-non-root"]) assert.ok(entries[0].rules.includes(id), id);
        assert.ok(!entries[0].rules.includes("pss-baseline-capabilities"), "Fluentd drops all capabilities");
        assert.equal(podSecurityLevelFor(PLATFORM_NAMESPACES.logging), "privileged");
    });
});
