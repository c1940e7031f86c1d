// Evaluates a rendered ConstraintTemplate + Constraint against one object the way Gatekeeper's admission
// webhook does with the K8sNativeValidation (CEL) engine: constraint match (kinds, excludedNamespaces)
// first, then the template's variables in order, then every validation. Used by the parity test; there is
// no cluster or Gatekeeper binary on this machine. The CEL itself runs in the shared evaluator
// (policy-pack/test/gatekeeper-cel.ts); this file adds what the constraint decides before CEL runs.
import type { K8sObject } from "../policy-pack/catalogue";
import { evaluateCel } from "../policy-pack/test/gatekeeper-cel";
import { CEL_ENGINE, ConstraintObject, ConstraintTemplateObject, GATEKEEPER_TARGET } from "../platform/constraint-render";

export interface GatekeeperVerdict {
    /** False when the constraint's match (kind or namespace) skipped the object. */
    matched: boolean;
    /** One entry per failed validation (its message) - empty means admitted. */
    violations: string[];
    /** CEL evaluation errors; Gatekeeper reports them as violations (fail closed), and so do we. */
    errors: string[];
}

/** The API group of an object's apiVersion (`apps/v1` -> `apps`, `v1` -> core ""). */
export function apiGroupOf(object: K8sObject): string {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

/** Gatekeeper namespace patterns accept a trailing `*` (prefix) or leading `*` (suffix). */
function namespaceMatches(pattern: string, namespace: string): boolean {
    if (pattern.endsWith("*")) return namespace.startsWith(pattern.slice(0, -1));
    if (pattern.startsWith("*")) return namespace.endsWith(pattern.slice(1));
    return pattern === namespace;
}

/** Gatekeeper's `match` semantics for the fields our constraints use. */
export function constraintMatches(constraint: ConstraintObject, object: K8sObject): boolean {
    const group = apiGroupOf(object);
    const kind = String(object.kind);
    const kindOk = constraint.spec.match.kinds.some(
        (m) => (m.apiGroups.includes("*") || m.apiGroups.includes(group)) && (m.kinds.includes("*") || m.kinds.includes(kind)),
    );
    if (!kindOk) return false;
    // For a Namespace object Gatekeeper applies namespace selectors to the namespace itself.
    const namespace = kind === "Namespace" && group === "" ? object.metadata?.name : object.metadata?.namespace;
    if (typeof namespace === "string" && constraint.spec.match.excludedNamespaces.some((p) => namespaceMatches(p, namespace))) return false;
    return true;
}

/** JSON as the API server decodes it for CEL: whole numbers are int64, others double. */
export function toCelInput(value: unknown): unknown {
    if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
    if (Array.isArray(value)) return value.map(toCelInput);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCelInput(v)]));
    return value;
}

export function evaluateGatekeeper(template: ConstraintTemplateObject, constraint: ConstraintObject, object: K8sObject, extraParams: Record<string, unknown> = {}): GatekeeperVerdict {
    if (!constraintMatches(constraint, object)) return { matched: false, violations: [], errors: [] };
    const target = template.spec.targets.find((t) => t.target === GATEKEEPER_TARGET);
    const code = target?.code.find((c) => c.engine === CEL_ENGINE);
    if (!code) return { matched: true, violations: [], errors: ["template has no K8sNativeValidation code"] };
    // The CEL comes from the rendered template; variables.params is the rendered constraint's spec.parameters.
    const params = toCelInput({ ...constraint.spec.parameters, ...extraParams }) as Record<string, unknown>;
    const verdict = evaluateCel(code.source, toCelInput(object), params);
    return { matched: true, violations: verdict.allowed ? [] : verdict.messages, errors: verdict.errors };
}

/** Gatekeeper's admission verdict: a failed validation or an evaluation error is a violation. */
export function isViolation(verdict: GatekeeperVerdict): boolean {
    return verdict.violations.length > 0 || verdict.errors.length > 0;
}
