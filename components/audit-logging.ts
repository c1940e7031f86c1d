// Audit logging: (a) on GCP, the cluster's Cloud Audit Logs (Admin Activity + Data Access, which are off by
// default) routed by a log sink into a retention-locked bucket and by a second sink to Pub/Sub for Falco's
// k8saudit-gke plugin, and buckets/identities for Fluentd, Falco and Falco Talon; (b) in the cluster, Fluentd from the official fluent chart shipping container logs and Falco's events
// to GCS. Without a GCP project (existing-cluster mode) no `gcp:` resource is created and Fluentd writes to
// an archive on the node (or to an operator-supplied output).
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { httpsEgress, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { FALCO_SERVICE_ACCOUNT, K8sAuditGkeSource, TALON_SERVICE_ACCOUNT } from "./falco";
import { gkeMetadataServerEgress, workloadIdentityMember } from "../platform/workload-identity";
import { res, Resources } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";

export const FLUENTD_CHART = {
    chart: "fluentd",
    version: "0.5.3", // chart appVersion v1.17.1; the image (Fluentd 1.19) is set explicitly, see FLUENTD_GCS_IMAGE
    repo: "https://fluent.github.io/helm-charts",
} as const;

/**
 * The chart's default image (fluent/fluentd-kubernetes-daemonset, variant elasticsearch) has no GCS output.
 * The `debian-gcs` variant of the same official image bundles fluent-plugin-gcs 0.4.4 (plus
 * kubernetes_metadata_filter, rewrite-tag-filter, multi-format-parser) - see docker-image/v1.19/debian-gcs/Gemfile
 * in fluent/fluentd-kubernetes-daemonset. Pinned by tag; pass a digest-pinned mirror through `image`.
 */
export const FLUENTD_GCS_IMAGE = { repository: "fluent/fluentd-kubernetes-daemonset", tag: "v1.19.0-debian-gcs-1.1" } as const;

export const FLUENTD_SERVICE_ACCOUNT = "fluentd";
export const AUDIT_LOG_NAMES = ["cloudaudit.googleapis.com%2Factivity", "cloudaudit.googleapis.com%2Fdata_access"] as const;
/** Falco's DaemonSet pods log to files named <pod>_<namespace>_<container>-<id>.log. */
export const FALCO_LOG_TAG = `kubernetes.var.log.containers.*_${PLATFORM_NAMESPACES.falco}_falco-*.log`;
/** Where Fluentd keeps read positions and upload buffers: on the node, so restarts neither lose nor resend. */
const BUFFER_DIR = "/var/log/fluentd-buffers";
/** Objects move to Coldline after this many days (audit logs are written once and rarely read). */
export const COLDLINE_AFTER_DAYS = 30;

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
    { name: "lease-renewals", filter: 'protoPayload.methodName="io.k8s.coordination.v1.leases.update"', description: "Leader-election lease renewals: high volume, no Falco rule" },
] as const;

export interface AuditLoggingGcpArgs {
    project: string;
    /** Bucket location (region or multi-region). */
    location: string;
    /** GKE cluster whose audit logs are routed (resource.labels.cluster_name). */
    clusterName: string;
    /** Customer-managed key for both buckets (projects/.../cryptoKeys/...); Google-managed when omitted. */
    kmsKeyName?: string;
}

export interface AuditLoggingArgs {
    provider: k8s.Provider;
    /** Resources to install after (the Gatekeeper constraints); the component's `dependsOn` option works too. */
    dependsOn?: pulumi.Resource[];
    /**
     * Control plane CIDRs. HTTPS egress (443) is open for Google APIs and registries anyway; this adds the
     * API server on 6443 too, for existing clusters whose API server does not listen on 443.
     */
    apiServerCidrs?: string[];
    environment: EnvironmentName;
    /** Days objects are retained; in prod the audit bucket's retention policy is locked. */
    retentionDays: number;
    /** GCP part; omit in existing-cluster mode (no gcp: resource is then created). */
    gcp?: AuditLoggingGcpArgs;
    /** Fluentd image with fluent-plugin-gcs (default: the official debian-gcs variant, see FLUENTD_GCS_IMAGE). */
    image?: { repository: string; tag: string };
    /**
     * A Fluentd `<match **>` block for the @OUTPUT label replacing the default destination (e.g. forward to
     * a SIEM). Default: GCS in gke mode, a compressed archive under /var/log/fluentd-archive on each node otherwise.
     */
    customOutput?: string;
}

