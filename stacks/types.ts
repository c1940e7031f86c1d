// The typed shape of a stack's configuration. `loadStackConfig` (stacks/config.ts) builds it once from
// `pulumi config`, validates every key up front and returns it; components never read config themselves.
import * as pulumi from "@pulumi/pulumi";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** CrossGuard level for mandatory-by-default rules in this stack; maps to Gatekeeper deny | warn | dryrun. */
export const POLICY_ENFORCEMENTS = ["mandatory", "advisory", "disabled"] as const;
export type PolicyEnforcement = (typeof POLICY_ENFORCEMENTS)[number];

export const RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE"] as const;
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

export interface AuthorizedNetwork {
    cidrBlock: string;
    displayName: string;
}

export interface NodePoolConfig {
    machineType: string;
    /** Nodes per zone at start. */
    initialNodeCount: number;
    minNodeCount: number;
    maxNodeCount: number;
    diskSizeGb: number;
    /** Spot VMs: cheaper, preemptible; only allowed outside prod. */
    spot: boolean;
}

export interface GkeClusterConfig {
    mode: "gke";
    name: string;
    releaseChannel: ReleaseChannel;
    /** Regional cluster (control plane in three zones) - required in prod. */
    regional: boolean;
    /** Control plane reachable only on its private endpoint (needs a bastion or VPN for pulumi up). */
    privateEndpoint: boolean;
    masterAuthorizedNetworks: AuthorizedNetwork[];
    /** VPC ranges. */
    subnetCidr: string;
    podsCidr: string;
    servicesCidr: string;
    masterCidr: string;
    nodePool: NodePoolConfig;
    deletionProtection: boolean;
}

export interface ExistingClusterConfig {
    mode: "existing";
    /** Kubeconfig contents (secret) or a path to a kubeconfig file. */
    kubeconfig?: pulumi.Output<string>;
    kubeconfigPath?: string;
    context?: string;
    /** Where the API server is reached from pods; the only egress destination besides DNS for controllers. */
    apiServerCidrs: string[];
}

export type ClusterConfig = GkeClusterConfig | ExistingClusterConfig;

export interface FeatureSwitches {
    argocd: boolean;
    gatekeeper: boolean;
    falco: boolean;
    trivy: boolean;
    auditLogging: boolean;
    /** Prometheus (kube-prometheus-stack): scrapes the platform, evaluates the alert rules; Grafana's datasource. */
    monitoring: boolean;
    grafana: boolean;
    /** The app's entry point: ingress-nginx (the one public LoadBalancer) and cert-manager with the stack's ClusterIssuer. */
    ingress: boolean;
}

export interface PolicyConfig {
    /** Level for the rules whose catalogue default is mandatory (dev may relax to advisory). */
    enforcement: PolicyEnforcement;
    /** Gatekeeper admission webhook failure policy: Fail (closed) or Ignore (open). */
    webhookFailurePolicy: "Fail" | "Ignore";
    /** Extra namespaces that may expose external LoadBalancers. */
    publicServiceNamespaces: string[];
    /** Allowed image registry prefixes; empty means any registry. */
    allowedRegistries: string[];
    /**
     * Level of mandatory-by-default rules in the application namespaces (Gatekeeper deny | warn | dryrun
     * there), so an app can be migrated dev -> staging -> prod while the platform stays enforced. Prod: mandatory.
     */
    appEnforcement: PolicyEnforcement;
    /**
     * Pod Security Standards version (`v1.NN`) pinned in every namespace's Pod Security Admission labels and
     * given to the pss-* rules (pack and Gatekeeper): one standard for both admission layers.
     */
    podSecurityVersion: string;
}

/** Where Argo CD's repo-server gets the application's manifests from, inside the repository at `appPath`. */
export const APP_SOURCE_TYPES = ["directory", "helm", "kustomize"] as const;
export type AppSourceType = (typeof APP_SOURCE_TYPES)[number];

/** One `helm template --set name=value` Argo CD passes (Application `spec.source.helm.parameters`). */
export interface HelmParameter {
    name: string;
    value: string;
}

export type AppSource =
    /** Plain manifests (YAML/JSON files) in the directory. */
    | { type: "directory" }
    /** A Helm chart in the directory, rendered by Argo CD with these value files (relative to the chart) and parameters. */
    | { type: "helm"; valueFiles: string[]; parameters: HelmParameter[]; releaseName: string }
    /** A kustomization in the directory. */
    | { type: "kustomize" };

