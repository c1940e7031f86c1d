// Builds the typed StackConfig from `pulumi config` and validates it before the program declares anything.
// Every problem is collected and reported at once (key, bad value, what is allowed) so one preview shows
// the whole list. Defaults are the secure choice; the unsafe choice needs an explicit, named key.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { PLATFORM_NAMESPACES, SYSTEM_NAMESPACES } from "../platform/exemptions";
import { cidrsOverlap, Ipv4Cidr, parseCidr } from "./cidr";
import {
    DEFAULT_KUBERNETES_VERSION,
    kubernetesMinor,
    MIN_KUBERNETES_MINOR,
    podSecurityMinor,
    podSecurityVersionFor,
} from "../platform/cluster-version";
import {
    AlertingConfig,
    APP_SOURCE_TYPES,
    AppSource,
    AppSourceType,
    ArgoCdConfig,
    HelmParameter,
    AuthorizedNetwork,
    ChartInstallSource,
    ClusterConfig,
    ENVIRONMENTS,
    EnvironmentName,
    FeatureSwitches,
    POLICY_ENFORCEMENTS,
    PolicyEnforcement,
    RELEASE_CHANNELS,
    ReporterConfig,
    ReleaseChannel,
    StackConfig,
} from "./types";

export const CONFIG_NAMESPACE = "secure-gitops";

/** What the program needs from `pulumi.Config`; tests implement it over plain data. Keys are unprefixed. */
export interface ConfigSource {
    get(key: string): string | undefined;
    getSecret(key: string): pulumi.Output<string> | undefined;
    /** Whether the stack stores the key encrypted. Omitted: the plaintext check is skipped. */
    isSecret?(key: string): boolean;
    /** Every key set in the project namespace, to catch typos. Omitted: the unknown-key check is skipped. */
    keys?(): string[];
}

export type ConfigKeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
    type: ConfigKeyType;
    /** Mirrors Pulumi.yaml's `default` (a test keeps the two equal). Absent: the key is required. */
    default?: string | number | boolean | string[];
    /** Must be stored encrypted when set. Not declared `secret: true` in Pulumi.yaml because the CLI
     * would then demand a value in every stack, and these are optional. */
    secret?: boolean;
}

/** Every config key the program reads (unprefixed), with its type and default. */
export const CONFIG_KEYS = {
    environment: { type: "string" },
    gcpProject: { type: "string", default: "" },
    gcpRegion: { type: "string", default: "europe-west1" },
    clusterMode: { type: "string", default: "gke" },
    // GKE mode
    clusterName: { type: "string", default: "secure-gitops" },
    releaseChannel: { type: "string", default: "REGULAR" },
    regional: { type: "boolean", default: true },
    privateEndpoint: { type: "boolean", default: false },
    masterAuthorizedNetworks: { type: "string", default: "[]" },
    allowPublicControlPlane: { type: "boolean", default: false },
    subnetCidr: { type: "string", default: "10.10.0.0/20" },
    podsCidr: { type: "string", default: "10.16.0.0/14" },
    servicesCidr: { type: "string", default: "10.20.0.0/20" },
    masterCidr: { type: "string", default: "172.16.0.0/28" },
    nodeMachineType: { type: "string", default: "e2-standard-4" },
    nodeInitialCount: { type: "integer", default: 1 },
    nodeMinCount: { type: "integer", default: 1 },
    nodeMaxCount: { type: "integer", default: 3 },
    nodeDiskSizeGb: { type: "integer", default: 100 },
    spotNodes: { type: "boolean", default: false },
    deletionProtection: { type: "boolean", default: true },
    // Existing-cluster mode
    kubeconfig: { type: "string", default: "", secret: true },
    kubeconfigPath: { type: "string", default: "" },
    kubeContext: { type: "string", default: "" },
    apiServerCidrs: { type: "array", default: [] },
    // Components and policy
    features: { type: "string", default: "{}" },
    policyEnforcement: { type: "string", default: "mandatory" },
    webhookFailurePolicy: { type: "string", default: "Fail" },
    publicServiceNamespaces: { type: "array", default: [] },
    allowedRegistries: { type: "array", default: [] },
    appPolicyEnforcement: { type: "string", default: "mandatory" },
    acmeEmail: { type: "string", default: "" },
    acmeServer: { type: "string", default: "staging" },
    acmeSolver: { type: "string", default: "http01" },
    acmeDnsProject: { type: "string", default: "" },
    appIngressTargets: { type: "string", default: "[]" },
    appEgress: { type: "string", default: "[]" },
    kubernetesVersion: { type: "string", default: DEFAULT_KUBERNETES_VERSION },
    podSecurityVersion: { type: "string", default: "" },
    // Argo CD
    appRepoUrl: { type: "string", default: "" },
    appPath: { type: "string", default: "." },
    appSource: { type: "string", default: "directory" },
    appHelmValueFiles: { type: "array", default: [] },
    appHelmParameters: { type: "string", default: "{}" },
    appHelmReleaseName: { type: "string", default: "missing-table" },
    appRevision: { type: "string", default: "HEAD" },
    appNamespaces: { type: "array", default: [] },
    autoSyncPrune: { type: "boolean", default: true },
    autoSyncSelfHeal: { type: "boolean", default: true },
    oidcIssuer: { type: "string", default: "" },
    oidcClientId: { type: "string", default: "" },
    oidcClientSecret: { type: "string", default: "", secret: true },
    repoUsername: { type: "string", default: "" },
    repoPassword: { type: "string", default: "", secret: true },
    // Alerting, scanning, audit
    slackWebhookUrl: { type: "string", default: "", secret: true },
    pagerDutyRoutingKey: { type: "string", default: "", secret: true },
    falcoMinimumPriority: { type: "string", default: "warning" },
    trivySeverities: { type: "array", default: ["CRITICAL", "HIGH"] },
    trivyConcurrentScanJobs: { type: "integer", default: 3 },
    trivyComplianceCron: { type: "string", default: "0 */6 * * *" },
    auditRetentionDays: { type: "integer", default: 90 },
    // Compliance reporter (components/compliance-reporter.ts): off until an image is given.
    reporterImage: { type: "string", default: "" },
    reporterDailyCron: { type: "string", default: "0 2 * * *" },
    reporterWeeklyCron: { type: "string", default: "0 3 * * 1" },
    reporterMonthlyCron: { type: "string", default: "0 4 1 * *" },
    reporterVolumeClaim: { type: "string", default: "" },
    // Where the pinned charts come from
    chartDirectory: { type: "string", default: "" },
    chartRepositoryMirror: { type: "string", default: "" },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export const FEATURE_NAMES = [
    "argocd",
    "gatekeeper",
    "falco",
    "trivy",
    "auditLogging",
    "monitoring",
    "grafana",
    "ingress",
] as const satisfies readonly (keyof FeatureSwitches)[];
export const FALCO_PRIORITIES = ["emergency", "alert", "critical", "error", "warning", "notice"] as const;
export const TRIVY_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export const WEBHOOK_FAILURE_POLICIES = ["Fail", "Ignore"] as const;
export const CLUSTER_MODES = ["gke", "existing"] as const;
export const TRIVY_CONCURRENCY = { min: 1, max: 10 } as const;
export const AUDIT_RETENTION = { min: 1, max: 3650, prodMin: 365 } as const;
/** Authorized networks broader than this prefix count as "the internet" (0.0.0.0/1 + 128.0.0.0/1 is /0). */
const PUBLIC_NETWORK_MAX_PREFIX = 8;

export interface ConfigProblem {
    /** Fully-qualified key, e.g. `secure-gitops:nodeMinCount` (with `[i].field` for list entries). */
    key: string;
    /** The offending value as shown to the user; secrets are never shown. */
    value: string;
    /** What would be accepted. */
    allowed: string;
}

export class StackConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: ConfigProblem[],
    ) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key}: got ${p.value}; allowed: ${p.allowed}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

