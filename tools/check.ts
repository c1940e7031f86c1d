// Manifest check: the rule catalogue over plain Kubernetes YAML (multi-document files, `List` kinds), so the
// Argo CD application repository gets the same rules in its CI as the platform gets at preview and
// admission. Usage: npm run check -- [--policy-config file.json] [--out dir] <files or dirs>...
// Exit codes: 0 clean (advisory findings allowed), 1 mandatory violations, 2 unreadable input or usage error.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { LineCounter, parseAllDocuments } from "yaml";
import { Enforcement, K8sObject, KUBERNETES_RULES, KubernetesRule, RULES } from "../policy-pack/catalogue";
import { evaluateKubernetes } from "../policy-pack/catalogue/evaluate";
import { isRecord } from "../policy-pack/catalogue/workloads";
import { mandatoryViolations, Report, scoreCompliance, Violation } from "./report/model";
import { writeReport } from "./report/write";

const isK8sObject = (value: unknown): value is K8sObject => isRecord(value);

export interface ManifestDocument {
    object: K8sObject;
    file: string;
    /** 1-based line where the document (or List item) starts. */
    line: number;
}

export interface InputProblem {
    file: string;
    line: number;
    message: string;
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Expands files and directories (recursively) into the YAML/JSON files to read, sorted. */
export function collectFiles(inputs: readonly string[]): { files: string[]; problems: InputProblem[] } {
    const files: string[] = [];
    const problems: InputProblem[] = [];
    const walk = (p: string): void => {
        const stat = fs.statSync(p);
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(p).sort()) if (entry !== "node_modules" && !entry.startsWith(".")) walk(path.join(p, entry));
        } else if (YAML_EXTENSIONS.has(path.extname(p))) files.push(p);
    };
    for (const input of inputs) {
        if (!fs.existsSync(input)) problems.push({ file: input, line: 0, message: "no such file or directory" });
        else walk(input);
    }
    return { files, problems };
}

/** Parses every document of every file; a broken document is reported (file + line) and skipped. */
export function loadManifests(files: readonly string[]): { documents: ManifestDocument[]; problems: InputProblem[] } {
    const documents: ManifestDocument[] = [];
    const problems: InputProblem[] = [];
    for (const file of files) {
        const lineCounter = new LineCounter();
        const text = fs.readFileSync(file, "utf8");
        for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
            // The contents node starts after any `---` marker and leading comments: the object's first line.
            const startLine = lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
            if (doc.errors.length > 0) {
                for (const error of doc.errors) {
                    const line = lineCounter.linePos(error.pos[0]).line;
                    problems.push({ file, line, message: `unparsable YAML: ${error.message.split("\n")[0]}` });
                }
                continue;
            }
            const value: unknown = doc.toJS();
            if (value === null || value === undefined) continue; // empty document, e.g. a trailing `---`
            if (!isK8sObject(value) || typeof value.kind !== "string") {
                problems.push({ file, line: startLine, message: "not a Kubernetes object (no kind)" });
                continue;
            }
            if (value.kind.endsWith("List") && Array.isArray(value.items)) {
                const itemNodes = (doc.contents as { get?: (key: string, keepScalar?: boolean) => unknown } | null)?.get?.("items") as { items?: { range?: [number, number, number] }[] } | undefined;
                value.items.forEach((item: unknown, i: number) => {
                    const offset = itemNodes?.items?.[i]?.range?.[0];
                    const line = offset === undefined ? startLine : lineCounter.linePos(offset).line;
                    if (isK8sObject(item)) documents.push({ object: item, file, line });
                    else problems.push({ file, line, message: `List item ${i} is not an object` });
                });
            } else documents.push({ object: value, file, line: startLine });
        }
    }
    return { documents, problems };
}

export interface CheckSettings {
    enforcement(rule: KubernetesRule): Enforcement;
    params(rule: KubernetesRule): Record<string, unknown> | undefined;
}

