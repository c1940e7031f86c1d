// The rule catalogue: every rule, once. The pack (../index.ts) and the Gatekeeper renderer read it.
import { exposureRules } from "../rules/exposure";
import { gcpRules } from "../rules/gcp";
import { hygieneRules } from "../rules/hygiene";
import { imageRules } from "../rules/images";
import { podSecurityRules } from "../rules/pod-security";
import { resourceRules } from "../rules/resources";
import { CloudRule, KubernetesRule, Rule } from "./types";
import { withPodTemplateKinds } from "./workloads";

export * from "./types";
export * from "./workloads";

/** Every rule; pod-bearing ones also take `podTemplateKinds` (see withPodTemplateKinds). */
export const RULES: readonly Rule[] = [...imageRules, ...resourceRules, ...exposureRules, ...podSecurityRules, ...hygieneRules, ...gcpRules].map(withPodTemplateKinds);

export const KUBERNETES_RULES = RULES.filter((r): r is KubernetesRule => r.target === "kubernetes");
export const CLOUD_RULES = RULES.filter((r): r is CloudRule => r.target === "gcp");

export function ruleById(id: string): Rule {
    const rule = RULES.find((r) => r.id === id);
    if (!rule) throw new Error(`unknown rule id "${id}"; known: ${RULES.map((r) => r.id).join(", ")}`);
    return rule;
}
