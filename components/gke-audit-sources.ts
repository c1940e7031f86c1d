// The GKE side of audit logging, created only in gke mode: the cluster's Cloud Audit Logs (Admin Activity +
// Data Access, which are off by default) routed by a log sink into a retention-locked bucket, Kubernetes events
// into a versioned logs bucket, a second audit sink to Pub/Sub for Falco's k8saudit-gke plugin, and the GCP
// identities (with their grants) of Fluentd, Falco and Falco Talon. AuditLogging ships the logs; Falco consumes
// the Pub/Sub source. These resources were children of AuditLogging until they got a component of their own:
// each carries an alias to its old parent, so existing stacks keep them (nothing is replaced).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { FALCO_SERVICE_ACCOUNT, FLUENTD_SERVICE_ACCOUNT, K8sAuditGkeSource, TALON_SERVICE_ACCOUNT } from "../platform/audit-sources";
import { workloadIdentityMember } from "../platform/workload-identity";
import { PlatformComponentArgs } from "../platform/component-args";

export const AUDIT_LOG_NAMES = ["cloudaudit.googleapis.com%2Factivity", "cloudaudit.googleapis.com%2Fdata_access"] as const;
/** Objects move to Coldline after this many days (audit logs are written once and rarely read). */
export const COLDLINE_AFTER_DAYS = 30;
/** The component that declared these resources before this one existed (their aliases point at it). */
export const PREVIOUS_PARENT_TYPE = "secure-gitops:audit:AuditLogging";

/** Pub/Sub subscription Falco's k8saudit-gke plugin pulls from. */
export const FALCO_AUDIT_SUBSCRIPTION = {
    /** The plugin acks right after converting an entry; the client extends the deadline while it works anyway. */
    ackDeadlineSeconds: 60,
    /** Unacked audit entries survive a Falco outage of a long weekend, then are evaluated late rather than never. */
    messageRetentionDuration: `${3 * 86400}s`,
} as const;
/**
 * Lease renewals (every controller, every few seconds) are most of a cluster's audit volume and no k8s_audit
 * rule looks at them: excluded from the Pub/Sub sink only (the k8saudit-gke README suggests this exclusion);
 * the audit bucket still receives them.
 */
export const FALCO_SINK_EXCLUSIONS = [
    {
        name: "lease-renewals",
        filter: 'protoPayload.methodName="io.k8s.coordination.v1.leases.update"',
        description: "Leader-election lease renewals: high volume, no Falco rule",
    },
] as const;

export interface GkeAuditSourcesArgs extends Pick<PlatformComponentArgs, "environment"> {
    project: string;
    /** Bucket location (region or multi-region). */
    location: string;
    /** GKE cluster whose audit logs are routed (resource.labels.cluster_name). */
    clusterName: string;
    /** Days objects are retained; in prod the audit bucket's retention policy is locked. */
    retentionDays: number;
    /** Customer-managed key for both buckets (projects/.../cryptoKeys/...). Defaults to Google-managed keys. */
    kmsKeyName?: string;
}

/** The Cloud Logging filter selecting one cluster's Admin Activity and Data Access audit logs. */
export function auditSinkFilter(clusterName: string): string {
    return `resource.type="k8s_cluster" AND resource.labels.cluster_name="${clusterName}" AND logName:(${AUDIT_LOG_NAMES.map((n) => `"${n}"`).join(" OR ")})`;
}

/** Kubernetes events GKE already exports to Cloud Logging (the Fluentd image has no events input). */
export function eventsSinkFilter(project: string, clusterName: string): string {
    return `resource.type="k8s_cluster" AND resource.labels.cluster_name="${clusterName}" AND logName="projects/${project}/logs/events"`;
}

export class GkeAuditSources extends pulumi.ComponentResource {
    /** Retention-locked (prod) bucket of Cloud Audit Logs and Falco Talon evidence. */
    public readonly auditBucket: gcp.storage.Bucket;
    /** Versioned bucket of container logs, Falco events and Kubernetes events (Fluentd's destination). */
    public readonly logsBucket: gcp.storage.Bucket;
    public readonly auditBucketName: pulumi.Output<string>;
    public readonly logsBucketName: pulumi.Output<string>;
    /** GCP service account Fluentd acts as (Workload Identity) to upload to the logs bucket. */
    public readonly fluentdServiceAccountEmail: pulumi.Output<string>;
    /** GCP service account Falco Talon impersonates to write evidence to the audit bucket. */
    public readonly talonServiceAccountEmail: pulumi.Output<string>;
    /**
     * Falco's Kubernetes audit source (Pub/Sub subscription + Workload Identity service account) for
     * `Falco`'s `k8sAuditGke`. The subscription resolves once the subscriber grant and the Workload Identity
     * binding exist, so a Falco release consuming it waits for them.
     */
    public readonly falcoAuditSource: K8sAuditGkeSource;
    /** URN of the AuditLogging component of the same name, which declared these resources before. */
    private readonly previousParent: pulumi.Output<string>;

