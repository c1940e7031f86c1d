// The rule catalogue's types. One entry per security rule; the CrossGuard pack and the Gatekeeper
// renderer (in the program, under components/) both read these entries, so a rule is declared once.
//
// This folder is part of the self-contained policy pack: it must not import the program, nor
// @pulumi/kubernetes or @pulumi/gcp.

/** Compliance frameworks a rule can map to. The offline plan scores each of them. */
export type Framework = "CIS-Kubernetes" | "CIS-GKE" | "NIST-800-53" | "SOC2" | "PCI-DSS";

export const FRAMEWORKS: readonly Framework[] = ["CIS-Kubernetes", "CIS-GKE", "NIST-800-53", "SOC2", "PCI-DSS"];

export interface FrameworkControl {
    framework: Framework;
    /** The framework's own control id, e.g. "5.2.2" (CIS), "CM-7" (NIST), "CC6.1" (SOC 2), "2.2" (PCI DSS). */
    control: string;
}

export type Severity = "critical" | "high" | "medium" | "low";

/** CrossGuard enforcement levels. `remediate` only for rules that define `remediate`. */
export type Enforcement = "advisory" | "mandatory" | "remediate" | "disabled";

/** Gatekeeper's `enforcementAction` for a constraint. */
export type GatekeeperAction = "deny" | "warn" | "dryrun";

/** A plain Kubernetes object as the API server (and Gatekeeper) sees it. */
export interface K8sObject {
    apiVersion?: string;
    kind?: string;
    metadata?: {
        name?: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        [key: string]: unknown;
    };
    [key: string]: unknown;
}

/** One problem a rule found. */
export interface Finding {
    /** Human message naming the container (if any), the field and how to fix it. */
    message: string;
    /** Field path inside the object, e.g. `spec.template.spec.containers[name=app].image`. */
    path: string;
}

/** Gatekeeper match selector for one API group. */
export interface KindMatch {
    apiGroups: string[];
    kinds: string[];
}

/** A CEL variable as Gatekeeper's K8sNativeValidation engine defines it. */
export interface CelVariable {
    name: string;
    expression: string;
}

/** A CEL validation: `expression` must evaluate to true for the object to be admitted. */
export interface CelValidation {
    expression: string;
    /** CEL expression producing the denial message (evaluated only when `expression` is false). */
    messageExpression?: string;
    message?: string;
}

/**
 * Parameters every Kubernetes rule accepts. `exemptNamespaces` becomes the constraint's
 * `match.excludedNamespaces` in Gatekeeper and is checked by the pack; `exemptImages` are image
 * prefixes (`docker.io/falcosecurity/` or a full `repo:tag`), skipped container by container.
 */
export interface CommonK8sParams {
    exemptNamespaces: string[];
    exemptImages: string[];
    /**
     * Pod-bearing rules only: extra kinds (`group/Kind`, e.g. `argoproj.io/Rollout`) whose pod template
     * sits at `spec.template`, checked like a Deployment (Gatekeeper: added to `match.kinds`).
     */
    podTemplateKinds?: string[];
}

/** JSON schema (draft 7 subset) for one parameter, used for `configSchema` and the template's CRD schema. */
export interface ParamSchema {
    type: "string" | "boolean" | "integer" | "number" | "array" | "object";
    description?: string;
    items?: ParamSchema;
    enum?: (string | number | boolean)[];
    default?: unknown;
    properties?: Record<string, ParamSchema>;
    additionalProperties?: boolean | ParamSchema;
    minimum?: number;
    /** ECMA/RE2-compatible regular expression a string must match (keep it linear: no nested quantifiers). */
    pattern?: string;
}

interface RuleMetadata<P> {
    /** Stable kebab-case id, e.g. `images-disallow-latest`. Also the CrossGuard policy name. */
    id: string;
    title: string;
    description: string;
    severity: Severity;
    remediation: string;
    frameworks: FrameworkControl[];
    /** Enforcement when the stack does not say otherwise. */
    defaultEnforcement: Enforcement;
    /** Defaults for every parameter; the pack's configSchema and the constraint's parameters start here. */
    defaultParams: P;
    /** Schema of the rule-specific parameters (the common ones are added by the pack). */
    paramsSchema: Record<string, ParamSchema>;
}

export interface KubernetesRule<P extends CommonK8sParams = CommonK8sParams> extends RuleMetadata<P> {
    target: "kubernetes";
    /** The Gatekeeper constraint kind this rule renders to, e.g. `SgImagesDisallowLatest`. */
    gatekeeperKind: string;
    /** The kinds the rule applies to (also the constraint's `match.kinds`). */
    match: KindMatch[];
    /**
     * Checks one object. Must never report a finding because a value is unknown (see `isUnknown`).
     * Exempt namespaces are handled by the caller; exempt images are handled here.
     */
    check(object: K8sObject, params: P): Finding[];
    /** The same rule in portable CEL, for Gatekeeper's K8sNativeValidation engine. */
    cel: { variables?: CelVariable[]; validations: CelValidation[] };
    /** A safe automatic fix, where one exists; returns the fixed object. */
    remediate?(object: K8sObject, params: P): K8sObject;
}

export interface CloudRule<P = Record<string, unknown>> extends RuleMetadata<P> {
    target: "gcp";
    /** Pulumi resource type tokens, e.g. `gcp:container/cluster:Cluster`. */
    resourceTypes: string[];
    /** Checks one resource's Pulumi inputs. Never reports on unknown values. */
    check(props: Record<string, unknown>, params: P, resourceType: string): Finding[];
}

/** Any rule: method parameters are bivariant, so a rule with its own parameter type is assignable here. */
export type Rule = KubernetesRule | CloudRule;

/** The sentinel the Pulumi engine sends for values unknown at preview. */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for a value that is not known yet (preview). Rules treat such values as compliant. */
export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN_SENTINEL;
}
