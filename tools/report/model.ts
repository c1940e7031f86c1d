// The shared result model of the offline plan and the manifest check, and the compliance scoring both print.
// A report says what it knows: per resource and rule whether the rule was evaluated, and a framework control
// passes only when at least one applicable resource was evaluated for it.
import { Enforcement, Framework, FRAMEWORKS, Rule, Severity } from "../../policy-pack/catalogue";
import type { AppPlan } from "../charts/app-types";

/** Bumped when plan.json changes shape; a `--baseline` from another format is refused. */
export const REPORT_FORMAT_VERSION = 2;

/**
 * A rule's verdict on one resource: `violation`, `passed` (evaluated, nothing found), `not-applicable` (the
 * rule does not cover this type or kind), `exempt` (a declared exemption with its reason), `unknown` (values
 * not known at preview, so the rule could not decide: never counted as a pass).
 */
export type Verdict = "violation" | "passed" | "not-applicable" | "exempt" | "unknown";

export const VERDICTS: readonly Verdict[] = ["violation", "passed", "not-applicable", "exempt", "unknown"];

export interface ReportResource {
    type: string;
    name: string;
    urn?: string;
    /** Parent URN (plan) - the resource tree. */
    parent?: string;
    namespace?: string;
    /** Source file and 1-based line (manifest check). */
    file?: string;
    line?: number;
    /** Inputs as declared, secrets replaced by `[secret]` (plan). */
    inputs?: Record<string, unknown>;
    /** Whether the policy pack could evaluate this resource, and why not. */
    evaluation?: { evaluated: boolean; reason?: string };
    /** Verdict of each enabled rule. */
    verdicts?: Record<string, Verdict>;
    /** `app`: an object of the application repository (plan with the app rendered); `file` is relative to that repository. */
    origin?: "app";
}

export interface Suppression {
    reason: string;
    /** ISO date (YYYY-MM-DD) after which the suppression no longer applies. */
    expires?: string;
    /** Where it was declared, e.g. the annotation key. */
    source: string;
}

export interface Violation {
    ruleId: string;
    severity: Severity;
    enforcement: Enforcement;
    message: string;
    resource: ReportResource;
    /** Field paths the finding(s) point at (one violation per object and rule). */
    fields?: string[];
    /** 1-based line of the first offending field (manifest check). */
    line?: number;
    /** Set when an in-manifest annotation suppresses this violation: reported, never counted. */
    suppressed?: Suppression;
}

/** An exemption the report applied, with the reason it exists. */
export interface Exemption {
    /**
     * `namespace`: the object's namespace is in the rules' `exemptNamespaces` (the platform's declared
     * exemptions, or a policy config); `image`: containers skipped by `exemptImages`; `object`: an in-manifest
     * suppression annotation.
     */
    scope: "namespace" | "image" | "object";
    target: string;
    rules: string[];
    reason: string;
    expires?: string;
    /**
     * The object it was applied to. Absent on a declared exemption listed once for what it covers (the plan's
     * platform exemptions); present on every object an exemption actually skipped, so none is silent.
     */
    resource?: { type: string; name: string; namespace?: string; file?: string; line?: number; urn?: string };
}

export interface FailingControl {
    framework: Framework;
    control: string;
    /** The worst severity among the rules that failed this control. */
    severity: Severity;
    mandatory: boolean;
    rules: string[];
}

export interface UnevaluatedControl {
    framework: Framework;
    control: string;
    rules: string[];
    /** Why no verdict: every rule disabled, or no applicable resource was evaluated. */
    reason: string;
}

export interface FrameworkScore {
    framework: Framework;
    passed: number;
    /** Every control a catalogue rule maps to: passed + failing + not evaluated. */
    total: number;
    failing: FailingControl[];
    notEvaluated: UnevaluatedControl[];
}

// The difference between two plans (tools/report/diff.ts).
export interface PropertyChange {
    path: string;
    /** JSON of the old and new value; absent when the property did not exist on that side. */
    before?: string;
    after?: string;
}

