// Falco runtime detection with automated response, from the official falcosecurity charts:
//  - falco (DaemonSet, modern eBPF probe) with our custom rules from falco-rules/*.yaml (data, not code),
//  - its falcosidekick subchart fanning alerts out to Slack / PagerDuty (credentials from a k8s Secret, never
//    from Helm values) and to Falco Talon,
//  - falco-talon (own release, pinned) which quarantines, isolates and collects evidence on Critical+ events.
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { AlertingConfig, EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { httpsEgress, metricsIngressFrom, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { gkeMetadataServerEgress } from "../platform/workload-identity";
import { res, Resources, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { FALCO_SERVICE_ACCOUNT, K8sAuditGkeSource, TALON_SERVICE_ACCOUNT } from "../platform/audit-sources";
import { PlatformComponentArgs } from "../platform/component-args";

export const FALCO_CHART = CHART_PINS.falco;

export const FALCO_TALON_CHART = CHART_PINS.falcoTalon;

/** Where the custom rules live in the repo. */
export const FALCO_RULES_DIR = path.resolve(__dirname, "..", "falco-rules");
/** Syscall rules for every environment. */
export const RUNTIME_RULES_FILE = "runtime.yaml";
/** Rules that only make sense in production (privileged containers, curl/wget). */
export const PROD_RULES_FILE = "prod.yaml";
/** Kubernetes audit rules; need the k8saudit-gke plugin as event source. */
export const K8S_AUDIT_RULES_FILE = "k8s-audit.yaml";
/** Falco Talon response rules. */
export const TALON_RULES_FILE = "talon-rules.yaml";

/** Release names are fixed: the falcosidekick service name and Talon's address derive from them. */
export const FALCO_RELEASE_NAME = "falco";
export const TALON_RELEASE_NAME = "falco-talon";
// Falco's and Talon's service account names and the audit source type are shared with the GKE audit plumbing.
export { FALCO_SERVICE_ACCOUNT, TALON_SERVICE_ACCOUNT };
export type { K8sAuditGkeSource };
export const TALON_PORT = 2803;
/** Keys falcosidekick reads from its environment (chart: config.existingSecret is mounted with envFrom). */
export const SIDEKICK_SECRET_KEYS = { slackWebhook: "SLACK_WEBHOOKURL", pagerDutyRoutingKey: "PAGERDUTY_ROUTINGKEY" } as const;
/** Evidence actionners whose output goes to the evidence bucket. */
export const TALON_EVIDENCE_ACTIONNERS = ["kubernetes:log", "kubernetes:download", "kubernetes:tcpdump"];
/** falcoctl artifacts for the GKE audit source, pinned (falcosecurity/plugins releases). */
export const K8SAUDIT_GKE_PLUGIN_REF = "ghcr.io/falcosecurity/plugins/plugin/k8saudit-gke:0.9.0";
export const JSON_PLUGIN_REF = "ghcr.io/falcosecurity/plugins/plugin/json:0.7.4";
export const K8SAUDIT_GKE_PLUGIN = "k8saudit-gke";
/** The chart's default falcoctl rules artifact (values.yaml falcoctl.config.artifact.install.refs). */
export const FALCO_RULES_REF = "falco-rules:5";
/** plugin-sdk-go's DefaultEvtSize: the event buffer of the plugin's Pub/Sub source (see k8sAuditGkePluginConfig). */
export const K8SAUDIT_GKE_MAX_EVENT_SIZE = 256 * 1024;

export type FalcoPriority = AlertingConfig["minimumPriority"];

/**
 * The plugin's `open_params`: the bare subscription ID (the Pub/Sub Go client prefixes projects/<project_id>/
 * subscriptions/ itself, so a full name would be doubled). A full name must be in `projectId`.
 */
export function pubsubSubscriptionId(projectId: string, subscription: string): string {
    const full = /^projects\/([^/]+)\/subscriptions\/([^/]+)$/.exec(subscription);
    if (full) {
        if (full[1] !== projectId)
            throw new Error(`falco: subscription ${subscription} is not in project ${projectId} (k8saudit-gke reads one project)`);
        return full[2];
    }
    if (subscription.length === 0 || subscription.includes("/"))
        throw new Error(`falco: "${subscription}" is not a Pub/Sub subscription ID`);
    return subscription;
}

/**
 * The k8saudit-gke entry of falco.yaml's `plugins`. Keys as the plugin's PluginConfig (pkg/k8sauditgke/config.go)
 * reads them; unknown keys are silently ignored by its schema (AllowAdditionalProperties), so a typo would not fail.
 */
export function k8sAuditGkePluginConfig(projectId: string, subscriptionId: string): Record<string, unknown> {
    return {
        name: K8SAUDIT_GKE_PLUGIN,
        library_path: `lib${K8SAUDIT_GKE_PLUGIN}.so`,
        init_config: {
            project_id: projectId,
            // The plugin pushes each event into a buffer of the SDK's default size (256 KiB, no custom size in
            // Pub/Sub mode); a larger event fails the write and ends the k8s_audit source, which stops Falco. At
            // this limit the plugin drops (and logs) an oversized event instead. The README's 8000000 is unsafe.
            max_event_size: K8SAUDIT_GKE_MAX_EVENT_SIZE,
            // No Container API calls (cluster labels): our rules do not use them, so no container.clusterViewer grant.
            fetch_cluster_metadata: false,
            // Async extraction busy-waits a CPU core (README note, falcosecurity/falco#2475); Falco has 500m in dev.
            use_async: false,
            // Every node's Falco pod pulls from the subscription: a couple of streams each, not the default 10.
            num_goroutines: 2,
        },
        open_params: subscriptionId,
    };
}

/** falcosidekick serves its Prometheus metrics (event counts by rule and priority) on its API port. */
export const SIDEKICK_METRICS_PORT = 2801;

export interface FalcoArgs extends PlatformComponentArgs {
    /** Namespace of the Prometheus (Operator) that scrapes falcosidekick: opens the port and creates a ServiceMonitor. */
    monitoringNamespace?: string;
    /** Slack webhook / PagerDuty routing key (secrets) and the minimum priority forwarded to them. */
    alerting: AlertingConfig;
    /** GCS bucket for Talon's evidence (pod logs, dropped binaries). Without it evidence actions are dropped. */
    evidenceBucket?: pulumi.Input<string>;
    /** GCP service account Talon impersonates through Workload Identity to write evidence. */
    talonGcpServiceAccountEmail?: pulumi.Input<string>;
    /**
     * Kubernetes audit events for the k8s_audit rules. GKE offers no audit webhook, so they come from Cloud
     * Audit Logs through Pub/Sub (k8saudit-gke plugin). Without it the audit rules file is not loaded.
     */
    k8sAuditGke?: K8sAuditGkeSource;
    /**
     * Falcosidekick's web UI; never in prod (an extra Redis holding every event, reachable by anyone with a
     * port-forward). When on, a random password guards it. Defaults to false.
     */
    enableWebUi?: boolean;
    /** Run Talon's rules without acting (log what would be done). Defaults to false: respond. */
    talonDryRun?: boolean;
}

export interface FalcoSizing {
    falco: Resources;
    /** falcoctl's artifact-install init container and artifact-follow sidecar (download rules and plugins). */
    falcoctl: Resources;
    sidekick: Resources;
    sidekickReplicas: number;
    talon: Resources;
    talonReplicas: number;
    /** Minimum priority Falco emits at all. */
    priority: FalcoPriority | "informational" | "debug";
}

/** Per-environment sizing: prod gets headroom for bursts and two replicas of the alert path. */
export function falcoSizing(environment: EnvironmentName): FalcoSizing {
    if (environment === "prod") {
        return {
            falco: res("200m", "512Mi", "1000m", "1024Mi"),
            falcoctl: res("20m", "64Mi", "200m", "128Mi"),
            sidekick: res("100m", "128Mi", "500m", "256Mi"),
            sidekickReplicas: 2,
            talon: res("100m", "128Mi", "500m", "256Mi"),
            talonReplicas: 2,
            priority: "notice",
        };
    }
    return {
        falco: res("100m", "256Mi", "500m", "512Mi"),
        falcoctl: res("10m", "32Mi", "100m", "128Mi"),
        sidekick: res("50m", "64Mi", "200m", "128Mi"),
        sidekickReplicas: 1,
        talon: res("50m", "64Mi", "200m", "128Mi"),
        talonReplicas: 1,
        priority: environment === "staging" ? "notice" : "informational",
    };
}

/** The custom rule files of an environment, read from the repo: file name -> content. */
export function customRuleFiles(environment: EnvironmentName, withK8sAudit: boolean): Record<string, string> {
    const files = [
        RUNTIME_RULES_FILE,
        ...(environment === "prod" ? [PROD_RULES_FILE] : []),
        ...(withK8sAudit ? [K8S_AUDIT_RULES_FILE] : []),
    ];
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(FALCO_RULES_DIR, f), "utf8")]));
}

