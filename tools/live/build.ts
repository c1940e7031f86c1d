// Builds the live compliance report from what the sources read: per framework control, the evidence of the
// preview (the plan of the deployed commit, when given), of admission (Gatekeeper's audit) and of runtime
// (Trivy's compliance reports) side by side, each scored by the one scorer (model.ts `scoreOutcomes`), and
// their combination: a control fails when any stage fails, passes when a stage passed and none failed, and is
// otherwise not evaluated with each stage's reason.
import * as fs from "fs";
import { Enforcement, Framework, FRAMEWORKS, Rule, RULES, ruleById, Severity } from "../../policy-pack/catalogue";
import { isRecord } from "../../policy-pack/catalogue/workloads";
import { BaselinePlan, diffPlans, readBaseline } from "../report/diff";
import { planExemptions } from "../report/exemptions";
import {
    catalogueControls,
    compareViolations,
    ConstraintEvidence,
    ControlEvidence,
    ControlOutcome,
    FrameworkScore,
    LiveSection,
    LiveSource,
    outcomesOf,
    Report,
    REPORT_FORMAT_VERSION,
    ReportResource,
    RuleCoverage,
    ruleOutcomes,
    scoreOutcomes,
    SEVERITY_ORDER,
    Stage,
    TrivyLevel,
    Trends,
    Violation,
} from "../report/model";
import { GatekeeperEvidence, RuntimeEvidence, TrivyEvidence } from "./sources";

