// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    celContainerCheck,
    celPodCheck,
    checkContainers,
    checkPod,
    FieldCheck,
    podContext,
    userNamespaceRelaxed,
} from "../lib/pod-field-checks";
import { CEL_RELAXED } from "../lib/pss-restricted";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

const RUN_AS_ROOT_USER: FieldCheck = {
    field: ["securityContext", "runAsUser"],
    violates: (v) => v === 0,
    celViolates: "v == 0",
    problem: () => "sets securityContext.runAsUser: 0 (root)",
    celProblem: "sets securityContext.runAsUser: 0 (root)",
    fix: "remove runAsUser: 0 and set a non-zero UID (e.g. 10001)",
};

const runAsUserCel = celContainerCheck("rootUserContainers", RUN_AS_ROOT_USER);

export const rule = pssRule({
    id: "pss-restricted-run-as-user",
    title: "Containers must not run as UID 0",
    description:
        "Pod Security Standards (restricted), Running as Non-root user: securityContext.runAsUser must not be 0 at pod level nor on any " +
        "container, init container or ephemeral container (unset or any non-zero UID is allowed). Checked from v1.23; from v1.35 a pod " +
        "with its own user namespace (spec.hostUsers: false) may run as UID 0.",
    severity: "high",
    remediation: "Remove runAsUser: 0 and run as a non-zero UID.",
    frameworks: [cisK8s("5.2.7"), nist("AC-6"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const minor = pssMinor(params);
        const ctx = minor >= SINCE.runAsUser ? podContext(object, params) : undefined;
        if (!ctx || userNamespaceRelaxed(ctx.pod.spec, minor, SINCE.userNamespaceRelaxation)) return [];
        return [...checkPod(object, ctx, RUN_AS_ROOT_USER), ...checkContainers(object, ctx, RUN_AS_ROOT_USER)];
    },
    cel: {
        variables: [runAsUserCel.variable],
        validations: [celPodCheck(RUN_AS_ROOT_USER), runAsUserCel.validation].map((v) => ({
            ...v,
            expression: `${CEL_MINOR} < ${SINCE.runAsUser} || ${CEL_RELAXED} || ${v.expression}`,
        })),
    },
});