export interface ResourceRef {
    urn: string;
    type: string;
    name: string;
}

export interface ChangedResource extends ResourceRef {
    changes: PropertyChange[];
    /** Changes beyond MAX_CHANGES_PER_RESOURCE (diff.ts), counted not listed. */
    moreChanges: number;
}

export interface ViolationRef {
    ruleId: string;
    severity: string;
    enforcement: string;
    urn: string;
    message: string;
}

export interface PlanDiff {
    baseline: { generatedAt: string; stack?: string; file?: string };
    added: ResourceRef[];
    removed: ResourceRef[];
    changed: ChangedResource[];
    newViolations: ViolationRef[];
    fixedViolations: ViolationRef[];
}

/** A file the check did not read as Kubernetes manifests, and why (Helm chart files, values, kustomization...). */
export interface SkippedFile {
    file: string;
    reason: string;
}

/** Unreadable input (exit 2) or a warning (e.g. an invalid suppression annotation, which is then ignored). */
export interface InputProblem {
    file: string;
    line: number;
    message: string;
    kind: "error" | "warning";
}

/** Chart workloads (plan with --charts): each pinned Release's rendering and every rendered object's verdicts. */
export interface ChartsSection {
    releases: {
        urn: string;
        chart?: string;
        version?: string;
        namespace?: string;
        status: "evaluated" | "not evaluated";
        reason?: string;
        objects: number;
        hooks: number;
        /** Pods an operator creates at runtime: what comes from our values, what the operator decides. */
        operatorWorkloads: { workload: string; fromValues: string[]; operatorDecides: string[] }[];
    }[];
    objects: {
        urn: string;
        release: string;
        kind: string;
        namespace?: string;
        name: string;
        hook: boolean;
        /** Rules the pack reported (any level). */
        pack: string[];
        /** Gatekeeper (gator) verdicts with their enforcementAction; absent when gator did not review the kind. */
        gatekeeper?: { ruleId: string; enforcementAction: string }[];
        /** Pod Security Admission in its namespace as the program labels it (pods and pod templates only). */
        podSecurity?: string;
        /** The chart file it came from (helm's `# Source:`). */
        source?: string;
    }[];
    /** Enabled rules on which the pack and Gatekeeper disagree for an object. */
    disagreements: { urn: string; ruleId: string; pack: boolean; gatekeeper: boolean }[];
}

// The live compliance report (`npm run report`): what runs in the cluster, per source, and per framework control
// the evidence at preview (the plan), at admission (Gatekeeper's audit) and at runtime (Trivy) side by side.

/** The stages evidence comes from. */
export const STAGES = ["preview", "admission", "runtime"] as const;
export type Stage = (typeof STAGES)[number];

/** One source read from the cluster (or given as a file): evaluated, or not evaluated with the reason. */
export interface LiveSource {
    id: string;
    title: string;
    stage: Stage;
    status: "evaluated" | "not evaluated";
    /** Why not evaluated: missing (404), forbidden (401/403), malformed, stale, not given. */
    reason?: string;
    /** Objects read. */
    objects: number;
    /** Limits of this evidence (e.g. Gatekeeper's cap on listed violations, the events' time-to-live). */
    notes: string[];
}

/** A Gatekeeper constraint's audit result. */
export interface ConstraintEvidence {
    kind: string;
    name: string;
    /** The catalogue rule the kind renders (absent for a constraint not from our catalogue). */
    ruleId?: string;
    enforcementAction: string;
    totalViolations: number;
    /** Violations the report lists (Gatekeeper keeps at most --constraint-violations-limit per constraint). */
    listedViolations: number;
    auditTimestamp?: string;
    status: "evaluated" | "not evaluated";
    reason?: string;
}

export const TRIVY_LEVELS = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;
export type TrivyLevel = (typeof TRIVY_LEVELS)[number];

