// Turns catalogue rules into CrossGuard ResourceValidationPolicies: metadata, configSchema (common
// exemption parameters + the rule's own), validation through the catalogue's evaluate functions and, for
// rules that define a fix, remediation. See ../README.md for enforcement levels and unknown handling.
import {
    PolicyConfigSchema,
    PolicyComplianceFramework,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";
import { effectiveParams, evaluateCloud, evaluateKubernetesWith, formatFinding, matchesKind } from "../catalogue/evaluate";
import { CloudRule, Finding, Framework, FrameworkControl, K8sObject, KubernetesRule, ParamSchema, Rule } from "../catalogue/types";
import { KubernetesType, namespaceIsUnknown, parseKubernetesType, toK8sObject } from "./kubernetes";
import { kubernetesTypeOf, sharedKubernetesObject } from "./per-request";
import { applyChanges } from "./remediation";
import { redact, secretsOf } from "./secrets";
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

const STRING_LIST = (description: string, defaults: unknown): ParamSchema => ({
    type: "array",
    items: { type: "string" },
    default: defaults,
    description,
});

/** The policy's configSchema: common exemption parameters (Kubernetes rules) and the rule's own, with the catalogue defaults. */
export function configSchemaFor(rule: Rule): PolicyConfigSchema {
    const defaults = rule.defaultParams as Record<string, unknown>;
    const properties: Record<string, ParamSchema> = {};
    if (rule.target === "kubernetes") {
        properties.exemptNamespaces = STRING_LIST(
            "Namespaces this rule skips (Gatekeeper: match.excludedNamespaces).",
            defaults.exemptNamespaces ?? [],
        );
        properties.exemptImages = STRING_LIST(
            "Image prefixes (or full references) whose containers this rule skips.",
            defaults.exemptImages ?? [],
        );
    }
    for (const [key, schema] of Object.entries(rule.paramsSchema)) {
        properties[key] = schema.default === undefined && defaults[key] !== undefined ? { ...schema, default: defaults[key] } : schema;
    }
    // ParamSchema is a subset of the SDK's JSON schema type except for `default: unknown`, which the SDK
    // narrows to JSON values; catalogue defaults are JSON.
    return { properties: properties as PolicyConfigSchema["properties"] };
}

export { formatFinding };

/** The secrets of this request (the resource's and its provider's): never printed (pack/secrets.ts). */
function requestSecrets(args: Pick<ResourceValidationArgs, "props" | "provider">): ReadonlySet<string> {
    const own = secretsOf(args.props);
    const provider = args.provider ? secretsOf(args.provider.props) : undefined;
    if (!provider || provider.size === 0) return own;
    return new Set([...own, ...provider]);
}

/**
 * One violation as the SDK sends it. @pulumi/policy 1.21.0's reportViolation also takes this object
 * (server.js makeReportViolationFun), though its type declares only the string form; the version is pinned
 * and checked at load (pack/deserialize-once.ts). Given a string, the SDK prefixes every message with the
 * policy's whole description (310 characters on average, up to 963) and sends the description again in
 * the diagnostic: three times the finding's own bytes, and the engine prints the description for every
 * finding. Encoding those bytes, and collecting the garbage the encoder makes of them, was the largest part
 * of the pack's CPU beyond the empty pack's (README.md, Performance).
 * So the message is the finding (rule title, what is wrong, the field) and the diagnostic's description
 * field, which the engine neither shows nor forwards, is the title. The full description and remediation
 * stay in the pack's metadata (`pulumi policy`, Pulumi Cloud) and in README.md's rule table.
 */
interface Violation {
    message: string;
    description: string;
}

/** Reports each finding as one violation, secrets replaced by `[secret]`. */
function report(
    rule: Rule,
    findings: readonly Finding[],
    args: Pick<ResourceValidationArgs, "props" | "provider">,
    reportViolation: ReportViolation,
): void {
    if (findings.length === 0) return;
    const secrets = requestSecrets(args);
    const reportObject = reportViolation as unknown as (violation: Violation) => void;
    for (const finding of findings) {
        const message = formatFinding(rule, finding);
        reportObject({ message: secrets.size > 0 ? redact(message, secrets) : message, description: rule.title });
    }
}

/** The stack's policy config for this rule (enforcementLevel removed by the SDK), as parameter overrides. */
function overrides(args: Pick<ResourceValidationArgs, "getConfig">): Record<string, unknown> {
    return args.getConfig<Record<string, unknown>>();
}

/** Whether a Kubernetes rule's own kinds include this type, decided once per rule and type token. */
function appliesTo(rule: KubernetesRule) {
    const decided = new Map<KubernetesType, boolean>();
    return (type: KubernetesType): boolean => {
        let applies = decided.get(type);
        if (applies === undefined) {
            applies = matchesKind(rule, { apiVersion: type.apiVersion, kind: type.kind }, {});
            if (decided.size >= 1024) decided.clear(); // bounded, like per-request.ts's type cache
            decided.set(type, applies);
        }
        return applies;
    };
}

/**
 * The stack's config for this rule and the object to evaluate, or undefined when the rule does not apply to
 * this resource type: the rule's own kinds first (cached, no config read), then for pod-bearing rules the
 * stack's configured podTemplateKinds. `shared`: the validation path, where every policy of a request reads
 * the same copy (per-request.ts); the remediation path writes between policies and builds its own.
 */
function kubernetesObject(
    rule: KubernetesRule,
    applies: (type: KubernetesType) => boolean,
    args: ResourceValidationArgs,
    shared: boolean,
): { object: K8sObject; config: Record<string, unknown> } | undefined {
    const type = kubernetesTypeOf(args.type);
    if (!type) return undefined;
    let config: Record<string, unknown> | undefined;
    if (!applies(type)) {
        if (!("podTemplateKinds" in rule.defaultParams)) return undefined;
        config = overrides(args);
        if (
            !matchesKind(
                rule,
                { apiVersion: type.apiVersion, kind: type.kind },
                { podTemplateKinds: effectiveParams(rule, config).podTemplateKinds },
            )
        )
            return undefined;
    }
    config ??= overrides(args);
    if (shared) return { object: sharedKubernetesObject(type, args.props, args.provider?.props), config };
    const providerNamespace = args.provider ? plainProps(args.provider.props).namespace : undefined;
    return { object: toK8sObject(type, plainProps(args.props), providerNamespace), config };
}

/** Findings for one object, honouring exemptions; nothing when the namespace is unknown and exemptions exist. */
export function kubernetesFindings(rule: KubernetesRule, object: K8sObject, config: Record<string, unknown>): Finding[] {
    const params = effectiveParams(rule, config);
    // An unknown namespace might be an exempt one: we cannot tell, so we do not report.
    if (namespaceIsUnknown(object) && Array.isArray(params.exemptNamespaces) && params.exemptNamespaces.length > 0) return [];
    return evaluateKubernetesWith(rule, object, params);
}

/**
 * What a rule reports on one resource as the pack sees it (type token, plain props with unknowns as the
 * sentinel, the provider's props): the same path Analyze takes, minus the SDK. For tests and tools.
 */
export function findingsForResource(
    rule: Rule,
    type: string,
    props: Json,
    config: Record<string, unknown> = {},
    providerProps?: Json,
): Finding[] {
    if (rule.target === "gcp") return evaluateCloud(rule, type, props, config);
    const k8sType = parseKubernetesType(type);
    if (!k8sType || !matchesKind(rule, { apiVersion: k8sType.apiVersion, kind: k8sType.kind }, effectiveParams(rule, config))) return [];
    return kubernetesFindings(rule, toK8sObject(k8sType, props, providerProps?.namespace), config);
}

/**
 * `args.notApplicable` reports by throwing an error the SDK catches: the policy is recorded as not
 * applicable to the resource (counted neither passed nor failed in the engine's policy summary). No reason
 * is sent: the engine keeps only the policy's name (pkg/resource/analyzer/summary.go in pulumi/pulumi), and
 * short as they were, the reasons were an eighth of every Analyze response's bytes, which the SDK encodes
 * one byte at a time into a growing array. Every policy skips most resources, so the error is made once
 * (with the SDK's own function, no stack trace) and the same instance is thrown again.
 */
let notApplicableError: unknown;

function notApplicable(args: Pick<ResourceValidationArgs, "notApplicable">): never {
    if (notApplicableError === undefined) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            args.notApplicable();
        } catch (thrown) {
            notApplicableError = thrown;
        } finally {
            Error.stackTraceLimit = limit;
        }
        if (notApplicableError === undefined) throw new Error("@pulumi/policy notApplicable() returned instead of throwing");
    }
    // The SDK's own NotApplicableError, caught above: rethrown as is, so the SDK recognises it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the SDK's error object, typed unknown by the catch
    throw notApplicableError;
}

