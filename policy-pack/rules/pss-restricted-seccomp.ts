// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { Finding, isUnknown } from "../catalogue/types";
import { ContainerRef, isExemptImage } from "../catalogue/workloads";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    allContainerRefs,
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    celFirstContainerMessage,
    celLet,
    celList,
    celProfileType,
    celString,
    clone,
    containerLabel,
    finding,
    get,
    isRecord,
    isSet,
    profileType,
    show,
} from "../lib/pod-field-checks";
import { restrictedOnly, restrictedPodContext, writableSecurityContext } from "../lib/pss-restricted";
import { ALLOWED_SECCOMP_TYPES } from "../lib/pss-seccomp";
import { SINCE } from "../lib/pss-version";

const SECCOMP_PROFILE = ["securityContext", "seccompProfile"] as const;

const SECCOMP_FIX = "set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost) and remove any Unconfined profile";

const isAllowedSeccomp = (v: unknown): boolean => ALLOWED_SECCOMP_TYPES.includes(v as (typeof ALLOWED_SECCOMP_TYPES)[number]);

const CEL_POD_SECCOMP = "variables.podSeccompType";

const CEL_ALLOWED_SECCOMP = celList(ALLOWED_SECCOMP_TYPES);

export const rule = pssRule({
    id: "pss-restricted-seccomp",
    title: "Seccomp profile required",
    description:
        "Pod Security Standards (restricted), Seccomp: seccompProfile.type must be RuntimeDefault or Localhost, set on the pod or on every " +
        "container (a container's own value overrides the pod's); Unconfined, or a profile without a type, is never allowed. Checked from v1.19 " +
        "(before, pss-baseline-seccomp checks the annotations); from v1.25 Windows pods are skipped.",
    severity: "medium",
    remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault.",
    frameworks: [cisK8s("5.7.2"), nist("CM-7"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.seccompFields);
        if (!ctx) return [];
        const podValue = profileType(ctx.pod.spec, SECCOMP_PROFILE);
        const podCovers = isAllowedSeccomp(podValue) || isUnknown(podValue);
        const findings: Finding[] = [];
        if (isSet(podValue) && !isAllowedSeccomp(podValue)) {
            findings.push(
                finding(
                    object,
                    `${ctx.pod.path}.securityContext.seccompProfile.type`,
                    `the pod sets seccompProfile.type: ${show(podValue)}`,
                    SECCOMP_FIX,
                ),
            );
        }
        for (const ref of ctx.containers) {
            const value = profileType(ref.container, SECCOMP_PROFILE);
            if (isUnknown(value)) continue;
            const path = `${ref.path}.securityContext.seccompProfile.type`;
            if (value === undefined && !podCovers) {
                findings.push(finding(object, path, `${containerLabel(ref)} has no seccomp profile and neither does the pod`, SECCOMP_FIX));
            } else if (value !== undefined && !isAllowedSeccomp(value)) {
                findings.push(finding(object, path, `${containerLabel(ref)} sets seccompProfile.type: ${show(value)}`, SECCOMP_FIX));
            }
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "podSeccompType", expression: celProfileType("variables.podSpec", SECCOMP_PROFILE) },
            {
                name: "unconfinedContainers",
                expression: `variables.containers.filter(c, ${celLet(
                    celProfileType("c", SECCOMP_PROFILE),
                    `v == null ? !(${CEL_POD_SECCOMP} in ${CEL_ALLOWED_SECCOMP} || ${CEL_POD_SECCOMP} == ${CEL_UNKNOWN}) : (v != ${CEL_UNKNOWN} && !(v in ${CEL_ALLOWED_SECCOMP}))`,
                )})`,
            },
        ],
        validations: [
            restrictedOnly(
                {
                    expression: `${CEL_NOTHING_TO_JUDGE} || !(${CEL_POD_SECCOMP} != null && ${CEL_POD_SECCOMP} != ${CEL_UNKNOWN} && !(${CEL_POD_SECCOMP} in ${CEL_ALLOWED_SECCOMP}))`,
                    messageExpression: `${CEL_SUBJECT} + ${celString(`: the pod sets seccompProfile.type to a value other than RuntimeDefault or Localhost. Fix: ${SECCOMP_FIX}`)}`,
                },
                SINCE.seccompFields,
            ),
            restrictedOnly(
                {
                    expression: "size(variables.unconfinedContainers) == 0",
                    messageExpression: celFirstContainerMessage(
                        "unconfinedContainers",
                        `has no RuntimeDefault or Localhost seccomp profile (on itself or the pod). Fix: ${SECCOMP_FIX}`,
                    ),
                },
                SINCE.seccompFields,
            ),
        ],
    },
    /**
     * Gives containers without any seccomp profile RuntimeDefault, when the pod sets none: on the pod if
     * every container it would reach is a non-exempt one, otherwise on those containers only, so an
     * exempt-image container never gets a profile it did not ask for. Safe: a compliant workload is
     * returned unchanged (every container already has an allowed profile, or the pod does); explicit
     * values (Unconfined included) and unknown ones are left alone, and a container's own profile
     * overrides the pod's, so nothing that chose a profile changes.
     */
    remediate(object, params) {
        const copy = clone(object);
        const ctx = restrictedPodContext(copy, params, SINCE.seccompFields);
        if (!ctx) return copy;
        const podSc = ctx.pod.spec.securityContext;
        if (isUnknown(podSc) || (podSc !== undefined && podSc !== null && !isRecord(podSc))) return copy;
        if (get(ctx.pod.spec, ["securityContext", "seccompProfile"]) !== undefined) return copy;
        const unprofiled = (ref: ContainerRef) => get(ref.container, ["securityContext", "seccompProfile"]) === undefined;
        const targets = ctx.containers.filter(unprofiled);
        if (targets.length === 0) return copy;
        const exemptReached = allContainerRefs(copy).some(
            (ref) => unprofiled(ref) && isExemptImage(ref.container.image, params.exemptImages),
        );
        if (!exemptReached) {
            ctx.pod.spec.securityContext = { ...(isRecord(podSc) ? podSc : {}), seccompProfile: { type: "RuntimeDefault" } };
            return copy;
        }
        for (const ref of targets) {
            const sc = writableSecurityContext(ref.container);
            if (sc) sc.seccompProfile = { type: "RuntimeDefault" };
        }
        return copy;
    },
});
