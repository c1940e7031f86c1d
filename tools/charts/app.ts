// The application as Argo CD will sync it, known before merge: renders the stack's app source (a Helm chart
// with the Application's value files, parameters and release name, or plain manifests) from a local checkout
// and gives every object its verdict in this stack: excluded (Argo CD's resource filter), refused (the
// AppProject), or the rules at the app's level (appPolicyEnforcement) -> denied / warned / audited / admitted.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { appProjectSpec, isExcludedByArgoCd, PLATFORM_OWNED_KINDS } from "../../components/argocd";
import { Enforcement, GatekeeperAction, K8sObject, KUBERNETES_RULES, KubernetesRule } from "../../policy-pack/catalogue";
import { toGatekeeperAction } from "../../policy-pack/catalogue/enforcement";
import { evaluateKubernetes, matchesKind } from "../../policy-pack/catalogue/evaluate";
import { isRecord } from "../../policy-pack/catalogue/workloads";
import { ArgoCdConfig, HelmParameter, PolicyEnforcement } from "../../stacks/types";
import { collectFiles, loadManifests } from "../check";
import { renderChartWithSources, SourcedObject } from "./helm-template";
import type { ClusterCapabilities } from "./chart-workloads";
import { judgePodSecurity, podSecurityReason } from "./pod-security-admission";
import type { AppFinding, AppObjectVerdict, AppPlan, AppSourceInfo, AppVerdict, GatekeeperAppVerdict } from "./app-types";
import type { ModeSetting, PodSecurityMode } from "../../platform/pod-security";

export type { AppFinding, AppObjectVerdict, AppPlan, AppSourceInfo, AppVerdict, GatekeeperAppVerdict } from "./app-types";
/** Most blocking first: the order objects and counts are shown in. */
export const VERDICT_ORDER: readonly AppVerdict[] = ["refused", "denied", "warned", "audited", "excluded", "admitted"];

/** Findings shown per object; the rest are counted ("+N more"). */
export const MAX_FINDINGS_PER_OBJECT = 12;

// ---- Helm values as Argo CD hands them to helm (value files in order, then parameters) ----

/** helm's merge of successive -f files: maps merge key by key, anything else is replaced by the later file. */
export function mergeHelmValues(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overlay)) {
        const current = out[key];
        out[key] = isRecord(current) && isRecord(value) ? mergeHelmValues(current, value) : value;
    }
    return out;
}