/** Per-environment sizing of the Fluentd DaemonSet (per node). */
export function fluentdResources(environment: EnvironmentName): Resources {
    return environment === "prod" ? res("200m", "512Mi", "1000m", "1Gi") : res("100m", "256Mi", "500m", "512Mi");
}

/** The Cloud Logging filter selecting one cluster's Admin Activity and Data Access audit logs. */
export function auditSinkFilter(clusterName: string): string {
    return `resource.type="k8s_cluster" AND resource.labels.cluster_name="${clusterName}" AND logName:(${AUDIT_LOG_NAMES.map((n) => `"${n}"`).join(" OR ")})`;
}

/** Kubernetes events GKE already exports to Cloud Logging (the Fluentd image has no events input). */
export function eventsSinkFilter(project: string, clusterName: string): string {
    return `resource.type="k8s_cluster" AND resource.labels.cluster_name="${clusterName}" AND logName="projects/${project}/logs/events"`;
}

function gcsMatch(id: string, pattern: string, project: string, bucket: string, prefix: string): string {
    return `<match ${pattern}>
  @type gcs
  @id ${id}
  project ${project}
  bucket ${bucket}
  # Workload Identity: no keyfile, the Google client uses the pod's federated credentials.
  auto_create_bucket false
  path ${prefix}/%Y/%m/%d/
  object_key_format %{path}%{hostname}_%{time_slice}_%{hex_random}_%{index}.%{file_extension}
  store_as gzip
  <buffer time>
    @type file
    path ${BUFFER_DIR}/${id}
    timekey 600
    timekey_wait 60
    timekey_use_utc true
    flush_at_shutdown true
    retry_forever true
  </buffer>
  <format>
    @type json
  </format>
</match>`;
}

function archiveMatch(id: string, pattern: string, prefix: string): string {
    return `<match ${pattern}>
  @type file
  @id ${id}
  path /var/log/fluentd-archive/${prefix}/%Y%m%d/\${tag}
  compress gzip
  append true
  <buffer tag,time>
    @type file
    path ${BUFFER_DIR}/${id}
    timekey 3600
    timekey_wait 60
    timekey_use_utc true
  </buffer>
  <format>
    @type json
  </format>
</match>`;
}

/** The chart's `fileConfigs`: sources, enrichment, Falco routing and the output. */
export function fluentdFileConfigs(output: { kind: "gcs"; project: string; bucket: string } | { kind: "archive" } | { kind: "custom"; config: string }): Record<string, string> {
    const outputs =
        output.kind === "gcs"
            ? [gcsMatch("out_gcs_falco", FALCO_LOG_TAG, output.project, output.bucket, "falco-events"), gcsMatch("out_gcs_containers", "**", output.project, output.bucket, "containers")]
            : output.kind === "archive"
              ? [archiveMatch("out_archive_falco", FALCO_LOG_TAG, "falco-events"), archiveMatch("out_archive_containers", "**", "containers")]
              : [output.config];
    return {
        "01_sources.conf": `<source>
  @type tail
  @id in_tail_container_logs
  @label @KUBERNETES
  path /var/log/containers/*.log
  # Fluentd's own logs are not re-ingested (feedback loop).
  exclude_path ["/var/log/containers/fluentd-*_${PLATFORM_NAMESPACES.logging}_*.log"]
  pos_file ${BUFFER_DIR}/containers.log.pos
  tag kubernetes.*
  read_from_head true
  <parse>
    @type multi_format
    <pattern>
      format json
      time_key time
      time_type string
      time_format "%Y-%m-%dT%H:%M:%S.%NZ"
      keep_time_key false
    </pattern>
    <pattern>
      format regexp
      expression /^(?<time>.+) (?<stream>stdout|stderr)( (.))? (?<log>.*)$/
      time_format '%Y-%m-%dT%H:%M:%S.%NZ'
      keep_time_key false
    </pattern>
  </parse>
  emit_unmatched_lines true
</source>
<source>
  @type prometheus
  bind 0.0.0.0
  port 24231
  metrics_path /metrics
</source>`,
        "02_filters.conf": `<label @KUBERNETES>
  <filter kubernetes.**>
    @type kubernetes_metadata
    @id filter_kube_metadata
    skip_labels false
    skip_container_metadata false
    skip_namespace_metadata true
    skip_master_url true
  </filter>
  # Falco writes one JSON event per line (json_output): parse it so the event's rule, priority, tags and
  # output_fields are queryable fields; non-JSON lines (Falco's own logs) pass through unchanged.
  <filter ${FALCO_LOG_TAG}>
    @type parser
    @id filter_falco_events
    key_name log
    reserve_data true
    remove_key_name_field false
    emit_invalid_record_to_error false
    <parse>
      @type json
    </parse>
  </filter>
  <match **>
    @type relabel
    @label @DISPATCH
  </match>
</label>`,
        "03_dispatch.conf": `<label @DISPATCH>
  <filter **>
    @type prometheus
    <metric>
      name fluentd_input_status_num_records_total
      type counter
      desc The total number of incoming records
      <labels>
        tag \${tag}
        hostname \${hostname}
      </labels>
    </metric>
  </filter>
  <match **>
    @type relabel
    @label @OUTPUT
  </match>
</label>`,
        "04_outputs.conf": `<label @OUTPUT>
${outputs.join("\n")}
</label>`,
    };
}

