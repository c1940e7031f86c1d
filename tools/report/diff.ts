// Compares two offline plans (plan.json): added, removed and changed resources with property-level
// changes, new and fixed violations. The PR workflow runs the plan of the base branch and diffs against it.
import * as fs from "fs";
import { isRecord } from "../../policy-pack/catalogue/workloads";
import { ChangedResource, PlanDiff, PropertyChange, REPORT_FORMAT_VERSION, Report, ResourceRef, Violation, ViolationRef } from "./model";

export type { ChangedResource, PlanDiff, PropertyChange, ResourceRef, ViolationRef } from "./model";

/** Per changed resource, at most this many property changes are listed (the count of the rest is kept). */
export const MAX_CHANGES_PER_RESOURCE = 25;
/** A changed value longer than this (as JSON) is cut, saying how long it was. */
const MAX_VALUE_CHARS = 160;

export type BaselinePlan = Pick<Report, "formatVersion" | "tool" | "generatedAt" | "stack" | "resources" | "violations"> &
    Partial<Pick<Report, "compliance" | "live">>;

/** Reads and checks a baseline plan.json; throws an Error with a one-line message when it cannot be used. */
export function readBaseline(file: string, tool: "plan" | "report" = "plan"): BaselinePlan {
    const writer = tool === "plan" ? "a plan.json written by npm run plan" : "a report.json written by npm run report";
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new Error(`--baseline ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new Error(`--baseline ${file}: not JSON; expected ${writer}`);
    }
    if (!isRecord(parsed) || parsed.tool !== tool) throw new Error(`--baseline ${file}: not ${writer} (no "tool": "${tool}")`);
    if (parsed.formatVersion !== REPORT_FORMAT_VERSION) {
        throw new Error(
            `--baseline ${file}: ${tool} format ${JSON.stringify(parsed.formatVersion ?? "1 (no formatVersion)")}, this ${tool} writes ${REPORT_FORMAT_VERSION}; regenerate the baseline with this version`,
        );
    }
    if (!Array.isArray(parsed.resources) || !Array.isArray(parsed.violations) || typeof parsed.generatedAt !== "string") {
        throw new Error(`--baseline ${file}: resources, violations or generatedAt missing`);
    }
    const bad = (parsed.resources as unknown[]).findIndex((r) => !isRecord(r) || typeof r.urn !== "string" || typeof r.type !== "string");
    if (bad >= 0) throw new Error(`--baseline ${file}: resources[${bad}] has no urn or type`);
    return parsed as unknown as BaselinePlan;
}

function show(value: unknown): string {
    const json = JSON.stringify(value) ?? "undefined";
    return json.length <= MAX_VALUE_CHARS ? json : `${json.slice(0, MAX_VALUE_CHARS)}... (${json.length} chars)`;
}

/** Leaf values by path (`spec.containers[0].image`); empty objects and arrays are leaves too. */
export function flatten(value: unknown, at = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value) && value.length > 0) value.forEach((v, i) => flatten(v, `${at}[${i}]`, out));
    else if (isRecord(value) && Object.keys(value).length > 0)
        for (const [k, v] of Object.entries(value)) flatten(v, at ? `${at}.${k}` : k, out);
    else if (at !== "") out.set(at, value); // an empty root has no properties
    return out;
}

export function propertyChanges(before: unknown, after: unknown): PropertyChange[] {
    const a = flatten(before ?? {});
    const b = flatten(after ?? {});
    const changes: PropertyChange[] = [];
    for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
        const had = a.has(path);
        const has = b.has(path);
        if (had && has && JSON.stringify(a.get(path)) === JSON.stringify(b.get(path))) continue;
        changes.push({ path, ...(had ? { before: show(a.get(path)) } : {}), ...(has ? { after: show(b.get(path)) } : {}) });
    }
    return changes;
}

const ref = (r: { urn?: string; type: string; name: string }): ResourceRef => ({ urn: r.urn ?? "", type: r.type, name: r.name });
const violationKey = (v: Violation): string => `${v.ruleId}\u0000${v.resource.urn ?? v.resource.name}\u0000${v.message}`;
const violationRef = (v: Violation): ViolationRef => ({
    ruleId: v.ruleId,
    severity: v.severity,
    enforcement: v.enforcement,
    urn: v.resource.urn ?? v.resource.name,
    message: v.message,
});

export function diffPlans(baseline: BaselinePlan, head: Pick<Report, "resources" | "violations">, file?: string): PlanDiff {
    const before = new Map(baseline.resources.filter((r) => r.urn).map((r) => [r.urn as string, r]));
    const after = new Map(head.resources.filter((r) => r.urn).map((r) => [r.urn as string, r]));
    const changed: ChangedResource[] = [];
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (!old) continue;
        const changes = propertyChanges(old.inputs, r.inputs);
        if (changes.length > 0)
            changed.push({
                ...ref(r),
                changes: changes.slice(0, MAX_CHANGES_PER_RESOURCE),
                moreChanges: Math.max(0, changes.length - MAX_CHANGES_PER_RESOURCE),
            });
    }
    const active = (vs: readonly Violation[]) => vs.filter((v) => !v.suppressed);
    const oldKeys = new Set(active(baseline.violations).map(violationKey));
    const newKeys = new Set(active(head.violations).map(violationKey));
    return {
        baseline: { generatedAt: baseline.generatedAt, stack: baseline.stack, ...(file ? { file } : {}) },
        added: [...after.values()].filter((r) => !before.has(r.urn as string)).map(ref),
        removed: [...before.values()].filter((r) => !after.has(r.urn as string)).map(ref),
        changed,
        newViolations: active(head.violations)
            .filter((v) => !oldKeys.has(violationKey(v)))
            .map(violationRef),
        fixedViolations: active(baseline.violations)
            .filter((v) => !newKeys.has(violationKey(v)))
            .map(violationRef),
    };
}