const fullKey = (key: string) => `${CONFIG_NAMESPACE}:${key}`;

function show(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const GCP_REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const GKE_CLUSTER_NAME = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
const MACHINE_TYPE = /^[a-z][a-z0-9]*-[a-z0-9-]*[a-z0-9]$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const HTTPS_REPO = /^https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/\S+$/;
const SSH_REPO = /^git@[A-Za-z0-9.-]+:\S+$/;
const CRON_FIELD = /^[0-9*/,-]+$/;
/** Helm release names: DNS-1123 subdomain, at most 53 characters (helm's own limit). */
const HELM_RELEASE_NAME = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const HELM_RELEASE_NAME_MAX = 53;
/** Dotted value paths only: list indices and escapes (`a[0]`, `a\.b`) are not supported by the plan's renderer. */
const HELM_PARAMETER_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const HELM_KEYS: readonly ConfigKey[] = ["appHelmValueFiles", "appHelmParameters", "appHelmReleaseName"];

/** Typed readers over a ConfigSource that record problems instead of throwing. */
class Reader {
    readonly problems: ConfigProblem[] = [];

    constructor(private readonly source: ConfigSource) {}

    problem(key: string, value: string, allowed: string): void {
        this.problems.push({ key: fullKey(key), value, allowed });
    }

    /** The stack's value, else Pulumi.yaml's default (as the CLI would pass it), else undefined. */
    raw(key: ConfigKey): string | undefined {
        const value = this.source.get(key);
        if (value !== undefined) return value;
        const spec: ConfigKeySpec = CONFIG_KEYS[key];
        if (spec.default === undefined) return undefined;
        return Array.isArray(spec.default) ? JSON.stringify(spec.default) : String(spec.default);
    }

    /** Whether the stack sets the key to something other than Pulumi.yaml's default (JSON compared as data). */
    changedFromDefault(key: ConfigKey): boolean {
        const value = this.source.get(key);
        if (value === undefined) return false;
        const spec: ConfigKeySpec = CONFIG_KEYS[key];
        const fallback = Array.isArray(spec.default) ? JSON.stringify(spec.default) : String(spec.default ?? "");
        const canonical = (text: string): string => {
            try {
                return JSON.stringify(JSON.parse(text));
            } catch {
                return text.trim();
            }
        };
        return canonical(value) !== canonical(fallback);
    }

    /** A string that may be empty/unset (empty means unset: optional keys default to ""). */
    optional(key: ConfigKey): string | undefined {
        const value = this.raw(key);
        return value === undefined || value.trim() === "" ? undefined : value.trim();
    }

    string(key: ConfigKey, fallback: string): string {
        return this.optional(key) ?? fallback;
    }

    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T): T {
        const value = this.raw(key);
        if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
        this.problem(key, show(value), `one of ${allowed.join(", ")}`);
        return fallback;
    }

    boolean(key: ConfigKey): boolean {
        const value = this.raw(key);
        if (value === "true") return true;
        if (value === "false") return false;
        this.problem(key, show(value), "true or false");
        const spec: ConfigKeySpec = CONFIG_KEYS[key];
        return spec.default === true;
    }

    integer(key: ConfigKey, min: number, max: number): number {
        const value = this.raw(key);
        const spec: ConfigKeySpec = CONFIG_KEYS[key];
        const fallback = typeof spec.default === "number" ? spec.default : min;
        if (value === undefined || !/^-?[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
            this.problem(key, show(value), `an integer from ${min} to ${max}`);
            return fallback;
        }
        const n = Number(value);
        if (n < min || n > max) {
            this.problem(key, show(value), `an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    /** A JSON document (stack files may also hold YAML structures, which reach the program as JSON). */
    json(key: ConfigKey, expected: string): unknown {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        try {
            return JSON.parse(value);
        } catch {
            this.problem(key, show(value), expected);
            return undefined;
        }
    }

    stringList(key: ConfigKey, itemRule: (item: string) => boolean, itemAllowed: string): string[] {
        const parsed = this.json(key, `a list of ${itemAllowed}`);
        if (parsed === undefined) return [];
        if (!Array.isArray(parsed)) {
            this.problem(key, show(parsed), `a list of ${itemAllowed}`);
            return [];
        }
        const result: string[] = [];
        parsed.forEach((item: unknown, i) => {
            if (typeof item === "string" && itemRule(item)) result.push(item);
            else this.problem(`${key}[${i}]`, show(item), itemAllowed);
        });
        return result;
    }

    /** An optional secret: present when non-empty; must be stored encrypted. */
    secret(key: ConfigKey): pulumi.Output<string> | undefined {
        const plain = this.source.get(key);
        if (plain === undefined || plain.trim() === "") return undefined;
        if (this.source.isSecret && !this.source.isSecret(key)) {
            this.problem(
                key,
                `(plaintext, ${plain.length} characters - not shown)`,
                `a secret: set it with \`pulumi config set --secret ${key}\``,
            );
        }
        return this.source.getSecret(key) ?? pulumi.secret(plain);
    }
}

function parseAuthorizedNetworks(read: Reader, allowPublic: boolean): AuthorizedNetwork[] {
    const key: ConfigKey = "masterAuthorizedNetworks";
    const allowed = 'a JSON list of {"cidrBlock": "a.b.c.d/n", "displayName": "..."}';
    const parsed = read.json(key, allowed);
    if (parsed === undefined) return [];
    if (!Array.isArray(parsed)) {
        read.problem(key, show(parsed), allowed);
        return [];
    }
    const networks: AuthorizedNetwork[] = [];
    parsed.forEach((entry: unknown, i) => {
        const at = `${key}[${i}]`;
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            read.problem(at, show(entry), allowed);
            return;
        }
        const { cidrBlock, displayName, ...extra } = entry as Record<string, unknown>;
        for (const extraKey of Object.keys(extra))
            read.problem(`${at}.${extraKey}`, show(extra[extraKey]), "only cidrBlock and displayName");
        if (typeof displayName !== "string" || displayName.trim() === "") {
            read.problem(`${at}.displayName`, show(displayName), "a non-empty name saying whose network this is");
        }
        if (typeof cidrBlock !== "string") {
            read.problem(`${at}.cidrBlock`, show(cidrBlock), "an IPv4 CIDR a.b.c.d/n");
            return;
        }
        const cidr = parseCidr(cidrBlock);
        if (!cidr.ok) {
            read.problem(`${at}.cidrBlock`, show(cidrBlock), `an IPv4 CIDR a.b.c.d/n with prefix 0-32 and no host bits (${cidr.reason})`);
            return;
        }
        if (cidr.cidr.prefix < PUBLIC_NETWORK_MAX_PREFIX && !allowPublic) {
            read.problem(
                `${at}.cidrBlock`,
                show(cidrBlock),
                `a network no broader than /${PUBLIC_NETWORK_MAX_PREFIX}; opening the control plane to the internet needs allowPublicControlPlane: true (never in prod)`,
            );
        }
        networks.push({ cidrBlock, displayName: typeof displayName === "string" ? displayName : "" });
    });
    return networks;
}