export class AuditLogging extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** Retention-locked (prod) bucket of Cloud Audit Logs and Falco Talon evidence; gke mode only. */
    public readonly auditBucketName?: pulumi.Output<string>;
    /** Versioned bucket of container logs, Falco events and Kubernetes events; gke mode only. */
    public readonly logsBucketName?: pulumi.Output<string>;
    /** GCP service account Falco Talon impersonates to write evidence to the audit bucket; gke mode only. */
    public readonly talonServiceAccountEmail?: pulumi.Output<string>;
    /**
     * Falco's Kubernetes audit source (Pub/Sub subscription + Workload Identity service account) for
     * `Falco`'s `k8sAuditGke`; gke mode only. The subscription resolves once the subscriber grant and the
     * Workload Identity binding exist, so a Falco release consuming it waits for them.
     */
    public readonly falcoAuditSource?: K8sAuditGkeSource;
    public readonly auditBucket?: gcp.storage.Bucket;
    public readonly logsBucket?: gcp.storage.Bucket;

    constructor(name: string, args: AuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:audit:AuditLogging", name, {}, opts);
        if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1 || args.retentionDays > 36500) {
            throw new Error(`audit: retentionDays must be an integer between 1 and 36500, got ${args.retentionDays}`);
        }
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.logging;
        const prod = args.environment === "prod";

        let gcpServiceAccountEmail: pulumi.Output<string> | undefined;
        let outputKind: "gcs" | "archive" | "custom" = args.customOutput ? "custom" : "archive";
        let fileConfigs: pulumi.Input<Record<string, string>> = fluentdFileConfigs(
            args.customOutput ? { kind: "custom", config: args.customOutput } : { kind: "archive" },
        );

        if (args.gcp) {
            const g = args.gcp;
            const project = g.project;
            // Audit objects must survive a mistaken `pulumi destroy` in prod.
            const bucketOpts: pulumi.CustomResourceOptions = { parent: this, protect: prod };
            const encryption = g.kmsKeyName ? { defaultKmsKeyName: g.kmsKeyName } : undefined;
            const kmsGrant = g.kmsKeyName ? [this.grantStorageServiceAgentOnKey(name, project, g.kmsKeyName)] : [];

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
                    name: `${project}-${g.clusterName}-audit`,
                    location: g.location,
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
                    name: `${project}-${g.clusterName}-logs`,
                    location: g.location,
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
                { parent: this },
            );

            const auditSink = new gcp.logging.ProjectSink(
                `${name}-audit-sink`,
                {
                    project,
                    name: `${g.clusterName}-k8s-audit`,
                    destination: pulumi.interpolate`storage.googleapis.com/${this.auditBucket.name}`,
                    filter: auditSinkFilter(g.clusterName),
                    uniqueWriterIdentity: true,
                    description: `Admin Activity and Data Access audit logs of GKE cluster ${g.clusterName}`,
                },
                { parent: this },
            );
            new gcp.storage.BucketIAMMember(
                `${name}-audit-sink-writer`,
                { bucket: this.auditBucket.name, role: "roles/storage.objectCreator", member: auditSink.writerIdentity },
                { parent: this },
            );

            const eventsSink = new gcp.logging.ProjectSink(
                `${name}-events-sink`,
                {
                    project,
                    name: `${g.clusterName}-k8s-events`,
                    destination: pulumi.interpolate`storage.googleapis.com/${this.logsBucket.name}`,
                    filter: eventsSinkFilter(project, g.clusterName),
                    uniqueWriterIdentity: true,
                    description: `Kubernetes events of GKE cluster ${g.clusterName}`,
                },
                { parent: this },
            );
            new gcp.storage.BucketIAMMember(
                `${name}-events-sink-writer`,
                { bucket: this.logsBucket.name, role: "roles/storage.objectCreator", member: eventsSink.writerIdentity },
                { parent: this },
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
                { parent: this },
            );
            const fluentdGsa = new gcp.serviceaccount.Account(
                `${name}-fluentd-gsa`,
                { project, accountId: `fluentd-${args.environment}`, displayName: `Fluentd log shipper (${args.environment})` },
                { parent: this },
            );
            new gcp.storage.BucketIAMMember(
                `${name}-fluentd-writer`,
                { bucket: this.logsBucket.name, role: fluentdRole.name, member: fluentdGsa.member },
                { parent: this },
            );
            new gcp.serviceaccount.IAMMember(
                `${name}-fluentd-workload-identity`,
                {
                    serviceAccountId: fluentdGsa.name,
                    role: "roles/iam.workloadIdentityUser",
                    member: workloadIdentityMember(project, namespaceName, FLUENTD_SERVICE_ACCOUNT),
                },
                { parent: this },
            );
            gcpServiceAccountEmail = fluentdGsa.email;

            // Falco Talon writes incident evidence next to the audit logs, under the same retention lock.
            const talonGsa = new gcp.serviceaccount.Account(
                `${name}-talon-gsa`,
                { project, accountId: `falco-talon-${args.environment}`, displayName: `Falco Talon evidence writer (${args.environment})` },
                { parent: this },
            );
            new gcp.storage.BucketIAMMember(
                `${name}-talon-writer`,
                { bucket: this.auditBucket.name, role: "roles/storage.objectCreator", member: talonGsa.member },
                { parent: this },
            );
            new gcp.serviceaccount.IAMMember(
                `${name}-talon-workload-identity`,
                {
                    serviceAccountId: talonGsa.name,
                    role: "roles/iam.workloadIdentityUser",
                    member: workloadIdentityMember(project, PLATFORM_NAMESPACES.falco, TALON_SERVICE_ACCOUNT),
                },
                { parent: this },
            );
            this.talonServiceAccountEmail = talonGsa.email;
            this.falcoAuditSource = this.falcoAuditSourceFor(name, g, args.environment);

            if (!args.customOutput) {
                outputKind = "gcs";
                fileConfigs = this.logsBucket.name.apply((bucket) => fluentdFileConfigs({ kind: "gcs", project, bucket }));
            }
        }

        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                name: namespaceName,
                allowEgress: [
                    ...httpsEgress(
                        "Fluentd enriches records through the Kubernetes API and uploads them to Cloud Storage (HTTPS).",
                        args.apiServerCidrs,
                    ),
                    // Fluentd's Workload Identity token (gke mode) comes from the GKE metadata server.
                    ...(args.gcp ? gkeMetadataServerEgress() : []),
                ],
            },
            { parent: this },
        );
        this.namespace = namespace.name;

        const image = args.image ?? FLUENTD_GCS_IMAGE;
        this.release = pinnedRelease(
            `${name}-fluentd`,
            FLUENTD_CHART,
            {
                releaseName: "fluentd",
                namespace: namespaceName,
                values: {
                    kind: "DaemonSet",
                    variant: "gcs", // only names the chart's default image tag, which `image.tag` overrides
                    image: { repository: image.repository, tag: image.tag, pullPolicy: "IfNotPresent" },
                    serviceAccount: {
                        create: true,
                        name: FLUENTD_SERVICE_ACCOUNT,
                        annotations: gcpServiceAccountEmail ? { "iam.gke.io/gcp-service-account": gcpServiceAccountEmail } : {},
                    },
                    rbac: { create: true },
                    // PodSecurityPolicy was removed in Kubernetes 1.25.
                    podSecurityPolicy: { enabled: false },
                    // Ownership labels (metadata-required-labels) on the DaemonSet and its pods; the chart sets the
                    // name. Its Service takes no extra labels (warned at admission, advisory).
                    labels: { "app.kubernetes.io/part-of": "audit-logging" },
                    podLabels: { "app.kubernetes.io/part-of": "audit-logging" },
                    // Root (owner of the node's log files) but without any capability, escalation or writable image.
                    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    securityContext: {
                        runAsUser: 0,
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        privileged: false,
                        capabilities: { drop: ["ALL"] },
                    },
                    resources: fluentdResources(args.environment),
                    mountVarLogDirectory: true,
                    // GKE nodes run containerd: logs live under /var/log/pods, no /var/lib/docker/containers.
                    mountDockerContainersDirectory: false,
                    volumes: [{ name: "tmp", emptyDir: {} }],
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    plugins: [], // no gem installs at start: the image is the whole supply chain
                    fileConfigs,
                },
            },
            { parent: this, provider, dependsOn: [namespace, ...admissionGates(args, opts)] },
        );

        this.registerOutputs({
            namespace: this.namespace,
            auditBucketName: this.auditBucketName,
            logsBucketName: this.logsBucketName,
            talonServiceAccountEmail: this.talonServiceAccountEmail,
            falcoAuditSubscription: this.falcoAuditSource?.subscription,
            output: outputKind,
        });
    }

    /**
     * Falco's Kubernetes audit source. GKE's API server has no audit webhook backend (its audit events exist only
     * as Cloud Audit Logs), so Falco cannot receive them the usual way (k8saudit plugin as webhook). Instead a
     * second sink with the audit bucket sink's filter publishes the entries to a Pub/Sub topic, and Falco's
     * k8saudit-gke plugin pulls them from a subscription and rebuilds audit.k8s.io events for the k8s_audit rules.
     */
    private falcoAuditSourceFor(name: string, g: AuditLoggingGcpArgs, environment: EnvironmentName): K8sAuditGkeSource {
        const project = g.project;
        const resourceName = `${g.clusterName}-k8s-audit-falco`;
        const labels = { purpose: "falco-k8s-audit", environment };
        const topic = new gcp.pubsub.Topic(`${name}-falco-audit-topic`, { project, name: resourceName, labels }, { parent: this });
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
            { parent: this },
        );
        new gcp.pubsub.TopicIAMMember(
            `${name}-falco-audit-sink-publisher`,
            { project, topic: topic.name, role: "roles/pubsub.publisher", member: sink.writerIdentity },
            { parent: this },
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
            { parent: this },
        );

        // The plugin's identity: pull and ack on this subscription only. Subscription.Receive (StreamingPull,
        // ModifyAckDeadline, Acknowledge) needs pubsub.subscriptions.consume and no subscriptions.get, so no viewer
        // role; fetch_cluster_metadata stays off (components/falco.ts), so no container.clusterViewer either.
        const gsa = new gcp.serviceaccount.Account(
            `${name}-falco-gsa`,
            { project, accountId: `falco-audit-${environment}`, displayName: `Falco k8saudit-gke subscriber (${environment})` },
            { parent: this },
        );
        const subscriber = new gcp.pubsub.SubscriptionIAMMember(
            `${name}-falco-subscriber`,
            { project, subscription: subscription.name, role: "roles/pubsub.subscriber", member: gsa.member },
            { parent: this },
        );
        const workloadIdentity = new gcp.serviceaccount.IAMMember(
            `${name}-falco-workload-identity`,
            {
                serviceAccountId: gsa.name,
                role: "roles/iam.workloadIdentityUser",
                member: workloadIdentityMember(project, PLATFORM_NAMESPACES.falco, FALCO_SERVICE_ACCOUNT),
            },
            { parent: this },
        );
        return {
            projectId: project,
            // Carries the grants as dependencies: Falco starts pulling only once it is allowed to.
            subscription: pulumi.all([subscription.name, subscriber.id, workloadIdentity.id]).apply(([subscriptionName]) => subscriptionName),
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
            { parent: this },
        );
    }
}
