// Turns catalogue rules into CrossGuard ResourceValidationPolicies: metadata, configSchema (common
// exemption parameters + the rule's own), validation through the catalogue's evaluate functions and, for
// rules that define a fix, remediation. See ../README.md for enforcement levels and unknown handling.
import { PolicyConfigSchema, PolicyComplianceFramework, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { effectiveParams, evaluateCloud, evaluateKubernetes, matchesKind } from "../catalogue/evaluate";
import { CloudRule, Finding, Framework, FrameworkControl, K8sObject, KubernetesRule, ParamSchema, Rule } from "../catalogue/types";
import { namespaceIsUnknown, parseKubernetesType, toK8sObject } from "./kubernetes";
import { applyChanges } from "./remediation";
import { Json, plainProps } from "./unknowns";

/** Framework names and the versions the controls refer to. */
export const FRAMEWORK_INFO: Readonly<Record<Framework, { name: string; version: string }>> = {
    "CIS-Kubernetes": { name: "CIS Kubernetes Benchmark", version: "1.10" },
    "CIS-GKE": { name: "CIS Google Kubernetes Engine Benchmark", version: "1.6" },
    "NIST-800-53": { name: "NIST SP 800-53", version: "Rev. 5" },
    SOC2: { name: "SOC 2 Trust Services Criteria", version: "2017" },
    "PCI-DSS": { name: "PCI DSS", version: "4.0" },
};

/** Which mapping is "the" framework of a rule: the benchmark for its platform first. */
const FRAMEWORK_PRIORITY: Readonly<Record<Rule["target"], readonly Framework[]>> = {
    kubernetes: ["CIS-Kubernetes", "CIS-GKE", "NIST-800-53", "PCI-DSS", "SOC2"],
    gcp: ["CIS-GKE", "CIS-Kubernetes", "NIST-800-53", "PCI-DSS", "SOC2"],
};

export function primaryFramework(rule: Rule): PolicyComplianceFramework | undefined {
    let best: FrameworkControl | undefined;
    for (const framework of FRAMEWORK_PRIORITY[rule.target]) {
        best = rule.frameworks.find((f: FrameworkControl) => f.framework === framework);
        if (best) break;
    }
    if (!best) return undefined;
    const info = FRAMEWORK_INFO[best.framework];
    return { name: info.name, version: info.version, reference: best.control, specification: rule.title };
}

/** Every mapping as a tag (`CIS-Kubernetes:5.2.2`), plus the target platform and the severity. */
export function tagsFor(rule: Rule): string[] {
    return [rule.target, `severity:${rule.severity}`, ...rule.frameworks.map((f: FrameworkControl) => `${f.framework}:${f.control}`)];
}

const STRING_LIST = (description: string, defaults: unknown): ParamSchema => ({ type: "array", items: { type: "string" }, default: defaults, description });

/** The policy's configSchema: common exemption parameters (Kubernetes rules) and the rule's own, with the catalogue defaults. */
export function configSchemaFor(rule: Rule): PolicyConfigSchema {
    const defaults = rule.defaultParams as Record<string, unknown>;
    const properties: Record<string, ParamSchema> = {};
    if (rule.target === "kubernetes") {
        properties.exemptNamespaces = STRING_LIST("Namespaces this rule skips (Gatekeeper: match.excludedNamespaces).", defaults.exemptNamespaces ?? []);
        properties.exemptImages = STRING_LIST("Image prefixes (or full references) whose containers this rule skips.", defaults.exemptImages ?? []);
    }
    for (const [key, schema] of Object.entries(rule.paramsSchema as Record<string, ParamSchema>)) {
        properties[key] = schema.default === undefined && defaults[key] !== undefined ? { ...schema, default: defaults[key] } : schema;
    }
    // ParamSchema is a subset of the SDK's JSON schema type except for `default: unknown`, which the SDK
    // narrows to JSON values; catalogue defaults are JSON.
    return { properties: properties as PolicyConfigSchema["properties"] };
}

export function formatFinding(rule: Rule, finding: Finding): string {
    return `${rule.title}: ${finding.message} (field ${finding.path})`;
}

/** The stack's policy config for this rule (enforcementLevel removed by the SDK), as parameter overrides. */
function overrides(args: Pick<ResourceValidationArgs, "getConfig">): Record<string, unknown> {
    return args.getConfig<Record<string, unknown>>();
}

/** The object to evaluate, or undefined when the rule does not apply to this resource type. */
function kubernetesObject(rule: KubernetesRule, args: ResourceValidationArgs): K8sObject | undefined {
    const type = parseKubernetesType(args.type);
    if (!type) return undefined;
    const probe: K8sObject = { apiVersion: type.apiVersion, kind: type.kind };
    // The rule's own kinds first (no config read); then, for pod-bearing rules, the configured podTemplateKinds.
    const matched = matchesKind(rule, probe, {}) || ("podTemplateKinds" in rule.defaultParams && matchesKind(rule, probe, effectiveParams(rule, overrides(args))));
    if (!matched) return undefined;
    const providerNamespace = args.provider ? plainProps(args.provider.props).namespace : undefined;
    return toK8sObject(type, plainProps(args.props), providerNamespace);
}

/** Findings for one object, honouring exemptions; nothing when the namespace is unknown and exemptions exist. */
function kubernetesFindings(rule: KubernetesRule, object: K8sObject, config: Record<string, unknown>): Finding[] {
    const params = effectiveParams(rule, config);
    // An unknown namespace might be an exempt one: we cannot tell, so we do not report.
    if (namespaceIsUnknown(object) && params.exemptNamespaces.length > 0) return [];
    return evaluateKubernetes(rule, object, config);
}

/**
 * `args.notApplicable` reports by throwing an Error the SDK catches and reads only `reason` from; most
 * policies skip most resources, so capturing a stack trace for each throw was a measurable per-resource
 * cost. The trace is not captured; the reason and the SDK's handling are unchanged.
 */
function notApplicable(args: Pick<ResourceValidationArgs, "notApplicable">, reason: string): never {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return args.notApplicable(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
}

/** Why a Kubernetes rule skips a resource (built once per rule: it is sent for most resources). */
function kubernetesNotApplicableReason(rule: KubernetesRule): string {
    return `applies to ${rule.match.flatMap((m) => m.kinds).join(", ")} objects`;
}

function validateKubernetes(rule: KubernetesRule) {
    const notApplicableReason = kubernetesNotApplicableReason(rule);
    return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        const object = kubernetesObject(rule, args);
        if (!object) return notApplicable(args, notApplicableReason);
        for (const finding of kubernetesFindings(rule, object, overrides(args))) reportViolation(formatFinding(rule, finding));
    };
}

function validateCloud(rule: CloudRule) {
    const notApplicableReason = `applies to ${rule.resourceTypes.join(", ")}`;
    return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        if (!rule.resourceTypes.includes(args.type)) return notApplicable(args, notApplicableReason);
        for (const finding of evaluateCloud(rule, args.type, plainProps(args.props), overrides(args))) reportViolation(formatFinding(rule, finding));
    };
}