    /**
     * `name` must be the name AuditLogging had when it declared these resources ("audit" in index.ts): the child
     * names and the aliases are derived from it.
     */
    constructor(name: string, args: GkeAuditSourcesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:audit:GkeAuditSources", name, {}, opts);
        if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1 || args.retentionDays > 36500) {
            throw new Error(`audit: retentionDays must be an integer between 1 and 36500, got ${args.retentionDays}`);
        }
        // AuditLogging was a direct child of the stack, as this component is.
        this.previousParent = pulumi.createUrn(name, PREVIOUS_PARENT_TYPE);
        const prod = args.environment === "prod";

        const project = args.project;
        // Audit objects must survive a mistaken `pulumi destroy` in prod.
        const bucketOpts: pulumi.CustomResourceOptions = this.moved({ protect: prod });
        const encryption = args.kmsKeyName ? { defaultKmsKeyName: args.kmsKeyName } : undefined;
        const kmsGrant = args.kmsKeyName ? [this.grantStorageServiceAgentOnKey(name, project, args.kmsKeyName)] : [];

        // Audit bucket: a retention policy makes every object undeletable and unchangeable for
        // retentionDays; in prod the policy is locked, which is IRREVERSIBLE (it can never be shortened or
        // removed, and the bucket cannot be deleted before its newest object expires), so dev/staging keep it
        // unlocked to stay disposable. GCS does not allow Object Versioning together with a retention
        // policy; the retention policy is the stronger guarantee (no overwrite, no delete), so versioning is
        // enabled on the logs bucket below instead.
        this.auditBucket = new gcp.storage.Bucket(
            `${name}-audit`,
            {
                project,
                name: `${project}-${args.clusterName}-audit`,
                location: args.location,
                storageClass: "STANDARD",
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                forceDestroy: false,
                retentionPolicy: { retentionPeriod: String(args.retentionDays * 86400), isLocked: prod },
                lifecycleRules: [
                    { action: { type: "SetStorageClass", storageClass: "COLDLINE" }, condition: { age: COLDLINE_AFTER_DAYS } },
                    { action: { type: "Delete" }, condition: { age: args.retentionDays + 1 } },
                ],
                encryption,
                labels: { purpose: "audit-logs", environment: args.environment },
            },
            { ...bucketOpts, dependsOn: kmsGrant },
        );