/** Catalogue defaults, optionally overridden by a CrossGuard policy config (`{ all?, <rule id>: level | {enforcementLevel, ...params} }`). */
export function settingsFromPolicyConfig(config: Record<string, unknown> = {}): CheckSettings {
    const entry = (id: string): Record<string, unknown> => {
        const raw = config[id];
        return typeof raw === "string" ? { enforcementLevel: raw } : isK8sObject(raw) ? (raw as Record<string, unknown>) : {};
    };
    return {
        enforcement: (rule) => (entry(rule.id).enforcementLevel ?? entry("all").enforcementLevel ?? rule.defaultEnforcement) as Enforcement,
        params: (rule) => {
            const { enforcementLevel: _level, ...params } = entry(rule.id);
            return params;
        },
    };
}

/** Runs every enabled kubernetes rule over the documents. */
export function checkDocuments(documents: readonly ManifestDocument[], settings: CheckSettings, rules: readonly KubernetesRule[] = KUBERNETES_RULES): Violation[] {
    const violations: Violation[] = [];
    for (const rule of rules) {
        const enforcement = settings.enforcement(rule);
        if (enforcement === "disabled") continue;
        const params = settings.params(rule);
        for (const doc of documents) {
            for (const finding of evaluateKubernetes(rule, doc.object, params)) {
                violations.push({
                    ruleId: rule.id,
                    severity: rule.severity,
                    enforcement,
                    message: `${rule.title}: ${finding.message} (field ${finding.path})`,
                    resource: { type: String(doc.object.kind), name: String(doc.object.metadata?.name ?? ""), namespace: doc.object.metadata?.namespace, file: doc.file, line: doc.line },
                });
            }
        }
    }
    return violations;
}

export function runCheck(inputs: readonly string[], settings: CheckSettings, now = new Date()): { report: Report; problems: InputProblem[] } {
    const collected = collectFiles(inputs);
    const loaded = loadManifests(collected.files);
    const violations = checkDocuments(loaded.documents, settings);
    const enabled = KUBERNETES_RULES.filter((r) => settings.enforcement(r) !== "disabled");
    const report: Report = {
        tool: "check",
        generatedAt: now.toISOString(),
        inputs: collected.files,
        resources: loaded.documents.map((d) => ({ type: String(d.object.kind), name: String(d.object.metadata?.name ?? ""), namespace: d.object.metadata?.namespace, file: d.file, line: d.line })),
        violations,
        compliance: scoreCompliance(enabled, (r) => settings.enforcement(r as KubernetesRule), violations),
        rules: enabled.map((r) => ({ id: r.id, enforcement: settings.enforcement(r) })),
    };
    return { report, problems: [...collected.problems, ...loaded.problems] };
}

function main(argv: string[]): number {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "policy-config": { type: "string" }, out: { type: "string", default: "check-output" }, help: { type: "boolean" } } });
    if (values.help || positionals.length === 0) {
        console.error("usage: npm run check -- [--policy-config file.json] [--out dir] <files or dirs of YAML>...");
        return 2;
    }
    const policyConfig = values["policy-config"] ? (JSON.parse(fs.readFileSync(values["policy-config"], "utf8")) as Record<string, unknown>) : {};
    const { report, problems } = runCheck(positionals, settingsFromPolicyConfig(policyConfig));
    for (const p of problems) console.error(`error: ${p.file}:${p.line}: ${p.message}`);
    for (const v of report.violations) console.log(`${v.enforcement.toUpperCase()} ${v.resource.file}:${v.resource.line} ${v.resource.type}/${v.resource.name} [${v.ruleId}] ${v.message}`);
    for (const s of report.compliance) console.log(`compliance ${s.framework}: ${s.passed}/${s.total} controls passed`);
    const written = writeReport(report, RULES, { outRoot: values.out ?? "check-output", label: "check", defaultArtifact: positionals[0] });
    const mandatory = mandatoryViolations(report).length;
    console.log(`${report.resources.length} objects in ${report.inputs.length} files: ${report.violations.length} violation(s), ${mandatory} mandatory. Reports in ${written.dir}`);
    if (problems.length > 0) return 2;
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