/** How `helm --set` types a value: true/false/null (any case), integers without a leading zero, else string. */
export function typedHelmValue(value: string): unknown {
    const lower = value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (lower === "null") return null;
    if (value === "0") return 0;
    if (/^-?[1-9][0-9]*$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    return value;
}

/** `--set a.b.c=value` on a values tree (dotted paths only; the stack config rejects indices and escapes). */
export function setHelmParameter(values: Record<string, unknown>, parameter: HelmParameter): Record<string, unknown> {
    const keys = parameter.name.split(".");
    const out: Record<string, unknown> = { ...values };
    let node = out;
    for (const key of keys.slice(0, -1)) {
        const next = node[key];
        node[key] = isRecord(next) ? { ...next } : {};
        node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = typedHelmValue(parameter.value);
    return out;
}

/** The values document Argo CD's `helm template` ends up with for this source (chart defaults come from helm). */
export function argoCdHelmValues(
    chartDir: string,
    valueFiles: readonly string[],
    parameters: readonly HelmParameter[],
): Record<string, unknown> {
    let values: Record<string, unknown> = {};
    for (const file of valueFiles) {
        const full = path.join(chartDir, file);
        if (!fs.existsSync(full)) {
            throw new Error(`value file ${file} is not in ${chartDir}: Argo CD fails the sync (ignoreMissingValueFiles: false)`);
        }
        const parsed: unknown = parseYaml(fs.readFileSync(full, "utf8"));
        if (parsed === null || parsed === undefined) continue;
        if (!isRecord(parsed)) throw new Error(`value file ${file} is not a YAML mapping`);
        values = mergeHelmValues(values, parsed);
    }
    for (const parameter of parameters) values = setHelmParameter(values, parameter);
    return values;
}

// ---- Rendering the source ----

/** Argo CD applies the items of a `*List` object one by one. */
function flattenLists(objects: readonly K8sObject[]): K8sObject[] {
    return objects.flatMap((o) =>
        typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray((o as { items?: unknown }).items)
            ? ((o as { items: unknown[] }).items.filter(isRecord) as K8sObject[])
            : [o],
    );
}

/** A rendered app object and its file in the app repository (repository-relative), when known. */
export interface AppSourceObject {
    object: K8sObject;
    file?: string;
    line?: number;
}

/** 1-based line of the first `kind: <Kind>` at the start of a line in a template, or undefined. */
function kindLine(file: string, kind: string): number | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    const lines = text.split("\n");
    const index = lines.findIndex((l) => l.trimEnd() === `kind: ${kind}`);
    return index >= 0 ? index + 1 : undefined;
}

/** helm's `# Source: <chart>/templates/x.yaml` -> the file in the repository (`<appPath>/templates/x.yaml`). */
export function templateFileInRepo(source: string, appPath: string): string | undefined {
    const parts = source.split("/");
    if (parts.length < 2 || parts.some((p) => p === "" || p === "..")) return undefined;
    return path.posix.join(appPath, ...parts.slice(1));
}

/**
 * The objects Argo CD would sync from `sourceDir` (the app path in a checkout at the tracked revision),
 * rendered for the cluster (`capabilities`: its version and API versions, as Argo CD passes them to helm).
 * `checkoutDir` is the repository root: files are reported relative to it.
 */
export async function renderAppSource(
    config: ArgoCdConfig,
    sourceDir: string,
    capabilities?: ClusterCapabilities,
    checkoutDir: string = sourceDir,
): Promise<AppSourceObject[]> {
    if (!fs.existsSync(sourceDir) || !fs.statSync(sourceDir).isDirectory())
        throw new Error(`${path.relative(checkoutDir, sourceDir) || "."} is not a directory in the checkout of ${config.appRepoUrl}`);
    const source = config.appSource;
    switch (source.type) {
        case "helm": {
            const rendered: SourcedObject[] = await renderChartWithSources({
                chartDir: sourceDir,
                releaseName: source.releaseName,
                // Argo CD renders with the destination namespace.
                namespace: config.appNamespaces[0],
                values: argoCdHelmValues(sourceDir, source.valueFiles, source.parameters),
                includeCrds: true,
                kubeVersion: capabilities?.kubeVersion,
                apiVersions: capabilities?.apiVersions,
            });
            const appPath = path.posix.normalize(config.appPath);
            return rendered.flatMap(({ object, source: from }) => {
                const file = from ? templateFileInRepo(from, appPath) : undefined;
                const line = file && typeof object.kind === "string" ? kindLine(path.join(checkoutDir, file), object.kind) : undefined;
                return flattenLists([object]).map((o) => ({ object: o, ...(file ? { file } : {}), ...(line ? { line } : {}) }));
            });
        }
        case "directory": {
            // `recurse: false` in the Application: only the top-level files.
            const top = fs.readdirSync(sourceDir).filter((f) => !f.startsWith(".") && fs.statSync(path.join(sourceDir, f)).isFile());
            const { files } = collectFiles(top.map((f) => path.join(sourceDir, f)));
            const loaded = loadManifests(files);
            const relative = (file: string) => path.relative(checkoutDir, file).split(path.sep).join("/");
            if (loaded.problems.length > 0)
                throw new Error(
                    `unparsable manifests, Argo CD fails the sync: ${relative(loaded.problems[0].file)}:${loaded.problems[0].line} ${loaded.problems[0].message}`,
                );
            return loaded.documents.flatMap((d) =>
                flattenLists([d.object]).map((o) => ({ object: o, file: relative(d.file), line: d.line })),
            );
        }
        case "kustomize":
            throw new Error("kustomize sources are not rendered by the plan yet (no kustomize engine in tools/install-tools.sh)");
    }
}

// ---- Verdicts ----

/** Cluster-scoped kinds (group/kind) an app might render; the AppProject permits none of them. */
const CLUSTER_SCOPED = new Set([
    "/Namespace",
    "/Node",
    "/PersistentVolume",
    "/ComponentStatus",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "apiregistration.k8s.io/APIService",
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
    "storage.k8s.io/StorageClass",
    "storage.k8s.io/CSIDriver",
    "storage.k8s.io/VolumeAttachment",
    "scheduling.k8s.io/PriorityClass",
    "node.k8s.io/RuntimeClass",
    "networking.k8s.io/IngressClass",
    "cert-manager.io/ClusterIssuer",
    "templates.gatekeeper.sh/ConstraintTemplate",
]);

function groupOf(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

function hookOf(object: K8sObject): string | undefined {
    const annotations = isRecord(object.metadata?.annotations) ? (object.metadata?.annotations as Record<string, unknown>) : {};
    return str(annotations["argocd.argoproj.io/hook"]) ?? str(annotations["helm.sh/hook"]);
}

interface RuleLevel {
    rule: KubernetesRule;
    enforcement: Enforcement;
    params: Record<string, unknown>;
}

/** Each Kubernetes rule's level and parameters from a CrossGuard policy config (`{ <id>: { enforcementLevel, ...params } }`). */
export function ruleLevels(policyConfig: Record<string, unknown>, rules: readonly KubernetesRule[] = KUBERNETES_RULES): RuleLevel[] {
    return rules.map((rule) => {
        const raw = policyConfig[rule.id];
        const entry = typeof raw === "string" ? { enforcementLevel: raw } : isRecord(raw) ? raw : {};
        const { enforcementLevel, ...params } = entry;
        return {
            rule,
            enforcement: (typeof enforcementLevel === "string" ? enforcementLevel : rule.defaultEnforcement) as Enforcement,
            params,
        };
    });
}

/** The verdict for one rendered object in one stack. */
export function judgeAppObject(
    object: K8sObject,
    config: Pick<ArgoCdConfig, "appRepoUrl" | "appNamespaces">,
    levels: readonly RuleLevel[],
    podSecurity?: ReadonlyMap<string, Record<PodSecurityMode, ModeSetting>>,
): AppObjectVerdict {
    const apiVersion = str(object.apiVersion) ?? "";
    const kind = str(object.kind) ?? "";
    const group = groupOf(apiVersion);
    const name = str(object.metadata?.name) ?? "";
    const clusterScoped = CLUSTER_SCOPED.has(`${group}/${kind}`);
    // Argo CD puts namespaced objects without a namespace into the destination namespace.
    const namespace = clusterScoped ? undefined : (str(object.metadata?.namespace) ?? config.appNamespaces[0]);
    const base = { apiVersion, kind, name, namespace, hook: hookOf(object) };

    if (isExcludedByArgoCd(group, kind)) {
        const why =
            kind === "Namespace"
                ? config.appNamespaces.includes(name)
                    ? `the platform creates ${name} itself (SecureNamespace: Pod Security restricted, default-deny)`
                    : `${name} is not an app namespace, so it never exists`
                : (PLATFORM_OWNED_KINDS as readonly string[]).includes(kind) && group === ""
                  ? "namespace guardrails are the platform's; the app's own never applies"
                  : "Argo CD neither watches nor syncs this kind";
        return {
            ...base,
            verdict: "excluded",
            reasons: [
                `Argo CD's resource.exclusions drop ${kind} objects from the sync (ExcludedResourceWarning on the Application): ${why}`,
            ],
            findings: [],
            rulesApplied: 0,
        };
    }

    const project = appProjectSpec({ appRepoUrl: config.appRepoUrl, appNamespaces: config.appNamespaces } as ArgoCdConfig);
    const blacklist = project.namespaceResourceBlacklist as { group: string; kind: string }[];
    const refusals: string[] = [];
    if (clusterScoped) refusals.push(`${kind} is cluster-scoped and the AppProject permits no cluster-scoped kind: Argo CD fails the sync`);
    else if (blacklist.some((b) => b.group === group && b.kind === kind))
        refusals.push(`${kind} is a platform guardrail the AppProject blacklists: Argo CD fails the sync`);
    if (namespace !== undefined && !config.appNamespaces.includes(namespace)) {
        refusals.push(
            `namespace ${namespace} is not a destination of the AppProject (${config.appNamespaces.join(", ")}): Argo CD fails the sync`,
        );
    }

    const findings: AppFinding[] = [];
    let rulesApplied = 0;
    for (const { rule, enforcement, params } of levels) {
        if (!matchesKind(rule, object)) continue;
        rulesApplied++;
        for (const finding of evaluateKubernetes(rule, object, params)) {
            findings.push({
                ruleId: rule.id,
                action: toGatekeeperAction(enforcement),
                message: `${rule.title}: ${finding.message} (field ${finding.path})`,
            });
        }
    }
    const count = (action: GatekeeperAction) => findings.filter((f) => f.action === action).length;
    const reasons = [...refusals];
    if (count("deny") > 0) reasons.push(`${count("deny")} finding(s) Gatekeeper denies at admission`);
    if (count("warn") > 0) reasons.push(`${count("warn")} finding(s) Gatekeeper admits with a warning`);
    if (count("dryrun") > 0) reasons.push(`${count("dryrun")} finding(s) only recorded by the audit (dryrun)`);
    if (rulesApplied === 0) reasons.push(`no rule covers ${kind}: nothing to evaluate`);
    const gatekeeper: GatekeeperAppVerdict =
        count("deny") > 0 ? "denied" : count("warn") > 0 ? "warned" : count("dryrun") > 0 ? "audited" : "admitted";
    // Kubernetes' own admission, on its own: the namespace's PSA labels as the program declares them.
    const psa = podSecurity && namespace !== undefined ? judgePodSecurity(object, namespace, podSecurity) : undefined;
    if (psa) reasons.push(podSecurityReason(psa));
    const verdict: AppVerdict =
        refusals.length > 0
            ? "refused"
            : gatekeeper === "denied" || psa?.outcome === "denied"
              ? "denied"
              : gatekeeper === "warned" || psa?.outcome === "warned"
                ? "warned"
                : gatekeeper;
    return {
        ...base,
        verdict,
        reasons,
        findings,
        ...(refusals.length === 0 ? { gatekeeper } : {}),
        ...(psa ? { podSecurity: psa } : {}),
        rulesApplied,
    };
}

export function countVerdicts(objects: readonly AppObjectVerdict[]): Record<AppVerdict, number> {
    const counts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<AppVerdict, number>;
    for (const o of objects) counts[o.verdict]++;
    return counts;
}

export interface AppPlanOptions {
    stack: string;
    config: ArgoCdConfig;
    appEnforcement: PolicyEnforcement;
    /** The app namespaces' CrossGuard config (the program's `appPolicyPackConfig` output). */
    appPolicyConfig: Record<string, unknown>;
    /** The checkout of the app repository (its root; the source is at `config.appPath` inside it). */
    checkoutDir: string;
    /** The cluster the app is synced to: version and API versions (ClusterCapabilities). */
    capabilities?: ClusterCapabilities;
    /** Each namespace's Pod Security Admission setting as the program labels it (namespacePodSecurity). */
    podSecurity: ReadonlyMap<string, Record<PodSecurityMode, ModeSetting>>;
}

/** `https://github.com/silverbeer/missing-table(.git)` or `git@host:owner/name.git` -> `missing-table`. */
export function repositoryDirName(repoUrl: string): string {
    const last = repoUrl.replace(/\/+$/, "").split(/[/:]/).pop() ?? "";
    return last.endsWith(".git") ? last.slice(0, -4) : last;
}

/**
 * The commit a checkout is at, when it is the root of its own Git work tree (a directory inside another
 * repository is not a checkout of the app: no commit is claimed); never throws.
 */
export function checkoutCommit(checkoutDir: string): string | undefined {
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", checkoutDir, ...args], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 10_000,
        }).trim();
    try {
        if (fs.realpathSync(git("rev-parse", "--show-toplevel")) !== fs.realpathSync(checkoutDir)) return undefined;
        const out = git("rev-parse", "--verify", "HEAD^{commit}");
        return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
    } catch {
        return undefined;
    }
}