interface TalonAction {
    action: string;
    actionner?: string;
    output?: { target: string; parameters: Record<string, string> };
    [key: string]: unknown;
}
interface TalonRule {
    rule: string;
    actions: TalonAction[];
    [key: string]: unknown;
}
type TalonEntry = TalonAction | TalonRule;

/**
 * Talon's rules from falco-rules/talon-rules.yaml with the evidence output filled in: evidence actions write
 * to `gcp:gcs` in the bucket (prefix per environment); without a bucket they are removed, with the rule
 * references to them, and rules left without actions are dropped.
 */
export function talonRules(bucket: string | undefined, environment: EnvironmentName, dryRun = false): TalonEntry[] {
    const entries = parseYaml(fs.readFileSync(path.join(FALCO_RULES_DIR, TALON_RULES_FILE), "utf8")) as TalonEntry[];
    const isRule = (e: TalonEntry): e is TalonRule => "rule" in e;
    const evidence = new Set(
        entries.filter((e): e is TalonAction => !isRule(e) && TALON_EVIDENCE_ACTIONNERS.includes(String(e.actionner))).map((a) => a.action),
    );
    const result: TalonEntry[] = [];
    for (const entry of entries) {
        if (!isRule(entry)) {
            if (!evidence.has(entry.action)) result.push(entry);
            else if (bucket)
                result.push({ ...entry, output: { target: "gcp:gcs", parameters: { bucket, prefix: `falco-talon/${environment}/` } } });
            continue;
        }
        const actions = bucket ? entry.actions : entry.actions.filter((a) => !evidence.has(a.action));
        if (actions.length > 0) result.push({ ...entry, actions, ...(dryRun ? { dry_run: "true" } : {}) });
    }
    return result;
}

