// Offline plan: runs the real program for a stack under the in-process engine (no cloud, no Pulumi CLI),
// sends every resource through the policy pack over the Analyzer protocol, and reports the resource tree,
// counts per component, violations and a compliance score per framework.
// Every resource carries its masked inputs and one verdict per enabled rule; `--baseline` diffs two plans.
// With `--charts <dir>|pull` every pinned Helm Release is rendered and its objects are judged as its children;
// with a directory, the app (checked out as <dir>/<repository name>) is also rendered as Argo CD will sync it.
// Usage: npm run plan -- --stack dev [--out dir | --out-root plan-output] [--baseline plan.json] [--set key=value ...] [--charts <dir>|pull]
// Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 usage error, or the program or the pack failed.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { Enforcement, Rule, RULES, ruleById } from "../policy-pack/catalogue";
import { UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { exemptionCounts, namespaceExemptionReason, namespaceExemptionsOf, planExemptions } from "./report/exemptions";
import { parseStackConfig, plainConfigSource } from "../stacks/config";
import { AnalyzeResult, AnalyzerHarness, AnalyzerResource, resourcesFromProgramRun, startPolicyPack } from "./analyzer/analyzer";
import { appPlanLines, blockingObjects, countVerdicts, planApp, repositoryDirName } from "./charts/app";
import { appViolations, podSecurityViolations } from "./charts/admission-findings";
import { judgePodSecurity, namespacePodSecurity } from "./charts/pod-security-admission";
import { StackConfig } from "../stacks/types";
import { ProgramRun, PROJECT_NAME, PROJECT_ROOT, readStackConfigFile, RecordedResource, runProgram } from "./mock-engine";
import { BaselinePlan, diffPlans, readBaseline } from "./report/diff";
import { containsUnknown, maskSecrets } from "./report/inputs";
import { groupUnevaluated } from "./report/markdown";
import {
    compareViolations,
    coverageFrom,
    AppReport,
    AppStatus,
    Exemption,
    mandatoryViolations,
    Report,
    REPORT_FORMAT_VERSION,
    ReportResource,
    scoreCompliance,
    scoreSummary,
    Verdict,
    Violation,
} from "./report/model";
import { timestampForPath, writeReport } from "./report/write";

export { planExemptions };
import {
    analyzerResourcesFor,
    asRecordedResources,
    chartsSection,
    ChartWorkloads,
    clusterCapabilities,
    ClusterCapabilities,
    disagreements,
    renderChartWorkloads,
} from "./charts/chart-workloads";
import { ChartSource } from "./charts/releases";
import { chartSourceFromFlag, printCharts } from "./charts/console";
import { describeProblems, policyConfigProblems } from "../policy-pack/pack/config";
import { at } from "../policy-pack/catalogue/view";
import { REDACTED } from "../policy-pack/pack/secrets";

export interface PlanOptions {
    stack: string;
    /** Writes into `<outRoot>/<stack>-<timestamp>/`. */
    outRoot?: string;
    /** Writes into exactly this folder (a stable path for CI); wins over outRoot. */
    outDir?: string;
    /** An earlier plan.json to diff against. */
    baseline?: BaselinePlan;
    baselineFile?: string;
    /** Extra config (fully-qualified keys) layered over Pulumi.<stack>.yaml, e.g. to try a change. */
    configOverrides?: Record<string, string>;
    /**
     * The application: a checkout of its repository (at the Application's targetRevision) to render and
     * judge, or `skip` (reported as not evaluated). Unset: with `charts` the plan fails (the app could not be
     * rendered); without, the app is "not requested", checked at admission like the Releases.
     */
    app?: AppOption;
    /** SARIF location base of the app's files: `app` (APPROOT, default) or `srcroot` (SARIF for the app repository). */
    sarifAppRoot?: "app" | "srcroot";
    /** Progress sink; the CLI prints a single updating line. */
    progress?: (message: string) => void;
    now?: Date;
    /** Render the pinned charts (a directory of charts, or `helm pull`) and check their objects too. */
    charts?: ChartSource;
}

export type AppOption = { kind: "checkout"; dir: string } | { kind: "skip" };

export interface PlanResult {
    report: Report;
    tree: string[];
    countsByComponent: Record<string, number>;
    chartWorkloads: ChartWorkloads;
    /** The app's objects and their verdicts in this stack, or why they were not evaluated. */
    app?: AppReport;
    written?: { dir: string; json: string; markdown: string; sarif: string; app?: string };
}

/** The top-level component each resource belongs to (the stack's direct child), e.g. `secure-gitops:gcp:GkeCluster/cluster`. */
export function countsByComponent(resources: readonly RecordedResource[]): Record<string, number> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const counts: Record<string, number> = {};
    for (const r of resources) {
        if (r.type === "pulumi:pulumi:Stack" || (r.type.startsWith("pulumi:providers:") && !r.parent)) continue;
        let top = r;
        for (
            let parent = r.parent ? byUrn.get(r.parent) : undefined;
            parent && parent.type !== "pulumi:pulumi:Stack";
            parent = parent.parent ? byUrn.get(parent.parent) : undefined
        )
            top = parent;
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

/** A Secret's payload is masked even when the program did not mark it secret (defence in depth). */
const SECRET_PAYLOADS: Readonly<Record<string, readonly string[]>> = { "kubernetes:core/v1:Secret": ["data", "stringData"] };

export function secretPathsOf(r: RecordedResource): string[] {
    return [...r.secretPaths, ...(SECRET_PAYLOADS[r.type] ?? []).filter((key) => key in r.inputs)];
}

/** Helm Releases are opaque to the pack: Helm renders their workloads in the cluster. */
const OPAQUE_TYPES: Readonly<Record<string, string>> = {
    "kubernetes:helm.sh/v3:Release": "Helm Release: chart workloads are checked at admission (Gatekeeper), not at preview",
    "kubernetes:helm.sh/v4:Chart": "Helm Chart: chart workloads are checked at admission (Gatekeeper), not at preview",
};

/** Why a resource got no rule evaluated (every enabled rule was not applicable). */
function notEvaluatedReason(r: RecordedResource, releaseReasons: ReadonlyMap<string, string>): string {
    if (releaseReasons.has(r.urn)) return releaseReasons.get(r.urn) as string;
    if (OPAQUE_TYPES[r.type]) return OPAQUE_TYPES[r.type];
    if (!r.custom) return "component: not sent to the pack, its children are";
    if (r.type.startsWith("pulumi:providers:")) return "provider: no rule covers provider configuration";
    return "no rule covers this resource type";
}

function namespaceOf(r: RecordedResource): unknown {
    const metadata = (r.inputs as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
    if (!r.type.startsWith("kubernetes:")) return undefined;
    return r.type === "kubernetes:core/v1:Namespace" ? metadata?.name : metadata?.namespace;
}

/**
 * One rule's verdict on one resource from the pack's answer: a diagnostic is a violation, a not-applicable
 * answer is kept as such; otherwise the rule ran. It ran on an exempt namespace (exempt), on values unknown
 * at preview (unknown: the rules never report on them) or on known values (passed).
 */
export function verdictFor(
    rule: Rule,
    resource: RecordedResource,
    answer: AnalyzeResult,
    params: Record<string, unknown> | undefined,
    hasUnknowns: boolean,
): Verdict {
    if (answer.diagnostics.some((d) => d.policyName === rule.id)) return "violation";
    if (answer.notApplicable.some((n) => n.policyName === rule.id)) return "not-applicable";
    if (rule.target === "kubernetes") {
        const namespace = namespaceOf(resource);
        const exempt = Array.isArray(params?.exemptNamespaces) ? (params.exemptNamespaces as unknown[]) : [];
        if (typeof namespace === "string" && exempt.includes(namespace)) return "exempt";
        if (namespace === UNKNOWN_SENTINEL) return "unknown";
    }
    return hasUnknowns ? "unknown" : "passed";
}

/**
 * Every resource a rule skipped because of its namespace, with the reason: the declared exemptions above
 * say what is exempt, these say which objects it was applied to (never silent).
 */
export function appliedNamespaceExemptions(recorded: readonly RecordedResource[], resources: readonly ReportResource[]): Exemption[] {
    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    const exemptions: Exemption[] = [];
    for (const resource of resources) {
        if (!Object.values(resource.verdicts ?? {}).includes("exempt")) continue;
        const source = resource.urn ? byUrn.get(resource.urn) : undefined;
        const namespace = source ? namespaceOf(source) : undefined;
        if (typeof namespace !== "string") continue;
        const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1);
        // A secret namespace is judged by its value and shown as [secret], as in the violations.
        const secret = source?.secretPaths.some((p) => p === "metadata" || p === "metadata.namespace") ?? false;
        const shownNamespace = secret ? REDACTED : namespace;
        const shown = { ...resource, namespace: shownNamespace };
        exemptions.push(
            // Chart objects are already named `<namespace>/<name>`.
            ...namespaceExemptionsOf(
                shown,
                `${kind} ${resource.name.startsWith(`${namespace}/`) ? resource.name : `${shownNamespace}/${resource.name}`}`,
                (ruleId) =>
                    namespaceExemptionReason(
                        ruleId,
                        namespace,
                        `namespace ${shownNamespace} is in exemptNamespaces of the stack's policy config without a declared reason`,
                    ),
            ),
        );
    }
    return exemptions;
}

/** An app section without objects: why the app was not evaluated (never a pass). */
function appNotEvaluated(
    stack: string,
    parsed: StackConfig,
    status: Exclude<AppStatus, "evaluated">,
    reason: string,
    kubeVersion: string,
): AppReport {
    const a = parsed.argocd;
    const s = a.appSource;
    return {
        stack,
        appEnforcement: parsed.policy.appEnforcement,
        source: {
            repoUrl: a.appRepoUrl,
            revision: a.appRevision,
            path: a.appPath,
            type: s.type,
            ...(s.type === "helm" ? { valueFiles: s.valueFiles, parameters: s.parameters, releaseName: s.releaseName } : {}),
        },
        kubeVersion,
        notEvaluated: reason,
        objects: [],
        counts: countVerdicts([]),
        status,
    };
}

/**
 * The app in this stack: rendered from the given checkout and judged by both admission layers; `--app skip`
 * says not evaluated; no checkout although charts are judged fails the plan; no charts and no app is "not
 * requested" (both are then checked at admission only, and the report says so).
 */
async function appSection(
    options: PlanOptions,
    parsed: StackConfig,
    run: ProgramRun,
    podSecurity: ReturnType<typeof namespacePodSecurity>,
    capabilities: ClusterCapabilities,
): Promise<AppReport> {
    const a = parsed.argocd;
    const notEvaluated = (status: Exclude<AppStatus, "evaluated">, reason: string) =>
        appNotEvaluated(options.stack, parsed, status, reason, capabilities.kubeVersion);
    if (!parsed.features.argocd)
        return notEvaluated("not deployed", "Argo CD is disabled in this stack (features.argocd: false): no application is synced");
    if (a.appNamespaces.length === 0)
        return notEvaluated("not deployed", "Argo CD deploys no application in this stack (no appNamespaces)");
    if (options.app?.kind === "skip")
        return notEvaluated("skipped", `not evaluated: --app skip (the application ${a.appRepoUrl} was not rendered on request)`);
    if (!options.app) {
        const checkout = `a checkout of ${a.appRepoUrl} at ${a.appRevision}`;
        return options.charts
            ? notEvaluated(
                  "failed",
                  `the application cannot be rendered: no checkout given (--app <${checkout}>, or --charts <dir> holding it as ${repositoryDirName(a.appRepoUrl)}/; --app skip to plan without it)`,
              )
            : notEvaluated(
                  "not requested",
                  `not rendered (the plan ran without --charts or --app): Argo CD renders it in the cluster, where Gatekeeper and Pod Security Admission check it; give --app <${checkout}> to check it here`,
              );
    }
    options.progress?.("rendering the application as Argo CD will and judging its objects");
    const appPolicyConfig = (run.outputs.appPolicyPackConfig ?? {}) as Record<string, unknown>;
    if (Object.keys(appPolicyConfig).length === 0) throw new Error("the program exported no appPolicyPackConfig output");
    const plan = await planApp({
        stack: options.stack,
        config: a,
        appEnforcement: parsed.policy.appEnforcement,
        appPolicyConfig,
        checkoutDir: options.app.dir,
        capabilities,
        podSecurity,
    });
    return { ...plan, status: plan.notEvaluated ? "failed" : "evaluated" };
}

export async function runPlan(options: PlanOptions): Promise<PlanResult> {
    const progress = options.progress ?? (() => undefined);
    const fromFile = readStackConfigFile(options.stack);
    progress(`running the program for stack ${options.stack} under the in-process engine`);
    const stackConfig = { ...fromFile.config, ...(options.configOverrides ?? {}) };
    const run = await runProgram({ stack: options.stack, config: stackConfig, secretKeys: fromFile.secretKeys });
    const policyConfig = (run.outputs.policyPackConfig ?? {}) as Record<string, Record<string, unknown>>;
    if (Object.keys(policyConfig).length === 0) throw new Error("the program exported no policyPackConfig output");
    // Fails closed before anything is analyzed: unknown rule ids, levels or parameters, wrong types.
    const configProblems = policyConfigProblems(policyConfig, RULES);
    if (configProblems.length > 0) throw new Error(`the stack's policy config is invalid: ${describeProblems(configProblems)}`);

    // The program ran with this config, so it parses; the cluster version and the app come from it.
    const parsed = parseStackConfig(plainConfigSource(stackConfig, fromFile.secretKeys), options.stack);

    // Chart objects join the plan as children of their Release; without charts the Releases stay "not evaluated".
    const chartWorkloads = await renderChartWorkloads(run, { kubeVersion: parsed.kubernetesVersion, source: options.charts, progress });
    const allResources = [...run.resources, ...asRecordedResources(chartWorkloads)];
    // Without --charts the Releases keep the admission reason (OPAQUE_TYPES).
    const releaseReasons = new Map(
        (options.charts ? chartWorkloads.releases : []).map((r) => [
            r.urn,
            r.status === "evaluated"
                ? "Helm Release: rendered (--charts); its objects are evaluated as its children"
                : `Helm Release not evaluated: ${r.reason ?? ""}`,
        ]),
    );
    progress(`${run.resources.length} resources declared, ${chartWorkloads.objects.length} rendered from charts; starting the policy pack`);
    const analyzerResources = [...resourcesFromProgramRun(run), ...analyzerResourcesFor(chartWorkloads)];
    const byUrn = new Map(allResources.map((r) => [r.urn, r]));
    const enabled = RULES.filter((r) => enforcementFromConfig(policyConfig, r.id) !== "disabled");
    let pack: AnalyzerHarness | undefined;
    const violations: Violation[] = [];
    const answers = new Map<string, AnalyzeResult>();
    try {
        pack = await startPolicyPack();
        await pack.configure(policyConfig);
        const toViolation = (
            d: { policyName: string; message: string; enforcementLevel: Enforcement; urn?: string },
            fallback?: AnalyzerResource,
        ): Violation => {
            const recorded = d.urn ? byUrn.get(d.urn) : undefined;
            // The pack's messages are already redacted; the namespace comes from the recorded inputs, where
            // the mock engine unwrapped secrets, so a secret namespace is hidden here.
            const rawNamespace = at(recorded?.inputs, "metadata.namespace");
            const namespaceIsSecret = recorded?.secretPaths.some((p) => p === "metadata" || p === "metadata.namespace") ?? false;
            const namespace = typeof rawNamespace === "string" ? (namespaceIsSecret ? REDACTED : rawNamespace) : undefined;
            return {
                ruleId: d.policyName,
                severity: ruleById(d.policyName).severity,
                enforcement: d.enforcementLevel,
                message: d.message,
                resource: {
                    type: recorded?.type ?? fallback?.type ?? "",
                    name: recorded?.name ?? fallback?.name ?? "",
                    urn: d.urn ?? fallback?.urn,
                    parent: recorded?.parent,
                    namespace,
                },
            };
        };
        for (const [i, resource] of analyzerResources.entries()) {
            if (i % 25 === 0) progress(`analyzing ${i + 1}/${analyzerResources.length}: ${resource.type} ${resource.name}`);
            const answer = await pack.analyzeResponse(resource);
            if (resource.urn) answers.set(resource.urn, answer);
            for (const d of answer.diagnostics) violations.push(toViolation({ ...d, urn: d.urn || resource.urn }, resource));
        }
        progress("analyzing the whole stack");
        for (const d of await pack.analyzeStack(analyzerResources)) violations.push(toViolation(d));
    } finally {
        await pack?.close();
    }

    const resources: ReportResource[] = allResources.map((r) => {
        const resource: ReportResource = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            parent: r.parent,
            inputs: maskSecrets(r.inputs, secretPathsOf(r)),
        };
        const answer = answers.get(r.urn);
        if (!answer) {
            resource.evaluation = { evaluated: false, reason: notEvaluatedReason(r, releaseReasons) };
            return resource;
        }
        const hasUnknowns = containsUnknown(r.inputs);
        const verdicts: Record<string, Verdict> = {};
        for (const rule of enabled) verdicts[rule.id] = verdictFor(rule, r, answer, policyConfig[rule.id], hasUnknowns);
        resource.verdicts = verdicts;
        const ran = Object.values(verdicts).filter((v) => v !== "not-applicable");
        if (ran.length === 0) resource.evaluation = { evaluated: false, reason: notEvaluatedReason(r, releaseReasons) };
        else if (ran.every((v) => v === "unknown"))
            resource.evaluation = { evaluated: false, reason: "values unknown at preview: the rules that apply could not decide" };
        else resource.evaluation = { evaluated: true };
        return resource;
    });
    const enforcement = (r: Rule): Enforcement => enforcementFromConfig(policyConfig, r.id);
    const packRules = new Map<string, Set<string>>();
    for (const v of violations)
        if (v.resource.urn) packRules.set(v.resource.urn, new Set([...(packRules.get(v.resource.urn) ?? []), v.ruleId]));
    const enabledKubernetes = new Set(enabled.filter((r) => r.target === "kubernetes").map((r) => r.id));

    // Kubernetes' own Pod Security Admission, the second admission layer: every rendered pod and pod template
    // against its namespace's labels as the program declares them.
    const podSecurity = namespacePodSecurity(run);
    const chartPodSecurity = new Map<string, string>();
    for (const o of chartWorkloads.objects) {
        const namespace = o.object.metadata?.namespace;
        const verdict = typeof namespace === "string" ? judgePodSecurity(o.object, namespace, podSecurity) : undefined;
        if (!verdict) continue;
        chartPodSecurity.set(o.urn, verdict.summary);
        const recorded = byUrn.get(o.urn);
        violations.push(...podSecurityViolations(verdict, { type: o.type, name: o.name, urn: o.urn, parent: recorded?.parent, namespace }));
    }

    const app = await appSection(options, parsed, run, podSecurity, clusterCapabilities(parsed.kubernetesVersion, run, chartWorkloads));
    violations.push(...appViolations(app));
    const report: Report = {
        formatVersion: REPORT_FORMAT_VERSION,
        tool: "plan",
        generatedAt: (options.now ?? new Date()).toISOString(),
        stack: options.stack,
        inputs: [`Pulumi.${options.stack}.yaml`],
        resources,
        violations: violations.sort(compareViolations),
        compliance: scoreCompliance(RULES, enforcement, coverageFrom(resources, violations)),
        rules: enabled.map((r) => ({ id: r.id, enforcement: enforcement(r) })),
        exemptions: [
            ...planExemptions(enabled.filter((r) => r.target === "kubernetes").map((r) => r.id)),
            ...appliedNamespaceExemptions(allResources, resources),
        ],
        charts: chartsSection(chartWorkloads, packRules, disagreements(chartWorkloads, packRules, enabledKubernetes), chartPodSecurity),
        app,
    };
    const counts = countsByComponent(allResources);
    const result: PlanResult = { report, tree: resourceTree(allResources), countsByComponent: counts, chartWorkloads, app };
    if (options.baseline) report.diff = diffPlans(options.baseline, report, options.baselineFile);
    if (options.outDir || options.outRoot) {
        result.written = writeReport(report, RULES, {
            dir: options.outDir ?? path.join(options.outRoot as string, `${options.stack}-${timestampForPath(report.generatedAt)}`),
            defaultArtifact: `Pulumi.${options.stack}.yaml`,
            countsByComponent: counts,
            sarifAppRoot: options.sarifAppRoot,
        });
        if (result.app?.status === "evaluated" || result.app?.status === "failed") {
            const appFile = path.join(result.written.dir, "app.json");
            fs.writeFileSync(appFile, JSON.stringify(result.app, null, 2));
            result.written.app = appFile;
        }
    }
    return result;
}

function printPlan(result: PlanResult): void {
    const { report } = result;
    console.log(`\nResource tree (${report.resources.length} resources, project ${PROJECT_NAME}, stack ${report.stack}):`);
    for (const line of result.tree) console.log(`  ${line}`);
    console.log("\nResources per component:");
    for (const [component, count] of Object.entries(result.countsByComponent).sort())
        console.log(`  ${String(count).padStart(4)}  ${component}`);
    const opaque = report.resources.filter((r) => r.evaluation && !r.evaluation.evaluated);
    console.log(
        `\nEvaluated by the pack: ${report.resources.length - opaque.length} of ${report.resources.length} resources. Not evaluated:`,
    );
    for (const group of groupUnevaluated(report.resources)) {
        const types = group.types.slice(0, 12).join(", ") + (group.types.length > 12 ? ` and ${group.types.length - 12} more` : "");
        console.log(`  ${String(group.count).padStart(4)}  ${group.reason}: ${types}`);
    }
    const exempted = exemptionCounts(report);
    console.log(`\nExempted (${exempted.objects} resource(s), ${exempted.rules} rule check(s) not applied):`);
    for (const e of report.exemptions)
        if (e.resource && e.scope !== "object") console.log(`  ${e.scope.padEnd(9)} ${e.target} [${e.rules.join(", ")}]: ${e.reason}`);
    console.log(`\nViolations (${report.violations.length}):`);
    for (const v of report.violations) {
        console.log(
            `  ${v.enforcement.toUpperCase().padEnd(9)} ${v.severity.padEnd(8)} [${v.ruleId}] ${v.resource.type} ${v.resource.name}: ${v.message}`,
        );
    }
    printCharts(report.charts);
    console.log("\nCompliance by framework (controls passed/total; failing controls, critical first; not evaluated is never a pass):");
    for (const s of report.compliance) {
        const failing = s.failing.map((f) => `${f.control}(${f.severity}${f.mandatory ? ", mandatory" : ""})`).join(" ");
        const unevaluated = s.notEvaluated.length > 0 ? ` not evaluated: ${s.notEvaluated.map((c) => c.control).join(" ")}` : "";
        console.log(`  ${s.framework.padEnd(15)} ${scoreSummary(s).padEnd(26)} ${failing}${unevaluated}`);
    }
    const diff = report.diff;
    if (diff) {
        console.log(
            `\nAgainst the baseline of ${diff.baseline.generatedAt}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed; ${diff.newViolations.length} new, ${diff.fixedViolations.length} fixed violation(s)`,
        );
        for (const r of diff.added) console.log(`  + ${r.type} ${r.name}`);
        for (const r of diff.removed) console.log(`  - ${r.type} ${r.name}`);
        for (const r of diff.changed) {
            console.log(`  ~ ${r.type} ${r.name}`);
            for (const c of r.changes) console.log(`      ${c.path}: ${c.before ?? "(absent)"} -> ${c.after ?? "(absent)"}`);
            if (r.moreChanges > 0) console.log(`      ... ${r.moreChanges} more change(s) in plan.json`);
        }
        for (const v of diff.newViolations) console.log(`  NEW   [${v.ruleId}] ${v.urn}: ${v.message}`);
        for (const v of diff.fixedViolations) console.log(`  FIXED [${v.ruleId}] ${v.urn}: ${v.message}`);
    }
    if (result.app) {
        console.log("\nThe application in this stack (rendered as Argo CD will sync it):");
        for (const line of appPlanLines(result.app)) console.log(`  ${line}`);
    }
}

export const PLAN_USAGE = `usage: npm run plan -- --stack <dev|staging|prod> [options]

Runs the program for the stack under the in-process engine (no cloud, no Pulumi CLI), sends every resource
through the policy pack and writes plan.json, plan.md and plan.sarif.

  --stack <name>        the stack (Pulumi.<name>.yaml); required
  --out <dir>           write the reports into exactly this folder (stable path for CI)
  --out-root <dir>      write them into <dir>/<stack>-<timestamp>/ (default: plan-output)
  --baseline <file>     an earlier plan.json: report added, removed and changed resources, new and fixed violations
  --set <key=value>     a config value layered over the stack file (repeatable), e.g. --set features='{"falco":false}'
  --charts <dir>|pull   render every pinned Helm Release (<dir>/<chart>-<version>.tgz or <dir>/<chart>/, or helm pull
                        of the pinned repo/chart/version) and judge its objects with the pack, gator and Pod Security
                        Admission; the app must then be rendered too (--app, or <dir>/<repository name>/)
  --app <dir>|skip      render the app from this checkout of its repository (at the Application's targetRevision)
                        as Argo CD will, and judge each object under Gatekeeper and Pod Security Admission (refused
                        or denied objects fail the plan, exit 1; a source that cannot be rendered, exit 2);
                        "skip" plans without it (reported as not evaluated)
  --app-sarif-root app|srcroot
                        where plan.sarif locates the app's files: under APPROOT, the app repository at its commit
                        (default), or %SRCROOT% (the SARIF goes to the app repository's own code scanning)
  -h, --help            this help

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 usage or input error, or the program or pack failed.`;

/** `<charts dir>/<repository name>` when it exists: the app's checkout beside the platform charts. */
function appCheckoutIn(chartsDir: string, stack: string, overrides: Record<string, string>): AppOption | undefined {
    const fromFile = readStackConfigFile(stack);
    let repoUrl: string;
    try {
        repoUrl = parseStackConfig(plainConfigSource({ ...fromFile.config, ...overrides }, fromFile.secretKeys), stack).argocd.appRepoUrl;
    } catch {
        return undefined; // the program reports the config problem itself
    }
    const dir = path.join(chartsDir, repositoryDirName(repoUrl));
    return repoUrl !== "" && fs.existsSync(dir) && fs.statSync(dir).isDirectory()
        ? { kind: "checkout", dir: path.resolve(dir) }
        : undefined;
}

/** A usage or input error: one line, exit 2. */
class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
    let values: {
        stack?: string;
        out?: string;
        "out-root"?: string;
        baseline?: string;
        set?: string[];
        charts?: string;
        app?: string;
        "app-sarif-root"?: string;
        help?: boolean;
    };
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                out: { type: "string" },
                "out-root": { type: "string" },
                baseline: { type: "string" },
                set: { type: "string", multiple: true },
                charts: { type: "string" },
                app: { type: "string" },
                "app-sarif-root": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        }).values;
    } catch (error) {
        console.error(`plan: ${error instanceof Error ? error.message : String(error)} (see --help)`);
        return 2;
    }
    if (values.help) {
        console.log(PLAN_USAGE);
        return 0;
    }
    const interactive = process.stderr.isTTY;
    let pullDir: string | undefined;
    try {
        if (!values.stack) throw new UsageError("--stack is required (dev, staging or prod; see --help)");
        if (!fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${values.stack}.yaml`)))
            throw new UsageError(`--stack ${values.stack}: no Pulumi.${values.stack}.yaml`);
        if (values.out && values["out-root"])
            throw new UsageError("--out and --out-root are exclusive: --out is the exact folder, --out-root gets a timestamped one");
        const overrides: Record<string, string> = {};
        for (const pair of values.set ?? []) {
            const eq = pair.indexOf("=");
            if (eq < 1) throw new UsageError(`--set expects key=value, got "${pair}"`);
            const key = pair.slice(0, eq);
            overrides[key.includes(":") ? key : `${PROJECT_NAME}:${key}`] = pair.slice(eq + 1);
        }
        let charts: ChartSource | undefined;
        try {
            charts =
                values.charts === undefined
                    ? undefined
                    : chartSourceFromFlag(values.charts, () => (pullDir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-charts-"))));
        } catch (error) {
            throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        let app: AppOption | undefined;
        if (values.app === "skip") app = { kind: "skip" };
        else if (values.app !== undefined) {
            if (!fs.existsSync(values.app) || !fs.statSync(values.app).isDirectory())
                throw new UsageError(`--app: "${values.app}" is not a directory (give a checkout of the app repository, or "skip")`);
            app = { kind: "checkout", dir: path.resolve(values.app) };
        }
        const sarifAppRoot = values["app-sarif-root"];
        if (sarifAppRoot !== undefined && sarifAppRoot !== "app" && sarifAppRoot !== "srcroot")
            throw new UsageError(`--app-sarif-root: "${sarifAppRoot}" is not app or srcroot`);
        const baseline = values.baseline ? readBaseline(values.baseline) : undefined;
        if (baseline && baseline.stack !== values.stack)
            throw new UsageError(`--baseline ${values.baseline} is a plan of stack ${String(baseline.stack)}, not ${values.stack}`);
        const progress = (message: string): void => {
            if (interactive) process.stderr.write(`\r\x1b[2K[plan] ${message}`);
            else process.stderr.write(`[plan] ${message}\n`);
        };
        const result = await runPlan({
            stack: values.stack,
            ...(values.out ? { outDir: path.resolve(values.out) } : { outRoot: path.resolve(values["out-root"] ?? "plan-output") }),
            configOverrides: overrides,
            baseline,
            baselineFile: values.baseline,
            // Without --app, a charts directory may hold the app's checkout under its repository name.
            app: app ?? (charts?.kind === "dir" ? appCheckoutIn(charts.dir, values.stack, overrides) : undefined),
            sarifAppRoot,
            progress,
            charts,
        });
        if (interactive) process.stderr.write("\n");
        printPlan(result);
        const disagreeing = result.report.charts?.disagreements.length ?? 0;
        if (disagreeing > 0) {
            console.error(
                `plan failed: the pack and Gatekeeper disagree on ${disagreeing} verdict(s) of chart objects (a defect in a rule's TypeScript or CEL form)`,
            );
            return 2;
        }
        const mandatory = mandatoryViolations(result.report).length;
        // Refused (AppProject) or denied (Gatekeeper or Pod Security Admission) app objects fail the plan.
        const appBlocking = result.app ? blockingObjects(result.app).length : 0;
        const appFailed = result.app?.status === "failed";
        const appNote = !result.app
            ? ""
            : result.app.status === "evaluated"
              ? `, ${appBlocking} app object(s) refused or denied`
              : `, app NOT evaluated (${result.app.status})`;
        const failed = mandatory > 0 || appBlocking > 0 || appFailed;
        const verdict = failed ? "FAILED" : result.report.rules.length === 0 ? "NOT EVALUATED (every rule is disabled)" : "OK";
        console.log(
            `\n${verdict}: ${mandatory} mandatory, ${result.report.violations.length - mandatory} other violation(s), ${exemptionCounts(result.report).objects} resource(s) exempted${appNote}. Reports in ${result.written?.dir}`,
        );
        if (appFailed) {
            console.error(`plan failed: ${result.app?.notEvaluated ?? "the application could not be rendered"}`);
            return 2;
        }
        return failed ? 1 : 0;
    } catch (error) {
        if (interactive) process.stderr.write("\n");
        const message = error instanceof Error ? error.message : String(error);
        console.error(error instanceof UsageError || message.startsWith("--baseline") ? `plan: ${message}` : `plan failed: ${message}`);
        return 2;
    } finally {
        if (pullDir) fs.rmSync(pullDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(`plan failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(2);
        },
    );
}
