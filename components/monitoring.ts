// Prometheus for the platform: the Prometheus Operator CRDs and kube-prometheus-stack from the official
// prometheus-community charts, hardened. Prometheus picks up every PodMonitor, ServiceMonitor and
// PrometheusRule in the cluster (Gatekeeper's alerts and monitors included) and is the datasource of the
// platform's Grafana.
//
// Two releases, two components:
//  - PrometheusOperatorCrds: the monitoring.coreos.com CRDs (prometheus-operator-crds chart, no pods). Other
//    components' PodMonitors/PrometheusRules depend on it. It is a component of its own because those
//    components (Gatekeeper) must be declared before Monitoring, whose pods wait for Gatekeeper's constraints.
//    The chart ships the CRDs as templates, so Helm upgrades them with the chart version (CRDs in a chart's
//    crds/ directory - kube-prometheus-stack's own - are installed once and never upgraded).
//  - Monitoring: the `monitoring` namespace, operator, Prometheus, Alertmanager and kube-state-metrics.
//
// Namespace: Prometheus lives in `monitoring` (PLATFORM_NAMESPACES.monitoring), the namespace every component
// already opens its metrics port to (metricsIngressFrom). Monitoring owns that SecureNamespace; Grafana is
// installed into it (GrafanaArgs.namespace) instead of creating it a second time. Grafana then reaches
// Prometheus inside its own namespace, with no extra NetworkPolicy hole.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { METRICS_PORT as GATEKEEPER_METRICS_PORT } from "./gatekeeper";
import { apiServerEgress, EgressAllowance, IngressAllowance, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res, Resources, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

export const KUBE_PROMETHEUS_STACK_CHART = CHART_PINS.kubePrometheusStack;

export const PROMETHEUS_OPERATOR_CRDS_CHART = CHART_PINS.prometheusOperatorCrds;

/** Fixed release name and fullnameOverride: the service names (and prometheusUrl) derive from it. */
export const MONITORING_RELEASE_NAME = "kube-prometheus-stack";
export const PROMETHEUS_PORT = 9090;
/** The in-cluster Prometheus query endpoint (chart: service `<fullname>-prometheus`, port 9090). */
export const PROMETHEUS_URL = `http://${MONITORING_RELEASE_NAME}-prometheus.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${PROMETHEUS_PORT}`;
/** The operator serves its admission webhook on this pod port (chart `prometheusOperator.tls.internalPort`);
 * 10250 because GKE private clusters let the control plane reach nodes on 443 and 10250 only. */
export const OPERATOR_WEBHOOK_PORT = 10250;

/** Pod labels set by the Prometheus Operator on Prometheus pods (its StatefulSet selector, immutable). */
export const PROMETHEUS_POD_SELECTOR = { "app.kubernetes.io/name": "prometheus" } as const;
/** Pod label the chart puts on the operator Deployment's pods. */
export const OPERATOR_POD_SELECTOR = { "app.kubernetes.io/component": "prometheus-operator" } as const;

/** A namespace Prometheus scrapes, with the metrics ports its pods expose. */
export interface ScrapeTarget {
    namespace: string;
    ports: number[];
    /** What is scraped there (goes into the NetworkPolicy's reason). */
    what: string;
}

/**
 * The platform's metrics endpoints. Each target namespace is default-deny too: it must also allow ingress
 * from `monitoring` on these ports (secure-namespace.ts metricsIngressFrom).
 */
export const PLATFORM_SCRAPE_TARGETS: readonly ScrapeTarget[] = [
    {
        namespace: PLATFORM_NAMESPACES.gatekeeper,
        ports: [GATEKEEPER_METRICS_PORT],
        what: "Gatekeeper controller-manager and audit metrics",
    },
    // falcosidekick serves /metrics on its HTTP port (chart falcosidekick.service.port 2801).
    { namespace: PLATFORM_NAMESPACES.falco, ports: [2801], what: "falcosidekick event and output metrics" },
    // trivy-operator chart service port 80 -> container port 8080 (metrics).
    { namespace: PLATFORM_NAMESPACES.trivy, ports: [8080], what: "Trivy operator findings and compliance metrics" },
    // Argo CD is not scraped: its chart's metrics endpoints and ServiceMonitors are off (no dashboard reads
    // them), so an egress hole towards it would lead nowhere.
];

export interface MonitoringSizing {
    prometheusReplicas: number;
    /** Prometheus `retention` (time). */
    retention: string;
    /** Prometheus `retentionSize`: below the volume size so the TSDB never fills the disk. */
    retentionSize: string;
    /** PVC size per replica; undefined: emptyDir (data lost on restart). */
    prometheusVolume?: string;
    /** emptyDir size limit when there is no PVC (the pod is evicted past it rather than filling the node). */
    emptyDirLimit: string;
    prometheus: Resources;
    alertmanagerReplicas: number;
    /** Alertmanager PVC (silences and notification log survive restarts); undefined: emptyDir. */
    alertmanagerVolume?: string;
    alertmanager: Resources;
    operator: Resources;
    configReloader: Resources;
    kubeStateMetrics: Resources;
}

/** Per-environment sizing: dev keeps a few days in an emptyDir, staging and prod keep weeks on a PVC; prod runs two of each. */
export function monitoringSizing(environment: EnvironmentName): MonitoringSizing {
    const common = {
        operator: res("50m", "128Mi", "250m", "256Mi"),
        configReloader: res("10m", "32Mi", "100m", "64Mi"),
        emptyDirLimit: "10Gi",
    };
    switch (environment) {
        case "prod":
            return {
                ...common,
                prometheusReplicas: 2,
                retention: "30d",
                retentionSize: "40GB",
                prometheusVolume: "50Gi",
                prometheus: res("500m", "2Gi", "2", "4Gi"),
                alertmanagerReplicas: 2,
                alertmanagerVolume: "2Gi",
                alertmanager: res("50m", "64Mi", "200m", "256Mi"),
                kubeStateMetrics: res("50m", "128Mi", "250m", "512Mi"),
            };
        case "staging":
            return {
                ...common,
                prometheusReplicas: 1,
                retention: "15d",
                retentionSize: "16GB",
                prometheusVolume: "20Gi",
                prometheus: res("250m", "1Gi", "1", "2Gi"),
                alertmanagerReplicas: 1,
                alertmanager: res("25m", "64Mi", "100m", "128Mi"),
                kubeStateMetrics: res("25m", "64Mi", "200m", "256Mi"),
            };
        default:
            return {
                ...common,
                prometheusReplicas: 1,
                retention: "3d",
                retentionSize: "8GB",
                prometheus: res("100m", "512Mi", "1", "1Gi"),
                alertmanagerReplicas: 1,
                alertmanager: res("25m", "64Mi", "100m", "128Mi"),
                kubeStateMetrics: res("25m", "64Mi", "200m", "256Mi"),
            };
    }
}

function restrictedPod(uid: number, gid: number): Record<string, unknown> {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Ownership label for the operator-generated Prometheus/Alertmanager pods (the chart's own objects carry
 * app.kubernetes.io/part-of: kube-prometheus-stack already). */
const PART_OF = { "app.kubernetes.io/part-of": "monitoring" };

function volumeClaim(size: string): Record<string, unknown> {
    return { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } };
}

/**
 * Alertmanager routing: everything to the `null` receiver. Notification receivers (Slack, PagerDuty...) carry
 * credentials, so they never go into Helm values (stored in the release Secret and in Pulumi state): add them
 * as AlertmanagerConfig objects referencing Kubernetes Secrets. Security alerts already reach people through
 * falcosidekick; this Alertmanager makes the platform alerts visible (UI/API) and silenceable.
 */
export const ALERTMANAGER_CONFIG = {
    global: { resolve_timeout: "5m" },
    route: {
        receiver: "null",
        group_by: ["alertname", "namespace"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "12h",
    },
    receivers: [{ name: "null" }],
};

/** Chart values for one environment. Exported for the tests and the offline plan. */
export function monitoringValues(environment: EnvironmentName): Record<string, unknown> {
    const sizing = monitoringSizing(environment);
    const prod = environment === "prod";
    return {
        fullnameOverride: MONITORING_RELEASE_NAME,
        // CRDs come from the PrometheusOperatorCrds release (upgraded with it); never from this chart.
        crds: { enabled: false },
        // The platform has its own hardened Grafana (components/grafana.ts) with the compliance dashboards.
        grafana: { enabled: false, forceDeployDashboards: false, forceDeployDatasources: false },
        windowsMonitoring: { enabled: false },
        thanosRuler: { enabled: false },

        // node-exporter is a DaemonSet with hostNetwork, hostPID and hostPath mounts of / , /proc and /sys: it
        // would force the monitoring namespace to Pod Security `privileged` for every pod in it. Node and
        // system metrics of GKE nodes come from Cloud Monitoring (the cluster's system metrics), and the
        // dashboards only read Gatekeeper, Trivy and falcosidekick metrics.
        nodeExporter: { enabled: false },
        // Control-plane and node components Prometheus cannot or should not scrape: GKE's control plane is
        // managed (controller-manager, scheduler, etcd unreachable), GKE runs kube-dns and Dataplane V2 rather
        // than CoreDNS and kube-proxy, and the kubelets listen on node IPs outside every NetworkPolicy here.
        kubelet: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        coreDns: { enabled: false },
        kubeDns: { enabled: false },
        // The API server is reached through apiserver-egress (its /metrics feeds the API SLO rules).
        kubeApiServer: { enabled: true },
        // Object state (deployments, pods, jobs) for the kubernetes-apps alerts.
        kubeStateMetrics: { enabled: true },
        "kube-state-metrics": {
            resources: sizing.kubeStateMetrics,
            securityContext: { enabled: true, ...restrictedPod(65534, 65534) },
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            // It lists and watches every object kind it reports on.
            // Its chart labels already carry app.kubernetes.io/name and part-of (a customLabels copy would
            // render a duplicate key).
            automountServiceAccountToken: true,
        },

        defaultRules: {
            create: true,
            // Rule groups built on node-exporter or kubelet metrics would never have data (and node-exporter's
            // absent() alerts would fire): off with the scrapes they depend on.
            rules: {
                node: false,
                nodeExporterAlerting: false,
                nodeExporterRecording: false,
                kubePrometheusNodeRecording: false,
                network: false,
                kubelet: false,
                windows: false,
            },
        },

        prometheusOperator: {
            resources: sizing.operator,
            securityContext: restrictedPod(65534, 65534),
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            // The operator watches the monitoring CRs in every namespace and manages StatefulSets, Secrets and
            // ConfigMaps: it needs its token (exemption in exemptions.ts).
            serviceAccount: { create: true, automountServiceAccountToken: true },
            automountServiceAccountToken: true,
            // No kubelet Service/Endpoints in kube-system (kubelet scraping is off).
            kubeletService: { enabled: false },
            prometheusConfigReloader: { resources: sizing.configReloader },
            tls: { enabled: true, tlsMinVersion: "VersionTLS13", internalPort: OPERATOR_WEBHOOK_PORT },
            admissionWebhooks: {
                // Validates PrometheusRule/AlertmanagerConfig syntax: a correctness check, not a security
                // control. Ignore keeps every component's PrometheusRule writable while the operator restarts;
                // an invalid rule that slips through is refused by the operator instead of loaded.
                enabled: true,
                failurePolicy: "Ignore",
                // Served by the operator pod itself; no extra webhook Deployment.
                deployment: { enabled: false },
                certManager: { enabled: false },
                // kube-webhook-certgen Jobs (Helm hooks) create the webhook certificate Secret and patch the
                // caBundle into the webhook configurations. Their chart defaults already satisfy Pod Security
                // `restricted` (non-root uid 2000, RuntimeDefault seccomp, no privilege escalation, read-only
                // root, all capabilities dropped); restated, plus resources for resources-requests-limits.
                // They use their token to write that Secret and the webhook configurations.
                patch: {
                    enabled: true,
                    resources: res("10m", "32Mi", "100m", "64Mi"),
                    securityContext: { runAsNonRoot: true, runAsUser: 2000, runAsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
                    serviceAccount: { create: true, automountServiceAccountToken: true },
                },
                createSecretJob: { securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT },
                patchWebhookJob: { securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT },
            },
        },

        prometheus: {
            enabled: true,
            // Its Service lacks app.kubernetes.io/name (metadata-required-labels); the pods get it from the operator.
            service: { type: "ClusterIP", port: PROMETHEUS_PORT, labels: { "app.kubernetes.io/name": "prometheus" } },
            ingress: { enabled: false },
            // Service discovery lists pods, services and endpoints, and the API server is scraped with the
            // token: Prometheus needs it (exemption in exemptions.ts).
            serviceAccount: { create: true, automountServiceAccountToken: true },
            podDisruptionBudget: { enabled: prod, minAvailable: 1 },
            prometheusSpec: {
                replicas: sizing.prometheusReplicas,
                retention: sizing.retention,
                retentionSize: sizing.retentionSize,
                storageSpec: sizing.prometheusVolume
                    ? volumeClaim(sizing.prometheusVolume)
                    : { emptyDir: { sizeLimit: sizing.emptyDirLimit } },
                resources: sizing.prometheus,
                scrapeInterval: "30s",
                evaluationInterval: "30s",
                externalLabels: { environment },
                // Pick up every ServiceMonitor, PodMonitor and PrometheusRule in every namespace (nil selectors
                // select all) rather than only those labelled `release: kube-prometheus-stack`: the platform's
                // components (Gatekeeper's PodMonitor/PrometheusRule, Trivy's ServiceMonitor) carry no such label.
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleNamespaceSelector: {},
                serviceMonitorNamespaceSelector: {},
                podMonitorNamespaceSelector: {},
                // No TSDB admin API (delete series, snapshots), no remote-write receiver, no OTLP endpoint.
                enableAdminAPI: false,
                enableRemoteWriteReceiver: false,
                enableOTLPReceiver: false,
                automountServiceAccountToken: true,
                // The operator sets the containers' context itself (read-only root, no privilege escalation,
                // all capabilities dropped); the pod runs non-root with RuntimeDefault seccomp.
                securityContext: restrictedPod(1000, 2000),
                podMetadata: { labels: PART_OF },
            },
        },

        alertmanager: {
            enabled: true,
            config: ALERTMANAGER_CONFIG,
            service: { type: "ClusterIP", labels: { "app.kubernetes.io/name": "alertmanager" } },
            ingress: { enabled: false },
            // Alertmanager never calls the Kubernetes API (its config reloader watches mounted files).
            serviceAccount: { create: true, automountServiceAccountToken: false },
            podDisruptionBudget: { enabled: prod, minAvailable: 1 },
            alertmanagerSpec: {
                replicas: sizing.alertmanagerReplicas,
                automountServiceAccountToken: false,
                resources: sizing.alertmanager,
                storage: sizing.alertmanagerVolume ? volumeClaim(sizing.alertmanagerVolume) : {},
                securityContext: restrictedPod(1000, 2000),
                podMetadata: { labels: PART_OF },
            },
        },
    };
}

/** The NetworkPolicy holes of the monitoring namespace besides the baseline (same namespace, DNS). */
export function monitoringAllowances(
    apiServerCidrs: string[],
    targets: readonly ScrapeTarget[],
): { ingress: IngressAllowance[]; egress: EgressAllowance[] } {
    return {
        ingress: [
            {
                name: "operator-webhook-ingress",
                reason: "The API server calls the Prometheus Operator's admission webhook (PrometheusRule/AlertmanagerConfig validation).",
                podSelector: { ...OPERATOR_POD_SELECTOR },
                fromCidrs: apiServerCidrs,
                ports: [{ port: OPERATOR_WEBHOOK_PORT, protocol: "TCP" }],
            },
        ],
        egress: [
            // The operator, Prometheus (service discovery, API server metrics), kube-state-metrics and the
            // webhook certificate Jobs talk to the API server; 6443 for existing clusters that serve it there.
            apiServerEgress(apiServerCidrs, [443, 6443]),
            ...targets.map((t): EgressAllowance => ({
                name: `scrape-${t.namespace}-egress`,
                reason: `Prometheus scrapes ${t.what} in namespace ${t.namespace}.`,
                podSelector: { ...PROMETHEUS_POD_SELECTOR },
                toNamespaces: [t.namespace],
                ports: t.ports.map((port) => ({ port, protocol: "TCP" as const })),
            })),
        ],
    };
}

export interface PrometheusOperatorCrdsArgs extends Pick<PlatformComponentArgs, "provider" | "charts"> {
    /**
     * Namespace holding the Helm release record (the chart itself is cluster-scoped CRDs only). Defaults to
     * `default`, because it always exists: the monitoring namespace is created later, by Monitoring.
     */
    releaseNamespace?: string;
}

/** The monitoring.coreos.com CRDs; depend on `release` before creating PodMonitors, ServiceMonitors or PrometheusRules. */
export class PrometheusOperatorCrds extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: PrometheusOperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:observability:PrometheusOperatorCrds", name, {}, opts);
        this.release = pinnedRelease(
            name,
            PROMETHEUS_OPERATOR_CRDS_CHART,
            {
                releaseName: "prometheus-operator-crds",
                chartSource: args.charts,
                namespace: args.releaseNamespace ?? "default",
                // Removing the release (or a failed upgrade rollback) must never delete the CRDs: that would
                // delete every PodMonitor, ServiceMonitor and PrometheusRule of every component with them.
                values: { crds: { annotations: { "helm.sh/resource-policy": "keep" } } },
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ chartVersion: PROMETHEUS_OPERATOR_CRDS_CHART.version });
    }
}

export interface MonitoringArgs extends PlatformComponentArgs {
    /** CIDRs of the Kubernetes control plane: API server egress and the admission webhook's callers. */
    apiServerCidrs: string[];
    /** The CRDs release, when created before (so other components can depend on it); created here otherwise. */
    crds?: PrometheusOperatorCrds;
    /** Namespaces and ports Prometheus may scrape (egress). Defaults to the platform's components. */
    scrapeTargets?: readonly ScrapeTarget[];
}

export class Monitoring extends pulumi.ComponentResource {
    /** The `monitoring` SecureNamespace; pass it to Grafana (GrafanaArgs.namespace). */
    public readonly namespace: SecureNamespace;
    public readonly crds: PrometheusOperatorCrds;
    /** Depend on this before creating monitoring.coreos.com objects (Gatekeeper `alerting.dependsOn`, Trivy's ServiceMonitor). */
    public readonly crdsReady: k8s.helm.v3.Release;
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster Prometheus query URL (Grafana datasource). */
    public readonly prometheusUrl: string;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:observability:Monitoring", name, {}, opts);
        if (args.apiServerCidrs.length === 0) throw new Error("Monitoring: apiServerCidrs must name the control plane range");
        const provider = args.provider;
        const allowances = monitoringAllowances(args.apiServerCidrs, args.scrapeTargets ?? PLATFORM_SCRAPE_TARGETS);

        this.namespace = new SecureNamespace(
            `${name}-ns`,
            { provider, name: PLATFORM_NAMESPACES.monitoring, allowIngress: allowances.ingress, allowEgress: allowances.egress },
            { parent: this },
        );

        this.crds = args.crds ?? new PrometheusOperatorCrds(`${name}-crds`, { provider }, { parent: this });
        this.crdsReady = this.crds.release;

        this.release = pinnedRelease(
            `${name}-release`,
            KUBE_PROMETHEUS_STACK_CHART,
            {
                releaseName: MONITORING_RELEASE_NAME,
                chartSource: args.charts,
                namespace: this.namespace.name,
                // The chart's CRDs are off (crds.enabled) and come from the CRDs release.
                skipCrds: true,
                timeoutSeconds: 900,
                values: monitoringValues(args.environment),
            },
            { parent: this, provider, dependsOn: [this.namespace, this.crdsReady, ...admissionGates(args, opts)] },
        );

        this.prometheusUrl = PROMETHEUS_URL;
        this.registerOutputs({
            namespace: this.namespace.name,
            prometheusUrl: this.prometheusUrl,
            chartVersion: KUBE_PROMETHEUS_STACK_CHART.version,
            releaseStatus: this.release.status,
        });
    }
}