/** Components that are security controls: prod refuses to switch them off (what each one enforces or records). */
export const PROD_REQUIRED_FEATURES: Readonly<Partial<Record<keyof FeatureSwitches, string>>> = {
    gatekeeper: "admission control enforcing the rule catalogue",
    falco: "runtime threat detection",
    trivy: "vulnerability, configuration and compliance scanning",
    auditLogging: "audit log shipping to the locked bucket",
};

function parseFeatures(read: Reader, environment: EnvironmentName | undefined): FeatureSwitches {
    const features: FeatureSwitches = {
        argocd: true,
        gatekeeper: true,
        falco: true,
        trivy: true,
        auditLogging: true,
        monitoring: true,
        grafana: true,
        // Opt-in: it needs the ACME account (acmeEmail) and creates the one public LoadBalancer.
        ingress: false,
    };
    const allowed = `a JSON object of booleans with keys ${FEATURE_NAMES.join(", ")} (unset keys keep their default: every one on but ingress)`;
    const parsed = read.json("features", allowed);
    if (parsed === undefined) return features;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        read.problem("features", show(parsed), allowed);
        return features;
    }
    for (const [name, on] of Object.entries(parsed as Record<string, unknown>)) {
        if (!(FEATURE_NAMES as readonly string[]).includes(name)) {
            read.problem(`features.${name}`, show(on), `a known feature switch: ${FEATURE_NAMES.join(", ")}`);
        } else if (typeof on !== "boolean") {
            read.problem(`features.${name}`, show(on), "true or false");
        } else {
            const control = PROD_REQUIRED_FEATURES[name as keyof FeatureSwitches];
            if (environment === "prod" && !on && control)
                read.problem(`features.${name}`, "false", `true in prod (${name} is a security control: ${control})`);
            features[name as keyof FeatureSwitches] = on;
        }
    }
    return features;
}

