// The platform's own namespaces and every exemption a security tool needs from our rules, declared once
// with its reason. Consumed by the namespace baseline (Pod Security level), the Gatekeeper constraints
// (`match.excludedNamespaces`) and the CrossGuard pack configuration (`exemptNamespaces`).

export const PLATFORM_NAMESPACES = {
    argocd: "argocd",
    gatekeeper: "gatekeeper-system",
    falco: "falco",
    trivy: "trivy-system",
    logging: "logging",
    monitoring: "monitoring",
} as const;

export type PlatformNamespace = (typeof PLATFORM_NAMESPACES)[keyof typeof PLATFORM_NAMESPACES];

/** Pod Security Standards level a namespace is held to. `restricted` unless an exemption says otherwise. */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface NamespaceExemption {
    namespace: string;
    /** Catalogue rule ids this namespace is exempt from. */
    rules: string[];
    /** Pod Security level the namespace needs instead of `restricted` (omit to stay restricted). */
    podSecurity?: PodSecurityLevel;
    /** Why: what the tool does that the rule forbids. Shown in the plan and on the constraint. */
    reason: string;
}

/** Namespaces outside the platform's control that no constraint applies to (Gatekeeper best practice). */
export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease", "gke-managed-system", "gmp-system", "gmp-public"];

/** Filled by each component's author, next to the reason. Tests check every rule id exists. */
export const NAMESPACE_EXEMPTIONS: NamespaceExemption[] = [];

/** Namespaces exempt from a rule: system namespaces plus the declared exemptions. */
export function exemptNamespacesFor(ruleId: string): string[] {
    const declared = NAMESPACE_EXEMPTIONS.filter((e) => e.rules.includes(ruleId)).map((e) => e.namespace);
    return [...new Set([...SYSTEM_NAMESPACES, ...declared])].sort();
}

/** The Pod Security level of a platform namespace. */
export function podSecurityLevelFor(namespace: string): PodSecurityLevel {
    const levels = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === namespace && e.podSecurity).map((e) => e.podSecurity as PodSecurityLevel);
    if (levels.includes("privileged")) return "privileged";
    if (levels.includes("baseline")) return "baseline";
    return "restricted";
}
