// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { Finding, isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    celFirstContainerMessage,
    celGet,
    celLet,
    celString,
    containerLabel,
    finding,
    get,
    isSet,
    podContext,
    show,
    userNamespaceRelaxed,
} from "../lib/pod-field-checks";
import { CEL_RELAXED } from "../lib/pss-restricted";
import { pssMinor, SINCE } from "../lib/pss-version";

const RUN_AS_NON_ROOT_FIELD = ["securityContext", "runAsNonRoot"] as const;

const RUN_AS_NON_ROOT_FIX =
    "set securityContext.runAsNonRoot: true on the pod (and never false on a container) and run the image as a non-zero UID";

const CEL_POD_RUN_AS_NON_ROOT = "variables.podRunAsNonRoot";

export const rule = pssRule({
    id: "pss-restricted-run-as-non-root",
    title: "Containers must run as non-root",
    description:
        "Pod Security Standards (restricted), Running as Non-root: spec.securityContext.runAsNonRoot must be true, or every container must set " +
        "securityContext.runAsNonRoot: true. A container's own false overrides the pod's true and is a violation, and so is an explicit false on the pod. " +
        "From v1.35 a pod with its own user namespace (spec.hostUsers: false) may set any value.",
    severity: "high",
    remediation:
        "Set spec.securityContext.runAsNonRoot: true, remove any container-level runAsNonRoot: false, and build images with a non-root USER.",
    frameworks: [cisK8s("5.2.7"), nist("AC-6"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || userNamespaceRelaxed(ctx.pod.spec, pssMinor(params), SINCE.userNamespaceRelaxation)) return [];
        const podValue = get(ctx.pod.spec, RUN_AS_NON_ROOT_FIELD);
        // An unknown pod value may turn out true, so it covers containers that leave the field unset.
        const podCovers = podValue === true || isUnknown(podValue);
        const findings: Finding[] = [];
        if (isSet(podValue) && podValue !== true) {
            findings.push(
                finding(
                    object,
                    `${ctx.pod.path}.securityContext.runAsNonRoot`,
                    `the pod sets securityContext.runAsNonRoot: ${show(podValue)}`,
                    RUN_AS_NON_ROOT_FIX,
                ),
            );
        }
        for (const ref of ctx.containers) {
            const value = get(ref.container, RUN_AS_NON_ROOT_FIELD);
            if (isUnknown(value)) continue;
            const path = `${ref.path}.securityContext.runAsNonRoot`;
            if (value === undefined && !podCovers) {
                findings.push(
                    finding(
                        object,
                        path,
                        `${containerLabel(ref)} does not set securityContext.runAsNonRoot: true and neither does the pod`,
                        RUN_AS_NON_ROOT_FIX,
                    ),
                );
            } else if (value !== undefined && value !== true) {
                findings.push(
                    finding(
                        object,
                        path,
                        `${containerLabel(ref)} sets securityContext.runAsNonRoot: ${show(value)} (a container value overrides the pod's)`,
                        RUN_AS_NON_ROOT_FIX,
                    ),
                );
            }
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "podRunAsNonRoot", expression: celGet("variables.podSpec", RUN_AS_NON_ROOT_FIELD) },
            {
                name: "rootContainers",
                expression: `variables.containers.filter(c, ${celLet(
                    celGet("c", RUN_AS_NON_ROOT_FIELD),
                    `v == null ? !(${CEL_POD_RUN_AS_NON_ROOT} == true || ${CEL_POD_RUN_AS_NON_ROOT} == ${CEL_UNKNOWN}) : (v != true && v != ${CEL_UNKNOWN})`,
                )})`,
            },
        ],
        validations: [
            {
                expression: `${CEL_RELAXED} || ${CEL_NOTHING_TO_JUDGE} || !(${CEL_POD_RUN_AS_NON_ROOT} != null && ${CEL_POD_RUN_AS_NON_ROOT} != ${CEL_UNKNOWN} && ${CEL_POD_RUN_AS_NON_ROOT} != true)`,
                messageExpression: `${CEL_SUBJECT} + ${celString(`: the pod sets securityContext.runAsNonRoot to a value other than true. Fix: ${RUN_AS_NON_ROOT_FIX}`)}`,
            },
            {
                expression: `${CEL_RELAXED} || size(variables.rootContainers) == 0`,
                messageExpression: celFirstContainerMessage(
                    "rootContainers",
                    `may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true, or it sets false. Fix: ${RUN_AS_NON_ROOT_FIX}`,
                ),
            },
        ],
    },
});
