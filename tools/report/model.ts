// The shared result model of the offline plan and the manifest check, and the compliance scoring both print.
import { Enforcement, Framework, FRAMEWORKS, Rule, Severity } from "../../policy-pack/catalogue";

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
}

export interface Violation {
    ruleId: string;
    severity: Severity;
    enforcement: Enforcement;
    message: string;
    resource: ReportResource;
}

export interface FailingControl {
    framework: Framework;
    control: string;
    /** The worst severity among the rules that failed this control. */
    severity: Severity;
    mandatory: boolean;
    rules: string[];
}

export interface FrameworkScore {
    framework: Framework;
    passed: number;
    total: number;
    failing: FailingControl[];
}

export interface Report {
    tool: "plan" | "check";
    generatedAt: string;
    stack?: string;
    inputs: string[];
    resources: ReportResource[];
    violations: Violation[];
    compliance: FrameworkScore[];
    /** Rules that were evaluated (enabled). */
    rules: { id: string; enforcement: Enforcement }[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Mandatory violations decide the exit code. */
export function mandatoryViolations(report: Report): Violation[] {
    return report.violations.filter((v) => v.enforcement === "mandatory");
}

/**
 * Scores each framework over the controls the enabled rules map to: a control passes when none of its
 * rules has a violation. Failing controls are ordered critical first.
 */
export function scoreCompliance(rules: readonly Rule[], enforcement: (rule: Rule) => Enforcement, violations: readonly Violation[]): FrameworkScore[] {
    const violated = new Map<string, Violation[]>();
    for (const v of violations) violated.set(v.ruleId, [...(violated.get(v.ruleId) ?? []), v]);
    return FRAMEWORKS.map((framework) => {
        const controls = new Map<string, Rule[]>();
        for (const rule of rules) {
            if (enforcement(rule) === "disabled") continue;
            for (const mapping of rule.frameworks.filter((f) => f.framework === framework)) {
                controls.set(mapping.control, [...(controls.get(mapping.control) ?? []), rule]);
            }
        }
        const failing: FailingControl[] = [];
        for (const [control, controlRules] of controls) {
            const failed = controlRules.filter((r) => violated.has(r.id));
            if (failed.length === 0) continue;
            const severity = failed.map((r) => r.severity).sort((a, b) => SEVERITY_ORDER[a] - SEVERITY_ORDER[b])[0];
            const mandatory = failed.some((r) => (violated.get(r.id) ?? []).some((v) => v.enforcement === "mandatory"));
            failing.push({ framework, control, severity, mandatory, rules: failed.map((r) => r.id).sort() });
        }
        failing.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || Number(b.mandatory) - Number(a.mandatory) || a.control.localeCompare(b.control, undefined, { numeric: true }));
        return { framework, passed: controls.size - failing.length, total: controls.size, failing };
    });
}
