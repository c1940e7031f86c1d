// Manifest check: the rule catalogue over plain Kubernetes YAML/JSON in a repository (multi-document files,
// `List` kinds), so the Argo CD application repository gets the same rules in its CI as the platform gets at
// preview and admission. Files that are not Kubernetes manifests (Helm chart files and templates, values,
// kustomization, package.json...) are skipped with a summary line; objects whose kind no rule covers are
// counted as not evaluated. One finding per object and rule, critical first. `npm run check -- --help`.
// Exit codes: 0 clean, 1 violations at or above --fail-on, 2 usage or input error (one line, no stack trace).
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { isMap, isScalar, isSeq, LineCounter, Node as YamlNode, parseAllDocuments } from "yaml";
import { Enforcement, K8sObject, KUBERNETES_RULES, KubernetesRule, RULES, Severity } from "../policy-pack/catalogue";
import { effectiveParams, evaluateKubernetes, matchesKind } from "../policy-pack/catalogue/evaluate";
import { describeProblems, policyConfigProblems } from "../policy-pack/pack/config";
import { redact, unwrapSecrets } from "../policy-pack/pack/secrets";
import { containersOf, isExemptImage, isPodBearingRule, isRecord } from "../policy-pack/catalogue/workloads";
import { own, show } from "../policy-pack/catalogue/view";
import { exemptionCounts, namespaceExemptionReason, namespaceExemptionsOf, resourceRef } from "./report/exemptions";
import { PolicyConfigEntry, reconcilePolicyConfig } from "./analyzer/policy-config";
import { globMatches } from "./report/glob";
import { groupUnevaluated, toMarkdown } from "./report/markdown";
import {
    activeViolations,
    compareViolations,
    coverageFrom,
    Exemption,
    InputProblem,
    Report,
    REPORT_FORMAT_VERSION,
    ReportResource,
    scoreCompliance,
    scoreSummary,
    SEVERITIES,
    SEVERITY_ORDER,
    SkippedFile,
    Suppression,
    Verdict,
    Violation,
} from "./report/model";
import { SARIF_MAX_RESULTS, toSarif } from "./report/sarif";
import { sarifCategory, toJson, TOOL_VERSION, writeReport } from "./report/write";

export type { InputProblem } from "./report/model";

/** What `-` reads and how reports name it. */
export const STDIN_NAME = "(stdin)";

export interface ManifestDocument {
    object: K8sObject;
    /** Path as reports show it (relative to the root). */
    file: string;
    /** 1-based line where the document (or List item) starts. */
    line: number;
    /** The object's YAML node, to find the line of an offending field. */
    node?: YamlNode;
    lineCounter?: LineCounter;
    /** Plaintext of the secret-wrapped values in the document: printed as `[secret]` (policy-pack/pack/secrets.ts). */
    secrets?: ReadonlySet<string>;
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

export interface CollectOptions {
    /** Paths in reports are relative to this folder (default: the working directory). */
    root?: string;
    include?: readonly string[];
    exclude?: readonly string[];
}

/** A file to read: its path on disk (undefined for stdin) and its name in reports. */
export interface InputFile {
    disk?: string;
    name: string;
}

function displayName(file: string, root: string): string {
    const relative = path.relative(root, path.resolve(file));
    const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
    return (inside ? relative : path.resolve(file)).split(path.sep).join("/");
}

/**
 * Expands files and directories (recursively, skipping node_modules and dot folders) into the YAML/JSON files
 * to read, sorted. --include/--exclude globs filter what a directory walk finds, on root-relative paths;
 * files named explicitly are always read. `-` is stdin.
 */
export function collectFiles(inputs: readonly string[], options: CollectOptions = {}): { files: InputFile[]; problems: InputProblem[] } {
    const root = path.resolve(options.root ?? ".");
    const files: InputFile[] = [];
    const problems: InputProblem[] = [];
    const wanted = (name: string): boolean =>
        (!options.include || options.include.length === 0 || options.include.some((g) => globMatches(g, name))) &&
        !(options.exclude ?? []).some((g) => globMatches(g, name));
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(full);
            } else if (entry.isFile() && YAML_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
                const name = displayName(full, root);
                if (wanted(name)) files.push({ disk: full, name });
            }
        }
    };
    for (const input of inputs) {
        if (input === "-") {
            files.push({ name: STDIN_NAME });
            continue;
        }
        let stat: fs.Stats;
        try {
            stat = fs.statSync(input);
        } catch {
            problems.push({ file: input, line: 0, message: "no such file or directory", kind: "error" });
            continue;
        }
        if (stat.isDirectory()) walk(input);
        else files.push({ disk: input, name: displayName(input, root) });
    }
    return { files, problems };
}