export interface ArgoCdConfig {
    /** The application repository (app-of-apps root). */
    appRepoUrl: string;
    appPath: string;
    appSource: AppSource;
    appRevision: string;
    /** Namespaces the application may deploy into. */
    appNamespaces: string[];
    autoSyncPrune: boolean;
    autoSyncSelfHeal: boolean;
    /** Optional OIDC SSO; when present the local admin is disabled. */
    oidc?: {
        issuer: string;
        clientId: string;
        clientSecret: pulumi.Output<string>;
    };
    /** Optional credentials for a private application repository (secret). */
    repoUsername?: string;
    repoPassword?: pulumi.Output<string>;
}

/** ACME certificates for the app's Ingress (cert-manager ClusterIssuer). */
export interface AcmeConfig {
    /** Account e-mail Let's Encrypt sends expiry notices to; required while the ingress feature is on. */
    email: string;
    /** `staging` (dev, staging: untrusted test certificates, high rate limits) or `production` (prod). */
    server: "staging" | "production";
    /** HTTP-01 through the nginx class (default), or DNS-01 through Cloud DNS (gke mode). */
    solver: "http01" | "dns01";
    /** The Cloud DNS project for DNS-01 (default: gcpProject). */
    dnsProject?: string;
}

/** An egress destination of the app: by FQDN (GKE FQDNNetworkPolicy) or by CIDRs, on given TCP ports. */
export interface AppEgressRule {
    name: string;
    reason: string;
    /** App pods it applies to (labels); all pods of the app namespace when omitted. */
    podSelector?: Record<string, string>;
    fqdns: string[];
    cidrs: string[];
    ports: number[];
}

/** App pods the ingress controller may reach (nothing else may). */
export interface AppIngressTarget {
    name: string;
    podSelector: Record<string, string>;
    ports: number[];
}

/** What the app needs from the platform's network: who may reach it, and where it may go. */
export interface AppNetworkConfig {
    ingressTargets: AppIngressTarget[];
    egress: AppEgressRule[];
}

export interface AlertingConfig {
    slackWebhookUrl?: pulumi.Output<string>;
    pagerDutyRoutingKey?: pulumi.Output<string>;
    /** Minimum Falco priority forwarded to Slack/PagerDuty. */
    minimumPriority: "emergency" | "alert" | "critical" | "error" | "warning" | "notice";
}

export interface TrivyConfig {
    /** Severities reported, e.g. CRITICAL,HIGH. */
    severities: string[];
    concurrentScanJobs: number;
    /** Cron schedule of compliance reports. */
    complianceCron: string;
}

export interface AuditConfig {
    /** Days audit objects are retained (and, in prod, locked). */
    retentionDays: number;
}

/** The scheduled compliance reporter (components/compliance-reporter.ts). */
export interface ReporterConfig {
    /** The reporter's image (this repository's `npm run report`); pinned by digest in prod. */
    image: string;
    /** Five-field cron schedules of the daily, weekly and monthly reports. */
    schedules: { daily: string; weekly: string; monthly: string };
    /** Existing mode: the PersistentVolumeClaim (in the reporter's namespace) the reports are written to. */
    volumeClaim?: string;
}
/**
 * Where every pinned Helm chart is installed from: its official repository (the default), a directory of chart
 * packages (`<dir>/<chart>-<version>.tgz` or `<dir>/<chart>/`, each checked against the pinned version: air-gapped
 * installs, and the end-to-end test), or one chart repository mirroring them all (https:// or oci://).
 */
export type ChartInstallSource = { kind: "official" } | { kind: "directory"; dir: string } | { kind: "mirror"; url: string };

export interface StackConfig {
    environment: EnvironmentName;
    /** The cluster's Kubernetes version (`1.NN[.P]`): what the plan renders charts for. */
    kubernetesVersion: string;
    /** GCP project and region; required in gke mode, optional otherwise. */
    gcpProject?: string;
    gcpRegion: string;
    cluster: ClusterConfig;
    features: FeatureSwitches;
    policy: PolicyConfig;
    argocd: ArgoCdConfig;
    alerting: AlertingConfig;
    acme: AcmeConfig;
    appNetwork: AppNetworkConfig;
    trivy: TrivyConfig;
    audit: AuditConfig;
    /** Absent when no reporter image is configured. */
    reporter?: ReporterConfig;
    charts: ChartInstallSource;
}
