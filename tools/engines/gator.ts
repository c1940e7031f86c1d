// Gatekeeper's own CLI, gator, as the judge of our ConstraintTemplates and Constraints:
// - `gator verify` runs a suite generated from the rule catalogue and its corpus (every admission-time case of
//   every Kubernetes rule, with the constraint rendered for the case's parameters and the corpus verdict as the
//   assertion);
// - `gator test` evaluates objects against a whole constraint set (e.g. the one the program renders for a
//   stack) and reports every violation, which the engine tests compare with the pack's verdicts.
// Both run the real Gatekeeper constraint framework with its K8sNativeValidation (CEL) driver.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { K8sObject, KubernetesRule } from "../../policy-pack/catalogue";
import { effectiveParams } from "../../policy-pack/catalogue/evaluate";
import { ConstraintObject, ConstraintTemplateObject, renderConstraint, renderConstraintTemplate } from "../../platform/constraint-render";
import { exemptNamespacesFor } from "../../platform/exemptions";

/** The subset of a corpus case the suite needs (policy-pack/test/corpus.ts has the full shape). */
export interface AdmissionCase {
    rule: string;
    name: string;
    expect: "pass" | "violation";
    params?: Record<string, unknown>;
    object?: K8sObject;
    unknown?: boolean;
}

/** One case as written into the suite, with the name gator prints for it. */
export interface SuiteCase {
    rule: string;
    /** Unique within the suite: `<rule>#<n> <corpus name>`. */
    caseName: string;
    testName: string;
    expect: "pass" | "violation";
    params: Record<string, unknown>;
    object: K8sObject;
}

export interface WrittenSuite {
    dir: string;
    cases: SuiteCase[];
    tests: number;
}

export interface GatorRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Parameters the program would give a constraint for this case: defaults, the case's overrides, platform exemptions. */
export function admissionParams(rule: KubernetesRule, params: Record<string, unknown> | undefined): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...effectiveParams(rule, params) };
    const declared = Array.isArray(merged.exemptNamespaces)
        ? merged.exemptNamespaces.filter((n): n is string => typeof n === "string")
        : [];
    return { ...merged, exemptNamespaces: [...new Set([...declared, ...exemptNamespacesFor(rule.id)])].sort() };
}

/** gator reads YAML 1.1, where an unquoted yes/no/on/off is a boolean: write 1.1 so such strings are quoted. */
function toYaml(value: unknown): string {
    return stringify(value, { lineWidth: 0, version: "1.1" });
}

function writeYaml(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, toYaml(value));
}

/**
 * Writes a gator verify suite for every admission-time case (cases with the unknown-value sentinel are
 * preview-only: the API server never sees them). One test per rule and parameter set, each with the template
 * and the constraint exactly as `platform/constraint-render.ts` renders them for the program.
 */
export function writeVerifySuite(dir: string, rules: readonly KubernetesRule[], corpus: readonly AdmissionCase[]): WrittenSuite {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const tests: {
        name: string;
        template: string;
        constraint: string;
        cases: { name: string; object: string; assertions: { violations: "yes" | "no" }[] }[];
    }[] = [];
    const cases: SuiteCase[] = [];
    for (const rule of rules) {
        const templateFile = `templates/${rule.id}.yaml`;
        writeYaml(path.join(dir, templateFile), renderConstraintTemplate(rule));
        const byParams = new Map<string, (typeof tests)[number]>();
        corpus.forEach((c, index) => {
            if (c.rule !== rule.id || c.unknown || !c.object) return;
            const params = admissionParams(rule, c.params);
            const key = JSON.stringify(params);
            let test = byParams.get(key);
            if (!test) {
                const constraintFile = `constraints/${rule.id}-${byParams.size}.yaml`;
                writeYaml(path.join(dir, constraintFile), renderConstraint(rule, { enforcement: rule.defaultEnforcement, params }));
                test = { name: `${rule.id} [parameters ${byParams.size}]`, template: templateFile, constraint: constraintFile, cases: [] };
                byParams.set(key, test);
                tests.push(test);
            }
            const caseName = `${rule.id}#${index} ${c.name}`;
            const objectFile = `objects/${rule.id}/${index}.yaml`;
            writeYaml(path.join(dir, objectFile), c.object);
            test.cases.push({ name: caseName, object: objectFile, assertions: [{ violations: c.expect === "violation" ? "yes" : "no" }] });
            cases.push({ rule: rule.id, caseName, testName: test.name, expect: c.expect, params, object: c.object });
        });
    }
    writeYaml(path.join(dir, "suite.yaml"), {
        kind: "Suite",
        apiVersion: "test.gatekeeper.sh/v1alpha1",
        metadata: { name: "secure-gitops-catalogue" },
        tests,
    });
    return { dir, cases, tests: tests.length };
}

export function runGator(gator: string, args: readonly string[], timeoutMs = 300_000): GatorRun {
    const result = spawnSync(gator, [...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
    if (result.error) throw new Error(`${path.basename(gator)} ${args.join(" ")}: ${result.error.message}`);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The case names `gator verify -v` reports as failed. Its Go-test-style output prints `--- FAIL: <name>` for
 * failed tests and cases (`--- FAIL: <name>\t(<time>)`); test names are excluded so only case names remain.
 */
export function failedVerifyCases(output: string, suite: WrittenSuite): Set<string> {
    const known = new Set(suite.cases.map((c) => c.caseName));
    const failed = new Set<string>();
    for (const line of output.split("\n")) {
        const at = line.indexOf("--- FAIL: ");
        if (at < 0) continue;
        // The name runs up to the tab before the timing gator appends, e.g. "\t(1.2ms)".
        const rest = line.slice(at + "--- FAIL: ".length);
        const timing = rest.lastIndexOf("\t(");
        const name = (timing >= 0 ? rest.slice(0, timing) : rest).trim();
        if (known.has(name)) failed.add(name);
    }
    return failed;
}

/** One violation as `gator test -o json` reports it. */
export interface GatorViolation {
    constraintKind: string;
    constraintName: string;
    enforcementAction: string;
    message: string;
    object: { kind: string; namespace: string; name: string };
}

function record(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
    return typeof value === "string" ? value : "";
}

/** Parses `gator test -o json` output (an array of results, or `null`/empty when nothing violates). */
export function parseGatorTestJson(stdout: string): GatorViolation[] {
    const trimmed = stdout.trim();
    if (trimmed === "" || trimmed === "null") return [];
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error("gator test -o json: expected an array of results");
    return parsed.map((entry) => {
        const result = record(entry);
        const constraint = record(result.constraint);
        const violating = record(result.violatingObject);
        const metadata = record(violating.metadata);
        return {
            constraintKind: text(constraint.kind),
            constraintName: text(record(constraint.metadata).name),
            enforcementAction: text(result.enforcementAction),
            message: text(result.msg),
            object: { kind: text(violating.kind), namespace: text(metadata.namespace), name: text(metadata.name) },
        };
    });
}

/** Writes templates, constraints and objects as one multi-document directory for `gator test -f <dir>`. */
export function writeTestInputs(
    dir: string,
    templates: readonly ConstraintTemplateObject[] | readonly unknown[],
    constraints: readonly ConstraintObject[] | readonly unknown[],
    objects: readonly K8sObject[],
): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const documents = (items: readonly unknown[]): string => items.map(toYaml).join("---\n");
    fs.writeFileSync(path.join(dir, "templates.yaml"), documents(templates));
    fs.writeFileSync(path.join(dir, "constraints.yaml"), documents(constraints));
    fs.writeFileSync(path.join(dir, "objects.yaml"), documents(objects));
}