/**
 * Fixes a violating object with the rule's `remediate`, writing only the changed fields back into the
 * SDK's props (so secrets elsewhere in the object stay secret). Exempt objects are left alone.
 */
function remediateKubernetes(rule: KubernetesRule, remediate: NonNullable<KubernetesRule["remediate"]>) {
    const notApplicableReason = kubernetesNotApplicableReason(rule);
    return (args: ResourceValidationArgs): Json | undefined => {
        const object = kubernetesObject(rule, args);
        if (!object) return notApplicable(args, notApplicableReason);
        const config = overrides(args);
        if (kubernetesFindings(rule, object, config).length === 0) return undefined;
        const fixed = remediate(structuredClone(object), effectiveParams(rule, config));
        applyChanges(args.props, object, fixed);
        return args.props;
    };
}

export function policyFor(rule: Rule): ResourceValidationPolicy {
    const policy: ResourceValidationPolicy = {
        name: rule.id,
        displayName: rule.title,
        description: rule.description,
        severity: rule.severity,
        enforcementLevel: rule.defaultEnforcement,
        remediationSteps: rule.remediation,
        framework: primaryFramework(rule),
        tags: tagsFor(rule),
        configSchema: configSchemaFor(rule),
        validateResource: rule.target === "kubernetes" ? validateKubernetes(rule) : validateCloud(rule),
    };
    if (rule.target === "kubernetes" && rule.remediate) policy.remediateResource = remediateKubernetes(rule, rule.remediate.bind(rule));
    return policy;
}

export function buildPolicies(rules: readonly Rule[]): ResourceValidationPolicy[] {
    return rules.map(policyFor);
}
