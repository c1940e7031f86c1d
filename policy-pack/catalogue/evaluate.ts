// Evaluates one catalogue rule against one object or resource. The pack, the manifest checker and the
// tests all go through here, so namespace exemptions and parameter defaults behave the same everywhere.
import { CloudRule, Finding, K8sObject, KindMatch, KubernetesRule, Rule } from "./types";
import { podTemplateKindMatches } from "./workloads";

/** The rule's default parameters with overrides merged over them (shallow: each key replaces the default). */
export function effectiveParams<P>(rule: { defaultParams: P }, overrides?: Record<string, unknown>): P {
    return { ...rule.defaultParams, ...(overrides ?? {}) } as P;
}

/**
 * True when the rule targets this object's apiVersion group and kind: its own match, plus the
 * `podTemplateKinds` in `params` (default: the rule's defaults) for pod-bearing rules.
 */
export function matchesKind(rule: KubernetesRule, object: K8sObject, params: { podTemplateKinds?: unknown } = rule.defaultParams): boolean {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const kind = String(object.kind);
    const matches = (list: readonly KindMatch[]) => list.some((m) => (m.apiGroups.includes("*") || m.apiGroups.includes(group)) && (m.kinds.includes("*") || m.kinds.includes(kind)));
    return matches(rule.match) || (params.podTemplateKinds !== undefined && matches(podTemplateKindMatches(params.podTemplateKinds)));
}

export function evaluateKubernetes(rule: KubernetesRule, object: K8sObject, overrides?: Record<string, unknown>): Finding[] {
    const params = effectiveParams(rule, overrides);
    if (!matchesKind(rule, object, params)) return [];
    const namespace = object.kind === "Namespace" ? object.metadata?.name : object.metadata?.namespace;
    if (typeof namespace === "string" && params.exemptNamespaces.includes(namespace)) return [];
    return rule.check(object, params);
}

export function evaluateCloud(rule: CloudRule, resourceType: string, props: Record<string, unknown>, overrides?: Record<string, unknown>): Finding[] {
    if (!rule.resourceTypes.includes(resourceType)) return [];
    return rule.check(props, effectiveParams(rule, overrides), resourceType);
}

/** Evaluates a corpus-style case against its rule. */
export function evaluate(rule: Rule, input: { object?: K8sObject; resourceType?: string; props?: Record<string, unknown>; params?: Record<string, unknown> }): Finding[] {
    if (rule.target === "kubernetes") return input.object ? evaluateKubernetes(rule, input.object, input.params) : [];
    return input.props && input.resourceType ? evaluateCloud(rule, input.resourceType, input.props, input.params) : [];
}
