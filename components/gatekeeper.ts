// OPA Gatekeeper from its official chart, hardened, plus one ConstraintTemplate and one Constraint per
// Kubernetes rule of the catalogue (the same rules the CrossGuard pack enforces at preview time), and
// Prometheus alerts on denied violations and a stale audit.
//
// Ordering on `pulumi up` (first deploy included): namespace baseline -> chart (CRDs, webhook, awaited until
// ready) -> ConstraintTemplates (each awaited until Gatekeeper reports status.created=true, i.e. it has
// created the constraint CRD) -> Constraints. Workloads (Argo CD applications) depend on `constraints`.
import { DEFAULT_POD_SECURITY_VERSION } from "../platform/cluster-version";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KUBERNETES_RULES, KubernetesRule } from "../policy-pack/catalogue";
import { EnvironmentName, PolicyConfig, PolicyEnforcement } from "../stacks/types";
import { renderConstraintTemplate, renderScopedConstraints } from "../platform/constraint-render";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { appRuleSettings, ruleSettings } from "../platform/policy-settings";
import { apiServerEgress, metricsIngressFrom, SecureNamespace } from "./secure-namespace";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { res } from "../platform/workload-sizing";
import { AUDIT_INTERVAL_SECONDS, CONSTRAINT_VIOLATIONS_LIMIT } from "../platform/gatekeeper-audit";
import { PlatformComponentArgs } from "../platform/component-args";

export const GATEKEEPER_CHART = CHART_PINS.gatekeeper;

export { AUDIT_INTERVAL_SECONDS, CONSTRAINT_VIOLATIONS_LIMIT } from "../platform/gatekeeper-audit";
/** Controller-manager and audit metrics port (chart default `metricsPort`). */
export const METRICS_PORT = 8888;
/**
 * Webhook server port (chart default `controllerManager.port`). Not one GKE opens from the control plane to
 * private nodes (443, 10250): in gke mode index.ts passes it to GkeCluster's `controlPlaneWebhookPorts`, which
 * adds the VPC firewall rule; an existing private cluster needs the same rule.
 */
export const WEBHOOK_PORT = 8443;

/** Waits until Gatekeeper has turned the template into a constraint CRD (pulumi-kubernetes >= 4.18). */
export const TEMPLATE_WAIT_FOR = "jsonpath={.status.created}=true";

export interface GatekeeperAlertingArgs {
    /** Create the PrometheusRule and PodMonitor (needs the Prometheus Operator CRDs). */
    enabled: boolean;
    /** Labels the Prometheus instance selects rules and monitors by (e.g. `release: kube-prometheus-stack`). */
    labels?: Record<string, string>;
    /** Where alert runbooks live; anchors per alert are appended. */
    runbookUrl?: string;
    /** Resources that must exist first (e.g. the monitoring stack that installs the CRDs). */
    dependsOn?: pulumi.Resource[];
}

/** Gatekeeper is the admission gate itself: it waits for nothing but its alerting's CRDs (`alerting.dependsOn`). */
export interface GatekeeperArgs extends Omit<PlatformComponentArgs, "dependsOn"> {
    /** Stack level for mandatory-by-default rules: mandatory -> deny, advisory -> warn, disabled -> dryrun. */
    enforcement: PolicyEnforcement;
    /** Admission webhook failure policy; Ignore is refused in prod. Defaults to Fail (closed). */
    webhookFailurePolicy?: PolicyConfig["webhookFailurePolicy"];
    /** Rule parameter overrides from the stack config. */
    allowedRegistries?: string[];
    publicServiceNamespaces?: string[];
    /** Controller-manager (webhook) replicas. Defaults to 3, 1 in dev. */
    replicas?: number;
    /**
     * CIDRs of the Kubernetes control plane (GKE: the master CIDR / endpoint). Gatekeeper's pods may talk to
     * the API server there, and the API server calls the webhook from there - nothing else gets through.
     */
    apiServerCidrs: string[];
    /** Namespace of the Prometheus that scrapes Gatekeeper's metrics. */
    monitoringNamespace?: string;
    alerting?: GatekeeperAlertingArgs;
    /** Rules to render (tests pass subsets). Defaults to the whole catalogue. */
    rules?: readonly KubernetesRule[];
    /**
     * The application's namespaces and the level rules hold there. Where that level maps to another action
     * than the platform's, each rule gets an app-scoped second constraint. Defaults to none (the app's level
     * is then `enforcement`).
     */
    app?: { namespaces: string[]; enforcement: PolicyEnforcement };
}

