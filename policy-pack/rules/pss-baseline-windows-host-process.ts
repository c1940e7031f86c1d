// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celContainerCheck, celPodCheck, checkContainers, checkPod, FieldCheck, podContext } from "../lib/pod-field-checks";

const HOST_PROCESS: FieldCheck = {
    field: ["securityContext", "windowsOptions", "hostProcess"],
    violates: (v) => v === true,
    celViolates: "v == true",
    problem: () => "sets securityContext.windowsOptions.hostProcess: true",
    celProblem: "sets securityContext.windowsOptions.hostProcess: true",
    fix: "remove windowsOptions.hostProcess or set it to false",
};

const hostProcessCel = celContainerCheck("hostProcessContainers", HOST_PROCESS);

export const rule = pssRule({
    id: "pss-baseline-windows-host-process",
    title: "No Windows HostProcess containers",
    description:
        "Pod Security Standards (baseline), HostProcess: a Windows HostProcess container runs directly on the node with host access. " +
        "spec.securityContext.windowsOptions.hostProcess and every container's, init container's and ephemeral container's " +
        "securityContext.windowsOptions.hostProcess must be unset or false (checked whatever spec.os.name says, as Pod Security Admission does).",
    severity: "high",
    remediation: "Remove windowsOptions.hostProcess (or set it to false) from the pod and its containers.",
    frameworks: [cisK8s("5.2.11"), nist("AC-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? [...checkPod(object, ctx, HOST_PROCESS), ...checkContainers(object, ctx, HOST_PROCESS)] : [];
    },
    cel: { variables: [hostProcessCel.variable], validations: [celPodCheck(HOST_PROCESS), hostProcessCel.validation] },
});