/** Error text as reports show it: the checkout's absolute path replaced by the repository's name. */
function withoutLocalPaths(message: string, checkoutDir: string, repoUrl: string): string {
    const name = `<${repositoryDirName(repoUrl)}>`;
    return message.split(path.resolve(checkoutDir)).join(name).split(checkoutDir).join(name);
}

export async function planApp(options: AppPlanOptions): Promise<AppPlan> {
    const { config } = options;
    const dir = path.join(options.checkoutDir, config.appPath);
    const s = config.appSource;
    const commit = checkoutCommit(options.checkoutDir);
    const source: AppSourceInfo = {
        repoUrl: config.appRepoUrl,
        revision: config.appRevision,
        ...(commit ? { commit } : {}),
        path: config.appPath,
        type: s.type,
        ...(s.type === "helm" ? { valueFiles: s.valueFiles, parameters: s.parameters, releaseName: s.releaseName } : {}),
    };
    const head = {
        stack: options.stack,
        appEnforcement: options.appEnforcement,
        source,
        ...(options.capabilities ? { kubeVersion: options.capabilities.kubeVersion } : {}),
    };
    const empty = countVerdicts([]);
    if (config.appNamespaces.length === 0) {
        return { ...head, notEvaluated: "Argo CD deploys no application in this stack (no appNamespaces)", objects: [], counts: empty };
    }
    let rendered: AppSourceObject[];
    try {
        rendered = await renderAppSource(config, dir, options.capabilities, options.checkoutDir);
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ...head, notEvaluated: withoutLocalPaths(message, options.checkoutDir, config.appRepoUrl), objects: [], counts: empty };
    }
    const levels = ruleLevels(options.appPolicyConfig);
    const verdicts = rendered
        .map(({ object, file, line }) => ({
            ...judgeAppObject(object, config, levels, options.podSecurity),
            ...(file ? { template: file } : {}),
            ...(line ? { line } : {}),
        }))
        .sort(
            (a, b) =>
                VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) ||
                `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
        );
    return { ...head, objects: verdicts, counts: countVerdicts(verdicts) };
}

/** Objects that stop the app in this stack: refused by the project or denied at admission. */
export function blockingObjects(plan: AppPlan): AppObjectVerdict[] {
    return plan.objects.filter((o) => o.verdict === "refused" || o.verdict === "denied");
}

/** Lines for the console and the Markdown report: one per object, its reasons and (bounded) findings. */
export function appPlanLines(plan: AppPlan): string[] {
    const src = plan.source;
    const helm =
        src.type === "helm"
            ? ` (release ${src.releaseName}, values ${src.valueFiles?.join(", ") || "chart defaults"}${src.parameters?.length ? `, parameters ${src.parameters.map((p) => `${p.name}=${p.value}`).join(" ")}` : ""})`
            : "";
    const at = `${src.revision}${src.commit ? ` (${src.commit.slice(0, 12)})` : ""}`;
    const lines = [
        `Application ${src.repoUrl}@${at} ${src.path} [${src.type}]${helm}, app rules at ${plan.appEnforcement} (mandatory rules: Gatekeeper ${toGatekeeperAction(plan.appEnforcement)})${plan.kubeVersion ? `, rendered for Kubernetes ${plan.kubeVersion}` : ""}`,
    ];
    if (plan.notEvaluated) {
        lines.push(`  NOT EVALUATED: ${plan.notEvaluated}`);
        return lines;
    }
    lines.push(`  ${plan.objects.length} objects: ${VERDICT_ORDER.map((v) => `${plan.counts[v]} ${v}`).join(", ")}`);
    for (const o of plan.objects) {
        lines.push(
            `  ${o.verdict.toUpperCase().padEnd(8)} ${o.kind}/${o.name}${o.namespace ? ` -n ${o.namespace}` : ""}${o.hook ? ` (hook ${o.hook})` : ""}: ${o.reasons.join("; ")}`,
        );
        if (o.gatekeeper)
            lines.push(
                `      Gatekeeper: ${o.gatekeeper}; ${o.podSecurity ? o.podSecurity.summary : "Pod Security Admission: not a pod or pod template"}`,
            );
        for (const f of o.findings.slice(0, MAX_FINDINGS_PER_OBJECT)) lines.push(`      ${f.action.padEnd(6)} [${f.ruleId}] ${f.message}`);
        if (o.findings.length > MAX_FINDINGS_PER_OBJECT)
            lines.push(`      ... ${o.findings.length - MAX_FINDINGS_PER_OBJECT} more finding(s)`);
        const psa = o.podSecurity;
        if (psa && psa.outcome !== "admitted") {
            const mode = psa.outcome === "denied" ? psa.enforce : [psa.warn, psa.audit].find((v) => !v.allowed);
            for (const f of mode?.findings ?? []) lines.push(`      PSA ${mode?.mode ?? ""} [${f.ruleId}] ${f.message} (field ${f.field})`);
            if (mode && mode.more > 0) lines.push(`      ... ${mode.more} more Pod Security finding(s)`);
        }
    }
    return lines;
}