function parseGkeCluster(read: Reader, environment: EnvironmentName | undefined): ClusterConfig {
    const prod = environment === "prod";
    const allowPublicControlPlane = read.boolean("allowPublicControlPlane");
    if (prod && allowPublicControlPlane) {
        read.problem("allowPublicControlPlane", "true", "false in prod (the prod control plane is never open to the internet)");
    }
    const name = read.string("clusterName", "secure-gitops");
    if (!GKE_CLUSTER_NAME.test(name))
        read.problem(
            "clusterName",
            show(name),
            "a GKE cluster name: lowercase letters, digits and hyphens, 1-40 characters, starting with a letter",
        );

    const ranges: { key: ConfigKey; cidr: Ipv4Cidr }[] = [];
    const range = (key: ConfigKey): string => {
        const value = read.string(key, "");
        const parsed = parseCidr(value);
        if (!parsed.ok) {
            read.problem(key, show(value), `an IPv4 CIDR a.b.c.d/n with prefix 0-32 and no host bits (${parsed.reason})`);
            return value;
        }
        if (key === "masterCidr" && parsed.cidr.prefix !== 28) {
            read.problem(key, show(value), "a /28 range (GKE requires exactly /28 for the control plane)");
        }
        for (const other of ranges) {
            if (cidrsOverlap(other.cidr, parsed.cidr)) {
                read.problem(key, show(value), `a range not overlapping ${fullKey(other.key)} (${other.cidr.text})`);
            }
        }
        ranges.push({ key, cidr: parsed.cidr });
        return value;
    };
    const subnetCidr = range("subnetCidr");
    const podsCidr = range("podsCidr");
    const servicesCidr = range("servicesCidr");
    const masterCidr = range("masterCidr");

    const machineType = read.string("nodeMachineType", "");
    if (!MACHINE_TYPE.test(machineType))
        read.problem("nodeMachineType", show(machineType), "a Compute Engine machine type such as e2-standard-4");
    const minNodeCount = read.integer("nodeMinCount", 1, 100);
    const maxNodeCount = read.integer("nodeMaxCount", 1, 100);
    const initialNodeCount = read.integer("nodeInitialCount", 1, 100);
    if (minNodeCount > maxNodeCount) {
        read.problem("nodeMinCount", show(String(minNodeCount)), `at most nodeMaxCount (${maxNodeCount})`);
    } else if (initialNodeCount < minNodeCount || initialNodeCount > maxNodeCount) {
        read.problem(
            "nodeInitialCount",
            show(String(initialNodeCount)),
            `between nodeMinCount and nodeMaxCount (${minNodeCount}-${maxNodeCount})`,
        );
    }
    const diskSizeGb = read.integer("nodeDiskSizeGb", 10, 65536);

    const spot = read.boolean("spotNodes");
    if (prod && spot) read.problem("spotNodes", "true", "false in prod (spot VMs are preempted without notice)");
    const regional = read.boolean("regional");
    if (prod && !regional) read.problem("regional", "false", "true in prod (a zonal control plane is a single point of failure)");
    const deletionProtection = read.boolean("deletionProtection");
    if (prod && !deletionProtection) read.problem("deletionProtection", "false", "true in prod");

    return {
        mode: "gke",
        name,
        releaseChannel: read.oneOf<ReleaseChannel>("releaseChannel", RELEASE_CHANNELS, "REGULAR"),
        regional,
        privateEndpoint: read.boolean("privateEndpoint"),
        masterAuthorizedNetworks: parseAuthorizedNetworks(read, allowPublicControlPlane && !prod),
        subnetCidr,
        podsCidr,
        servicesCidr,
        masterCidr,
        nodePool: { machineType, initialNodeCount, minNodeCount, maxNodeCount, diskSizeGb, spot },
        deletionProtection,
    };
}

function parseExistingCluster(read: Reader): ClusterConfig {
    const kubeconfig = read.secret("kubeconfig");
    const kubeconfigPath = read.optional("kubeconfigPath");
    if (!kubeconfig && !kubeconfigPath) {
        read.problem("kubeconfig", "(unset)", "in existing mode, a kubeconfig (secret) or kubeconfigPath");
    } else if (kubeconfig && kubeconfigPath) {
        read.problem("kubeconfigPath", show(kubeconfigPath), "unset when kubeconfig is set (give one of the two)");
    }
    // Platform namespaces deny all egress but DNS and the control plane, so its address must be known.
    const apiServerCidrs = read.stringList(
        "apiServerCidrs",
        (c) => parseCidr(c).ok,
        "IPv4 CIDRs of the API server (`kubectl get endpoints kubernetes -n default`)",
    );
    if (apiServerCidrs.length === 0 && !read.problems.some((p) => p.key.startsWith(fullKey("apiServerCidrs")))) {
        read.problem(
            "apiServerCidrs",
            "[]",
            'in existing mode, the API server\'s IPv4 CIDRs, e.g. ["10.0.0.2/32"] from `kubectl get endpoints kubernetes -n default`',
        );
    }
    return { mode: "existing", kubeconfig, kubeconfigPath, context: read.optional("kubeContext"), apiServerCidrs };
}

/** A path inside the repository: relative, no `..`, no backslashes. */
function isRelativeRepoPath(p: string): boolean {
    // No scheme or `$ref/` either: Argo CD would fetch a URL value file or read another source's files.
    return p !== "" && !p.startsWith("/") && !p.startsWith("$") && !p.includes(":") && !p.includes("\\") && !p.split("/").includes("..");
}

function parseHelmParameters(read: Reader): HelmParameter[] {
    const allowed = 'a JSON object of Helm value paths to string values, e.g. {"backend.replicaCount": "2"}';
    const parsed = read.json("appHelmParameters", allowed);
    if (parsed === undefined) return [];
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        read.problem("appHelmParameters", show(parsed), allowed);
        return [];
    }
    const parameters: HelmParameter[] = [];
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
        const at = `appHelmParameters.${name}`;
        if (!HELM_PARAMETER_NAME.test(name)) {
            read.problem(at, show(value), "a dotted value path of letters, digits, _ and - (no list indices or escapes)");
        } else if (typeof value !== "string") {
            read.problem(at, show(value), 'a string (Helm types "true", "false", "null" and integers as --set does)');
        } else if (value.includes("\\") || (value.startsWith("{") && value.endsWith("}"))) {
            read.problem(at, show(value), "a plain value: no backslashes and no {a,b} list syntax (use a values file for lists)");
        } else {
            parameters.push({ name, value });
        }
    }
    return parameters;
}

function parseAppSource(read: Reader): AppSource {
    const type = read.oneOf<AppSourceType>("appSource", APP_SOURCE_TYPES, "directory");
    if (type !== "helm") {
        // Set explicitly for a source that ignores them: a silent no-op would hide a mistake.
        for (const key of HELM_KEYS) {
            if (read.changedFromDefault(key)) read.problem(key, show(read.raw(key)), "unset unless appSource is helm");
        }
        return { type };
    }
    const valueFiles = read.stringList(
        "appHelmValueFiles",
        (f) => isRelativeRepoPath(f) && /\.ya?ml$/.test(f),
        "YAML files relative to the chart directory (appPath), without ..",
    );
    const releaseName = read.string("appHelmReleaseName", "");
    // Length first: it bounds the regex's work.
    if (releaseName.length > HELM_RELEASE_NAME_MAX || !HELM_RELEASE_NAME.test(releaseName)) {
        read.problem(
            "appHelmReleaseName",
            show(releaseName),
            `a Helm release name: lowercase letters, digits, - and ., at most ${HELM_RELEASE_NAME_MAX} characters`,
        );
    }
    return { type, valueFiles, parameters: parseHelmParameters(read), releaseName };
}

