// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding, K8sObject } from "../catalogue/types";
import { PssParams, pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celContainerCheck, checkContainers, FieldCheck, podContext } from "../lib/pod-field-checks";

const PRIVILEGED: FieldCheck = {
    field: ["securityContext", "privileged"],
    violates: (v) => v === true,
    celViolates: "v == true",
    problem: () => "sets securityContext.privileged: true",
    celProblem: "sets securityContext.privileged: true",
    fix: "remove securityContext.privileged or set it to false; grant only the specific capability the process needs",
};

const privilegedCel = celContainerCheck("privilegedContainers", PRIVILEGED);

export const rule = pssRule({
    id: "pss-baseline-privileged",
    title: "No privileged containers",
    description:
        "Pod Security Standards (baseline), Privileged Containers: a privileged container has every capability and all host devices, " +
        "which disables nearly every isolation mechanism. securityContext.privileged must be unset or false on every container, init container and ephemeral container.",
    severity: "critical",
    remediation: "Remove securityContext.privileged (or set it to false) and add only the specific Linux capability the workload needs.",
    frameworks: [cisK8s("5.2.2"), nist("AC-6"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), soc2("CC6.8"), pci("2.2.6")],
    check(object: K8sObject, params: PssParams): Finding[] {
        const ctx = podContext(object, params);
        return ctx ? checkContainers(object, ctx, PRIVILEGED) : [];
    },
    cel: { validations: [privilegedCel.validation], variables: [privilegedCel.variable] },
});