        // Logs bucket, separate from the audit bucket: Fluentd runs on every node, so its identity is the
        // most exposed; it can only add objects here and never touch the Cloud Audit Logs. Versioned (no
        // retention policy), so an overwrite keeps the previous version.
        this.logsBucket = new gcp.storage.Bucket(
            `${name}-logs`,
            {
                project,
                name: `${project}-${args.clusterName}-logs`,
                location: args.location,
                storageClass: "STANDARD",
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                forceDestroy: false,
                versioning: { enabled: true },
                lifecycleRules: [
                    { action: { type: "SetStorageClass", storageClass: "COLDLINE" }, condition: { age: COLDLINE_AFTER_DAYS } },
                    { action: { type: "Delete" }, condition: { age: args.retentionDays } },
                    { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
                ],
                encryption,
                labels: { purpose: "platform-logs", environment: args.environment },
            },
            { ...bucketOpts, dependsOn: kmsGrant },
        );
        this.auditBucketName = this.auditBucket.name;
        this.logsBucketName = this.logsBucket.name;

        // Data Access audit logs are off by default: enable reads and writes of the GKE API (who read which
        // Secret). Authoritative for container.googleapis.com only.
        new gcp.projects.IAMAuditConfig(
            `${name}-gke-data-access`,
            { project, service: "container.googleapis.com", auditLogConfigs: [{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }] },
            this.moved(),
        );

        const auditSink = new gcp.logging.ProjectSink(
            `${name}-audit-sink`,
            {
                project,
                name: `${args.clusterName}-k8s-audit`,
                destination: pulumi.interpolate`storage.googleapis.com/${this.auditBucket.name}`,
                filter: auditSinkFilter(args.clusterName),
                uniqueWriterIdentity: true,
                description: `Admin Activity and Data Access audit logs of GKE cluster ${args.clusterName}`,
            },
            this.moved(),
        );
        new gcp.storage.BucketIAMMember(
            `${name}-audit-sink-writer`,
            { bucket: this.auditBucket.name, role: "roles/storage.objectCreator", member: auditSink.writerIdentity },
            this.moved(),
        );

        const eventsSink = new gcp.logging.ProjectSink(
            `${name}-events-sink`,
            {
                project,
                name: `${args.clusterName}-k8s-events`,
                destination: pulumi.interpolate`storage.googleapis.com/${this.logsBucket.name}`,
                filter: eventsSinkFilter(project, args.clusterName),
                uniqueWriterIdentity: true,
                description: `Kubernetes events of GKE cluster ${args.clusterName}`,
            },
            this.moved(),
        );
        new gcp.storage.BucketIAMMember(
            `${name}-events-sink-writer`,
            { bucket: this.logsBucket.name, role: "roles/storage.objectCreator", member: eventsSink.writerIdentity },
            this.moved(),
        );

        // Fluentd's identity. fluent-plugin-gcs looks the bucket up (storage.buckets.get) and checks whether an
        // object name is taken before uploading (storage.objects.get), so objectCreator alone fails; a custom
        // role grants exactly those two plus create - no list, no delete, no overwrite.
        const fluentdRole = new gcp.projects.IAMCustomRole(
            `${name}-fluentd-writer-role`,
            {
                project,
                roleId: `fluentdGcsWriter_${args.environment}`,
                title: "Fluentd GCS writer",
                description: "Upload log objects with fluent-plugin-gcs: bucket lookup, object existence check, object create.",
                permissions: ["storage.buckets.get", "storage.objects.get", "storage.objects.create"],
            },
            this.moved(),
        );
        const fluentdGsa = new gcp.serviceaccount.Account(
            `${name}-fluentd-gsa`,
            { project, accountId: `fluentd-${args.environment}`, displayName: `Fluentd log shipper (${args.environment})` },
            this.moved(),
        );
        new gcp.storage.BucketIAMMember(
            `${name}-fluentd-writer`,
            { bucket: this.logsBucket.name, role: fluentdRole.name, member: fluentdGsa.member },
            this.moved(),
        );
        new gcp.serviceaccount.IAMMember(
            `${name}-fluentd-workload-identity`,
            {
                serviceAccountId: fluentdGsa.name,
                role: "roles/iam.workloadIdentityUser",
                member: workloadIdentityMember(project, PLATFORM_NAMESPACES.logging, FLUENTD_SERVICE_ACCOUNT),
            },
            this.moved(),
        );
        this.fluentdServiceAccountEmail = fluentdGsa.email;

        // Falco Talon writes incident evidence next to the audit logs, under the same retention lock.
        const talonGsa = new gcp.serviceaccount.Account(
            `${name}-talon-gsa`,
            { project, accountId: `falco-talon-${args.environment}`, displayName: `Falco Talon evidence writer (${args.environment})` },
            this.moved(),
        );
        new gcp.storage.BucketIAMMember(
            `${name}-talon-writer`,
            { bucket: this.auditBucket.name, role: "roles/storage.objectCreator", member: talonGsa.member },
            this.moved(),
        );
        new gcp.serviceaccount.IAMMember(
            `${name}-talon-workload-identity`,
            {
                serviceAccountId: talonGsa.name,
                role: "roles/iam.workloadIdentityUser",
                member: workloadIdentityMember(project, PLATFORM_NAMESPACES.falco, TALON_SERVICE_ACCOUNT),
            },
            this.moved(),
        );
        this.talonServiceAccountEmail = talonGsa.email;
        this.falcoAuditSource = this.falcoAuditSourceFor(name, args);

        this.registerOutputs({
            auditBucketName: this.auditBucketName,
            logsBucketName: this.logsBucketName,
            fluentdServiceAccountEmail: this.fluentdServiceAccountEmail,
            talonServiceAccountEmail: this.talonServiceAccountEmail,
            falcoAuditSubscription: this.falcoAuditSource.subscription,
        });
    }

    /** Options of every child: parented here, aliased to the same name under the previous parent. */
    private moved(extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { ...extra, parent: this, aliases: [{ parent: this.previousParent }] };
    }