/** Chart values for one environment. Exported for the tests and the offline plan. */
export function gatekeeperValues(args: {
    environment: EnvironmentName;
    webhookFailurePolicy: "Fail" | "Ignore";
    replicas: number;
}): Record<string, unknown> {
    const prod = args.environment === "prod";
    // Chart default securityContext, restated so an upstream default change cannot weaken it silently.
    const containerSecurityContext = {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        runAsGroup: 999,
        runAsNonRoot: true,
        runAsUser: 1000,
    };
    const podSecurityContext = { fsGroup: 999, supplementalGroups: [999] };
    const resources = { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } };
    return {
        replicas: args.replicas,
        auditInterval: AUDIT_INTERVAL_SECONDS,
        // Restated (chart default 20): the compliance reporter says how many violations a constraint lists at most.
        constraintViolationsLimit: CONSTRAINT_VIOLATIONS_LIMIT,
        metricsBackends: ["prometheus"],
        // Events on every admission denial and audit violation (kubectl get events -n gatekeeper-system,
        // and shipped by the audit logging pipeline); denials also go to the controller log.
        emitAdmissionEvents: true,
        emitAuditEvents: true,
        logDenies: true,
        // Fail closed in prod (and staging): while the webhook is unreachable nothing unchecked is admitted.
        // Dev may choose Ignore so a broken or preempted Gatekeeper does not block all work; audit still
        // reports what slipped through within one audit interval.
        validatingWebhookFailurePolicy: args.webhookFailurePolicy,
        // The API server does not even call the webhook for kube-system (matched by the API-server-set,
        // unforgeable kubernetes.io/metadata.name label; the chart adds its own namespace): with Fail, a
        // Gatekeeper outage must never block the cluster's own add-ons (kube-dns, kube-proxy, CNI) from
        // restarting - otherwise Gatekeeper could not come back either.
        validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": ["kube-system"] },
        // Our templates are CEL only; keep the engine on explicitly.
        enableK8sNativeValidation: true,
        // One enforcement point: the Gatekeeper webhook (whose failure policy, exemptions, events and metrics
        // are configured here, and whose verdicts gator checks against the pack). No generated
        // ValidatingAdmissionPolicies beside it.
        defaultCreateVAPForTemplates: false,
        defaultCreateVAPBindingForConstraints: false,
        // No mutators and no external data providers are used: less webhook surface, no calls out.
        disableMutation: true,
        enableExternalData: false,
        enableRuntimeDefaultSeccompProfile: true,
        // Ownership labels (metadata-required-labels): commonLabels reach the Deployments, the hook Jobs and their
        // pod templates (podLabels too would render the key twice); the chart sets app.kubernetes.io/name. Its
        // webhook Service takes no extra labels.
        commonLabels: { "app.kubernetes.io/part-of": "gatekeeper" },
        // The chart's post-install job relabels the namespace (PSS enforce-version v1.24, --overwrite),
        // which would fight the labels SecureNamespace manages; SecureNamespace sets the ignore label itself.
        postInstall: { labelNamespace: { enabled: false }, probeWebhook: { enabled: false } },
        controllerManager: {
            // Namespaces allowed to carry the admission.gatekeeper.sh/ignore label:
            // - kube-system: managed by Kubernetes/GKE (see validatingWebhookExemptNamespacesLabels above);
            // - gatekeeper-system: Gatekeeper must be able to restart itself while its own webhook is down.
            exemptNamespaces: ["kube-system", PLATFORM_NAMESPACES.gatekeeper],
            resources,
            securityContext: containerSecurityContext,
            podSecurityContext,
        },
        audit: { resources, securityContext: containerSecurityContext, podSecurityContext },
        // The pre-install/pre-upgrade hook Job that applies the CRDs (upgradeCRDs.enabled, chart default) has
        // `crds.resources: {}` by default; its chart securityContext is already restricted.
        crds: { resources: CRDS_HOOK_RESOURCES },
        // prod: at most one webhook pod voluntarily evicted at a time (3 replicas, 2 stay). Elsewhere the
        // chart's always-rendered PDB gets minAvailable 0: with a single replica, minAvailable 1 would block
        // every node drain (GKE auto-upgrades) for up to an hour.
        pdb: { controllerManager: { minAvailable: prod ? Math.max(1, args.replicas - 1) : 0 } },
    };
}