function parseArgoCd(read: Reader, enabled: boolean): ArgoCdConfig {
    const appRepoUrl = read.string("appRepoUrl", "");
    if (!HTTPS_REPO.test(appRepoUrl) && !SSH_REPO.test(appRepoUrl) && (enabled || appRepoUrl !== "")) {
        read.problem("appRepoUrl", show(appRepoUrl), "a Git URL starting with https:// or git@ (required while Argo CD is enabled)");
    }
    const appPath = read.string("appPath", ".");
    if (appPath.startsWith("/") || appPath.split("/").includes("..")) {
        read.problem("appPath", show(appPath), "a path relative to the repository root, without ..");
    }
    const appSource = parseAppSource(read);
    const appRevision = read.string("appRevision", "HEAD");
    if (/\s/.test(appRevision)) read.problem("appRevision", show(appRevision), "a branch, tag or commit without spaces");

    const reserved = new Set<string>([...SYSTEM_NAMESPACES, ...Object.values(PLATFORM_NAMESPACES), "default"]);
    const appNamespaces = read.stringList(
        "appNamespaces",
        (ns) => DNS_LABEL.test(ns) && !reserved.has(ns),
        "namespace names (DNS labels) that are not system or platform namespaces",
    );
    if (enabled && appNamespaces.length === 0 && !read.problems.some((p) => p.key.startsWith(fullKey("appNamespaces")))) {
        read.problem("appNamespaces", "[]", "at least one namespace the application deploys into (required while Argo CD is enabled)");
    }

    const oidcIssuer = read.optional("oidcIssuer");
    const oidcClientId = read.optional("oidcClientId");
    const oidcClientSecret = read.secret("oidcClientSecret");
    let oidc: ArgoCdConfig["oidc"];
    if (oidcIssuer || oidcClientId || oidcClientSecret) {
        if (!oidcIssuer || !oidcClientId || !oidcClientSecret) {
            const missing = [!oidcIssuer && "oidcIssuer", !oidcClientId && "oidcClientId", !oidcClientSecret && "oidcClientSecret"].filter(
                Boolean,
            );
            read.problem(String(missing[0]), "(unset)", "oidcIssuer, oidcClientId and oidcClientSecret set together, or none of them");
        } else {
            if (!/^https:\/\/\S+$/.test(oidcIssuer)) read.problem("oidcIssuer", show(oidcIssuer), "an https:// issuer URL");
            oidc = { issuer: oidcIssuer, clientId: oidcClientId, clientSecret: oidcClientSecret };
        }
    }

    const repoUsername = read.optional("repoUsername");
    const repoPassword = read.secret("repoPassword");
    if (repoPassword && !repoUsername) read.problem("repoUsername", "(unset)", "set together with repoPassword");
    if (repoUsername && !repoPassword) read.problem("repoPassword", "(unset)", "set (as a secret) together with repoUsername");

    return {
        appRepoUrl,
        appPath,
        appSource,
        appRevision,
        appNamespaces,
        autoSyncPrune: read.boolean("autoSyncPrune"),
        autoSyncSelfHeal: read.boolean("autoSyncSelfHeal"),
        oidc,
        repoUsername,
        repoPassword,
    };
}

/**
 * The cluster's Kubernetes version and the Pod Security Standards version pinned from it. A pinned version
 * never moves with a cluster upgrade (`latest` would); one above the cluster's is refused, because PSA on
 * that cluster evaluates it as its own latest, not as the version the rules judge by.
 */
function parseVersions(read: Reader): { kubernetesVersion: string; podSecurityVersion: string } {
    const kubernetesVersion = read.string("kubernetesVersion", DEFAULT_KUBERNETES_VERSION);
    // Length first: it bounds the regex's work.
    const minor = kubernetesVersion.length <= 12 ? kubernetesMinor(kubernetesVersion) : undefined;
    if (minor === undefined || minor < MIN_KUBERNETES_MINOR) {
        read.problem(
            "kubernetesVersion",
            show(kubernetesVersion),
            `a Kubernetes version 1.NN or 1.NN.P, at least 1.${MIN_KUBERNETES_MINOR} (Pod Security Admission GA)`,
        );
        return { kubernetesVersion: DEFAULT_KUBERNETES_VERSION, podSecurityVersion: podSecurityVersionFor(DEFAULT_KUBERNETES_VERSION) };
    }
    const set = read.optional("podSecurityVersion");
    if (set === undefined) return { kubernetesVersion, podSecurityVersion: podSecurityVersionFor(kubernetesVersion) };
    const pssMinor = set.length <= 6 ? podSecurityMinor(set) : undefined;
    if (pssMinor === undefined || pssMinor > minor) {
        read.problem(
            "podSecurityVersion",
            show(set),
            `a pinned Pod Security Standards version v1.NN no newer than kubernetesVersion (v1.${minor}), or empty for v1.${minor}; "latest" is not pinned`,
        );
        return { kubernetesVersion, podSecurityVersion: podSecurityVersionFor(kubernetesVersion) };
    }
    return { kubernetesVersion, podSecurityVersion: set };
}

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$/;
/** A DNS name, optionally with one leading `*.` (FQDNNetworkPolicy's pattern): labels of letters, digits and hyphens. Length-checked first. */
const FQDN = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** Label keys and values as a NetworkPolicy podSelector takes them (prefix/name and value). */
const LABEL_KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function parseAcme(read: Reader, prod: boolean, enabled: boolean, mode: string): StackConfig["acme"] {
    const email = read.string("acmeEmail", "");
    if (enabled && (email.length > 254 || !EMAIL.test(email)))
        read.problem("acmeEmail", show(email), "an e-mail address for the ACME account (required while features.ingress is on)");
    const server = read.oneOf("acmeServer", ["staging", "production"] as const, "staging");
    if (prod && enabled && server !== "production")
        read.problem("acmeServer", show(server), "production in prod (staging certificates are not trusted by browsers)");
    const solver = read.oneOf("acmeSolver", ["http01", "dns01"] as const, "http01");
    if (solver === "dns01" && mode !== "gke")
        read.problem("acmeSolver", show(solver), "http01 in existing mode (dns01 uses Cloud DNS through Workload Identity, gke mode only)");
    const dnsProject = read.optional("acmeDnsProject");
    if (dnsProject !== undefined && !GCP_PROJECT_ID.test(dnsProject)) read.problem("acmeDnsProject", show(dnsProject), "a GCP project id");
    return { email, server, solver, ...(dnsProject ? { dnsProject } : {}) };
}