export const REPORT_KINDS = ["daily", "weekly", "monthly", "on-demand"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The plan of the deployed commit: its per-framework scores are the preview evidence. */
export interface PreviewEvidence {
    file: string;
    generatedAt: string;
    stack?: string;
    compliance: FrameworkScore[];
}

/** Reads a plan.json (`--plan`); throws a one-line Error when it cannot be used. */
export function readPreview(file: string): PreviewEvidence {
    const plan = readBaseline(file, "plan");
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    const compliance = isRecord(parsed) && Array.isArray(parsed.compliance) ? (parsed.compliance as unknown[]) : [];
    const scores = compliance.filter(
        (s): s is FrameworkScore =>
            isRecord(s) &&
            typeof s.framework === "string" &&
            Array.isArray(s.failing) &&
            Array.isArray(s.notEvaluated) &&
            typeof s.passed === "number",
    );
    if (scores.length === 0) throw new Error(`--plan ${file}: no compliance section`);
    return { file, generatedAt: plan.generatedAt, stack: plan.stack, compliance: scores };
}

export interface LiveInputs {
    stack: string;
    kind: ReportKind;
    now: Date;
    cluster: string;
    auth: string;
    /** Each rule's declared level in this stack (the program's policy config). */
    enforcement: (rule: Rule) => Enforcement;
    gatekeeper: GatekeeperEvidence;
    trivy: TrivyEvidence;
    runtime: RuntimeEvidence;
    preview?: PreviewEvidence;
    baseline?: { report: BaselinePlan; file?: string };
    violationsCap: number;
}

const ACTION_ENFORCEMENT: Readonly<Record<string, Enforcement>> = { deny: "mandatory", warn: "advisory", dryrun: "advisory" };
const TRIVY_SEVERITY: Readonly<Record<TrivyLevel, Severity>> = {
    CRITICAL: "critical",
    HIGH: "high",
    MEDIUM: "medium",
    LOW: "low",
    UNKNOWN: "low",
};

const urnOf = (group: string, kind: string, namespace: string | undefined, name: string): string =>
    `k8s://${group ? `${group}/` : ""}${kind}/${namespace ? `${namespace}/` : ""}${name}`;

/** Admission: Gatekeeper's violations of fresh audits as the report's violations, and each rule's coverage. */
function admissionEvidence(gatekeeper: GatekeeperEvidence): { violations: Violation[]; coverage: Map<string, RuleCoverage> } {
    const coverage = new Map<string, RuleCoverage>();
    const entry = (id: string): RuleCoverage => {
        let c = coverage.get(id);
        if (!c) coverage.set(id, (c = { evaluated: 0, violations: [] }));
        return c;
    };
    const fresh = new Set(gatekeeper.constraints.filter((c) => c.status === "evaluated").map((c) => `${c.kind}/${c.name}`));
    const violations: Violation[] = [];
    for (const v of gatekeeper.violations) {
        if (!v.ruleId || !fresh.has(`${v.kind}/${v.constraint}`)) continue;
        const violation: Violation = {
            ruleId: v.ruleId,
            severity: ruleById(v.ruleId).severity,
            enforcement: ACTION_ENFORCEMENT[v.enforcementAction] ?? "advisory",
            message: v.message,
            resource: {
                type: [v.object.group || "core", v.object.version, v.object.kind].join("/"),
                name: v.object.name,
                urn: urnOf(v.object.group, v.object.kind, v.object.namespace, v.object.name),
                ...(v.object.namespace ? { namespace: v.object.namespace } : {}),
            },
        };
        violations.push(violation);
        entry(v.ruleId).violations.push(violation);
    }
    for (const c of gatekeeper.constraints) {
        if (!c.ruleId || c.status !== "evaluated") continue;
        entry(c.ruleId).evaluated++;
        // Violations counted but none listed (a limit of 0): still a failure, said so.
        if (c.totalViolations > 0 && c.listedViolations === 0) {
            const violation: Violation = {
                ruleId: c.ruleId,
                severity: ruleById(c.ruleId).severity,
                enforcement: ACTION_ENFORCEMENT[c.enforcementAction] ?? "advisory",
                message: `${c.totalViolations} violation(s) counted by the audit, none listed by Gatekeeper`,
                resource: {
                    type: `constraints.gatekeeper.sh/${c.kind}`,
                    name: c.name,
                    urn: urnOf("constraints.gatekeeper.sh", c.kind, undefined, c.name),
                },
            };
            violations.push(violation);
            entry(c.ruleId).violations.push(violation);
        }
    }
    return { violations, coverage };
}

/** Runtime: Trivy's compliance controls whose ids are the framework's own (k8s-cis -> CIS Kubernetes). */
function runtimeOutcomes(framework: Framework, controls: Map<string, Rule[]>, inputs: LiveInputs): Map<string, ControlOutcome> {
    const out = new Map<string, ControlOutcome>();
    const specs = inputs.trivy.specs.filter((s) => s.framework === framework);
    const specSource = inputs.trivy.sources.find((s) => s.id === "trivy:clustercompliancereports");
    for (const [control, rules] of controls) {
        const ids = rules.map((r) => r.id).sort();
        const matches = specs.flatMap((s) => s.controls.filter((c) => c.id === control));
        if (matches.length === 0) {
            const why =
                specs.length > 0 || framework !== "CIS-Kubernetes"
                    ? "no runtime source maps to this control"
                    : `the Trivy CIS compliance report is not evaluated (${specSource?.reason ?? "no k8s-cis report"})`;
            out.set(control, { control, status: "not evaluated", rules: ids, reason: why });
            continue;
        }
        const failed = matches.filter((c) => c.totalFail > 0);
        if (failed.length > 0) {
            const severity = failed.map((c) => TRIVY_SEVERITY[c.severity]).sort((a, b) => SEVERITY_ORDER[a] - SEVERITY_ORDER[b])[0];
            out.set(control, { control, status: "failing", severity, mandatory: false, rules: ids });
        } else out.set(control, { control, status: "passed", rules: ids });
    }
    return out;
}

/** The combination of the stages: failing wins, then passed; not evaluated only when no stage has evidence. */
export function combineOutcomes(control: string, stages: Record<Stage, ControlOutcome>): ControlOutcome {
    const all = Object.values(stages);
    const failing = all.filter((o) => o.status === "failing");
    const rules = [...new Set(all.flatMap((o) => o.rules))].sort();
    if (failing.length > 0) {
        const severity = failing.map((o) => o.severity ?? "low").sort((a, b) => SEVERITY_ORDER[a] - SEVERITY_ORDER[b])[0];
        return { control, status: "failing", severity, mandatory: failing.some((o) => o.mandatory === true), rules };
    }
    if (all.some((o) => o.status === "passed")) return { control, status: "passed", rules };
    const reason = (Object.entries(stages) as [Stage, ControlOutcome][])
        .map(([stage, o]) => `${stage}: ${o.reason ?? "not evaluated"}`)
        .join("; ");
    return { control, status: "not evaluated", rules, reason };
}

function trendsOf(
    baseline: BaselinePlan,
    file: string | undefined,
    compliance: FrameworkScore[],
    sources: LiveSource[],
    constraints: ConstraintEvidence[],
): Trends {
    const before = new Map((baseline.compliance ?? []).map((s) => [s.framework, s]));
    const beforeSources = new Map((baseline.live?.sources ?? []).map((s) => [s.id, s]));
    const stale = (s: { status: string; reason?: string } | undefined): boolean =>
        s?.status === "not evaluated" && (s.reason ?? "").startsWith("stale");
    const beforeConstraints = new Map((baseline.live?.constraints ?? []).map((c) => [`${c.kind}/${c.name}`, c]));
    return {
        baseline: { generatedAt: baseline.generatedAt, ...(file ? { file } : {}) },
        scores: compliance.map((s) => {
            const old = before.get(s.framework);
            return {
                framework: s.framework,
                passedBefore: old?.passed ?? 0,
                passedNow: s.passed,
                failingBefore: old?.failing.length ?? 0,
                failingNow: s.failing.length,
                totalBefore: old?.total ?? 0,
                totalNow: s.total,
            };
        }),
        newlyStale: [
            ...sources.filter((s) => stale(s) && !stale(beforeSources.get(s.id))).map((s) => s.id),
            ...constraints
                .filter((c) => stale(c) && !stale(beforeConstraints.get(`${c.kind}/${c.name}`)))
                .map((c) => `constraint ${c.kind}/${c.name}`),
        ],
        newlyNotEvaluated: sources
            .filter((s) => s.status === "not evaluated" && beforeSources.get(s.id)?.status === "evaluated")
            .map((s) => s.id),
        recovered: sources.filter((s) => s.status === "evaluated" && beforeSources.get(s.id)?.status === "not evaluated").map((s) => s.id),
    };
}

export function buildLiveReport(inputs: LiveInputs): Report {
    const { gatekeeper, trivy, runtime } = inputs;
    const previewSource: LiveSource = inputs.preview
        ? {
              id: "plan",
              title: `Offline plan (${inputs.preview.file})`,
              stage: "preview",
              status: "evaluated",
              objects: 1,
              notes: [`generated ${inputs.preview.generatedAt}`],
          }
        : {
              id: "plan",
              title: "Offline plan of the deployed commit",
              stage: "preview",
              status: "not evaluated",
              reason: "not given (--plan <plan.json>)",
              objects: 0,
              notes: [],
          };
    const sources = [previewSource, gatekeeper.source, ...trivy.sources, runtime.source];
    const admission = admissionEvidence(gatekeeper);
    const admissionReason =
        gatekeeper.source.status === "not evaluated"
            ? `Gatekeeper audit not evaluated (${gatekeeper.source.reason ?? ""})`
            : "no fresh Gatekeeper audit of its rules (GCP rules are judged at preview only)";

    const controls: ControlEvidence[] = [];
    const stageScores: Record<Stage, FrameworkScore[]> = { preview: [], admission: [], runtime: [] };
    const compliance: FrameworkScore[] = [];
    const constraintsByRule = new Map<string, string[]>();
    for (const c of gatekeeper.constraints)
        if (c.ruleId)
            constraintsByRule.set(c.ruleId, [...(constraintsByRule.get(c.ruleId) ?? []), `constraints.gatekeeper.sh/${c.kind}/${c.name}`]);
    for (const framework of FRAMEWORKS) {
        const catalogue = catalogueControls(RULES, framework);
        const ids = [...catalogue.keys()];
        const planScore = inputs.preview?.compliance.find((s) => s.framework === framework);
        const preview = planScore
            ? outcomesOf(planScore, ids)
            : new Map(
                  [...catalogue].map(([control, rules]) => [
                      control,
                      {
                          control,
                          status: "not evaluated" as const,
                          rules: rules.map((r) => r.id).sort(),
                          reason: previewSource.reason ?? "not in the plan",
                      },
                  ]),
              );
        const admissionByControl = new Map(
            ruleOutcomes(RULES, framework, inputs.enforcement, admission.coverage, admissionReason).map((o) => [o.control, o]),
        );
        const runtime = runtimeOutcomes(framework, catalogue, inputs);
        const combined: ControlOutcome[] = [];
        for (const [control, rules] of catalogue) {
            const stages = {
                preview: preview.get(control),
                admission: admissionByControl.get(control),
                runtime: runtime.get(control),
            } as Record<Stage, ControlOutcome>;
            const both = combineOutcomes(control, stages);
            combined.push(both);
            const links = [
                ...rules.flatMap((r) => constraintsByRule.get(r.id) ?? []),
                ...trivy.specs
                    .filter((s) => s.framework === framework && s.controls.some((c) => c.id === control))
                    .map((s) => `aquasecurity.github.io/ClusterComplianceReport/${s.name}#${control}`),
            ];
            controls.push({ framework, control, ...stages, combined: both, links });
        }
        stageScores.preview.push(scoreOutcomes(framework, [...preview.values()]));
        stageScores.admission.push(scoreOutcomes(framework, [...admissionByControl.values()]));
        stageScores.runtime.push(scoreOutcomes(framework, [...runtime.values()]));
        compliance.push(scoreOutcomes(framework, combined));
    }

    const resources: ReportResource[] = [
        ...gatekeeper.constraints.map((c): ReportResource => ({
            type: `constraints.gatekeeper.sh/${c.kind}`,
            name: c.name,
            urn: urnOf("constraints.gatekeeper.sh", c.kind, undefined, c.name),
            inputs: {
                enforcementAction: c.enforcementAction,
                totalViolations: c.totalViolations,
                ...(c.ruleId ? { ruleId: c.ruleId } : {}),
            },
            evaluation: c.status === "evaluated" ? { evaluated: true } : { evaluated: false, reason: c.reason ?? "not evaluated" },
        })),
        ...trivy.objects.map((o): ReportResource => ({
            type: `aquasecurity.github.io/${o.kind}`,
            name: o.name,
            urn: urnOf("aquasecurity.github.io", o.kind, o.namespace, o.name),
            ...(o.namespace ? { namespace: o.namespace } : {}),
            inputs: { counts: o.counts },
            evaluation: { evaluated: true },
        })),
    ];
    const live: LiveSection = {
        kind: inputs.kind,
        cluster: inputs.cluster,
        auth: inputs.auth,
        sources,
        constraints: gatekeeper.constraints,
        violationsCap: inputs.violationsCap,
        trivy: trivy.kinds,
        complianceSpecs: trivy.specs,
        ...(runtime.summary ? { runtimeEvents: runtime.summary } : {}),
        stageScores,
        controls,
    };
    const enabled = RULES.filter((r) => inputs.enforcement(r) !== "disabled");
    const report: Report = {
        formatVersion: REPORT_FORMAT_VERSION,
        tool: "report",
        generatedAt: inputs.now.toISOString(),
        stack: inputs.stack,
        inputs: [inputs.cluster, ...(inputs.preview ? [inputs.preview.file] : [])],
        resources,
        violations: admission.violations.sort(compareViolations),
        compliance,
        rules: enabled.map((r) => ({ id: r.id, enforcement: inputs.enforcement(r) })),
        exemptions: planExemptions(enabled.filter((r) => r.target === "kubernetes").map((r) => r.id)),
        live,
    };
    if (inputs.baseline) {
        report.diff = diffPlans(inputs.baseline.report, report, inputs.baseline.file);
        live.trends = trendsOf(inputs.baseline.report, inputs.baseline.file, compliance, sources, gatekeeper.constraints);
    }
    return report;
}