/** One finding of a Trivy report, masked. */
export interface TrivyFinding {
    severity: TrivyLevel;
    id: string;
    title: string;
    /** `<namespace>/<report name>` the finding is in. */
    object: string;
    detail?: string;
}

/** Counts by severity and the worst findings of one Trivy report kind. */
export interface TrivyKindSummary {
    kind: string;
    reports: number;
    counts: Record<TrivyLevel, number>;
    worst: TrivyFinding[];
}

/** A Trivy ClusterComplianceReport (k8s-cis, k8s-nsa, k8s-pss-restricted). */
export interface ComplianceSpecEvidence {
    name: string;
    specId: string;
    title: string;
    version?: string;
    /** The catalogue framework whose control ids Trivy's ids are (CIS Kubernetes for k8s-cis). */
    framework?: Framework;
    passCount: number;
    failCount: number;
    updatedAt?: string;
    controls: { id: string; name: string; severity: TrivyLevel; totalFail: number }[];
}

/** A Falco event Falco Talon acted on, as Talon's Kubernetes Event records it (message masked). */
export interface RuntimeEvent {
    time: string;
    namespace: string;
    pod: string;
    rule: string;
    action: string;
    status: string;
    message: string;
}

export interface RuntimeEventsSummary {
    total: number;
    byRule: { rule: string; count: number }[];
    byAction: { action: string; status: string; count: number }[];
    latest: RuntimeEvent[];
}

/** One framework control: the evidence of each stage side by side, and their combination. */
export interface ControlEvidence {
    framework: Framework;
    control: string;
    preview: ControlOutcome;
    admission: ControlOutcome;
    runtime: ControlOutcome;
    combined: ControlOutcome;
    /** The objects the evidence comes from (constraints, Trivy reports), as `kind/namespace/name`. */
    links: string[];
}

/** Score changes since the previous report of the same kind. */
export interface Trends {
    baseline: { generatedAt: string; file?: string };
    scores: {
        framework: Framework;
        passedBefore: number;
        passedNow: number;
        failingBefore: number;
        failingNow: number;
        totalBefore: number;
        totalNow: number;
    }[];
    newlyStale: string[];
    newlyNotEvaluated: string[];
    recovered: string[];
}

export interface LiveSection {
    /** daily | weekly | monthly | on-demand. */
    kind: string;
    /** The API server's origin (never credentials). */
    cluster: string;
    /** How the reporter authenticated (`client certificate`, `bearer token`, `service account token`). */
    auth: string;
    sources: LiveSource[];
    constraints: ConstraintEvidence[];
    /** Gatekeeper's cap on violations kept in a constraint's status, when the report could tell. */
    violationsCap: number;
    trivy: TrivyKindSummary[];
    complianceSpecs: ComplianceSpecEvidence[];
    runtimeEvents?: RuntimeEventsSummary;
    /** Per stage, the framework scores of that stage alone (same scorer as the combined `compliance`). */
    stageScores: Record<Stage, FrameworkScore[]>;
    controls: ControlEvidence[];
    trends?: Trends;
}

export interface Report {
    formatVersion: number;
    tool: "plan" | "check" | "report";
    generatedAt: string;
    stack?: string;
    inputs: string[];
    resources: ReportResource[];
    violations: Violation[];
    compliance: FrameworkScore[];
    /** Rules that were evaluated (enabled). */
    rules: { id: string; enforcement: Enforcement }[];
    exemptions: Exemption[];
    /** Check only: files not read as manifests, and input problems. */
    skipped?: SkippedFile[];
    problems?: InputProblem[];
    /** Plan only, with `--baseline`: what changed since the baseline plan. */
    diff?: PlanDiff;
    /** Plan only: the pinned Helm Releases and, when charts were rendered, their objects. */
    charts?: ChartsSection;
    /** Plan only: the application as Argo CD syncs it, each object's verdict under both admission layers. */
    app?: AppReport;
    /** Live report only: the cluster's evidence per source, stage and control. */
    live?: LiveSection;
}

