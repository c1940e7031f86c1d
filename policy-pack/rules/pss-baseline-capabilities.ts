// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { celContainerCheck, checkContainers, FieldCheck, podContext, show } from "../lib/pod-field-checks";
import { BASELINE_CAPABILITIES, celForbiddenAdds, forbiddenAdds } from "../lib/pss-capabilities";

const BASELINE_ADD: FieldCheck = {
    field: ["securityContext", "capabilities", "add"],
    violates: (v) => forbiddenAdds(v, BASELINE_CAPABILITIES).length > 0,
    celViolates: celForbiddenAdds(BASELINE_CAPABILITIES),
    problem: (v) => `adds capabilities outside the baseline set: ${forbiddenAdds(v, BASELINE_CAPABILITIES).map(show).join(", ")}`,
    celProblem: "adds a capability outside the baseline set",
    fix: `add only ${BASELINE_CAPABILITIES.join(", ")} (better: drop ALL and add back only NET_BIND_SERVICE if needed)`,
};

const baselineAddCel = celContainerCheck("extraCapabilityContainers", BASELINE_ADD);

export const rule = pssRule({
    id: "pss-baseline-capabilities",
    title: "Only default capabilities may be added",
    description:
        "Pod Security Standards (baseline), Capabilities: securityContext.capabilities.add may only hold the container runtime's default set " +
        `(${BASELINE_CAPABILITIES.join(", ")}). Anything else (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, ...) widens the kernel attack surface.`,
    severity: "high",
    remediation: "Remove the extra capabilities from securityContext.capabilities.add; drop ALL and add back only what the process needs.",
    frameworks: [cisK8s("5.2.8"), cisK8s("5.2.9"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? checkContainers(object, ctx, BASELINE_ADD) : [];
    },
    cel: { variables: [baselineAddCel.variable], validations: [baselineAddCel.validation] },
});
