// The platform's namespace exemptions as a report lists them (plan and live report alike), with their reasons.
import { NAMESPACE_EXEMPTIONS, SYSTEM_NAMESPACE_REASON, SYSTEM_NAMESPACES } from "../../platform/exemptions";
import { Exemption } from "./model";

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