/**
 * How the plan dealt with the app: `evaluated` (rendered and judged), `skipped` (`--app skip`: not
 * evaluated, on request), `not requested` (no `--charts`/`--app`: checked at admission, like the Releases),
 * `failed` (it could not be rendered: the plan fails), `not deployed` (Argo CD off or no app namespaces).
 */
export type AppStatus = "evaluated" | "skipped" | "not requested" | "failed" | "not deployed";

export type AppReport = AppPlan & { status: AppStatus };

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Violations that count: not suppressed. */
export function activeViolations(report: Pick<Report, "violations">): Violation[] {
    return report.violations.filter((v) => !v.suppressed);
}

/** Mandatory (unsuppressed) violations decide the default exit code. */
export function mandatoryViolations(report: Pick<Report, "violations">): Violation[] {
    return activeViolations(report).filter((v) => v.enforcement === "mandatory");
}

/** Critical first, then mandatory first, then by place. */
export function compareViolations(a: Violation, b: Violation): number {
    return (
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory") ||
        (a.resource.file ?? "").localeCompare(b.resource.file ?? "") ||
        (a.line ?? a.resource.line ?? 0) - (b.line ?? b.resource.line ?? 0) ||
        (a.resource.urn ?? a.resource.name).localeCompare(b.resource.urn ?? b.resource.name) ||
        a.ruleId.localeCompare(b.ruleId)
    );
}

/** Per rule: how many resources it evaluated (passed or violated) and whether an unsuppressed violation exists. */
export interface RuleCoverage {
    evaluated: number;
    violations: Violation[];
}

export function coverageFrom(resources: readonly ReportResource[], violations: readonly Violation[]): Map<string, RuleCoverage> {
    const coverage = new Map<string, RuleCoverage>();
    const entry = (id: string): RuleCoverage => {
        let c = coverage.get(id);
        if (!c) coverage.set(id, (c = { evaluated: 0, violations: [] }));
        return c;
    };
    for (const r of resources) {
        for (const [id, verdict] of Object.entries(r.verdicts ?? {}))
            if (verdict === "passed" || verdict === "violation") entry(id).evaluated++;
    }
    for (const v of violations) if (!v.suppressed) entry(v.ruleId).violations.push(v);
    return coverage;
}

/** What one piece of evidence (or their combination) says about one framework control. */
export interface ControlOutcome {
    control: string;
    status: ControlStatus;
    rules: string[];
    /** Failing only: the worst severity and whether a mandatory rule failed. */
    severity?: Severity;
    mandatory?: boolean;
    /** Not evaluated only: why. */
    reason?: string;
}

export type ControlStatus = "passed" | "failing" | "not evaluated";

/**
 * The one scorer: a framework's score from its controls' outcomes. Passed counts only controls with evidence
 * that passed; not evaluated is listed and never counted as passed. Failing controls are ordered critical first.
 */
export function scoreOutcomes(framework: Framework, outcomes: readonly ControlOutcome[]): FrameworkScore {
    const failing: FailingControl[] = [];
    const notEvaluated: UnevaluatedControl[] = [];
    let passed = 0;
    for (const o of outcomes) {
        if (o.status === "failing")
            failing.push({ framework, control: o.control, severity: o.severity ?? "low", mandatory: o.mandatory ?? false, rules: o.rules });
        else if (o.status === "passed") passed++;
        else notEvaluated.push({ framework, control: o.control, rules: o.rules, reason: o.reason ?? "not evaluated" });
    }
    failing.sort(
        (a, b) =>
            SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
            Number(b.mandatory) - Number(a.mandatory) ||
            a.control.localeCompare(b.control, undefined, { numeric: true }),
    );
    notEvaluated.sort((a, b) => a.control.localeCompare(b.control, undefined, { numeric: true }));
    return { framework, passed, total: outcomes.length, failing, notEvaluated };
}

