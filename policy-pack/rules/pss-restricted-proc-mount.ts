// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celContainerCheck, checkContainers, podContext } from "../lib/pod-field-checks";
import { PROC_MOUNT } from "../lib/pss-proc-mount";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

const restrictedProcMountCel = celContainerCheck("restrictedProcMountContainers", PROC_MOUNT);

export const rule = pssRule({
    id: "pss-restricted-proc-mount",
    title: "Default /proc mount, user namespaces included",
    description:
        "Pod Security Standards (restricted), /proc Mount Type, from v1.35: securityContext.procMount must be unset or Default on every " +
        "container, init container and ephemeral container, even in a pod with its own user namespace (spec.hostUsers: false), " +
        "which the baseline profile lets unmask /proc. Before v1.35 the baseline rule (pss-baseline-proc-mount) is the whole control.",
    severity: "medium",
    remediation: "Remove securityContext.procMount or set it to Default.",
    frameworks: [cisK8s("5.7.3"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx && pssMinor(params) >= SINCE.procMountRestricted ? checkContainers(object, ctx, PROC_MOUNT) : [];
    },
    cel: {
        variables: [restrictedProcMountCel.variable],
        validations: [
            {
                ...restrictedProcMountCel.validation,
                expression: `${CEL_MINOR} < ${SINCE.procMountRestricted} || ${restrictedProcMountCel.validation.expression}`,
            },
        ],
    },
});
