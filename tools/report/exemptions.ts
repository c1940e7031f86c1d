// Exemptions applied to objects, so that none is silent: every object a rule skipped because of its
// namespace (or container images) is listed with the exemption's reason, counted in the summary and kept in
// the JSON `exemptions` list, by the manifest check and the plan alike. The reasons are the platform's
// (platform/exemptions.ts); an exemption a policy config adds without a platform reason says so.
import { exemptionReasonsFor, NAMESPACE_EXEMPTIONS, SYSTEM_NAMESPACE_REASON, SYSTEM_NAMESPACES } from "../../platform/exemptions";
import { Exemption, Report, ReportResource } from "./model";

/** The reason a rule exempts a namespace: the platform's declared one, or `fallback` (where the exemption came from). */
export function namespaceExemptionReason(ruleId: string, namespace: string, fallback: string): string {
    return exemptionReasonsFor(ruleId)[namespace] ?? fallback;
}

/**
 * One entry per reason for the rules that skipped this resource because of its namespace (verdict
 * `exempt`); `reasonFor` names the reason of one rule. Rules sharing a reason share an entry.
 */
export function namespaceExemptionsOf(resource: ReportResource, target: string, reasonFor: (ruleId: string) => string): Exemption[] {
    const byReason = new Map<string, string[]>();
    for (const [ruleId, verdict] of Object.entries(resource.verdicts ?? {})) {
        if (verdict !== "exempt") continue;
        const reason = reasonFor(ruleId);
        byReason.set(reason, [...(byReason.get(reason) ?? []), ruleId]);
    }
    return [...byReason].map(([reason, rules]) => ({
        scope: "namespace" as const,
        target,
        rules,
        reason,
        resource: resourceRef(resource),
    }));
}

export function resourceRef(resource: ReportResource): NonNullable<Exemption["resource"]> {
    return {
        type: resource.type,
        name: resource.name,
        ...(resource.namespace !== undefined ? { namespace: resource.namespace } : {}),
        ...(resource.file !== undefined ? { file: resource.file } : {}),
        ...(resource.line !== undefined ? { line: resource.line } : {}),
        ...(resource.urn !== undefined ? { urn: resource.urn } : {}),
    };
}

/** Exemptions applied to objects by namespace or image (not the declared list, not suppressions). */
export function appliedExemptions(report: Pick<Report, "exemptions">): Exemption[] {
    return report.exemptions.filter((e) => e.resource !== undefined && e.scope !== "object");
}

/** How many objects an exemption skipped at least one rule on, and how many rule verdicts that is. */
export function exemptionCounts(report: Pick<Report, "exemptions">): { objects: number; rules: number } {
    const applied = appliedExemptions(report);
    const key = (e: Exemption): string =>
        JSON.stringify([e.resource?.urn, e.resource?.file, e.resource?.line, e.resource?.type, e.resource?.name]);
    const rules = new Set(applied.flatMap((e) => e.rules.map((r) => `${key(e)} ${r}`)));
    return { objects: new Set(applied.map(key)).size, rules: rules.size };
}

/** The platform's namespace exemptions for the enabled rules, with their reasons. */
export function planExemptions(enabledKubernetesRules: readonly string[]): Exemption[] {
    const exemptions: Exemption[] = [];
    if (enabledKubernetesRules.length === 0) return exemptions;
    exemptions.push({
        scope: "namespace",
        target: SYSTEM_NAMESPACES.join(", "),
        rules: [...enabledKubernetesRules].sort(),
        reason: SYSTEM_NAMESPACE_REASON,
    });
    for (const e of NAMESPACE_EXEMPTIONS) {
        const rules = e.rules.filter((id) => enabledKubernetesRules.includes(id)).sort();
        if (rules.length > 0) exemptions.push({ scope: "namespace", target: e.namespace, rules, reason: e.reason });
    }
    return exemptions;
}