function isRecordValue(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `{label: value}` as a podSelector, or undefined after recording the problem. */
function labelSelector(read: Reader, key: string, value: unknown): Record<string, string> | undefined {
    if (!isRecordValue(value) || Object.keys(value).length === 0) {
        read.problem(key, show(value), "a non-empty JSON object of label keys to label values");
        return undefined;
    }
    for (const [k, v] of Object.entries(value)) {
        if (k.length > 317 || !LABEL_KEY.test(k) || typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
            read.problem(`${key}.${k}`, show(v), "a Kubernetes label key with a string label value");
            return undefined;
        }
    }
    return value as Record<string, string>;
}

function portList(read: Reader, key: string, value: unknown): number[] {
    if (
        !Array.isArray(value) ||
        value.length === 0 ||
        !value.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535)
    ) {
        read.problem(key, show(value), "a non-empty list of TCP ports 1-65535");
        return [];
    }
    return value as number[];
}

function parseAppNetwork(read: Reader, mode: string): StackConfig["appNetwork"] {
    const targetsAllowed = 'a JSON list of {"name": "frontend", "podSelector": {"label": "value"}, "ports": [8080]}';
    const rawTargets = read.json("appIngressTargets", targetsAllowed);
    const ingressTargets: StackConfig["appNetwork"]["ingressTargets"] = [];
    if (rawTargets !== undefined && !Array.isArray(rawTargets)) read.problem("appIngressTargets", show(rawTargets), targetsAllowed);
    const names = new Set<string>();
    const uniqueName = (key: string, name: unknown): name is string => {
        if (typeof name !== "string" || name.length > 40 || !DNS_LABEL.test(name) || names.has(name)) {
            read.problem(key, show(name), "a unique DNS label of at most 40 characters (it names the NetworkPolicy)");
            return false;
        }
        names.add(name);
        return true;
    };
    (Array.isArray(rawTargets) ? rawTargets : []).forEach((entry: unknown, i) => {
        const at = `appIngressTargets[${i}]`;
        if (!isRecordValue(entry)) {
            read.problem(at, show(entry), targetsAllowed);
            return;
        }
        const { name, podSelector, ports, ...extra } = entry;
        for (const k of Object.keys(extra)) read.problem(`${at}.${k}`, show(extra[k]), "only name, podSelector and ports");
        const okName = uniqueName(`${at}.name`, name);
        const selector = labelSelector(read, `${at}.podSelector`, podSelector);
        const portsOk = portList(read, `${at}.ports`, ports);
        if (okName && selector && portsOk.length > 0) ingressTargets.push({ name, podSelector: selector, ports: portsOk });
    });

    const egressAllowed = 'a JSON list of {"name", "reason", "podSelector"?, "fqdns"?: [...], "cidrs"?: [...], "ports": [443]}';
    const rawEgress = read.json("appEgress", egressAllowed);
    const egress: StackConfig["appNetwork"]["egress"] = [];
    if (rawEgress !== undefined && !Array.isArray(rawEgress)) read.problem("appEgress", show(rawEgress), egressAllowed);
    (Array.isArray(rawEgress) ? rawEgress : []).forEach((entry: unknown, i) => {
        const at = `appEgress[${i}]`;
        if (!isRecordValue(entry)) {
            read.problem(at, show(entry), egressAllowed);
            return;
        }
        const { name, reason, podSelector, fqdns, cidrs, ports, ...extra } = entry;
        for (const k of Object.keys(extra))
            read.problem(`${at}.${k}`, show(extra[k]), "only name, reason, podSelector, fqdns, cidrs and ports");
        const okName = uniqueName(`${at}.name`, name);
        if (typeof reason !== "string" || reason.trim().length < 10)
            read.problem(`${at}.reason`, show(reason), "why the app needs this destination (a sentence)");
        const selector = podSelector === undefined ? undefined : labelSelector(read, `${at}.podSelector`, podSelector);
        const fqdnList = fqdns === undefined ? [] : fqdns;
        const cidrList = cidrs === undefined ? [] : cidrs;
        if (!Array.isArray(fqdnList) || !fqdnList.every((f) => typeof f === "string" && f.length <= 253 && FQDN.test(f)))
            read.problem(`${at}.fqdns`, show(fqdns), "a list of DNS names (lower case; one leading *. matches any subdomain)");
        else if (fqdnList.length > 0 && mode !== "gke")
            read.problem(`${at}.fqdns`, show(fqdns), "cidrs in existing mode (FQDN egress needs GKE Dataplane V2's FQDNNetworkPolicy)");
        const badCidr: unknown = Array.isArray(cidrList)
            ? (cidrList as unknown[]).find(
                  (c) =>
                      typeof c !== "string" ||
                      !parseCidr(c).ok ||
                      (parseCidr(c) as { ok: true; cidr: Ipv4Cidr }).cidr.prefix < PUBLIC_NETWORK_MAX_PREFIX,
              )
            : cidrList;
        if (!Array.isArray(cidrList) || badCidr !== undefined)
            read.problem(
                `${at}.cidrs`,
                show(badCidr ?? cidrs),
                `IPv4 CIDRs no broader than /${PUBLIC_NETWORK_MAX_PREFIX} (name the service's ranges, not the internet)`,
            );
        if (Array.isArray(fqdnList) && Array.isArray(cidrList) && fqdnList.length + cidrList.length === 0)
            read.problem(at, show(entry), "at least one of fqdns or cidrs");
        const portsOk = portList(read, `${at}.ports`, ports);
        if (okName && typeof reason === "string" && portsOk.length > 0 && Array.isArray(fqdnList) && Array.isArray(cidrList))
            egress.push({
                name,
                reason: reason.trim(),
                ...(selector ? { podSelector: selector } : {}),
                fqdns: fqdnList as string[],
                cidrs: cidrList as string[],
                ports: portsOk,
            });
    });
    return { ingressTargets, egress };
}

