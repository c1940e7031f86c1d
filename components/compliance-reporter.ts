// The scheduled compliance reporter: `npm run report --in-cluster` as three CronJobs (daily, weekly, monthly)
// in a namespace of its own (PSS restricted, default-deny plus the API server and, in gke mode, Cloud
// Storage), under a ClusterRole that can only get and list exactly the report kinds (our catalogue's
// constraint kinds, the Trivy operator's reports, Events for Falco Talon's). Reports go to
// `<stack>/<yyyy>/<mm>/<dd>/<kind>/report.{json,md,html,sarif}` on a volume (the previous report of each kind
// gives the trend) and, in gke mode, to a new bucket with a retention policy (locked in prod) that its Workload
// Identity writer can add objects to but never delete or overwrite.
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformComponentArgs } from "../platform/component-args";
import { admissionGates } from "../platform/admission-gates";
import { gkeMetadataServerEgress, workloadIdentityMember } from "../platform/workload-identity";
import { res, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "../platform/workload-sizing";
import { ReporterConfig } from "../stacks/types";
import { COMPLIANCE_REPORTS, constraintResources, TRIVY_REPORT_KINDS } from "../platform/report-kinds";
import { apiServerEgress, metricsIngressFrom, SecureNamespace } from "./secure-namespace";

export const REPORTER_NAMESPACE = "compliance-reports";
export const REPORTER_SERVICE_ACCOUNT = "compliance-reporter";
export const REPORT_SCHEDULES = ["daily", "weekly", "monthly"] as const;
/** Where the reports are written in the pod (the volume). */
export const REPORTS_MOUNT = "/reports";
const UID = 65532;

/** Where the reports are kept: a new locked bucket (gke mode) or a volume the operator provides (existing mode). */
export type ReporterStorage =
    | { kind: "gcs"; project: string; location: string; clusterName: string; retentionDays: number; kmsKeyName?: pulumi.Input<string> }
    | { kind: "volume"; claimName: string };

export interface ComplianceReporterArgs extends PlatformComponentArgs {
    /** The stack the reports are about (`--stack`, and the first segment of every object name). */
    stack: string;
    config: ReporterConfig;
    storage: ReporterStorage;
    /**
     * The metrics endpoint Grafana's compliance dashboard reads (the report's own scores): a Deployment making a
     * report every hour, scraped by the Prometheus in `monitoringNamespace`; `podMonitor` needs the Prometheus
     * Operator CRDs. Omitted: no endpoint.
     */
    metrics?: { monitoringNamespace: string; podMonitor: boolean };
}

/** The metrics endpoint's port (--serve-metrics). */
export const METRICS_PORT = 9464;

/** The ClusterRole's rules: get and list of exactly the report kinds, nothing else. */
export function reporterRbacRules(): k8s.types.input.rbac.v1.PolicyRule[] {
    return [
        { apiGroups: ["constraints.gatekeeper.sh"], resources: constraintResources(), verbs: ["get", "list"] },
        {
            apiGroups: ["aquasecurity.github.io"],
            resources: [...Object.keys(TRIVY_REPORT_KINDS), COMPLIANCE_REPORTS].sort(),
            verbs: ["get", "list"],
        },
        // Falco Talon's k8sevents notifier records each action as an Event (source falco-talon).
        { apiGroups: [""], resources: ["events"], verbs: ["get", "list"] },
    ];
}

/** The reporter's command line for one schedule. */
export function reporterCommand(stack: string, kind: (typeof REPORT_SCHEDULES)[number], bucket?: string): string[] {
    return [
        "npm",
        "run",
        "report",
        "--",
        "--stack",
        stack,
        "--in-cluster",
        "--kind",
        kind,
        "--out-root",
        REPORTS_MOUNT,
        ...(bucket ? ["--upload-bucket", bucket] : []),
    ];
}

export class ComplianceReporter extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly cronJobs: k8s.batch.v1.CronJob[];
    public readonly bucketName?: pulumi.Output<string>;

    constructor(name: string, args: ComplianceReporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:compliance:ComplianceReporter", name, {}, opts);
        const provider = args.provider;
        const prod = args.environment === "prod";
        if (!args.apiServerCidrs || args.apiServerCidrs.length === 0)
            throw new Error("ComplianceReporter: apiServerCidrs must name the control plane range");
        if (prod && !/@sha256:[a-f0-9]{64}$/.test(args.config.image))
            throw new Error("ComplianceReporter: the image must be pinned by digest in prod");
        const gcs = args.storage.kind === "gcs" ? args.storage : undefined;

        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                name: REPORTER_NAMESPACE,
                allowIngress: args.metrics
                    ? [metricsIngressFrom(args.metrics.monitoringNamespace, [METRICS_PORT], { "app.kubernetes.io/component": "metrics" })]
                    : [],
                allowEgress: [
                    {
                        ...apiServerEgress(args.apiServerCidrs, [443, 6443]),
                        reason: "The reporter reads the report kinds through the Kubernetes API server (read-only).",
                    },
                    ...(gcs
                        ? [
                              {
                                  name: "storage-egress",
                                  reason: "The reporter uploads its reports to the locked Cloud Storage bucket (HTTPS; Google APIs have no stable addresses).",
                                  toCidrs: ["0.0.0.0/0"],
                                  ports: [{ port: 443, protocol: "TCP" as const }],
                              },
                              ...gkeMetadataServerEgress(),
                          ]
                        : []),
                ],
            },
            { parent: this },
        );
        this.namespace = namespace.name;

        let bucketName: pulumi.Output<string> | undefined;
        let gsaEmail: pulumi.Output<string> | undefined;
        if (gcs) {
            // Retention makes each report unchangeable and undeletable for retentionDays; locked in prod
            // (irreversible), unlocked elsewhere to stay disposable. No versioning: GCS refuses it with retention.
            const bucket = new gcp.storage.Bucket(
                `${name}-bucket`,
                {
                    project: gcs.project,
                    name: `${gcs.project}-${gcs.clusterName}-compliance-reports`,
                    location: gcs.location,
                    storageClass: "STANDARD",
                    uniformBucketLevelAccess: true,
                    publicAccessPrevention: "enforced",
                    forceDestroy: false,
                    retentionPolicy: { retentionPeriod: String(gcs.retentionDays * 86400), isLocked: prod },
                    lifecycleRules: [{ action: { type: "Delete" }, condition: { age: gcs.retentionDays + 1 } }],
                    ...(gcs.kmsKeyName ? { encryption: { defaultKmsKeyName: gcs.kmsKeyName } } : {}),
                    labels: { purpose: "compliance-reports", environment: args.environment },
                },
                { parent: this, protect: prod },
            );
            bucketName = bucket.name;
            const gsa = new gcp.serviceaccount.Account(
                `${name}-gsa`,
                {
                    project: gcs.project,
                    accountId: `compliance-reporter-${args.environment}`,
                    displayName: `Compliance reporter (${args.environment})`,
                },
                { parent: this },
            );
            // objectCreator: storage.objects.create only. No get, delete or overwrite (an overwrite needs delete).
            new gcp.storage.BucketIAMMember(
                `${name}-writer`,
                { bucket: bucket.name, role: "roles/storage.objectCreator", member: gsa.member },
                { parent: this },
            );
            new gcp.serviceaccount.IAMMember(
                `${name}-workload-identity`,
                {
                    serviceAccountId: gsa.name,
                    role: "roles/iam.workloadIdentityUser",
                    member: workloadIdentityMember(gcs.project, REPORTER_NAMESPACE, REPORTER_SERVICE_ACCOUNT),
                },
                { parent: this },
            );
            gsaEmail = gsa.email;
        }
        this.bucketName = bucketName;

        const labels = { "app.kubernetes.io/name": "compliance-reporter", "app.kubernetes.io/part-of": "secure-gitops" };
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    name: REPORTER_SERVICE_ACCOUNT,
                    namespace: REPORTER_NAMESPACE,
                    labels,
                    ...(gsaEmail ? { annotations: { "iam.gke.io/gcp-service-account": gsaEmail } } : {}),
                },
                // The token is projected into the pod explicitly (short-lived, one audience), never automounted.
                automountServiceAccountToken: false,
            },
            { parent: this, provider, dependsOn: [namespace] },
        );
        const role = new k8s.rbac.v1.ClusterRole(
            `${name}-reader`,
            { metadata: { name: "compliance-reporter-read-reports", labels }, rules: reporterRbacRules() },
            { parent: this, provider },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-reader`,
            {
                metadata: { name: "compliance-reporter-read-reports", labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: REPORTER_SERVICE_ACCOUNT, namespace: REPORTER_NAMESPACE }],
            },
            { parent: this, provider, dependsOn: [serviceAccount] },
        );

        let claimName: string;
        if (args.storage.kind === "volume") claimName = args.storage.claimName;
        else {
            // gke mode: the bucket is the record; this volume keeps earlier reports for the trend.
            claimName = "compliance-reports";
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-history`,
                {
                    metadata: { name: claimName, namespace: REPORTER_NAMESPACE, labels },
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
                },
                { parent: this, provider, dependsOn: [namespace] },
            );
        }

        const podSpec = (
            command: pulumi.Input<pulumi.Input<string>[]>,
            extra: { volumes: k8s.types.input.core.v1.Volume[]; ports?: number },
        ): k8s.types.input.core.v1.PodSpec => ({
            serviceAccountName: REPORTER_SERVICE_ACCOUNT,
            automountServiceAccountToken: false,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: UID,
                runAsGroup: UID,
                fsGroup: UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
                {
                    name: "reporter",
                    image: args.config.image,
                    imagePullPolicy: "IfNotPresent",
                    command,
                    // npm and Node write caches under HOME: the writable /tmp, the root filesystem is read-only.
                    env: [
                        { name: "HOME", value: "/tmp" },
                        { name: "npm_config_cache", value: "/tmp/.npm" },
                    ],
                    ...(extra.ports ? { ports: [{ name: "metrics", containerPort: extra.ports, protocol: "TCP" }] } : {}),
                    resources: res("100m", "384Mi", "1", "512Mi"),
                    securityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, privileged: false },
                    volumeMounts: [
                        ...extra.volumes.filter((v) => v.name === "reports").map(() => ({ name: "reports", mountPath: REPORTS_MOUNT })),
                        { name: "tmp", mountPath: "/tmp" },
                        { name: "api-token", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
                    ],
                },
            ],
            volumes: [
                ...extra.volumes,
                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                {
                    // A short-lived token for the API server audience, rotated by the kubelet.
                    name: "api-token",
                    projected: {
                        sources: [
                            { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
                            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        ],
                    },
                },
            ],
        });

        const schedules = args.config.schedules;
        this.cronJobs = REPORT_SCHEDULES.map(
            (kind) =>
                new k8s.batch.v1.CronJob(
                    `${name}-${kind}`,
                    {
                        metadata: { name: `compliance-report-${kind}`, namespace: REPORTER_NAMESPACE, labels },
                        spec: {
                            schedule: schedules[kind],
                            timeZone: "Etc/UTC",
                            concurrencyPolicy: "Forbid",
                            startingDeadlineSeconds: 3600,
                            successfulJobsHistoryLimit: 3,
                            failedJobsHistoryLimit: 3,
                            jobTemplate: {
                                metadata: { labels },
                                spec: {
                                    backoffLimit: 2,
                                    activeDeadlineSeconds: 1800,
                                    ttlSecondsAfterFinished: 7 * 86400,
                                    template: {
                                        metadata: { labels: { ...labels, "app.kubernetes.io/component": kind } },
                                        spec: {
                                            restartPolicy: "Never",
                                            ...podSpec(
                                                bucketName
                                                    ? bucketName.apply((bucket) => reporterCommand(args.stack, kind, bucket))
                                                    : reporterCommand(args.stack, kind),
                                                {
                                                    volumes: [{ name: "reports", persistentVolumeClaim: { claimName } }],
                                                },
                                            ),
                                        },
                                    },
                                },
                            },
                        },
                    },
                    { parent: this, provider, dependsOn: [namespace, serviceAccount, ...admissionGates(args, opts)] },
                ),
        );

        if (args.metrics) {
            const metricsLabels = { ...labels, "app.kubernetes.io/component": "metrics" };
            const deployment = new k8s.apps.v1.Deployment(
                `${name}-metrics`,
                {
                    metadata: { name: "compliance-reporter-metrics", namespace: REPORTER_NAMESPACE, labels: metricsLabels },
                    spec: {
                        replicas: 1,
                        selector: { matchLabels: metricsLabels },
                        template: {
                            metadata: { labels: metricsLabels },
                            spec: podSpec(
                                [
                                    "npm",
                                    "run",
                                    "report",
                                    "--",
                                    "--stack",
                                    args.stack,
                                    "--in-cluster",
                                    "--out",
                                    "/tmp/latest",
                                    "--serve-metrics",
                                    `:${METRICS_PORT}`,
                                    "--interval",
                                    "60",
                                ],
                                { volumes: [], ports: METRICS_PORT },
                            ),
                        },
                    },
                },
                { parent: this, provider, dependsOn: [namespace, serviceAccount, ...admissionGates(args, opts)] },
            );
            if (args.metrics.podMonitor) {
                new k8s.apiextensions.CustomResource(
                    `${name}-podmonitor`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PodMonitor",
                        metadata: { name: "compliance-reporter", namespace: REPORTER_NAMESPACE, labels },
                        spec: { selector: { matchLabels: metricsLabels }, podMetricsEndpoints: [{ port: "metrics", interval: "5m" }] },
                    },
                    { parent: this, provider, dependsOn: [deployment] },
                );
            }
        }

        this.registerOutputs({
            namespace: this.namespace,
            bucketName: this.bucketName,
            cronJobs: this.cronJobs.map((c) => c.metadata.name),
        });
    }
}