export class Falco extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly talonRelease: k8s.helm.v3.Release;
    /** The Secret falcosidekick reads its alert credentials from (absent when no credentials are configured). */
    public readonly alertSecret?: k8s.core.v1.Secret;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:runtime:Falco", name, {}, opts);
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.falco;
        const sizing = falcoSizing(args.environment);
        const gates = admissionGates(args, opts);
        if (args.enableWebUi && args.environment === "prod") {
            throw new Error("falco: the falcosidekick web UI is not allowed in prod (enableWebUi must be false)");
        }

        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                name: namespaceName,
                // Falco Talon labels pods and creates NetworkPolicies; falcoctl downloads rules; sidekick posts
                // to Slack/PagerDuty; k8saudit-gke pulls from Pub/Sub: all HTTPS. Same-namespace traffic
                // (falco -> sidekick -> talon) is allowed by the baseline.
                allowEgress: [
                    ...httpsEgress(
                        "Talon calls the Kubernetes API and GCS, falcoctl fetches rules and plugins, falcosidekick posts alerts to Slack/PagerDuty, k8saudit-gke pulls audit logs from Pub/Sub (all HTTPS).",
                        args.apiServerCidrs,
                    ),
                    // Token fetches for the GCP identities (k8saudit-gke's subscriber, Talon's evidence writer).
                    ...(args.k8sAuditGke || args.talonGcpServiceAccountEmail ? gkeMetadataServerEgress() : []),
                ],
                allowIngress: args.monitoringNamespace
                    ? [metricsIngressFrom(args.monitoringNamespace, [SIDEKICK_METRICS_PORT], { "app.kubernetes.io/name": "falcosidekick" })]
                    : [],
            },
            { parent: this },
        );
        this.namespace = namespace.name;

        const slack = args.alerting.slackWebhookUrl;
        const pagerDuty = args.alerting.pagerDutyRoutingKey;
        const secretData: Record<string, pulumi.Input<string>> = {};
        if (slack !== undefined) secretData[SIDEKICK_SECRET_KEYS.slackWebhook] = pulumi.secret(slack);
        if (pagerDuty !== undefined) secretData[SIDEKICK_SECRET_KEYS.pagerDutyRoutingKey] = pulumi.secret(pagerDuty);
        if (Object.keys(secretData).length > 0) {
            this.alertSecret = new k8s.core.v1.Secret(
                `${name}-sidekick-alerting`,
                {
                    metadata: {
                        name: "falcosidekick-alerting",
                        namespace: namespaceName,
                        labels: { "app.kubernetes.io/part-of": "falco" },
                    },
                    type: "Opaque",
                    stringData: secretData,
                },
                { parent: this, provider, dependsOn: [namespace], additionalSecretOutputs: ["stringData", "data"] },
            );
        }

        const webUiSecret = args.enableWebUi ? this.webUiSecret(name, namespaceName, provider, namespace) : undefined;

        const talonAddress = `http://${TALON_RELEASE_NAME}.${namespaceName}.svc.cluster.local:${TALON_PORT}`;
        const withAudit = args.k8sAuditGke !== undefined;

        const talonSa = new k8s.core.v1.ServiceAccount(
            `${name}-talon-sa`,
            {
                metadata: {
                    name: TALON_SERVICE_ACCOUNT,
                    namespace: namespaceName,
                    labels: { "app.kubernetes.io/name": TALON_SERVICE_ACCOUNT },
                    annotations: args.talonGcpServiceAccountEmail
                        ? { "iam.gke.io/gcp-service-account": args.talonGcpServiceAccountEmail }
                        : {},
                },
            },
            { parent: this, provider, dependsOn: [namespace] },
        );

        this.talonRelease = pinnedRelease(
            `${name}-talon`,
            FALCO_TALON_CHART,
            {
                releaseName: TALON_RELEASE_NAME,
                chartSource: args.charts,
                namespace: namespaceName,
                values: pulumi.output(args.evidenceBucket).apply((bucket) => talonValues(args, sizing, bucket)),
            },
            { parent: this, provider, dependsOn: [namespace, talonSa, ...gates] },
        );

        const falcoDeps: pulumi.Input<pulumi.Resource>[] = [namespace, this.talonRelease, ...gates];
        if (this.alertSecret) falcoDeps.push(this.alertSecret);
        if (webUiSecret) falcoDeps.push(webUiSecret);

        this.release = pinnedRelease(
            `${name}-release`,
            FALCO_CHART,
            {
                releaseName: FALCO_RELEASE_NAME,
                chartSource: args.charts,
                namespace: namespaceName,
                values: falcoValues(args, sizing, {
                    talonAddress,
                    alertSecretName: this.alertSecret ? "falcosidekick-alerting" : undefined,
                    webUiSecretName: webUiSecret ? "falcosidekick-ui-auth" : undefined,
                    customRules: customRuleFiles(args.environment, withAudit),
                }),
            },
            { parent: this, provider, dependsOn: falcoDeps },
        );

        this.registerOutputs({
            namespace: this.namespace,
            releaseStatus: this.release.status,
            talonReleaseStatus: this.talonRelease.status,
        });
    }

    /** Random credentials for the non-prod web UI and its Redis, consumed via the chart's existingSecret keys. */
    private webUiSecret(name: string, namespace: string, provider: k8s.Provider, ns: pulumi.Resource): k8s.core.v1.Secret {
        const uiPassword = new random.RandomPassword(`${name}-ui-password`, { length: 32, special: false }, { parent: this });
        const redisPassword = new random.RandomPassword(`${name}-ui-redis-password`, { length: 32, special: false }, { parent: this });
        return new k8s.core.v1.Secret(
            `${name}-ui-auth`,
            {
                metadata: { name: "falcosidekick-ui-auth", namespace },
                type: "Opaque",
                stringData: {
                    FALCOSIDEKICK_UI_USER: pulumi.secret(pulumi.interpolate`admin:${uiPassword.result}`),
                    FALCOSIDEKICK_UI_REDIS_PASSWORD: pulumi.secret(redisPassword.result),
                    REDIS_PASSWORD: pulumi.secret(redisPassword.result),
                    REDIS_ARGS: pulumi.secret(pulumi.interpolate`--requirepass ${redisPassword.result}`),
                },
            },
            { parent: this, provider, dependsOn: [ns], additionalSecretOutputs: ["stringData", "data"] },
        );
    }
}

