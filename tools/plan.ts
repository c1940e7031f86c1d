// Offline plan: runs the real program for a stack under the in-process engine (no cloud, no Pulumi CLI),
// sends every resource through the policy pack over the Analyzer protocol, and reports the resource tree,
// counts per component, violations and a compliance score per framework.
// Usage: npm run plan -- --stack dev [--out plan-output] [--config-override key=value ...]
// Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 the program or the pack failed.
import * as path from "path";
import { parseArgs } from "util";
import { Enforcement, RULES, ruleById } from "../policy-pack/catalogue";
import { AnalyzerHarness, AnalyzerResource, resourcesFromProgramRun, startPolicyPack } from "./analyzer/analyzer";
import { PROJECT_NAME, readStackConfigFile, RecordedResource, runProgram } from "./mock-engine";
import { mandatoryViolations, Report, ReportResource, scoreCompliance, Violation } from "./report/model";
import { writeReport } from "./report/write";

export interface PlanOptions {
    stack: string;
    outRoot?: string;
    /** Extra config (fully-qualified keys) layered over Pulumi.<stack>.yaml, e.g. to try a change. */
    configOverrides?: Record<string, string>;
    /** Progress sink; the CLI prints a single updating line. */
    progress?: (message: string) => void;
    now?: Date;
}

export interface PlanResult {
    report: Report;
    tree: string[];
    countsByComponent: Record<string, number>;
    written?: { dir: string; json: string; markdown: string; sarif: string };
}

/** The top-level component each resource belongs to (the stack's direct child), e.g. `secure-gitops:gcp:GkeCluster/cluster`. */
export function countsByComponent(resources: readonly RecordedResource[]): Record<string, number> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const counts: Record<string, number> = {};
    for (const r of resources) {
        if (r.type === "pulumi:pulumi:Stack" || (r.type.startsWith("pulumi:providers:") && !r.parent)) continue;
        let top = r;
        for (let parent = r.parent ? byUrn.get(r.parent) : undefined; parent && parent.type !== "pulumi:pulumi:Stack"; parent = parent.parent ? byUrn.get(parent.parent) : undefined) top = parent;
        const key = `${top.type}/${top.name}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

/** An indented tree: `type name` per line, children under their parent. */
export function resourceTree(resources: readonly RecordedResource[]): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [];
    const visit = (parent: string | undefined, depth: number): void => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth)}${r.type} ${r.name}`);
            visit(r.urn, depth + 1);
        }
    };
    visit(undefined, 0);
    return lines;
}

function enforcementFromConfig(policyConfig: Record<string, Record<string, unknown>>, id: string): Enforcement {
    return (policyConfig[id]?.enforcementLevel as Enforcement | undefined) ?? ruleById(id).defaultEnforcement;
}

export async function runPlan(options: PlanOptions): Promise<PlanResult> {
    const progress = options.progress ?? (() => undefined);
    const fromFile = readStackConfigFile(options.stack);
    progress(`running the program for stack ${options.stack} under the in-process engine`);
    const run = await runProgram({ stack: options.stack, config: { ...fromFile.config, ...(options.configOverrides ?? {}) }, secretKeys: fromFile.secretKeys });
    const policyConfig = (run.outputs.policyPackConfig ?? {}) as Record<string, Record<string, unknown>>;
    if (Object.keys(policyConfig).length === 0) throw new Error("the program exported no policyPackConfig output");

    progress(`${run.resources.length} resources declared; starting the policy pack`);
    const analyzerResources = resourcesFromProgramRun(run);
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    let pack: AnalyzerHarness | undefined;
    const violations: Violation[] = [];
    try {
        pack = await startPolicyPack();
        await pack.configure(policyConfig);
        const toViolation = (d: { policyName: string; message: string; enforcementLevel: Enforcement; urn?: string }, fallback?: AnalyzerResource): Violation => {
            const recorded = d.urn ? byUrn.get(d.urn) : undefined;
            const inputs = recorded?.inputs as { metadata?: { namespace?: string } } | undefined;
            return {
                ruleId: d.policyName,
                severity: ruleById(d.policyName).severity,
                enforcement: d.enforcementLevel,
                message: d.message,
                resource: { type: recorded?.type ?? fallback?.type ?? "", name: recorded?.name ?? fallback?.name ?? "", urn: d.urn ?? fallback?.urn, parent: recorded?.parent, namespace: inputs?.metadata?.namespace },
            };
        };
        for (const [i, resource] of analyzerResources.entries()) {
            if (i % 25 === 0) progress(`analyzing ${i + 1}/${analyzerResources.length}: ${resource.type} ${resource.name}`);
            for (const d of await pack.analyze(resource)) violations.push(toViolation({ ...d, urn: d.urn || resource.urn }, resource));
        }
        progress("analyzing the whole stack");
        for (const d of await pack.analyzeStack(analyzerResources)) violations.push(toViolation(d));
    } finally {
        await pack?.close();
    }

    const enabled = RULES.filter((r) => enforcementFromConfig(policyConfig, r.id) !== "disabled");
    const resources: ReportResource[] = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent }));
    const report: Report = {
        tool: "plan",
        generatedAt: (options.now ?? new Date()).toISOString(),
        stack: options.stack,
        inputs: [`Pulumi.${options.stack}.yaml`],
        resources,
        violations,
        compliance: scoreCompliance(enabled, (r) => enforcementFromConfig(policyConfig, r.id), violations),
        rules: enabled.map((r) => ({ id: r.id, enforcement: enforcementFromConfig(policyConfig, r.id) })),
    };
    const counts = countsByComponent(run.resources);
    const result: PlanResult = { report, tree: resourceTree(run.resources), countsByComponent: counts };
    if (options.outRoot) {
        result.written = writeReport(report, RULES, { outRoot: options.outRoot, label: options.stack, defaultArtifact: `Pulumi.${options.stack}.yaml`, countsByComponent: counts });
    }
    return result;
}

