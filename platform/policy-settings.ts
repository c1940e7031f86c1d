// Per-rule enforcement and parameters for one stack, computed once from the stack's policy config and the
// platform exemptions. The Gatekeeper constraints and the CrossGuard pack configuration are both rendered
// from these settings, so admission and preview enforce the same thing.
import { effectiveParams } from "../policy-pack/catalogue/evaluate";
import { Enforcement, Rule, RULES } from "../policy-pack/catalogue";
import { PolicyConfig } from "../stacks/types";
import { exemptNamespacesFor, PLATFORM_NAMESPACES } from "./exemptions";

export interface RuleSetting {
    enforcement: Enforcement;
    /** Full parameters (defaults, stack overrides, exemptions); kubernetes rules include exemptNamespaces. */
    params: Record<string, unknown>;
}

export type StackPolicy = Pick<PolicyConfig, "enforcement" | "publicServiceNamespaces" | "allowedRegistries"> &
    Partial<Pick<PolicyConfig, "webhookFailurePolicy" | "podSecurityVersion">>;

/**
 * The stack level caps each rule's catalogue default: `mandatory` keeps the defaults, `advisory` turns
 * mandatory rules into advisory ones, `disabled` turns every rule off. It never raises a rule above its
 * catalogue default.
 */
export function enforcementFor(rule: Rule, stackLevel: StackPolicy["enforcement"]): Enforcement {
    if (stackLevel === "disabled" || rule.defaultEnforcement === "disabled") return "disabled";
    if (stackLevel === "advisory" && rule.defaultEnforcement !== "advisory") return "advisory";
    return rule.defaultEnforcement;
}

/** Stack-specific parameter overrides, by rule id. */
function stackOverrides(policy: StackPolicy): Record<string, Record<string, unknown>> {
    return {
        "images-allowed-registries": { allowedRegistries: policy.allowedRegistries },
        "services-no-public-loadbalancer": { allowedNamespaces: policy.publicServiceNamespaces },
        // Fail-open webhooks are flagged wherever the stack itself fails closed (prod always: its config refuses Ignore).
        // Gatekeeper's webhook skips its own namespace by name so that a broken constraint cannot lock it out (platform/exemptions.ts).
        "admission-webhooks-fail-closed": {
            allowFailOpen: policy.webhookFailurePolicy === "Ignore",
            allowedExcludedNamespaces: [PLATFORM_NAMESPACES.gatekeeper],
        },
    };
}

export function ruleSettings(policy: StackPolicy, rules: readonly Rule[] = RULES): Map<string, RuleSetting> {
    const overrides = stackOverrides(policy);
    const settings = new Map<string, RuleSetting>();
    for (const rule of rules) {
        // The Pod Security Standards rules judge by the version the namespaces' PSA labels pin.
        const pss = policy.podSecurityVersion !== undefined && "podSecurityVersion" in rule.paramsSchema;
        const params: Record<string, unknown> = {
            ...effectiveParams<object>(rule, { ...overrides[rule.id], ...(pss ? { podSecurityVersion: policy.podSecurityVersion } : {}) }),
        };
        if (rule.target === "kubernetes") {
            const declared = Array.isArray(params.exemptNamespaces) ? (params.exemptNamespaces as string[]) : [];
            params.exemptNamespaces = [...new Set([...declared, ...exemptNamespacesFor(rule.id)])].sort();
        }
        settings.set(rule.id, { enforcement: enforcementFor(rule, policy.enforcement), params });
    }
    return settings;
}

/**
 * The CrossGuard policy configuration for this stack, in the shape `pulumi preview --policy-pack-config`
 * and the Analyzer's `Configure` take: `{ "<rule id>": { "enforcementLevel": ..., ...params } }`.
 */
export function policyPackConfig(policy: StackPolicy, rules: readonly Rule[] = RULES): Record<string, Record<string, unknown>> {
    const config: Record<string, Record<string, unknown>> = {};
    for (const [id, setting] of ruleSettings(policy, rules)) config[id] = { enforcementLevel: setting.enforcement, ...setting.params };
    return config;
}

/**
 * The rules as they apply in the application namespaces: the same parameters, at the stack's
 * `appPolicyEnforcement` level (the app's migration step: dryrun -> warn -> deny) instead of the platform's.
 */
export function appRuleSettings(
    policy: StackPolicy & Pick<PolicyConfig, "appEnforcement">,
    rules: readonly Rule[] = RULES,
): Map<string, RuleSetting> {
    return ruleSettings({ ...policy, enforcement: policy.appEnforcement }, rules);
}

/** The CrossGuard configuration the application's objects are checked with (the plan's app verdicts). */
export function appPolicyPackConfig(
    policy: StackPolicy & Pick<PolicyConfig, "appEnforcement">,
    rules: readonly Rule[] = RULES,
): Record<string, Record<string, unknown>> {
    return policyPackConfig({ ...policy, enforcement: policy.appEnforcement }, rules);
}
