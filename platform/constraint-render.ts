// Renders Gatekeeper ConstraintTemplates and Constraints from the rule catalogue. Pure functions (no Pulumi
// resources) so the gator tests evaluate exactly the objects the Gatekeeper component deploys.
//
// Templates carry the rule's CEL for Gatekeeper's K8sNativeValidation engine (no Rego): one rule, one
// template, one constraint, and the CrossGuard pack checks the same rule at preview time.
import {
    CelValidation,
    CelVariable,
    Enforcement,
    FrameworkControl,
    GatekeeperAction,
    KindMatch,
    KubernetesRule,
    ParamSchema,
} from "../policy-pack/catalogue";
import { toGatekeeperAction } from "../policy-pack/catalogue/enforcement";
import { exemptImagePrefixes, podTemplateKindMatches } from "../policy-pack/catalogue/workloads";
import { exemptionReasonsFor, exemptNamespacesFor } from "./exemptions";

export const TEMPLATE_API_VERSION = "templates.gatekeeper.sh/v1";
export const CONSTRAINT_API_VERSION = "constraints.gatekeeper.sh/v1beta1";
export const GATEKEEPER_TARGET = "admission.k8s.gatekeeper.sh";
export const CEL_ENGINE = "K8sNativeValidation";

/** Annotation keys this platform puts on templates and constraints. */
export const ANNOTATIONS = {
    ruleId: "secure-gitops.io/rule-id",
    severity: "secure-gitops.io/severity",
    frameworks: "secure-gitops.io/frameworks",
    remediation: "secure-gitops.io/remediation",
    exemptions: "secure-gitops.io/exemptions",
    /** The Gatekeeper library's own annotation keys, so `kubectl get constrainttemplates` UIs show them. */
    title: "metadata.gatekeeper.sh/title",
    description: "description",
} as const;

export interface ConstraintTemplateObject {
    apiVersion: typeof TEMPLATE_API_VERSION;
    kind: "ConstraintTemplate";
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: {
        crd: { spec: { names: { kind: string }; validation: { openAPIV3Schema: OpenApiSchema } } };
        targets: {
            target: typeof GATEKEEPER_TARGET;
            code: { engine: typeof CEL_ENGINE; source: { variables: CelVariable[]; validations: CelValidation[] } }[];
        }[];
    };
}

export interface ConstraintObject {
    apiVersion: typeof CONSTRAINT_API_VERSION;
    kind: string;
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: {
        enforcementAction: GatekeeperAction;
        /** `namespaces` only on app-scoped constraints (the rule at the app's level in the app namespaces). */
        match: { kinds: KindMatch[]; excludedNamespaces: string[]; namespaces?: string[] };
        parameters: Record<string, unknown>;
    };
}

/** The OpenAPI v3 structural schema Gatekeeper puts on the constraint CRD's `spec.parameters`. */
export interface OpenApiSchema {
    type: ParamSchema["type"];
    description?: string;
    items?: OpenApiSchema;
    enum?: (string | number | boolean)[];
    properties?: Record<string, OpenApiSchema>;
    additionalProperties?: boolean | OpenApiSchema;
    minimum?: number;
    pattern?: string;
}

/** The enforcement and full parameters of one rule in one stack (see platform/policy-settings.ts). */
export interface ConstraintSetting {
    enforcement: Enforcement;
    /** Defaults merged with stack overrides; `exemptNamespaces` becomes `match.excludedNamespaces`. */
    params: Record<string, unknown>;
}

const COMMON_LABELS = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "secure-gitops" };

/** Kubernetes object names are lower-case; Gatekeeper requires the template name = lower-cased kind. */
export function templateNameFor(rule: KubernetesRule): string {
    return rule.gatekeeperKind.toLowerCase();
}

/** Constraint names are DNS labels; the rule id already is one. */
export function constraintNameFor(rule: KubernetesRule): string {
    return rule.id;
}

export function frameworksAnnotation(frameworks: readonly FrameworkControl[]): string {
    return frameworks.map((f) => `${f.framework} ${f.control}`).join(", ");
}

/**
 * Converts a catalogue parameter schema to an OpenAPI structural schema: drops `default` (Gatekeeper
 * would default-in values the constraint deliberately omits) and keeps the validation keywords.
 * `additionalProperties` is dropped next to `properties`: the API server rejects a CRD schema with both
 * ("additionalProperties and properties are mutual exclusive"), so Gatekeeper could not create the
 * constraint CRD; structural pruning drops undeclared fields of such an object instead.
 */
export function toOpenApiSchema(schema: ParamSchema): OpenApiSchema {
    const out: OpenApiSchema = { type: schema.type };
    if (schema.description) out.description = schema.description;
    if (schema.items) out.items = toOpenApiSchema(schema.items);
    if (schema.enum) out.enum = [...schema.enum];
    if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toOpenApiSchema(v)]));
    if (schema.additionalProperties !== undefined && !schema.properties)
        out.additionalProperties =
            typeof schema.additionalProperties === "boolean" ? schema.additionalProperties : toOpenApiSchema(schema.additionalProperties);
    if (schema.minimum !== undefined) out.minimum = schema.minimum;
    if (schema.pattern !== undefined) out.pattern = schema.pattern;
    return out;
}

/** Schema of `spec.parameters`: the rule's own parameters plus `exemptImages` (namespaces go to `match`). */
export function parametersSchemaFor(rule: KubernetesRule): OpenApiSchema {
    const properties: Record<string, OpenApiSchema> = {};
    for (const [name, schema] of Object.entries(rule.paramsSchema)) {
        // Both go to the constraint's match, not its parameters.
        if (name === "exemptNamespaces" || name === "podTemplateKinds") continue;
        properties[name] = toOpenApiSchema(schema);
    }
    properties.exemptImages = {
        type: "array",
        description: "Image prefixes (registry/repository/ or a full repo:tag) whose containers this constraint skips.",
        items: { type: "string" },
    };
    return { type: "object", properties };
}