/** Requests/limits of the chart's CRD-upgrade hook Job (kubectl apply of the CRDs, seconds long). */
export const CRDS_HOOK_RESOURCES = res("50m", "64Mi", "500m", "256Mi");

/** The alert rules; exported for the tests. */
export function gatekeeperAlertRules(environment: EnvironmentName, runbookUrl: string): Record<string, unknown>[] {
    const prod = environment === "prod";
    const staleAfter = 5 * AUDIT_INTERVAL_SECONDS;
    return [
        {
            alert: "GatekeeperDenyViolations",
            expr: 'sum(gatekeeper_violations{enforcement_action="deny"}) > 0',
            for: "10m",
            labels: { severity: prod ? "critical" : "warning", team: "platform" },
            annotations: {
                summary: "Objects in the cluster violate deny constraints",
                description:
                    "Gatekeeper's audit has found {{ $value }} existing objects violating constraints with enforcementAction deny for 10 minutes " +
                    "(created before the constraint, or admitted while the webhook failed open). kubectl get constraints shows which.",
                runbook_url: `${runbookUrl}#gatekeeperdenyviolations`,
            },
        },
        {
            alert: "GatekeeperAuditStale",
            expr: `time() - max(gatekeeper_audit_last_run_time) > ${staleAfter}`,
            for: "10m",
            labels: { severity: "warning", team: "platform" },
            annotations: {
                summary: "Gatekeeper audit has not completed a run recently",
                description: `No audit run finished in the last ${staleAfter}s (interval ${AUDIT_INTERVAL_SECONDS}s): violations of existing objects are not being detected.`,
                runbook_url: `${runbookUrl}#gatekeeperauditstale`,
            },
        },
        {
            alert: "GatekeeperAuditMissing",
            expr: "absent(gatekeeper_audit_last_run_time)",
            for: "15m",
            labels: { severity: "warning", team: "platform" },
            annotations: {
                summary: "Gatekeeper audit metrics are missing",
                description: "Prometheus sees no gatekeeper_audit_last_run_time: the audit pod is down or no longer scraped.",
                runbook_url: `${runbookUrl}#gatekeeperauditmissing`,
            },
        },
    ];
}

export class Gatekeeper extends pulumi.ComponentResource {
    public readonly namespace: SecureNamespace;
    public readonly release: k8s.helm.v3.Release;
    public readonly templates: k8s.apiextensions.CustomResource[];
    /** Depend on these to run workloads only once every constraint is enforced (the seed's sync-wave -10 intent). */
    public readonly constraints: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: GatekeeperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:policy:Gatekeeper", name, {}, opts);
        const webhookFailurePolicy = args.webhookFailurePolicy ?? "Fail";
        if (args.environment === "prod" && webhookFailurePolicy !== "Fail") {
            throw new Error("Gatekeeper: webhookFailurePolicy must be Fail in prod (Ignore admits everything while Gatekeeper is down)");
        }
        if (args.apiServerCidrs.length === 0) throw new Error("Gatekeeper: apiServerCidrs must name the control plane range");
        const replicas = args.replicas ?? (args.environment === "dev" ? 1 : 3);
        const monitoringNamespace = args.monitoringNamespace ?? PLATFORM_NAMESPACES.monitoring;
        const provider = args.provider;