function printPlan(result: PlanResult): void {
    const { report } = result;
    console.log(`\nResource tree (${report.resources.length} resources, project ${PROJECT_NAME}, stack ${report.stack}):`);
    for (const line of result.tree) console.log(`  ${line}`);
    console.log("\nResources per component:");
    for (const [component, count] of Object.entries(result.countsByComponent).sort()) console.log(`  ${String(count).padStart(4)}  ${component}`);
    console.log(`\nViolations (${report.violations.length}):`);
    for (const v of [...report.violations].sort((a, b) => Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory"))) {
        console.log(`  ${v.enforcement.toUpperCase().padEnd(9)} ${v.severity.padEnd(8)} [${v.ruleId}] ${v.resource.type} ${v.resource.name}: ${v.message}`);
    }
    console.log("\nCompliance by framework (controls passed/total; failing controls, critical first):");
    for (const s of report.compliance) {
        const failing = s.failing.map((f) => `${f.control}(${f.severity}${f.mandatory ? ", mandatory" : ""})`).join(" ");
        console.log(`  ${s.framework.padEnd(15)} ${String(s.passed).padStart(3)}/${String(s.total).padEnd(3)} ${failing}`);
    }
}

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: { stack: { type: "string" }, out: { type: "string", default: "plan-output" }, set: { type: "string", multiple: true }, help: { type: "boolean" } },
    });
    if (values.help || !values.stack) {
        console.error("usage: npm run plan -- --stack <dev|staging|prod> [--out plan-output] [--set key=value ...]");
        return 2;
    }
    const overrides: Record<string, string> = {};
    for (const pair of values.set ?? []) {
        const eq = pair.indexOf("=");
        if (eq < 1) {
            console.error(`--set expects key=value, got "${pair}"`);
            return 2;
        }
        const key = pair.slice(0, eq);
        overrides[key.includes(":") ? key : `${PROJECT_NAME}:${key}`] = pair.slice(eq + 1);
    }
    const interactive = process.stderr.isTTY;
    const progress = (message: string): void => {
        if (interactive) process.stderr.write(`\r\x1b[2K[plan] ${message}`);
        else process.stderr.write(`[plan] ${message}\n`);
    };
    try {
        const result = await runPlan({ stack: values.stack, outRoot: path.resolve(values.out ?? "plan-output"), configOverrides: overrides, progress });
        if (interactive) process.stderr.write("\n");
        printPlan(result);
        const mandatory = mandatoryViolations(result.report).length;
        console.log(`\n${mandatory === 0 ? "OK" : "FAILED"}: ${mandatory} mandatory, ${result.report.violations.length - mandatory} other violation(s). Reports in ${result.written?.dir}`);
        return mandatory > 0 ? 1 : 0;
    } catch (error) {
        if (interactive) process.stderr.write("\n");
        console.error(`plan failed: ${error instanceof Error ? error.message : String(error)}`);
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error);
            process.exit(2);
        },
    );
}
