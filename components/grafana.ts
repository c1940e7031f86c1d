// Grafana from its official Helm chart with the compliance dashboards of dashboards/*.json. The admin password
// is generated (never a literal), lives in a Kubernetes Secret the chart only references, and is exported as a
// secret. In-cluster only (ClusterIP, no ingress), anonymous access and sign-up off, strict cookies.
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { PROMETHEUS_URL } from "./monitoring";
import { EgressAllowance, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res, Resources, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

/**
 * The chart moved from grafana/helm-charts (frozen at 10.5.15, deprecated, no more fixes) to the
 * grafana-community organisation, which Grafana Labs points to as its maintained home.
 */
export const GRAFANA_CHART = CHART_PINS.grafana;

export const DASHBOARDS_DIR = path.resolve(__dirname, "..", "dashboards");
/** Datasource uid the dashboards reference; provisioned here, so the JSON files need no template variable. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
/** Dashboard provider name; the chart mounts its ConfigMap at /var/lib/grafana/dashboards/<provider>. */
export const DASHBOARD_PROVIDER = "security";
/** Default Prometheus endpoint: the platform's own Prometheus (components/monitoring.ts). Any Prometheus-compatible URL can be given instead. */
export const DEFAULT_PROMETHEUS_URL = PROMETHEUS_URL;

/** Grafana talks to Prometheus only, never to the API server: no `apiServerCidrs`. */
export interface GrafanaArgs extends Omit<PlatformComponentArgs, "apiServerCidrs"> {
    /** Prometheus-compatible query endpoint for the default datasource. Defaults to DEFAULT_PROMETHEUS_URL. */
    prometheusUrl?: string;
    /** CIDRs of a Prometheus endpoint outside the cluster (an in-cluster `*.svc` URL needs none). */
    prometheusCidrs?: string[];
    /** Public URL Grafana builds links and redirects from. Defaults to `http://localhost:3000` (`kubectl port-forward svc/grafana 3000:80`). */
    rootUrl?: string;
    /** Folder of dashboard JSON files. Defaults to the repository's dashboards/. */
    dashboardsDir?: string;
    /**
     * The existing `monitoring` SecureNamespace (Monitoring owns it when the platform installs Prometheus).
     * Grafana then creates no namespace, and its Prometheus must be reachable without a new egress hole
     * (in that namespace). Omitted: Grafana creates the namespace itself.
     */
    namespace?: SecureNamespace;
}

export interface GrafanaSizing {
    persistence: boolean;
    storageSize: string;
    resources: Resources;
}

export function grafanaSizing(environment: EnvironmentName): GrafanaSizing {
    switch (environment) {
        case "prod":
            return { persistence: true, storageSize: "10Gi", resources: res("200m", "512Mi", "1", "1Gi") };
        case "staging":
            return { persistence: true, storageSize: "5Gi", resources: res("100m", "256Mi", "500m", "512Mi") };
        default:
            // Dev keeps state in an emptyDir: dashboards and datasources are provisioned, nothing to lose.
            return { persistence: false, storageSize: "0", resources: res("50m", "128Mi", "250m", "256Mi") };
    }
}

/**
 * The one hole Grafana needs in its namespace's default-deny egress: the Prometheus it queries. An in-cluster
 * URL (`<service>.<namespace>.svc...`) opens that namespace on that port only; the monitoring namespace itself
 * is already reachable; an external endpoint needs its CIDRs.
 */
export function prometheusEgress(prometheusUrl: string, ownNamespace: string, externalCidrs?: string[]): EgressAllowance[] {
    const url = new URL(prometheusUrl);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const reason = `Grafana queries its Prometheus datasource at ${prometheusUrl}.`;
    const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
    if (inCluster) {
        const namespace = inCluster[1];
        return namespace === ownNamespace ? [] : [{ name: "prometheus-egress", reason, toNamespaces: [namespace], ports: [{ port }] }];
    }
    if (!externalCidrs || externalCidrs.length === 0) {
        throw new Error(`grafana: prometheusUrl ${prometheusUrl} is outside the cluster; give prometheusCidrs for the egress policy`);
    }
    return [{ name: "prometheus-egress", reason, toCidrs: externalCidrs, ports: [{ port }] }];
}

/** Reads and validates dashboards/*.json; returns file name -> JSON text. Fails the deployment on invalid JSON. */
export function loadDashboards(dir: string = DASHBOARDS_DIR): Record<string, string> {
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort();
    if (files.length === 0) throw new Error(`grafana: no dashboard JSON in ${dir}`);
    const out: Record<string, string> = {};
    for (const file of files) {
        const text = fs.readFileSync(path.join(dir, file), "utf8");
        let parsed: { uid?: unknown; title?: unknown };
        try {
            parsed = JSON.parse(text) as { uid?: unknown; title?: unknown };
        } catch (e) {
            throw new Error(`grafana: dashboard ${file} is not valid JSON: ${(e as Error).message}`);
        }
        if (typeof parsed.uid !== "string" || typeof parsed.title !== "string")
            throw new Error(`grafana: dashboard ${file} needs a uid and a title`);
        out[file] = text;
    }
    return out;
}

/** grafana.ini hardening; merged by Helm over the chart's defaults (paths, log mode). */
export function grafanaIni(rootUrl: string): Record<string, Record<string, unknown>> {
    return {
        server: { root_url: rootUrl, enforce_domain: false },
        "auth.anonymous": { enabled: false },
        security: {
            cookie_secure: true,
            cookie_samesite: "strict",
            disable_gravatar: true,
            allow_embedding: false,
            content_security_policy: true,
        },
        users: { allow_sign_up: false, allow_org_create: false },
        analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false, feedback_links_enabled: false },
        snapshots: { external_enabled: false },
        log: { mode: "console" },
    };
}