        this.namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                podSecurityVersion: args.podSecurityVersion,
                name: PLATFORM_NAMESPACES.gatekeeper,
                // The value documents the reason; allowed because gatekeeper-system is an exempt namespace.
                labels: { "admission.gatekeeper.sh/ignore": "no-self-managing" },
                allowIngress: [
                    {
                        name: "webhook-ingress",
                        reason: "The API server calls the validating admission webhook.",
                        podSelector: { "gatekeeper.sh/operation": "webhook" },
                        fromCidrs: args.apiServerCidrs,
                        ports: [{ port: WEBHOOK_PORT }],
                    },
                    metricsIngressFrom(monitoringNamespace, [METRICS_PORT]),
                ],
                allowEgress: [apiServerEgress(args.apiServerCidrs)],
            },
            { parent: this },
        );

        this.release = pinnedRelease(
            name,
            GATEKEEPER_CHART,
            {
                releaseName: "gatekeeper",
                chartSource: args.charts,
                namespace: this.namespace.name,
                values: gatekeeperValues({ environment: args.environment, webhookFailurePolicy, replicas }),
                // Roll back a failed install/upgrade instead of leaving a half-configured admission webhook.
                timeoutSeconds: 600,
            },
            { parent: this, provider, dependsOn: [this.namespace] },
        );

        const rules = args.rules ?? KUBERNETES_RULES;
        const stackPolicy = {
            enforcement: args.enforcement,
            allowedRegistries: args.allowedRegistries ?? [],
            publicServiceNamespaces: args.publicServiceNamespaces ?? [],
            // The constraints judge webhooks as the pack config does (fail-open accepted only where the stack fails open).
            webhookFailurePolicy: args.webhookFailurePolicy,
            // The namespaces' PSA labels pin the same version (SecureNamespace's default when unset).
            podSecurityVersion: args.podSecurityVersion ?? DEFAULT_POD_SECURITY_VERSION,
        };
        const settings = ruleSettings(stackPolicy, rules);
        const appSettings = appRuleSettings({ ...stackPolicy, appEnforcement: args.app?.enforcement ?? args.enforcement }, rules);
        this.templates = [];
        this.constraints = [];
        for (const rule of rules) {
            const setting = settings.get(rule.id);
            const appSetting = appSettings.get(rule.id);
            if (!setting || !appSetting) throw new Error(`Gatekeeper: no settings for rule ${rule.id}`);
            const template = renderConstraintTemplate(rule);
            const templateResource = new k8s.apiextensions.CustomResource(
                `${name}-template-${rule.id}`,
                {
                    apiVersion: template.apiVersion,
                    kind: template.kind,
                    metadata: {
                        ...template.metadata,
                        annotations: { ...template.metadata.annotations, "pulumi.com/waitFor": TEMPLATE_WAIT_FOR },
                    },
                    spec: template.spec,
                },
                // The release is awaited (CRDs installed, webhook pods ready) before any template is created.
                { parent: this, provider, dependsOn: [this.release] },
            );
            this.templates.push(templateResource);
            for (const constraint of renderScopedConstraints(rule, setting, appSetting, args.app?.namespaces ?? [])) {
                const constraintResource = new k8s.apiextensions.CustomResource(
                    `${name}-constraint-${constraint.metadata.name}`,
                    { apiVersion: constraint.apiVersion, kind: constraint.kind, metadata: constraint.metadata, spec: constraint.spec },
                    { parent: this, provider, dependsOn: [templateResource] },
                );
                this.constraints.push(constraintResource);
            }
        }

        const alerting = args.alerting ?? { enabled: true };
        if (alerting.enabled) {
            // Prometheus Operator CRDs (monitoring.coreos.com) rather than GKE Managed Prometheus `Rules`: they
            // work on GKE and on existing clusters alike, and the platform's Grafana reads the same Prometheus.
            const monitoringOpts = { parent: this, provider, dependsOn: [this.release, ...(alerting.dependsOn ?? [])] };
            const labels = { "app.kubernetes.io/part-of": "secure-gitops", ...(alerting.labels ?? {}) };
            new k8s.apiextensions.CustomResource(
                `${name}-podmonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: "gatekeeper", namespace: this.namespace.name, labels },
                    spec: {
                        selector: { matchLabels: { "gatekeeper.sh/system": "yes" } },
                        podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
                    },
                },
                monitoringOpts,
            );
            new k8s.apiextensions.CustomResource(
                `${name}-alerts`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: "gatekeeper", namespace: this.namespace.name, labels },
                    spec: {
                        groups: [
                            {
                                name: "gatekeeper",
                                rules: gatekeeperAlertRules(args.environment, alerting.runbookUrl ?? "docs/runbooks/gatekeeper.md"),
                            },
                        ],
                    },
                },
                monitoringOpts,
            );
        }

        this.registerOutputs({
            namespace: this.namespace.name,
            chartVersion: GATEKEEPER_CHART.version,
            constraints: this.constraints.map((c) => c.metadata.name),
        });
    }
}