export function renderConstraintTemplate(rule: KubernetesRule): ConstraintTemplateObject {
    return {
        apiVersion: TEMPLATE_API_VERSION,
        kind: "ConstraintTemplate",
        metadata: {
            name: templateNameFor(rule),
            labels: { ...COMMON_LABELS, [ANNOTATIONS.ruleId]: rule.id },
            annotations: {
                [ANNOTATIONS.ruleId]: rule.id,
                [ANNOTATIONS.title]: rule.title,
                [ANNOTATIONS.description]: rule.description,
                [ANNOTATIONS.severity]: rule.severity,
                [ANNOTATIONS.frameworks]: frameworksAnnotation(rule.frameworks),
            },
        },
        spec: {
            crd: { spec: { names: { kind: rule.gatekeeperKind }, validation: { openAPIV3Schema: parametersSchemaFor(rule) } } },
            targets: [
                {
                    target: GATEKEEPER_TARGET,
                    code: [
                        {
                            engine: CEL_ENGINE,
                            source: {
                                // Copies, so a caller mutating the rendered object cannot change the catalogue.
                                variables: (rule.cel.variables ?? []).map((v) => ({ ...v })),
                                validations: rule.cel.validations.map((v) => ({ ...v })),
                            },
                        },
                    ],
                },
            ],
        },
    };
}

function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The constraint for one rule in one stack, exempting `platformExemptions`. Defaults to the declared
 * exemptions (system namespaces and each tool's documented needs, platform/exemptions.ts).
 */
export function renderConstraint(
    rule: KubernetesRule,
    setting: ConstraintSetting,
    platformExemptions: readonly string[] = exemptNamespacesFor(rule.id),
): ConstraintObject {
    const { exemptNamespaces, podTemplateKinds, ...parameters } = setting.params;
    const excludedNamespaces = [...new Set([...platformExemptions, ...stringList(exemptNamespaces)])].sort();
    const reasons = exemptionReasonsFor(rule.id);
    const explained = Object.fromEntries(
        excludedNamespaces.map((ns) => [ns, reasons[ns] ?? "Exempted by this stack's policy configuration (exemptNamespaces)."]),
    );
    // The CEL matches exempt images by prefix only: a trailing `*` (accepted by the pack) is cut here.
    if ("exemptImages" in parameters) parameters.exemptImages = exemptImagePrefixes(stringList(parameters.exemptImages));
    return {
        apiVersion: CONSTRAINT_API_VERSION,
        kind: rule.gatekeeperKind,
        metadata: {
            name: constraintNameFor(rule),
            labels: { ...COMMON_LABELS, [ANNOTATIONS.ruleId]: rule.id },
            annotations: {
                [ANNOTATIONS.ruleId]: rule.id,
                [ANNOTATIONS.severity]: rule.severity,
                [ANNOTATIONS.remediation]: rule.remediation,
                [ANNOTATIONS.exemptions]: JSON.stringify(explained),
            },
        },
        spec: {
            enforcementAction: toGatekeeperAction(setting.enforcement),
            match: {
                kinds: [...rule.match, ...podTemplateKindMatches(podTemplateKinds)].map((m) => ({
                    apiGroups: [...m.apiGroups],
                    kinds: [...m.kinds],
                })),
                excludedNamespaces,
            },
            parameters,
        },
    };
}

/** Suffix of the constraint that holds a rule at the application's level in the application namespaces. */
export const APP_CONSTRAINT_SUFFIX = "-app";

/**
 * When the app namespaces run a rule at another Gatekeeper action than the platform (the app's migration
 * step), the rule gets two constraints: the platform one with the app namespaces excluded, and one matching
 * only the app namespaces at the app's action. Same template, same parameters. Otherwise one constraint.
 */
export function renderScopedConstraints(
    rule: KubernetesRule,
    platform: ConstraintSetting,
    app: ConstraintSetting,
    appNamespaces: readonly string[],
): ConstraintObject[] {
    const platformConstraint = renderConstraint(rule, platform);
    if (appNamespaces.length === 0 || toGatekeeperAction(app.enforcement) === toGatekeeperAction(platform.enforcement))
        return [platformConstraint];
    const appReason = "Application namespace: held by this rule's app-scoped constraint at the stack's appPolicyEnforcement level.";
    const explained = {
        ...(JSON.parse(platformConstraint.metadata.annotations[ANNOTATIONS.exemptions]) as Record<string, string>),
        ...Object.fromEntries(appNamespaces.map((ns) => [ns, appReason])),
    };
    platformConstraint.spec.match.excludedNamespaces = [
        ...new Set([...platformConstraint.spec.match.excludedNamespaces, ...appNamespaces]),
    ].sort();
    platformConstraint.metadata.annotations[ANNOTATIONS.exemptions] = JSON.stringify(explained);
    const appConstraint = renderConstraint(rule, app, []);
    appConstraint.metadata.name = `${constraintNameFor(rule)}${APP_CONSTRAINT_SUFFIX}`;
    appConstraint.metadata.annotations[ANNOTATIONS.exemptions] = "{}";
    appConstraint.spec.match = { kinds: appConstraint.spec.match.kinds, excludedNamespaces: [], namespaces: [...appNamespaces].sort() };
    return [platformConstraint, appConstraint];
}