/** Helm values for the grafana chart; the admin secret and dashboards ConfigMap are passed by name. */
export function grafanaValues(args: {
    environment: EnvironmentName;
    prometheusUrl: string;
    rootUrl: string;
    adminSecretName: pulumi.Input<string>;
    dashboardsConfigMapName: pulumi.Input<string>;
}): Record<string, unknown> {
    const sizing = grafanaSizing(args.environment);
    return {
        // Ownership labels (metadata-required-labels) on every object and the pod template; the chart sets the name.
        extraLabels: { "app.kubernetes.io/part-of": "monitoring" },
        // One replica: Grafana keeps state in SQLite, which cannot be shared between replicas.
        replicas: 1,
        // A RWO volume cannot be attached to the old and the new pod at once during a rolling update.
        deploymentStrategy: { type: sizing.persistence ? "Recreate" : "RollingUpdate" },
        admin: { existingSecret: args.adminSecretName, userKey: "admin-user", passwordKey: "admin-password" },
        "grafana.ini": grafanaIni(args.rootUrl),
        service: { enabled: true, type: "ClusterIP" },
        ingress: { enabled: false },
        persistence: sizing.persistence
            ? { enabled: true, type: "pvc", size: sizing.storageSize, accessModes: ["ReadWriteOnce"] }
            : { enabled: false },
        // The chown init container runs as root with CHOWN/DAC_OVERRIDE; fsGroup makes the volume writable instead.
        initChownData: { enabled: false },
        resources: sizing.resources,
        securityContext: { runAsNonRoot: true, runAsUser: 472, runAsGroup: 472, fsGroup: 472, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, privileged: false },
        // Writable scratch space under the read-only root filesystem.
        extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
        // Grafana never talks to the Kubernetes API here (no sidecars): no token, no RBAC.
        automountServiceAccountToken: false,
        serviceAccount: { create: true, automountServiceAccountToken: false },
        rbac: { create: false },
        // The chart's helm-test pod is never run by the deployment; keep it out of the manifests.
        testFramework: { enabled: false },
        networkPolicy: { enabled: true, ingress: true, allowExternal: false },
        datasources: {
            "datasources.yaml": {
                apiVersion: 1,
                datasources: [
                    {
                        name: "Prometheus",
                        type: "prometheus",
                        uid: PROMETHEUS_DATASOURCE_UID,
                        url: args.prometheusUrl,
                        access: "proxy",
                        isDefault: true,
                        editable: false,
                    },
                ],
            },
        },
        dashboardProviders: {
            "dashboardproviders.yaml": {
                apiVersion: 1,
                providers: [
                    {
                        name: DASHBOARD_PROVIDER,
                        orgId: 1,
                        folder: "Security & Compliance",
                        type: "file",
                        disableDeletion: true,
                        editable: false,
                        allowUiUpdates: false,
                        options: { path: `/var/lib/grafana/dashboards/${DASHBOARD_PROVIDER}` },
                    },
                ],
            },
        },
        // Dashboards come from a ConfigMap mounted as a volume rather than the sidecar: the sidecar would need
        // a service account token allowed to list ConfigMaps and Secrets, and one more container.
        dashboardsConfigMaps: { [DASHBOARD_PROVIDER]: args.dashboardsConfigMapName },
        sidecar: {
            dashboards: { enabled: false },
            datasources: { enabled: false },
            alerts: { enabled: false },
            plugins: { enabled: false },
        },
    };
}

