// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_UNKNOWN, celContainerCheck, checkContainers, clone, FieldCheck, get, show } from "../lib/pod-field-checks";
import { restrictedOnly, restrictedPodContext, writableSecurityContext } from "../lib/pss-restricted";
import { SINCE } from "../lib/pss-version";

const PRIVILEGE_ESCALATION: FieldCheck = {
    field: ["securityContext", "allowPrivilegeEscalation"],
    violates: (v) => v !== false && !isUnknown(v),
    celViolates: `v != false && v != ${CEL_UNKNOWN}`,
    problem: (v) =>
        v === undefined
            ? "does not set securityContext.allowPrivilegeEscalation: false (it defaults to true)"
            : `sets securityContext.allowPrivilegeEscalation: ${show(v)}`,
    celProblem: "does not set securityContext.allowPrivilegeEscalation: false",
    fix: "set securityContext.allowPrivilegeEscalation: false",
};

const privilegeEscalationCel = celContainerCheck("escalatingContainers", PRIVILEGE_ESCALATION);

/** True when the API would reject allowPrivilegeEscalation: false on this container (privileged or CAP_SYS_ADMIN), or we cannot tell. */
function escalationRequiredOrUnknown(container: Record<string, unknown>): boolean {
    const privileged = get(container, ["securityContext", "privileged"]);
    const add = get(container, ["securityContext", "capabilities", "add"]);
    if (privileged === true || isUnknown(privileged) || isUnknown(add)) return true;
    return Array.isArray(add) && add.some((cap) => cap === "SYS_ADMIN" || cap === "CAP_SYS_ADMIN" || isUnknown(cap));
}

export const rule = pssRule({
    id: "pss-restricted-privilege-escalation",
    title: "Privilege escalation disabled",
    description:
        "Pod Security Standards (restricted), Privilege Escalation: securityContext.allowPrivilegeEscalation must be false on every container, " +
        "init container and ephemeral container (unset means true), so setuid binaries and file capabilities cannot raise privileges (no_new_privs). " +
        "Checked from v1.8; from v1.25 Windows pods (spec.os.name: windows) are skipped, as in the standard.",
    severity: "high",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    frameworks: [cisK8s("5.2.6"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.allowPrivilegeEscalation);
        return ctx ? checkContainers(object, ctx, PRIVILEGE_ESCALATION) : [];
    },
    cel: {
        variables: [privilegeEscalationCel.variable],
        validations: [restrictedOnly(privilegeEscalationCel.validation, SINCE.allowPrivilegeEscalation)],
    },
    /**
     * Sets allowPrivilegeEscalation: false where it is unset on a non-exempt container. Safe: a compliant
     * workload already has false everywhere and is returned unchanged; an explicit `true` (or an unknown
     * value) is a decision left to a human; containers that are privileged or add SYS_ADMIN are skipped
     * because the API rejects false there; exempt-image containers are never touched.
     */
    remediate(object, params) {
        const copy = clone(object);
        const ctx = restrictedPodContext(copy, params, SINCE.allowPrivilegeEscalation);
        if (!ctx) return copy;
        for (const ref of ctx.containers) {
            if (get(ref.container, PRIVILEGE_ESCALATION.field) !== undefined || escalationRequiredOrUnknown(ref.container)) continue;
            const sc = writableSecurityContext(ref.container);
            if (sc) sc.allowPrivilegeEscalation = false;
        }
        return copy;
    },
});
