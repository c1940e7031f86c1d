// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding, isUnknown, K8sObject } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_ANNOTATIONS,
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    CEL_V_IS_SET,
    celContainerCheck,
    celList,
    celPodCheck,
    celProfileType,
    celString,
    checkContainers,
    checkPod,
    FieldCheck,
    finding,
    get,
    isRecord,
    isSet,
    podContext,
    PodContext,
    profileType,
    show,
} from "../lib/pod-field-checks";
import { ALLOWED_SECCOMP_TYPES } from "../lib/pss-seccomp";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

const SECCOMP_PROFILE = ["securityContext", "seccompProfile"] as const;

const SECCOMP_BASELINE: FieldCheck = {
    field: [...SECCOMP_PROFILE, "type"],
    read: (root) => profileType(root, SECCOMP_PROFILE),
    celRead: (base) => celProfileType(base, SECCOMP_PROFILE),
    violates: (v) => isSet(v) && !ALLOWED_SECCOMP_TYPES.includes(v as (typeof ALLOWED_SECCOMP_TYPES)[number]),
    celViolates: `${CEL_V_IS_SET} && !(v in ${celList(ALLOWED_SECCOMP_TYPES)})`,
    problem: (v) =>
        v === "" ? "sets securityContext.seccompProfile without a type" : `sets securityContext.seccompProfile.type: ${show(v)}`,
    celProblem: "sets securityContext.seccompProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "set seccompProfile.type to RuntimeDefault (or Localhost with a reviewed profile), never Unconfined",
};

const seccompBaselineCel = celContainerCheck("unconfinedSeccompContainers", SECCOMP_BASELINE);

/** Before v1.19 PSA reads seccomp from these (alpha) annotations instead of the fields. */
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";

const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

/** An allowed seccomp annotation value (PSA v1.0-v1.18); a JSON null reads as "" (Go's zero value), which is not allowed. */
function allowedSeccompAnnotation(value: unknown): boolean {
    return value === "runtime/default" || value === "docker/default" || (typeof value === "string" && value.startsWith("localhost/"));
}

const SECCOMP_ANNOTATION_FIX = "set the annotation to runtime/default (or localhost/<profile>), or remove it";

/** The seccomp annotation findings for PSS versions before v1.19 (pod annotation, then one per non-exempt container). */
function seccompAnnotationFindings(object: K8sObject, ctx: PodContext): Finding[] {
    const annotations = isRecord(ctx.pod.metadata) ? get(ctx.pod.metadata, ["annotations"]) : undefined;
    if (!isRecord(annotations)) return [];
    const keys = [
        SECCOMP_POD_ANNOTATION,
        ...ctx.containers
            .filter((ref) => typeof ref.container.name === "string")
            .map((ref) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + ref.name),
    ];
    const metaPath = ctx.pod.path === "spec" ? "metadata" : `${ctx.pod.path.replace(/\.spec$/, "")}.metadata`;
    const findings: Finding[] = [];
    for (const key of new Set(keys)) {
        if (!Object.prototype.hasOwnProperty.call(annotations, key)) continue;
        const value = annotations[key];
        if (isUnknown(value) || allowedSeccompAnnotation(value)) continue;
        findings.push(
            finding(
                object,
                `${metaPath}.annotations["${key}"]`,
                `annotation ${key} is ${value === null || value === "" ? "empty" : show(value)}`,
                SECCOMP_ANNOTATION_FIX,
            ),
        );
    }
    return findings;
}

export const rule = pssRule({
    id: "pss-baseline-seccomp",
    title: "Seccomp may not be disabled",
    description:
        "Pod Security Standards (baseline), Seccomp: from v1.19, securityContext.seccompProfile.type at pod and container level must be " +
        "RuntimeDefault or Localhost when a profile is set (Unconfined removes the syscall filter; a profile without a type is not allowed). " +
        `Before v1.19 the annotations ${SECCOMP_POD_ANNOTATION} and ${SECCOMP_CONTAINER_ANNOTATION_PREFIX}<container> are checked instead: ` +
        "runtime/default, docker/default or localhost/<profile>.",
    severity: "medium",
    remediation: "Replace seccompProfile.type Unconfined with RuntimeDefault.",
    frameworks: [cisK8s("5.7.2"), nist("CM-7"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        if (pssMinor(params) < SINCE.seccompFields) return seccompAnnotationFindings(object, ctx);
        return [...checkPod(object, ctx, SECCOMP_BASELINE), ...checkContainers(object, ctx, SECCOMP_BASELINE)];
    },
    cel: {
        variables: [
            seccompBaselineCel.variable,
            {
                name: "badSeccompAnnotations",
                expression:
                    `([${celString(SECCOMP_POD_ANNOTATION)}] + variables.containers.filter(c, has(c.name) && type(c.name) == string).map(c, ${celString(SECCOMP_CONTAINER_ANNOTATION_PREFIX)} + c.name))` +
                    `.filter(k, k in ${CEL_ANNOTATIONS} && [${CEL_ANNOTATIONS}[k]].exists(v, v != ${CEL_UNKNOWN} && ` +
                    "!(v == 'runtime/default' || v == 'docker/default' || (type(v) == string && v.startsWith('localhost/')))))",
            },
        ],
        validations: [
            {
                ...celPodCheck(SECCOMP_BASELINE),
                expression: `${CEL_MINOR} < ${SINCE.seccompFields} || ${celPodCheck(SECCOMP_BASELINE).expression}`,
            },
            {
                ...seccompBaselineCel.validation,
                expression: `${CEL_MINOR} < ${SINCE.seccompFields} || ${seccompBaselineCel.validation.expression}`,
            },
            {
                expression: `${CEL_MINOR} >= ${SINCE.seccompFields} || ${CEL_NOTHING_TO_JUDGE} || size(variables.badSeccompAnnotations) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': annotation ' + variables.badSeccompAnnotations[0] + ${celString(` disables or overrides seccomp. Fix: ${SECCOMP_ANNOTATION_FIX}`)}`,
            },
        ],
    },
});
