// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celPodCheck, checkPod, FieldCheck, podContext } from "../lib/pod-field-checks";

const hostNamespaceCheck = (field: "hostNetwork" | "hostPID" | "hostIPC", shares: string): FieldCheck => ({
    field: [field],
    violates: (v) => v === true,
    celViolates: "v == true",
    problem: () => `sets ${field}: true (shares the node's ${shares})`,
    celProblem: `sets ${field}: true (shares the node's ${shares})`,
    fix: `remove ${field} or set it to false`,
});

const HOST_NAMESPACES = [
    hostNamespaceCheck("hostNetwork", "network namespace"),
    hostNamespaceCheck("hostPID", "process namespace"),
    hostNamespaceCheck("hostIPC", "IPC namespace"),
];

export const rule = pssRule({
    id: "pss-baseline-host-namespaces",
    title: "No host network, PID or IPC namespace",
    description:
        "Pod Security Standards (baseline), Host Namespaces: sharing the node's network, process or IPC namespace exposes other workloads' " +
        "traffic, processes and shared memory. spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset or false. " +
        "Pods whose every container runs an exempt image are not judged.",
    severity: "high",
    remediation:
        "Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false); expose ports through a Service instead of the host network.",
    frameworks: [
        cisK8s("5.2.3"),
        cisK8s("5.2.4"),
        cisK8s("5.2.5"),
        nist("AC-6"),
        nist("SC-7"),
        nist("SC-39"),
        soc2("CC6.1"),
        soc2("CC6.6"),
        pci("2.2.6"),
    ],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? HOST_NAMESPACES.flatMap((c) => checkPod(object, ctx, c)) : [];
    },
    cel: { validations: HOST_NAMESPACES.map(celPodCheck) },
});
