// Audit logging in the cluster: Fluentd from the official fluent chart shipping container logs and Falco's
// events. In gke mode it writes to the logs bucket of GkeAuditSources (components/gke-audit-sources.ts, which
// also routes the Cloud Audit Logs) as that component's Fluentd GCP identity; without GCP (existing-cluster
// mode) it writes to an archive on the node (or to an operator-supplied output).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { httpsEgress, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { FLUENTD_SERVICE_ACCOUNT } from "../platform/audit-sources";
import { gkeMetadataServerEgress } from "../platform/workload-identity";
import { res, Resources } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

export const FLUENTD_CHART = CHART_PINS.fluentd;

/**
 * The chart's default image (fluent/fluentd-kubernetes-daemonset, variant elasticsearch) has no GCS output.
 * The `debian-gcs` variant of the same official image bundles fluent-plugin-gcs 0.4.4 (plus
 * kubernetes_metadata_filter, rewrite-tag-filter, multi-format-parser) - see docker-image/v1.19/debian-gcs/Gemfile
 * in fluent/fluentd-kubernetes-daemonset. Pinned by tag; pass a digest-pinned mirror through `image`.
 */
export const FLUENTD_GCS_IMAGE = { repository: "fluent/fluentd-kubernetes-daemonset", tag: "v1.19.0-debian-gcs-1.1" } as const;

export { FLUENTD_SERVICE_ACCOUNT };
/** Falco's DaemonSet pods log to files named <pod>_<namespace>_<container>-<id>.log. */
export const FALCO_LOG_TAG = `kubernetes.var.log.containers.*_${PLATFORM_NAMESPACES.falco}_falco-*.log`;
/** Where Fluentd keeps read positions and upload buffers: on the node, so restarts neither lose nor resend. */
const BUFFER_DIR = "/var/log/fluentd-buffers";

/** Where Fluentd ships to in gke mode (the logs bucket and identity GkeAuditSources creates). */
export interface AuditLoggingGcsArgs {
    project: string;
    /** The logs bucket (never the audit bucket: Fluentd's identity is the most exposed). */
    bucketName: pulumi.Input<string>;
    /** GCP service account Fluentd's Kubernetes service account is annotated with (Workload Identity). */
    serviceAccountEmail: pulumi.Input<string>;
}

export interface AuditLoggingArgs extends PlatformComponentArgs {
    /** GCS destination in gke mode; omit in existing-cluster mode (logs then go to a node archive). */
    gcs?: AuditLoggingGcsArgs;
    /** Fluentd image with fluent-plugin-gcs. Defaults to the official debian-gcs variant (FLUENTD_GCS_IMAGE). */
    image?: { repository: string; tag: string };
    /**
     * A Fluentd `<match **>` block for the @OUTPUT label replacing the destination (e.g. forward to a SIEM).
     * Defaults to GCS in gke mode, a compressed archive under /var/log/fluentd-archive on each node otherwise.
     */
    customOutput?: string;
}

/** Per-environment sizing of the Fluentd DaemonSet (per node). */
export function fluentdResources(environment: EnvironmentName): Resources {
    return environment === "prod" ? res("200m", "512Mi", "1000m", "1Gi") : res("100m", "256Mi", "500m", "512Mi");
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
export function fluentdFileConfigs(
    output: { kind: "gcs"; project: string; bucket: string } | { kind: "archive" } | { kind: "custom"; config: string },
): Record<string, string> {
    const outputs =
        output.kind === "gcs"
            ? [
                  gcsMatch("out_gcs_falco", FALCO_LOG_TAG, output.project, output.bucket, "falco-events"),
                  gcsMatch("out_gcs_containers", "**", output.project, output.bucket, "containers"),
              ]
            : output.kind === "archive"
              ? [
                    archiveMatch("out_archive_falco", FALCO_LOG_TAG, "falco-events"),
                    archiveMatch("out_archive_containers", "**", "containers"),
                ]
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

    constructor(name: string, args: AuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:audit:AuditLogging", name, {}, opts);
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.logging;
        const gcs = args.gcs;

        const output = args.customOutput ? "custom" : gcs ? "gcs" : "archive";
        const fileConfigs: pulumi.Input<Record<string, string>> = args.customOutput
            ? fluentdFileConfigs({ kind: "custom", config: args.customOutput })
            : gcs
              ? pulumi.output(gcs.bucketName).apply((bucket) => fluentdFileConfigs({ kind: "gcs", project: gcs.project, bucket }))
              : fluentdFileConfigs({ kind: "archive" });

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
                    ...(gcs ? gkeMetadataServerEgress() : []),
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
                chartSource: args.charts,
                namespace: namespaceName,
                values: {
                    kind: "DaemonSet",
                    variant: "gcs", // only names the chart's default image tag, which `image.tag` overrides
                    image: { repository: image.repository, tag: image.tag, pullPolicy: "IfNotPresent" },
                    serviceAccount: {
                        create: true,
                        name: FLUENTD_SERVICE_ACCOUNT,
                        annotations: gcs ? { "iam.gke.io/gcp-service-account": gcs.serviceAccountEmail } : {},
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

        this.registerOutputs({ namespace: this.namespace, output });
    }
}