interface FalcoValueRefs {
    talonAddress: string;
    alertSecretName?: string;
    webUiSecretName?: string;
    customRules: Record<string, string>;
}

function falcoValues(args: FalcoArgs, sizing: FalcoSizing, refs: FalcoValueRefs): pulumi.Input<Record<string, unknown>> {
    const audit = args.k8sAuditGke;
    const minimum = args.alerting.minimumPriority;
    return {
        // modern_ebpf: the CO-RE probe is compiled into the Falco binary and needs BTF (kernel >= 5.8), which
        // GKE's Container-Optimized OS ships. No kernel headers, no driver download or build at start (the
        // kmod/ebpf loaders need both and COS has neither), and no privileged init container.
        driver: {
            enabled: true,
            kind: "modern_ebpf",
            // Capabilities BPF, PERFMON, SYS_RESOURCE, SYS_PTRACE instead of `privileged: true`.
            modernEbpf: { leastPrivileged: true },
            loader: { enabled: false },
        },
        tty: false,
        resources: sizing.falco,
        // Ownership labels (metadata-required-labels) on the DaemonSet and its pods; the chart sets the name.
        controller: { labels: { "app.kubernetes.io/part-of": "falco" } },
        podLabels: { "app.kubernetes.io/part-of": "falco" },
        serviceAccount: {
            create: true,
            name: FALCO_SERVICE_ACCOUNT,
            // Workload Identity: the plugin's Google client (no credentials_file) acts as this GCP service account.
            annotations: audit ? { "iam.gke.io/gcp-service-account": audit.gcpServiceAccountEmail } : {},
        },
        customRules: refs.customRules,
        falco: {
            json_output: true,
            json_include_output_property: true,
            json_include_tags_property: true,
            priority: sizing.priority,
            // Events go to stdout (collected by Fluentd into the audit bucket) and to falcosidekick over HTTP.
            stdout_output: { enabled: true },
            syslog_output: { enabled: false },
            log_syslog: false,
            // The k8s_audit event source next to the syscall one. The chart appends its managed plugins
            // (container, k8smeta) to these lists and to falcoctl's install refs (templates/_helpers.tpl).
            ...(audit
                ? {
                      plugins: [
                          typeof audit.subscription === "string" // validated now when known, else once resolved
                              ? k8sAuditGkePluginConfig(audit.projectId, pubsubSubscriptionId(audit.projectId, audit.subscription))
                              : pulumi
                                    .output(audit.subscription)
                                    .apply((s) => k8sAuditGkePluginConfig(audit.projectId, pubsubSubscriptionId(audit.projectId, s))),
                          // json: the jevt.* fields; our audit rules print the caller IP from it (k8saudit's ka.sourceips reads the wrong field).
                          { name: "json", library_path: "libjson.so" },
                      ],
                      load_plugins: [K8SAUDIT_GKE_PLUGIN, "json"],
                  }
                : {}),
        },
        falcoctl: {
            // The chart leaves both falcoctl containers without requests/limits (`resources: {}`); the
            // resources-requests-limits rule holds the falco namespace to them like any other.
            artifact: { install: { resources: sizing.falcoctl }, follow: { resources: sizing.falcoctl } },
            ...(audit
                ? {
                      // falcoctl's init container installs the pinned plugins into /usr/share/falco/plugins (where the
                      // relative library_path resolves). Helm replaces lists, so the chart's default rules ref is repeated.
                      config: {
                          artifact: {
                              allowedTypes: ["rulesfile", "plugin"],
                              install: { refs: [FALCO_RULES_REF, K8SAUDIT_GKE_PLUGIN_REF, JSON_PLUGIN_REF] },
                              follow: { refs: [FALCO_RULES_REF] },
                          },
                      },
                  }
                : {}),
        },
        // Talon is its own pinned release (below); the chart's `responseActions` subchart would float on 0.3.*.
        responseActions: { enabled: false },
        falcosidekick: {
            enabled: true,
            replicaCount: sizing.sidekickReplicas,
            resources: sizing.sidekick,
            podSecurityContext: { runAsUser: 1234, runAsNonRoot: true, fsGroup: 1234, seccompProfile: { type: "RuntimeDefault" } },
            securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            // The Falco dashboard reads falcosidekick's event counters; the CRD comes with the monitoring stack.
            serviceMonitor: { enabled: args.monitoringNamespace !== undefined },
            config: {
                // Slack webhook and PagerDuty key come from this Secret (envFrom after the chart's own Secret, so
                // its keys win); the chart's Secret only holds the empty defaults and the non-secret settings.
                ...(refs.alertSecretName ? { existingSecret: refs.alertSecretName } : {}),
                slack: { minimumpriority: minimum, outputformat: "all" },
                pagerduty: { minimumpriority: minimumPagerDutyPriority(minimum) },
                talon: { address: refs.talonAddress, minimumpriority: "critical", checkcert: true },
            },
            webui: refs.webUiSecretName
                ? {
                      enabled: true,
                      replicaCount: 1,
                      user: "",
                      existingSecret: refs.webUiSecretName,
                      redis: { existingSecret: refs.webUiSecretName },
                  }
                : { enabled: false },
        },
    };
}

const PRIORITY_ORDER: FalcoPriority[] = ["emergency", "alert", "critical", "error", "warning", "notice"];

/** PagerDuty pages a human: never below `critical`, even when Slack gets more. */
export function minimumPagerDutyPriority(minimum: FalcoPriority): FalcoPriority {
    return PRIORITY_ORDER.indexOf(minimum) <= PRIORITY_ORDER.indexOf("critical") ? minimum : "critical";
}

function talonValues(args: FalcoArgs, sizing: FalcoSizing, bucket: string | undefined): Record<string, unknown> {
    return {
        replicaCount: sizing.talonReplicas,
        resources: sizing.talon,
        podSecurityContext: { runAsUser: 1234, fsGroup: 1234 },
        image: { pullPolicy: "IfNotPresent" },
        // Our ServiceAccount (same name the chart's Deployment uses) carries the Workload Identity annotation,
        // which the chart's own ServiceAccount cannot.
        rbac: { serviceAccount: { create: false, name: TALON_SERVICE_ACCOUNT } },
        config: {
            defaultNotifiers: ["k8sevents"],
            rulesOverride: stringifyYaml(talonRules(bucket, args.environment, args.talonDryRun ?? false)),
        },
    };
}