function validateKubernetes(rule: KubernetesRule) {
    const applies = appliesTo(rule);
    return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        const target = kubernetesObject(rule, applies, args, true);
        if (!target) return notApplicable(args);
        report(rule, kubernetesFindings(rule, target.object, target.config), args, reportViolation);
    };
}

/**
 * The SDK's own type filter, as `validateResourceOfType` sets it up: the SDK does not call a validation
 * function carrying `__pulumiType` for other types, and reports the policy not applicable itself ("Policy
 * only applies to resources of type '...'"), without building the call's arguments or catching a thrown
 * error. Only possible for a rule of exactly one type. The type is set directly because the pack does not
 * load @pulumi/gcp for its resource classes (seconds of startup).
 */
function onlyForType<F extends object>(validate: F, type: string): F {
    return Object.assign(validate, { __pulumiType: type });
}

function validateCloud(rule: CloudRule) {
    const validate = (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        if (!rule.resourceTypes.includes(args.type)) return notApplicable(args);
        report(rule, evaluateCloud(rule, args.type, plainProps(args.props), overrides(args)), args, reportViolation);
    };
    const [onlyType, ...others] = rule.resourceTypes;
    return onlyType !== undefined && others.length === 0 ? onlyForType(validate, onlyType) : validate;
}

/**
 * Fixes a violating object with the rule's `remediate`, writing only the changed fields back into the
 * SDK's props (so secrets elsewhere in the object stay secret). Exempt objects are left alone.
 */
function remediateKubernetes(rule: KubernetesRule, remediate: NonNullable<KubernetesRule["remediate"]>) {
    const applies = appliesTo(rule);
    return (args: ResourceValidationArgs): Json | undefined => {
        const target = kubernetesObject(rule, applies, args, false);
        if (!target) return notApplicable(args);
        const { object, config } = target;
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