/** Parses and validates a stack's configuration; throws one StackConfigError listing every problem. */
export function parseStackConfig(source: ConfigSource, stack: string): StackConfig {
    const read = new Reader(source);

    if (source.keys) {
        const known = new Set<string>(Object.keys(CONFIG_KEYS));
        for (const key of source.keys()) {
            if (!known.has(key))
                read.problem(
                    key,
                    show(source.isSecret?.(key) ? "(secret)" : source.get(key)),
                    "a key declared in Pulumi.yaml (check the spelling)",
                );
        }
    }

    const envValue = read.raw("environment");
    let environment: EnvironmentName | undefined;
    if (envValue === undefined || !(ENVIRONMENTS as readonly string[]).includes(envValue)) {
        read.problem("environment", show(envValue), `one of ${ENVIRONMENTS.join(", ")}`);
    } else {
        environment = envValue as EnvironmentName;
        if ((ENVIRONMENTS as readonly string[]).includes(stack) && stack !== environment) {
            read.problem("environment", show(envValue), `"${stack}" (a stack named dev, staging or prod must use that environment)`);
        }
    }
    const prod = environment === "prod";

    const mode = read.oneOf("clusterMode", CLUSTER_MODES, "gke");
    const gcpProject = read.optional("gcpProject");
    if (gcpProject !== undefined && !GCP_PROJECT_ID.test(gcpProject)) {
        read.problem("gcpProject", show(gcpProject), "a GCP project id: 6-30 lowercase letters, digits or hyphens, starting with a letter");
    } else if (gcpProject === undefined && mode === "gke") {
        read.problem("gcpProject", "(unset)", "a GCP project id (required in gke mode)");
    }
    const gcpRegion = read.string("gcpRegion", "");
    if (!GCP_REGION.test(gcpRegion)) read.problem("gcpRegion", show(gcpRegion), "a GCP region such as europe-west1");

    const cluster = mode === "gke" ? parseGkeCluster(read, environment) : parseExistingCluster(read);
    const features = parseFeatures(read, environment);

    const enforcement = read.oneOf<PolicyEnforcement>("policyEnforcement", POLICY_ENFORCEMENTS, "mandatory");
    if (prod && enforcement !== "mandatory") read.problem("policyEnforcement", show(enforcement), "mandatory in prod");
    const webhookFailurePolicy = read.oneOf("webhookFailurePolicy", WEBHOOK_FAILURE_POLICIES, "Fail");
    if (prod && webhookFailurePolicy !== "Fail") {
        read.problem(
            "webhookFailurePolicy",
            show(webhookFailurePolicy),
            "Fail in prod (Ignore admits everything while Gatekeeper is down)",
        );
    }
    const appEnforcement = read.oneOf<PolicyEnforcement>("appPolicyEnforcement", POLICY_ENFORCEMENTS, "mandatory");
    if (prod && appEnforcement !== "mandatory") {
        read.problem(
            "appPolicyEnforcement",
            show(appEnforcement),
            "mandatory in prod (warn and dryrun are migration steps for dev and staging)",
        );
    }
    const { kubernetesVersion, podSecurityVersion } = parseVersions(read);
    const publicServiceNamespaces = read.stringList("publicServiceNamespaces", (ns) => DNS_LABEL.test(ns), "namespace names (DNS labels)");
    const allowedRegistries = read.stringList(
        "allowedRegistries",
        (r) => /^[a-z0-9][^\s:]*(?::[0-9]+)?(?:\/\S*)?$/i.test(r) && !r.includes("://"),
        "registry prefixes without scheme, e.g. europe-docker.pkg.dev/acme/",
    );

    const argocd = parseArgoCd(read, features.argocd);
    const acme = parseAcme(read, prod, features.ingress, mode);
    const appNetwork = parseAppNetwork(read, mode);

    const alerting: AlertingConfig = {
        slackWebhookUrl: read.secret("slackWebhookUrl"),
        pagerDutyRoutingKey: read.secret("pagerDutyRoutingKey"),
        minimumPriority: read.oneOf("falcoMinimumPriority", FALCO_PRIORITIES, "warning"),
    };

    const severities = read.stringList(
        "trivySeverities",
        (s) => (TRIVY_SEVERITIES as readonly string[]).includes(s),
        `one of ${TRIVY_SEVERITIES.join(", ")}`,
    );
    if (severities.length === 0 && !read.problems.some((p) => p.key.startsWith(fullKey("trivySeverities")))) {
        read.problem("trivySeverities", "[]", `at least one of ${TRIVY_SEVERITIES.join(", ")}`);
    }
    const complianceCron = read.string("trivyComplianceCron", "");
    const cronFields = complianceCron.split(/\s+/);
    if (cronFields.length !== 5 || !cronFields.every((f) => CRON_FIELD.test(f))) {
        read.problem("trivyComplianceCron", show(complianceCron), 'a five-field cron schedule such as "0 */6 * * *"');
    }

    const retentionDays = read.integer("auditRetentionDays", AUDIT_RETENTION.min, AUDIT_RETENTION.max);
    if (prod && retentionDays < AUDIT_RETENTION.prodMin) {
        read.problem("auditRetentionDays", show(String(retentionDays)), `at least ${AUDIT_RETENTION.prodMin} in prod`);
    }

    const reporter = parseReporter(read, prod, cluster.mode);

    const config: StackConfig = {
        environment: environment ?? "dev",
        gcpProject,
        gcpRegion,
        cluster,
        features,
        kubernetesVersion,
        policy: { enforcement, appEnforcement, webhookFailurePolicy, publicServiceNamespaces, allowedRegistries, podSecurityVersion },
        argocd,
        alerting,
        acme,
        appNetwork,
        trivy: {
            severities,
            concurrentScanJobs: read.integer("trivyConcurrentScanJobs", TRIVY_CONCURRENCY.min, TRIVY_CONCURRENCY.max),
            complianceCron,
        },
        audit: { retentionDays },
        ...(reporter ? { reporter } : {}),
        charts: parseChartSource(read),
    };
    if (read.problems.length > 0) throw new StackConfigError(stack, read.problems);
    return config;
}

