// Argo CD from its official Helm chart, hardened: TLS on the API server, no anonymous access, no exec, a
// read-only default role, in-cluster only (ClusterIP, no ingress), network policies on, HA in prod. The
// application is delivered through one AppProject locked to the app repository and namespaces, and one root
// Application that only syncs once the Gatekeeper constraints it is passed are in place. The built-in
// `default` project, which permits everything, is patched to permit nothing.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as stringifyYaml } from "yaml";
import { AppSource, ArgoCdConfig, EnvironmentName } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { apiServerEgress, EgressAllowance, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res, Resources, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

export const ARGOCD_CHART = CHART_PINS.argocd;

/** The in-cluster API server, the only destination cluster the project allows. */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";
export const APP_NAME = "missing-table";

export interface ArgoCdArgs extends PlatformComponentArgs {
    config: ArgoCdConfig;
    /** CIDRs of the Kubernetes control plane: the only place Argo CD's controllers may reach besides Git/OIDC. */
    apiServerCidrs: string[];
    /**
     * Resources the AppProject and Application must wait for - the Gatekeeper constraints (and the app
     * namespaces): nothing may sync before admission control enforces.
     */
    dependsOn?: PlatformComponentArgs["dependsOn"];
    /**
     * Create the application namespaces as SecureNamespaces (restricted Pod Security, default-deny network
     * policies) - the Application never creates namespaces itself. Set false only when the namespaces are
     * managed elsewhere (then pass them in `dependsOn`). Defaults to true.
     */
    createAppNamespaces?: boolean;
    /** OIDC groups mapped to `role:admin`; everyone else signed in gets the default read-only role. */
    adminGroups?: string[];
    /**
     * Host name Argo CD is reached at (OIDC redirect URLs are built from it). No ingress is created.
     * Defaults to `localhost:8080`, a `kubectl port-forward svc/argocd-server 8080:443` session.
     */
    domain?: string;
}

/** Per-environment sizing. Only prod runs HA: it doubles the footprint and needs three nodes for redis-ha. */
export interface ArgoCdSizing {
    ha: boolean;
    /** Static replicas of server / repo-server / applicationset when not autoscaled. */
    replicas: number;
    minReplicas: number;
    maxReplicas: number;
    controller: Resources;
    server: Resources;
    repoServer: Resources;
    applicationSet: Resources;
    redis: Resources;
}

export function argoCdSizing(environment: EnvironmentName): ArgoCdSizing {
    if (environment === "prod") {
        return {
            ha: true,
            replicas: 2,
            minReplicas: 2,
            maxReplicas: 5,
            controller: res("500m", "1Gi", "2", "2Gi"),
            server: res("100m", "256Mi", "500m", "512Mi"),
            repoServer: res("250m", "512Mi", "1", "1Gi"),
            applicationSet: res("100m", "128Mi", "500m", "256Mi"),
            redis: res("100m", "128Mi", "500m", "256Mi"),
        };
    }
    return {
        ha: false,
        replicas: 1,
        minReplicas: 1,
        maxReplicas: 1,
        controller: res("250m", "512Mi", "1", "1Gi"),
        server: res("50m", "128Mi", "250m", "256Mi"),
        repoServer: res("100m", "256Mi", "500m", "512Mi"),
        applicationSet: res("50m", "64Mi", "250m", "128Mi"),
        redis: res("50m", "64Mi", "250m", "128Mi"),
    };
}

/** The `oidc.config` block of argocd-cm; the client secret is a reference into argocd-secret, never inline. */
export function oidcConfigYaml(oidc: { issuer: string; clientId: string }): string {
    return [
        "name: SSO",
        `issuer: ${oidc.issuer}`,
        `clientID: ${oidc.clientId}`,
        "clientSecret: $oidc.clientSecret",
        "requestedScopes: [openid, profile, email, groups]",
        "",
    ].join("\n");
}

/** Helm values for the argo-cd chart (pure, so tests can read them without a deployment). */
export function argoCdValues(args: Pick<ArgoCdArgs, "environment" | "config" | "adminGroups" | "domain">): Record<string, unknown> {
    const sizing = argoCdSizing(args.environment);
    const oidc = args.config.oidc;
    const pdb = { enabled: sizing.ha, minAvailable: 1 };
    const autoscaling = {
        enabled: sizing.ha,
        minReplicas: sizing.minReplicas,
        maxReplicas: sizing.maxReplicas,
        targetCPUUtilizationPercentage: 70,
        targetMemoryUtilizationPercentage: 80,
    };
    const policyCsv = (args.adminGroups ?? []).map((group) => `g, ${group}, role:admin`).join("\n");

    return {
        global: {
            domain: args.domain ?? "localhost:8080",
            logging: { format: "json", level: "info" },
            // The chart's per-component policies admit only the traffic Argo CD needs between its parts.
            networkPolicy: { create: true },
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        },
        crds: { install: true, keep: true },
        configs: {
            cm: {
                // With SSO the shared local admin goes away; without it (dev) admin keeps the password Argo CD
                // generates in-cluster (argocd-initial-admin-secret): it never passes through Pulumi or Helm.
                "admin.enabled": oidc === undefined,
                "users.anonymous.enabled": "false",
                "exec.enabled": false,
                "statusbadge.enabled": false,
                "resource.exclusions": stringifyYaml(ARGOCD_RESOURCE_EXCLUSIONS.map((e) => ({ ...e }))),
                ...(oidc ? { "oidc.config": oidcConfigYaml(oidc) } : {}),
            },
            params: {
                // The API server terminates TLS itself (self-signed unless a certificate is given).
                "server.insecure": false,
            },
            rbac: {
                "policy.default": "role:readonly",
                "policy.csv": policyCsv,
                scopes: "[groups]",
            },
            secret: {
                createSecret: true,
                ...(oidc ? { extra: { "oidc.clientSecret": pulumi.secret(oidc.clientSecret) } } : {}),
            },
        },
        controller: {
            // Application-controller replicas shard by destination cluster; with the single in-cluster
            // destination a second replica would sit idle, so HA here comes from the StatefulSet restart.
            replicas: 1,
            resources: sizing.controller,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        server: {
            replicas: sizing.replicas,
            autoscaling,
            pdb,
            resources: sizing.server,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            service: { type: "ClusterIP" },
            ingress: { enabled: false },
        },
        repoServer: {
            replicas: sizing.replicas,
            autoscaling,
            pdb,
            resources: sizing.repoServer,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        applicationSet: {
            replicas: sizing.replicas,
            pdb,
            resources: sizing.applicationSet,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        // SSO goes straight to the OIDC provider (oidc.config): Dex would be one more exposed component.
        dex: { enabled: false },
        // No notification services are configured; alerting runs through falcosidekick.
        notifications: { enabled: false },
        redis: {
            // Redis never calls the Kubernetes API.
            automountServiceAccountToken: false,
            resources: sizing.redis,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        redisSecretInit: {
            resources: res("50m", "64Mi", "200m", "128Mi"),
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        // Replaces the single redis in prod: three redis+sentinel pods behind HAProxy, on separate nodes.
        "redis-ha": {
            enabled: sizing.ha,
            // Ownership labels (metadata-required-labels): extraLabels reach redis-ha's Services, the haproxy
            // Deployment, the StatefulSet and both pod templates; `labels` the redis pods. app.kubernetes.io/name
            // cannot go into extraLabels: the haproxy pod template already has it (a duplicate key breaks the
            // release), so the Services and the two workloads' own metadata stay without it (advisory warning).
            extraLabels: { "app.kubernetes.io/part-of": "argocd" },
            labels: { "app.kubernetes.io/name": "argocd-redis-ha" },
            auth: true,
            hardAntiAffinity: true,
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            redis: { resources: sizing.redis },
            sentinel: { resources: res("50m", "64Mi", "200m", "128Mi") },
            // The redis-ha subchart (4.38.0) leaves these containers without requests or limits, which the
            // resources-requests-limits constraint denies: the config-init init container and the always-on
            // split-brain-fix sidecar of the redis StatefulSet, and the haproxy config-init init container.
            init: { resources: res("10m", "32Mi", "100m", "64Mi") },
            splitBrainDetection: { resources: res("10m", "32Mi", "100m", "64Mi") },
            haproxy: {
                hardAntiAffinity: true,
                resources: res("50m", "64Mi", "250m", "128Mi"),
                init: { resources: res("10m", "32Mi", "100m", "64Mi") },
                containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            },
        },
    };
}

/**
 * Holes in the namespace's default-deny egress: the API server for every component, the Git host for the
 * repo-server, the OIDC issuer for the API server. Git and OIDC hosts have no stable IPs, hence 0.0.0.0/0
 * restricted to their ports and to the one component that needs them.
 */
export function argoCdEgress(config: ArgoCdConfig, apiServerCidrs: string[]): EgressAllowance[] {
    const sshRepo = /^(ssh:\/\/|[\w.-]+@)/.test(config.appRepoUrl);
    const allowances: EgressAllowance[] = [
        apiServerEgress(apiServerCidrs),
        {
            name: "git-egress",
            reason: `The repo-server clones the application repository ${config.appRepoUrl}.`,
            podSelector: { "app.kubernetes.io/name": "argocd-repo-server" },
            toCidrs: ["0.0.0.0/0"],
            ports: [{ port: sshRepo ? 22 : 443, protocol: "TCP" }],
        },
    ];
    if (config.oidc) {
        allowances.push({
            name: "oidc-egress",
            reason: `The API server fetches keys and exchanges tokens with the OIDC issuer ${config.oidc.issuer}.`,
            podSelector: { "app.kubernetes.io/name": "argocd-server" },
            toCidrs: ["0.0.0.0/0"],
            ports: [{ port: 443, protocol: "TCP" }],
        });
    }
    return allowances;
}

/** The AppProject spec: one repository, the app namespaces on this cluster, no cluster-scoped kinds. */
export function appProjectSpec(config: ArgoCdConfig): Record<string, unknown> {
    return {
        description: `${APP_NAME}: only ${config.appRepoUrl} into ${config.appNamespaces.join(", ")}`,
        sourceRepos: [config.appRepoUrl],
        // The argocd namespace is deliberately not a destination: an app that could sync objects there could
        // write Applications, or AppProjects (this one included) that allow more, and escape these
        // restrictions. (Naming the built-in `default` project would gain nothing: it is locked to deny all.)
        destinations: config.appNamespaces.map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
        // Empty list = no cluster-scoped kind (Namespace, ClusterRole, CRD, webhook...) may be synced.
        clusterResourceWhitelist: [],
        // Quotas and limit ranges are platform guardrails; the app must not lift them. NetworkPolicy stays
        // allowed: under the namespace default-deny the app has to declare the traffic it accepts.
        namespaceResourceBlacklist: [
            { group: "", kind: "ResourceQuota" },
            { group: "", kind: "LimitRange" },
        ],
        orphanedResources: { warn: true },
    };
}

/**
 * Core kinds that belong to the platform, never to the app: the Namespace (SecureNamespace: Pod Security
 * labels, default-deny policies) and the namespace guardrails (ResourceQuota, LimitRange). Apps render them
 * anyway (a namespace template, `helm --create-namespace` habits, a quota next to the chart); Argo CD drops
 * them from the sync with an ExcludedResourceWarning on the Application, instead of adopting the platform's
 * namespace and overwriting its labels, or failing the whole sync on a kind the project does not permit
 * (the AppProject still blacklists the guardrails and permits no cluster-scoped kind).
 */
export const PLATFORM_OWNED_KINDS = ["Namespace", "ResourceQuota", "LimitRange"] as const;

/** One `resource.exclusions` entry of argocd-cm (Argo CD's resource filter). */
export interface ResourceExclusion {
    apiGroups: string[];
    kinds: string[];
    clusters: string[];
}

/**
 * Kinds Argo CD neither watches nor syncs. Setting `resource.exclusions` replaces the chart's default list,
 * so the high-churn kinds it excludes for performance are kept (those that exist on GKE), then the
 * platform-owned kinds.
 */
export const ARGOCD_RESOURCE_EXCLUSIONS: readonly ResourceExclusion[] = [
    { apiGroups: ["", "discovery.k8s.io"], kinds: ["Endpoints", "EndpointSlice"], clusters: ["*"] },
    { apiGroups: ["coordination.k8s.io"], kinds: ["Lease"], clusters: ["*"] },
    {
        apiGroups: ["authentication.k8s.io", "authorization.k8s.io"],
        kinds: [
            "SelfSubjectReview",
            "TokenReview",
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ],
        clusters: ["*"],
    },
    { apiGroups: ["certificates.k8s.io"], kinds: ["CertificateSigningRequest"], clusters: ["*"] },
    { apiGroups: [""], kinds: [...PLATFORM_OWNED_KINDS], clusters: ["*"] },
];

/** Whether Argo CD's resource filter drops an object of this group/kind (exact names or `*`, as Argo CD matches). */
export function isExcludedByArgoCd(
    group: string,
    kind: string,
    exclusions: readonly ResourceExclusion[] = ARGOCD_RESOURCE_EXCLUSIONS,
): boolean {
    const matches = (patterns: readonly string[], value: string) => patterns.includes("*") || patterns.includes(value);
    return exclusions.some((e) => matches(e.apiGroups, group) && matches(e.kinds, kind) && matches(e.clusters, IN_CLUSTER_SERVER));
}

/** Name of the project Argo CD's API server creates at start-up if missing, permitting everything. */
export const DEFAULT_PROJECT = "default";

/**
 * The built-in `default` project with every permission removed, as Argo CD documents for locking it down
 * (user-guide/projects, "The Default Project"). Semantics (AppProject.IsSourcePermitted /
 * IsDestinationPermitted / IsGroupKindPermitted): an empty sourceRepos or destinations list matches nothing;
 * an empty clusterResourceWhitelist admits no cluster-scoped kind. For namespaced kinds a *missing*
 * whitelist means "all", and Argo CD's own writes drop an empty list (omitempty), so the `*` blacklist is
 * what actually holds; the empty whitelist is belt and braces.
 */
export function lockedDefaultProjectSpec(): Record<string, unknown> {
    return {
        sourceRepos: [],
        // No namespace besides argocd itself may hold Applications of this project.
        sourceNamespaces: [],
        destinations: [],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [],
        namespaceResourceBlacklist: [{ group: "*", kind: "*" }],
    };
}

/** `spec.source` of the Application: the repository path plus the block for its source type. */
export function applicationSource(
    config: Pick<ArgoCdConfig, "appRepoUrl" | "appPath" | "appRevision" | "appSource">,
): Record<string, unknown> {
    const base = { repoURL: config.appRepoUrl, path: config.appPath, targetRevision: config.appRevision };
    const source: AppSource = config.appSource;
    switch (source.type) {
        case "helm":
            return {
                ...base,
                helm: {
                    releaseName: source.releaseName,
                    valueFiles: [...source.valueFiles],
                    // A value file listed in config but missing from the repository fails the sync instead of
                    // rendering the chart with its defaults.
                    ignoreMissingValueFiles: false,
                    // Strings, typed by helm as --set does (the plan renders them the same way).
                    parameters: source.parameters.map((p) => ({ name: p.name, value: p.value })),
                },
            };
        case "kustomize":
            return { ...base, kustomize: {} };
        case "directory":
            // Only the top-level files: a nested folder (another environment, a chart) is never synced by accident.
            return { ...base, directory: { recurse: false } };
    }
}

/** The root Application spec, synced from the app repository with the stack's sync policy. */
export function applicationSpec(config: ArgoCdConfig, project: string): Record<string, unknown> {
    if (config.appNamespaces.length === 0) throw new Error("argocd: appNamespaces must name at least one namespace");
    return {
        project,
        source: applicationSource(config),
        destination: { server: IN_CLUSTER_SERVER, namespace: config.appNamespaces[0] },
        syncPolicy: {
            automated: { prune: config.autoSyncPrune, selfHeal: config.autoSyncSelfHeal },
            syncOptions: [
                // Namespaces come from the platform with their PSS labels and default-deny policies.
                "CreateNamespace=false",
                // Deletions run after everything else applied, so a failed sync never leaves the app half-removed.
                "PruneLast=true",
                // Never adopt an object another Application already manages.
                "FailOnSharedResource=true",
            ],
            retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
        },
    };
}

export class ArgoCd extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly project: k8s.apiextensions.CustomResource;
    /** Server-side apply patch that strips every permission from the built-in `default` project. */
    public readonly defaultProjectLock: k8s.apiextensions.CustomResourcePatch;
    public readonly application: k8s.apiextensions.CustomResource;
    public readonly appNamespaces: SecureNamespace[];

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:gitops:ArgoCd", name, {}, opts);
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.argocd;

        if (args.apiServerCidrs.length === 0) throw new Error("ArgoCd: apiServerCidrs must name the control plane range");

        const namespace = new SecureNamespace(
            `${name}-ns`,
            { provider, name: namespaceName, allowEgress: argoCdEgress(args.config, args.apiServerCidrs) },
            { parent: this },
        );
        this.namespace = namespace.name;

        this.release = pinnedRelease(
            `${name}-release`,
            ARGOCD_CHART,
            {
                releaseName: "argocd",
                chartSource: args.charts,
                namespace: namespaceName,
                values: argoCdValues(args),
            },
            // Argo CD's own pods are admitted only once the constraints enforce, like every other workload.
            { parent: this, provider, dependsOn: [namespace, ...admissionGates(args, opts)] },
        );

        // Argo CD's API server creates `default` (any repo, any destination, any cluster-scoped kind) on start-up
        // when it is missing and never touches it again. Declaring it as a normal resource would fail on create
        // (it already exists), and the chart (10.1.1) has no value for it: `extraObjects` would make Helm
        // create an AppProject in the same release as its CRD (no mapping yet on a fresh install) and refuse
        // to adopt the `default` that argocd-server already created (no Helm ownership labels). So a
        // server-side apply patch takes ownership of the permission fields; patchForce resolves the
        // field-manager conflict with argocd-server, which wrote them at creation. Lists in the AppProject
        // CRD are atomic, so each empty list replaces the live one. It waits for the release: the atomic
        // install returns once argocd-server is ready, i.e. after `default` exists and the CRD is served.
        this.defaultProjectLock = new k8s.apiextensions.CustomResourcePatch(
            `${name}-default-project-lock`,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "AppProject",
                metadata: {
                    name: DEFAULT_PROJECT,
                    namespace: namespaceName,
                    annotations: { "pulumi.com/patchForce": "true" },
                },
                spec: lockedDefaultProjectSpec(),
            },
            { parent: this, provider, dependsOn: [this.release] },
        );

        // The application's namespaces: restricted and default-deny; the app opens its own traffic with
        // NetworkPolicies in its repository (the project allows that kind).
        this.appNamespaces =
            args.createAppNamespaces === false
                ? []
                : args.config.appNamespaces.map(
                      (ns) => new SecureNamespace(`${name}-app-ns-${ns}`, { provider, name: ns }, { parent: this }),
                  );

        const policyGates = admissionGates(args, opts);
        const crdReady: pulumi.Input<pulumi.Resource>[] = [this.release, ...policyGates, ...this.appNamespaces];

        const repoSecret = this.repositorySecret(name, args.config, namespaceName, provider);
        if (repoSecret) crdReady.push(repoSecret);

        this.project = new k8s.apiextensions.CustomResource(
            `${name}-project`,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "AppProject",
                metadata: {
                    name: APP_NAME,
                    namespace: namespaceName,
                    labels: { "app.kubernetes.io/part-of": "argocd", environment: args.environment },
                },
                spec: appProjectSpec(args.config),
            },
            { parent: this, provider, dependsOn: crdReady },
        );

        this.application = new k8s.apiextensions.CustomResource(
            `${name}-app`,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Application",
                metadata: {
                    name: APP_NAME,
                    namespace: namespaceName,
                    labels: { "app.kubernetes.io/part-of": "argocd", environment: args.environment },
                    // Deleting the Application deletes what it deployed instead of orphaning it.
                    finalizers: ["resources-finalizer.argocd.argoproj.io"],
                },
                spec: applicationSpec(args.config, APP_NAME),
            },
            { parent: this, provider, dependsOn: [...crdReady, this.project] },
        );

        this.registerOutputs({ namespace: this.namespace, releaseStatus: this.release.status });
    }

    /** Credentials for a private app repository, in the form Argo CD discovers by label. */
    private repositorySecret(
        name: string,
        config: ArgoCdConfig,
        namespace: string,
        provider: k8s.Provider,
    ): k8s.core.v1.Secret | undefined {
        if (config.repoPassword === undefined) return undefined;
        if (!config.repoUsername) throw new Error("argocd: repoPassword is set but repoUsername is not");
        return new k8s.core.v1.Secret(
            `${name}-repo-credentials`,
            {
                metadata: {
                    namespace,
                    labels: { "argocd.argoproj.io/secret-type": "repository", "app.kubernetes.io/part-of": "argocd" },
                },
                type: "Opaque",
                stringData: {
                    type: "git",
                    url: config.appRepoUrl,
                    username: config.repoUsername,
                    password: pulumi.secret(config.repoPassword),
                },
            },
            { parent: this, provider, dependsOn: [this.release], additionalSecretOutputs: ["stringData", "data"] },
        );
    }
}
