// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celContainerCheck, celUserNamespaceRelaxed, checkContainers, podContext, userNamespaceRelaxed } from "../lib/pod-field-checks";
import { PROC_MOUNT } from "../lib/pss-proc-mount";
import { pssMinor, SINCE } from "../lib/pss-version";

const procMountCel = celContainerCheck("procMountContainers", PROC_MOUNT);

export const rule = pssRule({
    id: "pss-baseline-proc-mount",
    title: "Default /proc mount only",
    description:
        "Pod Security Standards (baseline), /proc Mount Type: an Unmasked /proc exposes kernel interfaces the default mask hides. " +
        "securityContext.procMount must be unset or Default on every container, init container and ephemeral container; from v1.35 " +
        "any value is allowed in a pod with its own user namespace (spec.hostUsers: false). The restricted profile keeps Default " +
        "(pss-restricted-proc-mount).",
    severity: "medium",
    remediation: "Remove securityContext.procMount or set it to Default.",
    frameworks: [cisK8s("5.7.3"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || userNamespaceRelaxed(ctx.pod.spec, pssMinor(params), SINCE.userNamespaceRelaxation)) return [];
        return checkContainers(object, ctx, PROC_MOUNT);
    },
    cel: {
        variables: [procMountCel.variable],
        validations: [
            {
                ...procMountCel.validation,
                expression: `${celUserNamespaceRelaxed(SINCE.userNamespaceRelaxation)} || ${procMountCel.validation.expression}`,
            },
        ],
    },
});
