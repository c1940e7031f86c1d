// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_ANNOTATIONS,
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_V_IS_SET,
    celContainerCheck,
    celPodCheck,
    celProfileType,
    celString,
    checkContainers,
    checkPod,
    FieldCheck,
    finding,
    get,
    isExemptContainerName,
    isRecord,
    isSet,
    podContext,
    profileType,
    show,
} from "../lib/pod-field-checks";

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const APPARMOR_PROFILE = ["securityContext", "appArmorProfile"] as const;

const APPARMOR_TYPE: FieldCheck = {
    field: [...APPARMOR_PROFILE, "type"],
    read: (root) => profileType(root, APPARMOR_PROFILE),
    celRead: (base) => celProfileType(base, APPARMOR_PROFILE),
    violates: (v) => isSet(v) && v !== "RuntimeDefault" && v !== "Localhost",
    celViolates: `${CEL_V_IS_SET} && !(v in ['RuntimeDefault', 'Localhost'])`,
    problem: (v) =>
        v === "" ? "sets securityContext.appArmorProfile without a type" : `sets securityContext.appArmorProfile.type: ${show(v)}`,
    celProblem: "sets securityContext.appArmorProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "remove appArmorProfile or set its type to RuntimeDefault (or Localhost with a reviewed profile)",
};

function allowedAppArmorAnnotation(value: unknown): boolean {
    return value === "" || value === "runtime/default" || (typeof value === "string" && value.startsWith("localhost/"));
}

const APPARMOR_ANNOTATION_FIX =
    "remove the annotation (use securityContext.appArmorProfile) or set it to runtime/default or localhost/<profile>";

const appArmorContainerCel = celContainerCheck("unconfinedAppArmorContainers", APPARMOR_TYPE);

const CEL_ALL_CONTAINERS = `(${["containers", "initContainers", "ephemeralContainers"]
    .map((list) => `((has(variables.podSpec.${list}) && type(variables.podSpec.${list}) == list) ? variables.podSpec.${list} : [])`)
    .join(" + ")})`;

export const rule = pssRule({
    id: "pss-baseline-apparmor",
    gatekeeperKind: "SgPssBaselineAppArmor", // predates the derived kind (gatekeeperKindFor); kinds never change once deployed
    title: "AppArmor may not be disabled",
    description:
        "Pod Security Standards (baseline), AppArmor: the pod's and every container's securityContext.appArmorProfile.type must be unset, " +
        "RuntimeDefault or Localhost (never Unconfined), and the legacy annotations container.apparmor.security.beta.kubernetes.io/<container> " +
        "must be unset, runtime/default or localhost/<profile>. Annotations naming an exempt-image container are skipped.",
    severity: "medium",
    remediation: "Remove Unconfined AppArmor settings; use appArmorProfile.type RuntimeDefault (or Localhost with a reviewed profile).",
    frameworks: [cisK8s("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const findings = [...checkPod(object, ctx, APPARMOR_TYPE), ...checkContainers(object, ctx, APPARMOR_TYPE)];
        const annotations = isRecord(ctx.pod.metadata) ? get(ctx.pod.metadata, ["annotations"]) : undefined;
        if (isRecord(annotations)) {
            const metaPath = ctx.pod.path === "spec" ? "metadata" : `${ctx.pod.path.replace(/\.spec$/, "")}.metadata`;
            for (const [key, value] of Object.entries(annotations)) {
                if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || value === null || value === undefined || isUnknown(value)) continue;
                if (isExemptContainerName(object, key.slice(APPARMOR_ANNOTATION_PREFIX.length), params.exemptImages)) continue;
                if (!allowedAppArmorAnnotation(value)) {
                    findings.push(
                        finding(
                            object,
                            `${metaPath}.annotations["${key}"]`,
                            `annotation ${key} is ${show(value)}`,
                            APPARMOR_ANNOTATION_FIX,
                        ),
                    );
                }
            }
        }
        return findings;
    },
    cel: {
        variables: [
            appArmorContainerCel.variable,
            {
                name: "appArmorExemptNames",
                expression:
                    `${CEL_ALL_CONTAINERS}.filter(c, type(c) == map && has(c.name) && type(c.name) == string && ` +
                    "variables.exemptImages.exists(p, has(c.image) && type(c.image) == string && p != '' && c.image.startsWith(p))).map(c, c.name)",
            },
            {
                name: "badAppArmorAnnotations",
                expression:
                    `${CEL_ANNOTATIONS}.filter(k, k.startsWith(${celString(APPARMOR_ANNOTATION_PREFIX)}) && ` +
                    `!variables.appArmorExemptNames.exists(n, k == ${celString(APPARMOR_ANNOTATION_PREFIX)} + n) && ` +
                    `[${CEL_ANNOTATIONS}[k]].exists(v, ${CEL_V_IS_SET} && !(v == '' || v == 'runtime/default' || (type(v) == string && v.startsWith('localhost/')))))`,
            },
        ],
        validations: [
            celPodCheck(APPARMOR_TYPE),
            appArmorContainerCel.validation,
            {
                expression: `${CEL_NOTHING_TO_JUDGE} || size(variables.badAppArmorAnnotations) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': annotation ' + variables.badAppArmorAnnotations[0] + ${celString(` disables or overrides AppArmor. Fix: ${APPARMOR_ANNOTATION_FIX}`)}`,
            },
        ],
    },
});