    /**
     * Falco's Kubernetes audit source. GKE's API server has no audit webhook backend (its audit events exist only
     * as Cloud Audit Logs), so Falco cannot receive them the usual way (k8saudit plugin as webhook). Instead a
     * second sink with the audit bucket sink's filter publishes the entries to a Pub/Sub topic, and Falco's
     * k8saudit-gke plugin pulls them from a subscription and rebuilds audit.k8s.io events for the k8s_audit rules.
     */
    private falcoAuditSourceFor(name: string, g: GkeAuditSourcesArgs): K8sAuditGkeSource {
        const environment = g.environment;
        const project = g.project;
        const resourceName = `${g.clusterName}-k8s-audit-falco`;
        const labels = { purpose: "falco-k8s-audit", environment };
        const topic = new gcp.pubsub.Topic(`${name}-falco-audit-topic`, { project, name: resourceName, labels }, this.moved());
        const sink = new gcp.logging.ProjectSink(
            `${name}-falco-audit-sink`,
            {
                project,
                name: resourceName,
                destination: pulumi.interpolate`pubsub.googleapis.com/projects/${project}/topics/${topic.name}`,
                filter: auditSinkFilter(g.clusterName),
                exclusions: FALCO_SINK_EXCLUSIONS.map((e) => ({ ...e })),
                // Its own writer identity, granted publish on this topic only (not the project-wide logging agent).
                uniqueWriterIdentity: true,
                description: `Audit logs of GKE cluster ${g.clusterName} for Falco (k8saudit-gke plugin)`,
            },
            this.moved(),
        );
        new gcp.pubsub.TopicIAMMember(
            `${name}-falco-audit-sink-publisher`,
            { project, topic: topic.name, role: "roles/pubsub.publisher", member: sink.writerIdentity },
            this.moved(),
        );
        const subscription = new gcp.pubsub.Subscription(
            `${name}-falco-audit-sub`,
            {
                project,
                name: resourceName,
                topic: topic.name, // same project: the name is enough
                ackDeadlineSeconds: FALCO_AUDIT_SUBSCRIPTION.ackDeadlineSeconds,
                messageRetentionDuration: FALCO_AUDIT_SUBSCRIPTION.messageRetentionDuration,
                retainAckedMessages: false,
                // Pub/Sub deletes a subscription after 31 idle days by default (a cluster without API activity, or
                // Falco down for a month); an empty TTL means never.
                expirationPolicy: { ttl: "" },
                // Every node's Falco pod pulls from this one subscription and Pub/Sub hands each entry to one of
                // them; exactly-once keeps a redelivery from alerting twice (the plugin README's pattern for several
                // plugin instances on one subscription; subscribers in the cluster's region).
                enableExactlyOnceDelivery: true,
                labels,
            },
            this.moved(),
        );

        // The plugin's identity: pull and ack on this subscription only. Subscription.Receive (StreamingPull,
        // ModifyAckDeadline, Acknowledge) needs pubsub.subscriptions.consume and no subscriptions.get, so no viewer
        // role; fetch_cluster_metadata stays off (components/falco.ts), so no container.clusterViewer either.
        const gsa = new gcp.serviceaccount.Account(
            `${name}-falco-gsa`,
            { project, accountId: `falco-audit-${environment}`, displayName: `Falco k8saudit-gke subscriber (${environment})` },
            this.moved(),
        );
        const subscriber = new gcp.pubsub.SubscriptionIAMMember(
            `${name}-falco-subscriber`,
            { project, subscription: subscription.name, role: "roles/pubsub.subscriber", member: gsa.member },
            this.moved(),
        );
        const workloadIdentity = new gcp.serviceaccount.IAMMember(
            `${name}-falco-workload-identity`,
            {
                serviceAccountId: gsa.name,
                role: "roles/iam.workloadIdentityUser",
                member: workloadIdentityMember(project, PLATFORM_NAMESPACES.falco, FALCO_SERVICE_ACCOUNT),
            },
            this.moved(),
        );
        return {
            projectId: project,
            // Carries the grants as dependencies: Falco starts pulling only once it is allowed to.
            subscription: pulumi
                .all([subscription.name, subscriber.id, workloadIdentity.id])
                .apply(([subscriptionName]) => subscriptionName),
            gcpServiceAccountEmail: gsa.email,
        };
    }

    /** Cloud Storage encrypts with the key through its per-project service agent. */
    private grantStorageServiceAgentOnKey(name: string, project: string, kmsKeyName: string): gcp.kms.CryptoKeyIAMMember {
        const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this });
        return new gcp.kms.CryptoKeyIAMMember(
            `${name}-gcs-kms`,
            {
                cryptoKeyId: kmsKeyName,
                role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member: pulumi.interpolate`serviceAccount:service-${projectInfo.number}@gs-project-accounts.iam.gserviceaccount.com`,
            },
            this.moved(),
        );
    }
}