export class Grafana extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** The generated admin password (secret). */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly adminSecretName: pulumi.Output<string>;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:observability:Grafana", name, {}, opts);
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.monitoring;
        const dashboards = loadDashboards(args.dashboardsDir);

        const prometheusUrl = args.prometheusUrl ?? DEFAULT_PROMETHEUS_URL;

        const egress = prometheusEgress(prometheusUrl, namespaceName, args.prometheusCidrs);
        if (args.namespace && egress.length > 0) {
            throw new Error(
                `grafana: prometheusUrl ${prometheusUrl} needs an egress hole, which an existing namespace must declare itself; use an in-namespace Prometheus`,
            );
        }
        const namespace =
            args.namespace ?? new SecureNamespace(`${name}-ns`, { provider, name: namespaceName, allowEgress: egress }, { parent: this });
        this.namespace = namespace.name;

        const password = new random.RandomPassword(
            `${name}-admin-password`,
            { length: 40, special: true, overrideSpecial: "!#%*()-_=+[]{}<>:?", minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 2 },
            { parent: this },
        );
        this.adminPassword = pulumi.secret(password.result);

        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: {
                    name: "grafana-admin",
                    namespace: namespaceName,
                    labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/part-of": "monitoring" },
                },
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": this.adminPassword },
            },
            { parent: this, provider, dependsOn: [namespace], additionalSecretOutputs: ["stringData", "data"] },
        );
        this.adminSecretName = adminSecret.metadata.name;

        const dashboardsConfigMap = new k8s.core.v1.ConfigMap(
            `${name}-dashboards`,
            {
                metadata: {
                    name: "grafana-dashboards",
                    namespace: namespaceName,
                    labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/component": "dashboards" },
                },
                data: dashboards,
            },
            { parent: this, provider, dependsOn: [namespace] },
        );

        this.release = pinnedRelease(
            `${name}-release`,
            GRAFANA_CHART,
            {
                releaseName: "grafana",
                chartSource: args.charts,
                namespace: namespaceName,
                values: grafanaValues({
                    environment: args.environment,
                    prometheusUrl,
                    rootUrl: args.rootUrl ?? "http://localhost:3000",
                    adminSecretName: adminSecret.metadata.name,
                    dashboardsConfigMapName: dashboardsConfigMap.metadata.name,
                }),
            },
            { parent: this, provider, dependsOn: [namespace, adminSecret, dashboardsConfigMap, ...admissionGates(args, opts)] },
        );

        this.registerOutputs({ namespace: this.namespace, adminPassword: this.adminPassword, adminSecretName: this.adminSecretName });
    }
}