/** An image reference pinned by digest: `<repository>[:tag]@sha256:<64 hex>`. */
const DIGEST_IMAGE = /^[a-z0-9][a-z0-9._/:-]*@sha256:[a-f0-9]{64}$/;
const ANY_IMAGE = /^[a-z0-9][a-z0-9._/:-]*(@sha256:[a-f0-9]{64})?$/;

/** The compliance reporter: absent without an image; the image pinned by digest in prod; three cron schedules. */
function parseReporter(read: Reader, prod: boolean, mode: ClusterConfig["mode"]): ReporterConfig | undefined {
    const image = read.string("reporterImage", "");
    if (image === "") return undefined;
    if (!ANY_IMAGE.test(image) || image.length > 512)
        read.problem("reporterImage", show(image), "an image reference such as registry/acme/reporter:1.0@sha256:<digest>");
    else if (prod && !DIGEST_IMAGE.test(image))
        read.problem("reporterImage", show(image), "an image pinned by digest (@sha256:<64 hex>) in prod");
    const cron = (key: "reporterDailyCron" | "reporterWeeklyCron" | "reporterMonthlyCron"): string => {
        const value = read.string(key, "");
        const fields = value.split(/\s+/);
        if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f)))
            read.problem(key, show(value), 'a five-field cron schedule such as "0 2 * * *"');
        return value;
    };
    const schedules = { daily: cron("reporterDailyCron"), weekly: cron("reporterWeeklyCron"), monthly: cron("reporterMonthlyCron") };
    const volumeClaim = read.string("reporterVolumeClaim", "");
    if (volumeClaim !== "" && !DNS_LABEL.test(volumeClaim))
        read.problem("reporterVolumeClaim", show(volumeClaim), "the name of a PersistentVolumeClaim in the reporter's namespace");
    if (mode === "existing" && volumeClaim === "")
        read.problem(
            "reporterVolumeClaim",
            '""',
            "in existing mode, the PersistentVolumeClaim the reports are written to (gke mode writes to a locked bucket)",
        );
    return { image, schedules, ...(volumeClaim ? { volumeClaim } : {}) };
}

/** A mirror is one chart repository: https or an OCI registry, no credentials, query or fragment. */
const CHART_MIRROR_URL = /^(https|oci):\/\/[a-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~/-]*)?$/i;

function parseChartSource(read: Reader): ChartInstallSource {
    const dir = read.optional("chartDirectory");
    const mirror = read.optional("chartRepositoryMirror");
    if (dir !== undefined && mirror !== undefined) {
        read.problem("chartRepositoryMirror", show(mirror), "unset when chartDirectory is set (give one of the two)");
        return { kind: "official" };
    }
    if (dir !== undefined) {
        const resolved = path.resolve(dir);
        if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
            read.problem("chartDirectory", show(dir), "an existing directory holding <chart>-<version>.tgz or <chart>/ per pinned chart");
        }
        return { kind: "directory", dir: resolved };
    }
    if (mirror !== undefined) {
        if (!CHART_MIRROR_URL.test(mirror)) {
            // The value may carry credentials: name the key and the rule, never echo it.
            read.problem(
                "chartRepositoryMirror",
                "(not shown)",
                "an https:// or oci:// chart repository URL without credentials, query or fragment",
            );
        }
        return { kind: "mirror", url: mirror.replace(/\/+$/, "") };
    }
    return { kind: "official" };
}

/** A ConfigSource over plain data (tests, tools): keys with or without the project prefix. */
export function plainConfigSource(values: Record<string, string>, secretKeys: string[] = []): ConfigSource {
    const unprefix = (k: string) => (k.startsWith(`${CONFIG_NAMESPACE}:`) ? k.slice(CONFIG_NAMESPACE.length + 1) : k);
    const data = new Map<string, string>();
    for (const [k, v] of Object.entries(values)) if (!k.includes(":") || k.startsWith(`${CONFIG_NAMESPACE}:`)) data.set(unprefix(k), v);
    const secrets = new Set(secretKeys.map(unprefix));
    return {
        get: (key) => data.get(key),
        getSecret: (key) => (data.has(key) ? pulumi.secret(data.get(key) as string) : undefined),
        isSecret: (key) => secrets.has(key),
        keys: () => [...data.keys()],
    };
}

/** The typed, validated configuration of the current stack. Call once, before declaring any resource. */
export function loadStackConfig(): StackConfig {
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const prefix = `${CONFIG_NAMESPACE}:`;
    // isConfigSecret is exported at runtime but marked @internal (absent from the typings); it reads the
    // secret-key list the CLI passes to the program, which is how a plaintext secret is detected.
    const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    const source: ConfigSource = {
        get: (key) => config.get(key),
        getSecret: (key) => config.getSecret(key),
        isSecret: isConfigSecret ? (key) => isConfigSecret(prefix + key) : undefined,
        keys: () =>
            Object.keys(runtimeConfig.allConfig())
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
    };
    return parseStackConfig(source, pulumi.getStack());
}