/** Every control the catalogue maps to, per framework, with the rules that map to it (catalogue order). */
export function catalogueControls(rules: readonly Rule[], framework: Framework): Map<string, Rule[]> {
    const controls = new Map<string, Rule[]>();
    for (const rule of rules) {
        for (const mapping of rule.frameworks.filter((f) => f.framework === framework)) {
            controls.set(mapping.control, [...(controls.get(mapping.control) ?? []), rule]);
        }
    }
    return controls;
}

/** Per control, from rule coverage: fails on an unsuppressed violation, passes when an enabled rule evaluated something. */
export function ruleOutcomes(
    rules: readonly Rule[],
    framework: Framework,
    enforcement: (rule: Rule) => Enforcement,
    coverage: ReadonlyMap<string, RuleCoverage>,
    notEvaluatedReason = "no applicable resource was evaluated",
): ControlOutcome[] {
    const outcomes: ControlOutcome[] = [];
    for (const [control, controlRules] of catalogueControls(rules, framework)) {
        const enabled = controlRules.filter((r) => enforcement(r) !== "disabled");
        const failed = enabled.filter((r) => (coverage.get(r.id)?.violations.length ?? 0) > 0);
        if (failed.length > 0) {
            const severity = failed.map((r) => r.severity).sort((a, b) => SEVERITY_ORDER[a] - SEVERITY_ORDER[b])[0];
            const mandatory = failed.some((r) => (coverage.get(r.id)?.violations ?? []).some((v) => v.enforcement === "mandatory"));
            outcomes.push({ control, status: "failing", severity, mandatory, rules: failed.map((r) => r.id).sort() });
        } else if (enabled.some((r) => (coverage.get(r.id)?.evaluated ?? 0) > 0)) {
            outcomes.push({ control, status: "passed", rules: enabled.map((r) => r.id).sort() });
        } else {
            const reason = enabled.length === 0 ? "every rule for it is disabled" : notEvaluatedReason;
            outcomes.push({ control, status: "not evaluated", rules: controlRules.map((r) => r.id).sort(), reason });
        }
    }
    return outcomes;
}

/** A score's outcomes again, per control (the inverse of scoreOutcomes for the controls it lists). */
export function outcomesOf(score: FrameworkScore, controls: Iterable<string>): Map<string, ControlOutcome> {
    const out = new Map<string, ControlOutcome>();
    const failing = new Map(score.failing.map((f) => [f.control, f]));
    const unevaluated = new Map(score.notEvaluated.map((c) => [c.control, c]));
    for (const control of controls) {
        const f = failing.get(control);
        const u = unevaluated.get(control);
        out.set(
            control,
            f
                ? { control, status: "failing", severity: f.severity, mandatory: f.mandatory, rules: f.rules }
                : u
                  ? { control, status: "not evaluated", rules: u.rules, reason: u.reason }
                  : { control, status: "passed", rules: [] },
        );
    }
    return out;
}

/**
 * Scores each framework over every control the catalogue maps to. A control fails when one of its enabled
 * rules has an unsuppressed violation; it passes only when at least one of its enabled rules evaluated at
 * least one resource; otherwise it is not evaluated (and never counted as passed). Failing controls are
 * ordered critical first.
 */
export function scoreCompliance(
    rules: readonly Rule[],
    enforcement: (rule: Rule) => Enforcement,
    coverage: ReadonlyMap<string, RuleCoverage>,
): FrameworkScore[] {
    return FRAMEWORKS.map((framework) => scoreOutcomes(framework, ruleOutcomes(rules, framework, enforcement, coverage)));
}

/** `passed/total` with the not-evaluated count, e.g. `12/20 (5 not evaluated)`. */
export function scoreSummary(score: FrameworkScore): string {
    if (score.total === 0) return "no control (no rule evaluated here maps to this framework)";
    return `${score.passed}/${score.total}${score.notEvaluated.length > 0 ? ` (${score.notEvaluated.length} not evaluated)` : ""}`;
}