/** Why a file is not read as Kubernetes manifests, judged by its name and place; undefined to read it. */
export function skipReasonByName(file: string): string | undefined {
    const base = path.basename(file);
    const lower = base.toLowerCase();
    if (base === "Chart.yaml" || base === "Chart.lock" || base === "requirements.yaml" || base === "requirements.lock")
        return "Helm chart metadata";
    if (lower.startsWith("values") && (lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json"))) return "Helm values";
    if (lower === "kustomization.yaml" || lower === "kustomization.yml" || base === "Kustomization") return "kustomization";
    if (lower === "package.json" || lower === "package-lock.json" || lower === "tsconfig.json" || lower === "composer.json")
        return "package or build manifest";
    // Chart templates live in <chart>/templates/ next to Chart.yaml; they are Go templates, not YAML.
    if (file !== STDIN_NAME) {
        const parts = path.resolve(file).split(path.sep);
        const at = parts.lastIndexOf("templates");
        if (at > 0 && fs.existsSync([...parts.slice(0, at), "Chart.yaml"].join(path.sep))) return "Helm templates";
    }
    return undefined;
}

function isKubernetesObject(value: unknown): value is K8sObject {
    return (
        isRecord(value) &&
        typeof value.apiVersion === "string" &&
        value.apiVersion !== "" &&
        typeof value.kind === "string" &&
        value.kind !== ""
    );
}

interface LoadResult {
    documents: ManifestDocument[];
    problems: InputProblem[];
    skipped: SkippedFile[];
}

function readInput(file: InputFile, stdin: () => string): string {
    return file.disk === undefined ? stdin() : fs.readFileSync(file.disk, "utf8");
}

/**
 * Parses every document of every file. A file with no Kubernetes object (no document with apiVersion and
 * kind) is skipped, as is unparsable YAML that holds Go template braces; other unparsable YAML is an input
 * error with file and line, and the other files are still read.
 */
export function loadManifests(files: readonly (InputFile | string)[], stdin: () => string = () => fs.readFileSync(0, "utf8")): LoadResult {
    const result: LoadResult = { documents: [], problems: [], skipped: [] };
    for (const given of files) {
        const file: InputFile = typeof given === "string" ? { disk: given, name: given } : given;
        const byName = skipReasonByName(file.disk ?? file.name);
        if (byName) {
            result.skipped.push({ file: file.name, reason: byName });
            continue;
        }
        let text: string;
        try {
            text = readInput(file, stdin);
        } catch (error) {
            result.problems.push({
                file: file.name,
                line: 0,
                message: `cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
                kind: "error",
            });
            continue;
        }
        const lineCounter = new LineCounter();
        const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
        const list = Array.isArray(docs) ? docs : [];
        if (list.some((d) => d.errors.length > 0) && text.includes("{{")) {
            result.skipped.push({ file: file.name, reason: "Go/Helm templates" });
            continue;
        }
        const found: ManifestDocument[] = [];
        const problems: InputProblem[] = [];
        const others: number[] = [];
        for (const doc of list) {
            const startLine = lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
            if (doc.errors.length > 0) {
                for (const error of doc.errors)
                    problems.push({
                        file: file.name,
                        line: lineCounter.linePos(error.pos[0]).line,
                        message: `unparsable YAML: ${error.message.split("\n")[0]}`,
                        kind: "error",
                    });
                continue;
            }
            // Secret-wrapped values (the engine's wire format) are judged by their value and never printed.
            const secrets = new Set<string>();
            const value: unknown = unwrapSecrets(doc.toJS({ maxAliasCount: 100 }), secrets);
            if (value === null || value === undefined) continue; // empty document, e.g. a trailing `---`
            if (!isKubernetesObject(value)) {
                others.push(startLine);
                continue;
            }
            if (String(value.kind).endsWith("List") && Array.isArray(value.items)) {
                const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
                value.items.forEach((item: unknown, i: number) => {
                    const node = isSeq(itemsNode) ? (itemsNode.items[i] as YamlNode | undefined) : undefined;
                    const line = node?.range ? lineCounter.linePos(node.range[0]).line : startLine;
                    if (isKubernetesObject(item)) found.push({ object: item, file: file.name, line, node, lineCounter, secrets });
                    else
                        problems.push({
                            file: file.name,
                            line,
                            message: `List item ${i} is not a Kubernetes object (no apiVersion/kind); skipped`,
                            kind: "warning",
                        });
                });
            } else found.push({ object: value, file: file.name, line: startLine, node: doc.contents ?? undefined, lineCounter, secrets });
        }
        if (found.length === 0 && problems.every((p) => p.kind === "warning")) {
            result.skipped.push({ file: file.name, reason: "YAML/JSON without apiVersion and kind" });
            continue;
        }
        for (const line of others)
            problems.push({
                file: file.name,
                line,
                message: "document is not a Kubernetes object (no apiVersion/kind); skipped",
                kind: "warning",
            });
        result.documents.push(...found);
        result.problems.push(...problems);
    }
    return result;
}

type PathSegment = { key: string } | { index: number } | { name: string };

/** Splits a finding path (`spec.containers[name=app].ports[0].hostPort`, `metadata.labels["a/b"]`) without regex. */
export function parseFieldPath(fieldPath: string): PathSegment[] {
    const segments: PathSegment[] = [];
    let i = 0;
    while (i < fieldPath.length) {
        const c = fieldPath[i];
        if (c === ".") {
            i++;
        } else if (c === "[") {
            const close = fieldPath[i + 1] === '"' ? fieldPath.indexOf('"]', i + 2) : fieldPath.indexOf("]", i);
            if (close < 0) break;
            if (fieldPath[i + 1] === '"') {
                segments.push({ key: fieldPath.slice(i + 2, close) });
                i = close + 2;
            } else {
                const inner = fieldPath.slice(i + 1, close);
                if (inner.startsWith("name=")) segments.push({ name: inner.slice(5) });
                else if (inner !== "" && Array.from(inner).every((d) => d >= "0" && d <= "9")) segments.push({ index: Number(inner) });
                else break;
                i = close + 1;
            }
        } else {
            let end = i;
            while (end < fieldPath.length && fieldPath[end] !== "." && fieldPath[end] !== "[") end++;
            segments.push({ key: fieldPath.slice(i, end) });
            i = end;
        }
    }
    return segments;
}

/** The line of the deepest node on the path that exists (a missing field points at its parent). */
export function lineOfField(doc: ManifestDocument, fieldPath: string): number {
    if (!doc.node || !doc.lineCounter) return doc.line;
    const counter = doc.lineCounter;
    let node: unknown = doc.node;
    let line = doc.line;
    for (const segment of parseFieldPath(fieldPath)) {
        if ("key" in segment && isMap(node)) {
            const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment.key);
            if (!pair) break;
            const keyNode = pair.key as YamlNode;
            if (keyNode.range) line = counter.linePos(keyNode.range[0]).line;
            node = pair.value;
        } else if ("index" in segment && isSeq(node)) {
            const item = node.items[segment.index] as YamlNode | undefined;
            if (!item) break;
            if (item.range) line = counter.linePos(item.range[0]).line;
            node = item;
        } else if ("name" in segment && isSeq(node)) {
            const item = node.items.find(
                (it) =>
                    isMap(it) &&
                    it.items.some(
                        (p) => isScalar(p.key) && p.key.value === "name" && isScalar(p.value) && String(p.value.value) === segment.name,
                    ),
            ) as YamlNode | undefined;
            if (!item) break;
            if (item.range) line = counter.linePos(item.range[0]).line;
            node = item;
        } else break;
    }
    return line;
}

export interface CheckSettings {
    enforcement(rule: KubernetesRule): Enforcement;
    params(rule: KubernetesRule): Record<string, unknown> | undefined;
    /** Where the parameters come from, as exemptions without a platform reason name it (e.g. `--policy-config policy-config/prod.json`). */
    source?: string;
}

/** Catalogue defaults, optionally overridden by a CrossGuard policy config (`{ all?, <rule id>: level | {enforcementLevel, ...params} }`). */
export function settingsFromPolicyConfig(config: Record<string, unknown> = {}, source = "the policy config"): CheckSettings {
    const entry = (id: string): Record<string, unknown> => {
        const raw = config[id];
        return typeof raw === "string" ? { enforcementLevel: raw } : isRecord(raw) ? raw : {};
    };
    return {
        source,
        enforcement: (rule) => (entry(rule.id).enforcementLevel ?? entry("all").enforcementLevel ?? rule.defaultEnforcement) as Enforcement,
        params: (rule) => {
            const { enforcementLevel: _level, ...params } = entry(rule.id);
            return params;
        },
    };
}

/**
 * Reads a CrossGuard policy config file the way the engine does (levels and parameters validated against
 * each policy's schema); throws with a one-line message when it cannot be used.
 */
export function readPolicyConfig(file: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`--policy-config ${file}: ${code ? `cannot read it (${code})` : "not valid JSON"}`);
    }
    if (!isRecord(parsed)) throw new Error(`--policy-config ${file}: expected a JSON object of rule ids to levels or settings`);
    // Fails closed: unknown rule ids and parameters, inexact levels, wrong types (policy-pack/pack/config.ts).
    const problems = policyConfigProblems(parsed, RULES);
    if (problems.length > 0) throw new Error(`--policy-config ${file}: ${describeProblems(problems)}`);
    const known = new Set(["all", ...RULES.map((r) => r.id)]);
    const unknown = Object.keys(parsed).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new Error(`--policy-config ${file}: unknown rule id(s) ${unknown.join(", ")}`);
    try {
        reconcilePolicyConfig(
            KUBERNETES_RULES.map((r) => ({
                name: r.id,
                enforcementLevel: r.defaultEnforcement,
                configSchema: {
                    properties: {
                        exemptNamespaces: { type: "array", items: { type: "string" } },
                        exemptImages: { type: "array", items: { type: "string" } },
                        ...r.paramsSchema,
                    },
                    required: [],
                },
            })),
            parsed as Record<string, PolicyConfigEntry>,
        );
    } catch (error) {
        throw new Error(
            `--policy-config ${file}: ${String(error instanceof Error ? error.message : error)
                .split("\n")
                .slice(0, 3)
                .join("; ")}`,
        );
    }
    return parsed;
}

/** In-manifest suppression: `suppress.secure-gitops.io/<rule id>: "[expires=YYYY-MM-DD;] <reason>"`. */
export const SUPPRESSION_PREFIX = "suppress.secure-gitops.io/";

/** At most this many finding messages per violation; the rest are counted. */
const MAX_MESSAGES_PER_VIOLATION = 5;

interface ParsedSuppressions {
    valid: Map<string, Suppression>;
    problems: string[];
}

function isIsoDate(text: string): boolean {
    if (text.length !== 10 || text[4] !== "-" || text[7] !== "-") return false;
    if (!Array.from(text.slice(0, 4) + text.slice(5, 7) + text.slice(8)).every((d) => d >= "0" && d <= "9")) return false;
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Reads an object's suppression annotations; malformed ones are reported and not applied. */
export function readSuppressions(object: K8sObject, today: string): ParsedSuppressions {
    const result: ParsedSuppressions = { valid: new Map(), problems: [] };
    const annotations = isRecord(object.metadata) && isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
    for (const [key, raw] of Object.entries(annotations)) {
        if (!key.startsWith(SUPPRESSION_PREFIX)) continue;
        const ruleId = key.slice(SUPPRESSION_PREFIX.length);
        if (!KUBERNETES_RULES.some((r) => r.id === ruleId)) {
            result.problems.push(`annotation ${key} names no Kubernetes rule; ignored`);
            continue;
        }
        if (typeof raw !== "string") {
            result.problems.push(`annotation ${key} must be a string "[expires=YYYY-MM-DD;] <reason>"; ignored`);
            continue;
        }
        let text = raw.trim();
        let expires: string | undefined;
        if (text.startsWith("expires=")) {
            const semicolon = text.indexOf(";");
            expires = (semicolon < 0 ? text.slice(8) : text.slice(8, semicolon)).trim();
            text = semicolon < 0 ? "" : text.slice(semicolon + 1).trim();
            if (!isIsoDate(expires)) {
                result.problems.push(`annotation ${key}: expiry "${expires.slice(0, 40)}" is not a YYYY-MM-DD date; ignored`);
                continue;
            }
            if (expires < today) {
                result.problems.push(`annotation ${key} expired on ${expires}; not applied`);
                continue;
            }
        }
        if (text === "") {
            result.problems.push(`annotation ${key} has no reason; a suppression needs one; ignored`);
            continue;
        }
        result.valid.set(ruleId, { reason: text.slice(0, 500), ...(expires ? { expires } : {}), source: key });
    }
    return result;
}

export interface CheckOptions {
    /** Rules below this severity are not evaluated (default: low, i.e. every rule). */
    minSeverity?: Severity;
    now?: Date;
}

function objectName(object: K8sObject): string {
    return isRecord(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : "";
}

function objectNamespace(object: K8sObject): string | undefined {
    return isRecord(object.metadata) && typeof object.metadata.namespace === "string" ? object.metadata.namespace : undefined;
}

/** The rules the check runs: enabled and at or above the minimum severity. */
export function enabledRules(
    settings: CheckSettings,
    minSeverity: Severity = "low",
    rules: readonly KubernetesRule[] = KUBERNETES_RULES,
): KubernetesRule[] {
    return rules.filter((r) => settings.enforcement(r) !== "disabled" && SEVERITY_ORDER[r.severity] <= SEVERITY_ORDER[minSeverity]);
}

export interface Evaluation {
    violations: Violation[];
    resources: ReportResource[];
    exemptions: Exemption[];
    problems: InputProblem[];
}

/** Runs the rules over the documents: one violation per object and rule, suppressions applied and shown. */
export function evaluateDocuments(
    documents: readonly ManifestDocument[],
    settings: CheckSettings,
    rules: readonly KubernetesRule[],
    today: string,
): Evaluation {
    const out: Evaluation = { violations: [], resources: [], exemptions: [], problems: [] };
    for (const doc of documents) {
        const object = doc.object;
        const secrets = doc.secrets ?? new Set<string>();
        const namespaceText = objectNamespace(object);
        const resource: ReportResource = {
            type: String(object.kind),
            name: redact(objectName(object), secrets),
            namespace: namespaceText === undefined ? undefined : redact(namespaceText, secrets),
            file: doc.file,
            line: doc.line,
        };
        const suppressions = readSuppressions(object, today);
        for (const message of suppressions.problems)
            out.problems.push({
                file: doc.file,
                line: doc.line,
                message: `${resource.type}/${resource.name}: ${message}`,
                kind: "warning",
            });
        for (const [ruleId, s] of suppressions.valid) {
            out.exemptions.push({
                scope: "object",
                target: `${doc.file}:${doc.line} ${resource.type}/${resource.name}`,
                rules: [ruleId],
                reason: s.reason,
                ...(s.expires ? { expires: s.expires } : {}),
            });
        }
        const verdicts: Record<string, Verdict> = {};
        for (const rule of rules) {
            const params = effectiveParams(rule, settings.params(rule));
            // Kinds as configured: a stack's podTemplateKinds adds (or leaves out) custom pod-template kinds.
            if (!matchesKind(rule, object, params)) {
                verdicts[rule.id] = "not-applicable";
                continue;
            }
            const namespace = object.kind === "Namespace" ? objectName(object) : namespaceText;
            if (namespace !== undefined && Array.isArray(params.exemptNamespaces) && params.exemptNamespaces.includes(namespace)) {
                verdicts[rule.id] = "exempt";
                continue;
            }
            // Through the catalogue's evaluation: a rule that throws on malformed input reports instead, and
            // findings are capped per rule per object.
            const findings = evaluateKubernetes(rule, object, settings.params(rule));
            if (findings.length === 0) {
                verdicts[rule.id] = "passed";
                continue;
            }
            verdicts[rule.id] = "violation";
            const fields = [...new Set(findings.map((f) => redact(f.path, secrets)))];
            // Messages name the object first (`Deployment ns/name: ...`); say it once.
            const head = `${resource.type} ${resource.namespace ? `${resource.namespace}/` : ""}${resource.name}: `;
            const shown = findings
                .slice(0, MAX_MESSAGES_PER_VIOLATION)
                .map((f, i) => (i > 0 && f.message.startsWith(head) ? f.message.slice(head.length) : f.message));
            const rest = findings.length - shown.length;
            const suppressed = suppressions.valid.get(rule.id);
            out.violations.push({
                ruleId: rule.id,
                severity: rule.severity,
                enforcement: settings.enforcement(rule),
                message: redact(
                    `${rule.title}: ${shown.join("; ")}${rest > 0 ? `; and ${rest} more` : ""} (field${fields.length > 1 ? "s" : ""} ${fields.slice(0, 10).join(", ")}${fields.length > 10 ? ", ..." : ""})`,
                    secrets,
                ),
                resource,
                fields,
                line: lineOfField(doc, findings[0].path),
                ...(suppressed ? { suppressed } : {}),
            });
        }
        resource.verdicts = verdicts;
        // Never silent: each rule this object's namespace or container images exempted it from, with the reason.
        const target = `${doc.file}:${doc.line} ${resource.type}/${resource.name}`;
        const source = settings.source ?? "the policy config";
        // A Namespace is exempt by its own name, as the rules decide it.
        const exemptBy = (object.kind === "Namespace" ? objectName(object) : namespaceText) ?? "";
        out.exemptions.push(
            ...namespaceExemptionsOf(resource, target, (ruleId) =>
                namespaceExemptionReason(
                    ruleId,
                    exemptBy,
                    `namespace ${redact(exemptBy, secrets)} is in exemptNamespaces of ${source}, which records no reason (platform/exemptions.ts declares none for it)`,
                ),
            ),
            ...imageExemptionsOf(object, resource, target, rules, verdicts, settings).map((e) => ({
                ...e,
                reason: redact(e.reason, secrets),
            })),
        );
        const ran = Object.values(verdicts).filter((v) => v !== "not-applicable");
        if (ran.length === 0) resource.evaluation = { evaluated: false, reason: "no rule covers this kind" };
        else if (ran.every((v) => v === "exempt"))
            resource.evaluation = { evaluated: false, reason: "its namespace is exempt from every rule that applies" };
        else resource.evaluation = { evaluated: true };
        out.resources.push(resource);
    }
    return out;
}

/**
 * Containers the pod-bearing rules skipped because their image matches `exemptImages`: one entry per
 * exempt-image entry, naming the containers and the rules (the rule ran on the other containers).
 */
function imageExemptionsOf(
    object: K8sObject,
    resource: ReportResource,
    target: string,
    rules: readonly KubernetesRule[],
    verdicts: Record<string, Verdict>,
    settings: CheckSettings,
): Exemption[] {
    const byEntry = new Map<string, { rules: string[]; containers: Set<string> }>();
    for (const rule of rules) {
        if (!isPodBearingRule(rule) || verdicts[rule.id] === "not-applicable" || verdicts[rule.id] === "exempt") continue;
        const exemptImages = effectiveParams(rule, settings.params(rule)).exemptImages;
        if (!Array.isArray(exemptImages) || exemptImages.length === 0) continue;
        for (const container of containersOf(object, [])) {
            const entry = exemptImages.find((e) => isExemptImage(own(container.container, "image"), [e]));
            if (typeof entry !== "string") continue;
            const group = byEntry.get(entry) ?? { rules: [], containers: new Set<string>() };
            if (!group.rules.includes(rule.id)) group.rules.push(rule.id);
            group.containers.add(container.name);
            byEntry.set(entry, group);
        }
    }
    return [...byEntry].map(([entry, group]) => ({
        scope: "image" as const,
        target,
        rules: group.rules,
        reason: `container(s) ${[...group.containers].map((c) => `"${show(c)}"`).join(", ")} not checked: image matches exemptImages "${show(entry)}" of ${settings.source ?? "the policy config"}`,
        resource: resourceRef(resource),
    }));
}

/** Runs every enabled kubernetes rule over the documents (kept for callers that only want violations). */
export function checkDocuments(
    documents: readonly ManifestDocument[],
    settings: CheckSettings,
    rules: readonly KubernetesRule[] = KUBERNETES_RULES,
    now = new Date(),
): Violation[] {
    return evaluateDocuments(documents, settings, enabledRules(settings, "low", rules), now.toISOString().slice(0, 10)).violations;
}

export function runCheck(
    inputs: readonly string[],
    settings: CheckSettings,
    options: CheckOptions & CollectOptions & { stdin?: () => string } = {},
): { report: Report; problems: InputProblem[] } {
    const now = options.now ?? new Date();
    const collected = collectFiles(inputs, options);
    const loaded = loadManifests(collected.files, options.stdin);
    const rules = enabledRules(settings, options.minSeverity);
    const evaluation = evaluateDocuments(loaded.documents, settings, rules, now.toISOString().slice(0, 10));
    const problems = [...collected.problems, ...loaded.problems, ...evaluation.problems];
    const enforcement = (r: KubernetesRule): Enforcement => (rules.includes(r) ? settings.enforcement(r) : "disabled");
    const report: Report = {
        formatVersion: REPORT_FORMAT_VERSION,
        tool: "check",
        generatedAt: now.toISOString(),
        inputs: collected.files.map((f) => f.name),
        resources: evaluation.resources,
        violations: evaluation.violations.sort(compareViolations),
        compliance: scoreCompliance(
            KUBERNETES_RULES,
            (r) => enforcement(r as KubernetesRule),
            coverageFrom(evaluation.resources, evaluation.violations),
        ),
        rules: rules.map((r) => ({ id: r.id, enforcement: settings.enforcement(r) })),
        exemptions: evaluation.exemptions,
        skipped: loaded.skipped,
        problems,
    };
    return { report, problems };
}

export const FORMATS = ["text", "json", "sarif", "markdown"] as const;
export type Format = (typeof FORMATS)[number];
export const FAIL_ON = ["mandatory", ...SEVERITIES, "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** Violations that make the check fail: unsuppressed, and mandatory or at/above the given severity. */
export function failingViolations(report: Report, failOn: FailOn): Violation[] {
    if (failOn === "never") return [];
    const active = activeViolations(report);
    if (failOn === "mandatory") return active.filter((v) => v.enforcement === "mandatory");
    return active.filter((v) => SEVERITY_ORDER[v.severity] <= SEVERITY_ORDER[failOn]);
}

export const CHECK_USAGE = `usage: npm run check -- [options] <files, directories or - for stdin>...

Applies the platform's Kubernetes rules to plain YAML/JSON manifests (multi-document files, List kinds).
Helm chart files and templates, values files, kustomization files and other YAML/JSON without apiVersion
and kind are skipped with a summary line. One finding per object and rule, critical first.

  --policy-config <file>    a CrossGuard policy config (levels, parameters, exemptNamespaces), e.g. policy-config/prod.json
  --include <glob>          only check files whose root-relative path matches (repeatable; * ** ? supported)
  --exclude <glob>          skip files whose root-relative path matches (repeatable)
  --root <dir>              report paths relative to this folder (default: the working directory)
  --severity <level>        evaluate only rules at or above: critical, high, medium, low (default: low)
  --fail-on <level>         exit 1 on: mandatory (default: any mandatory violation), critical, high, medium,
                            low (any violation at or above that severity), never
  --format <format>         text (default), json, sarif or markdown, to stdout
  --output <file>           write the --format output to this file instead of stdout
  --out <dir>               also write check.json, check.md and check.sarif into this folder
  --sarif-max-results <n>   cap SARIF results, lowest severity cut first (default ${SARIF_MAX_RESULTS}, GitHub's stored limit)
  -h, --help                this help

Suppress one rule on one object with an annotation (reason required, expiry optional); it is reported as
suppressed in every output and affects this check only (admission still enforces the rule):
  metadata.annotations["${SUPPRESSION_PREFIX}<rule id>"]: "expires=2027-01-31; why this is acceptable"

Exit codes: 0 clean, 1 violations at or above --fail-on, 2 usage or input error (unreadable or unparsable files).`;

class UsageError extends Error {}

function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value))
        throw new UsageError(`--${option} ${value}: expected one of ${allowed.join(", ")}`);
    return value as T;
}

function textReport(report: Report, failOn: FailOn): string[] {
    const lines: string[] = [];
    for (const v of report.violations) {
        const tag = v.suppressed
            ? `SUPPRESSED (${v.suppressed.reason}${v.suppressed.expires ? `, until ${v.suppressed.expires}` : ""})`
            : v.enforcement.toUpperCase();
        lines.push(
            `${v.severity.toUpperCase().padEnd(8)} ${tag} ${v.resource.file}:${v.line ?? v.resource.line} ${v.resource.type}/${v.resource.name} [${v.ruleId}] ${v.message}`,
        );
    }
    const skipped = report.skipped ?? [];
    if (skipped.length > 0) {
        const byReason = new Map<string, number>();
        for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
        lines.push(
            `skipped ${skipped.length} file(s) that are not Kubernetes manifests: ${[...byReason].map(([r, n]) => `${n} ${r}`).join(", ")}`,
        );
    }
    for (const e of report.exemptions)
        if (e.resource && e.scope !== "object")
            lines.push(
                `EXEMPT   ${e.scope}${e.scope === "namespace" && e.resource.namespace ? ` ${e.resource.namespace}` : ""} ${e.target} [${e.rules.join(", ")}] ${e.reason}`,
            );
    for (const group of groupUnevaluated(report.resources))
        lines.push(`not evaluated: ${group.count} object(s), ${group.reason}: ${group.types.join(", ")}`);
    for (const s of report.compliance)
        lines.push(
            `compliance ${s.framework}: ${scoreSummary(s)}${s.total > 0 ? " controls passed" : ""}${s.failing.length > 0 ? `; failing ${s.failing.map((f) => f.control).join(" ")}` : ""}`,
        );
    const active = activeViolations(report);
    const failing = failingViolations(report, failOn).length;
    const exempted = exemptionCounts(report);
    lines.push(
        `${report.resources.length} object(s) in ${report.inputs.length - skipped.length} file(s), ${report.resources.filter((r) => r.evaluation?.evaluated).length} evaluated: ${active.length} violation(s), ${report.violations.length - active.length} suppressed, ${exempted.objects} object(s) exempted from ${exempted.rules} rule check(s), ${failing} at or above --fail-on ${failOn}`,
    );
    return lines;
}

export function main(
    argv: string[],
    io: { stdout: (s: string) => void; stderr: (s: string) => void; stdin?: () => string } = {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
    },
): number {
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                "policy-config": { type: "string" },
                include: { type: "string", multiple: true },
                exclude: { type: "string", multiple: true },
                root: { type: "string" },
                severity: { type: "string" },
                "fail-on": { type: "string" },
                format: { type: "string" },
                output: { type: "string" },
                out: { type: "string" },
                "sarif-max-results": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
        if (values.help) {
            io.stdout(CHECK_USAGE + "\n");
            return 0;
        }
        if (positionals.length === 0) throw new UsageError("no files or directories given (see --help)");
        const minSeverity = oneOf("severity", values.severity, SEVERITIES, "low");
        const failOn = oneOf("fail-on", values["fail-on"], FAIL_ON, "mandatory");
        const format = oneOf("format", values.format, FORMATS, "text");
        if (values.output && format === "text") throw new UsageError("--output needs --format json, sarif or markdown");
        const maxText = values["sarif-max-results"];
        const sarifMaxResults = maxText === undefined ? SARIF_MAX_RESULTS : Number(maxText);
        if (!Number.isInteger(sarifMaxResults) || sarifMaxResults < 1 || sarifMaxResults > 25000)
            throw new UsageError(`--sarif-max-results ${maxText}: expected an integer from 1 to 25000`);
        if (values.root && !fs.existsSync(values.root)) throw new UsageError(`--root ${values.root}: no such directory`);
        if (positionals.filter((p) => p === "-").length > 1) throw new UsageError("- (stdin) can be given once");
        const policyConfig = values["policy-config"] ? readPolicyConfig(values["policy-config"]) : {};

        const source = values["policy-config"] ? `--policy-config ${values["policy-config"]}` : "the catalogue defaults";
        const { report, problems } = runCheck(positionals, settingsFromPolicyConfig(policyConfig, source), {
            minSeverity,
            root: values.root,
            include: values.include,
            exclude: values.exclude,
            stdin: io.stdin,
        });
        for (const p of problems) io.stderr(`${p.kind}: ${p.file}:${p.line}: ${p.message}\n`);
        const defaultArtifact = report.inputs[0] ?? positionals[0];
        if (format === "text") io.stdout(textReport(report, failOn).join("\n") + "\n");
        else {
            const body =
                format === "json"
                    ? toJson(report)
                    : format === "markdown"
                      ? toMarkdown(report)
                      : JSON.stringify(
                            toSarif(report, RULES, {
                                toolVersion: TOOL_VERSION,
                                defaultArtifact,
                                category: sarifCategory(report),
                                maxResults: sarifMaxResults,
                            }),
                            null,
                            2,
                        ) + "\n";
            if (values.output) {
                fs.mkdirSync(path.dirname(path.resolve(values.output)), { recursive: true });
                fs.writeFileSync(values.output, body);
            } else io.stdout(body);
            io.stderr(textReport(report, failOn).slice(-1)[0] + "\n");
        }
        if (values.out) writeReport(report, RULES, { dir: values.out, defaultArtifact, sarifMaxResults });
        if (problems.some((p) => p.kind === "error")) return 2;
        return failingViolations(report, failOn).length > 0 ? 1 : 0;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`check: ${message}${error instanceof UsageError || message.startsWith("--") ? "" : " (see --help)"}\n`);
        return 2;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
