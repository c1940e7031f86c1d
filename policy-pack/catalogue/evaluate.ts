// Evaluates one catalogue rule against one object or resource. The pack, the manifest checker and the
// tests all go through here, so namespace exemptions, parameter defaults, the findings cap and the
// handling of a rule that fails on malformed input behave the same everywhere.
import { CloudRule, Finding, K8sObject, KindMatch, KubernetesRule, Rule } from "./types";
import { own } from "./view";
import { podTemplateKindMatches } from "./workloads";

/** The rule's default parameters with overrides merged over them (shallow: each key replaces the default). */
export function effectiveParams<P>(rule: { defaultParams: P }, overrides?: Record<string, unknown>): P {
    return { ...rule.defaultParams, ...(overrides ?? {}) };
}

/**
 * Findings one rule reports on one resource, at most: the first ones and then one finding that counts the
 * rest. A Pod with 5,000 `:latest` containers must not produce 5,000 diagnostics (a 40 MB response); the
 * first few name the problem, the count says how big it is.
 */
export const MAX_FINDINGS_PER_RULE = 20;
/** Longest message a finding carries (each quoted value is bounded too; this bounds their sum). */
export const MAX_MESSAGE_CHARS = 2000;
/** Longest field path a finding carries. */
export const MAX_PATH_CHARS = 500;

function bounded(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max)}...(${text.length - max} more characters)` : text;
}

/** Caps the list (see MAX_FINDINGS_PER_RULE) and the length of each message and path. */
export function capFindings(findings: readonly Finding[], max = MAX_FINDINGS_PER_RULE): Finding[] {
    // Most results are empty or small and within every bound: no copy (this runs per rule per resource).
    if (findings.length <= max && findings.every((f) => f.message.length <= MAX_MESSAGE_CHARS && f.path.length <= MAX_PATH_CHARS))
        return findings as Finding[];
    const shown = findings
        .slice(0, max)
        .map((f) => ({ message: bounded(f.message, MAX_MESSAGE_CHARS), path: bounded(f.path, MAX_PATH_CHARS) }));
    if (findings.length > max) {
        const rest = findings.length - max;
        shown.push({
            message: `${rest} more finding(s) of this rule on this resource are not listed (${findings.length} in total; the first ${max} are shown); fix those and re-run to see the rest.`,
            path: "(more)",
        });
    }
    return shown;
}

/**
 * Runs a rule's check. The rules read user data through catalogue/view.ts and do not throw on malformed
 * input; should one throw anyway, the resource gets one finding saying the rule could not evaluate it, at
 * the rule's level: a gate fails closed, and a rule that did not run never counts as a pass. The error's
 * own text is not shown, since it may quote user data (and with it a secret).
 */
function guarded(rule: Rule, run: () => Finding[]): Finding[] {
    try {
        return capFindings(run());
    } catch (error) {
        const kind = error instanceof Error ? error.name : "error";
        return [
            {
                message: `the rule could not evaluate this resource (${kind} on malformed input); fix the resource's fields to the documented types.`,
                path: "(resource)",
            },
        ];
    }
}

/**
 * True when the rule targets this object's apiVersion group and kind: its own match, plus the
 * `podTemplateKinds` in `params` (default: the rule's defaults) for pod-bearing rules.
 */
export function matchesKind(rule: KubernetesRule, object: K8sObject, params: { podTemplateKinds?: unknown } = rule.defaultParams): boolean {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    const slash = apiVersion.indexOf("/");
    const group = slash >= 0 ? apiVersion.slice(0, slash) : "";
    const kind = typeof object.kind === "string" ? object.kind : "";
    return (
        kindListMatches(rule.match, group, kind) ||
        (params.podTemplateKinds !== undefined && kindListMatches(parsedPodTemplateKinds(params.podTemplateKinds), group, kind))
    );
}

function kindListMatches(list: readonly KindMatch[], group: string, kind: string): boolean {
    return list.some(
        (m) => (m.apiGroups.includes("*") || m.apiGroups.includes(group)) && (m.kinds.includes("*") || m.kinds.includes(kind)),
    );
}

// podTemplateKinds parsed once per list: the pack asks for every pod-bearing rule on every resource, and
// the list is the same array (catalogue default or the stack's config) each time. Keyed by the array and
// checked against a copy of its entries, so a list changed in place is parsed again.
const parsedKinds = new WeakMap<readonly unknown[], { entries: unknown[]; matches: KindMatch[] }>();

function parsedPodTemplateKinds(podTemplateKinds: unknown): readonly KindMatch[] {
    if (!Array.isArray(podTemplateKinds)) return podTemplateKindMatches(podTemplateKinds);
    const entries: readonly unknown[] = podTemplateKinds;
    const cached = parsedKinds.get(entries);
    if (cached?.entries.length === entries.length && cached.entries.every((entry, i) => entry === entries[i])) return cached.matches;
    const matches = podTemplateKindMatches(entries);
    parsedKinds.set(entries, { entries: [...entries], matches });
    return matches;
}

export function evaluateKubernetes(rule: KubernetesRule, object: K8sObject, overrides?: Record<string, unknown>): Finding[] {
    return evaluateKubernetesWith(rule, object, effectiveParams(rule, overrides));
}

/** evaluateKubernetes with the effective parameters already merged (the pack merges them once per rule and resource). */
export function evaluateKubernetesWith(rule: KubernetesRule, object: K8sObject, params: KubernetesRule["defaultParams"]): Finding[] {
    if (!matchesKind(rule, object, params)) return [];
    const metadata = own(object, "metadata");
    const namespace = object.kind === "Namespace" ? own(metadata, "name") : own(metadata, "namespace");
    if (typeof namespace === "string" && Array.isArray(params.exemptNamespaces) && params.exemptNamespaces.includes(namespace)) return [];
    return guarded(rule, () => rule.check(object, params));
}

export function evaluateCloud(
    rule: CloudRule,
    resourceType: string,
    props: Record<string, unknown>,
    overrides?: Record<string, unknown>,
): Finding[] {
    if (!rule.resourceTypes.includes(resourceType)) return [];
    return guarded(rule, () => rule.check(props, effectiveParams(rule, overrides), resourceType));
}

/** How a finding reads in a diagnostic: `<rule title>: <message> (field <path>)`. */
export function formatFinding(rule: Rule, finding: Finding): string {
    return `${rule.title}: ${finding.message} (field ${finding.path})`;
}

/** Evaluates a corpus-style case against its rule. */
export function evaluate(
    rule: Rule,
    input: { object?: K8sObject; resourceType?: string; props?: Record<string, unknown>; params?: Record<string, unknown> },
): Finding[] {
    if (rule.target === "kubernetes") return input.object ? evaluateKubernetes(rule, input.object, input.params) : [];
    return input.props && input.resourceType ? evaluateCloud(rule, input.resourceType, input.props, input.params) : [];
}
