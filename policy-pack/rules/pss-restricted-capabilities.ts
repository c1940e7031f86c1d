// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_UNKNOWN, celContainerCheck, checkContainers, FieldCheck, show } from "../lib/pod-field-checks";
import { celForbiddenAdds, forbiddenAdds } from "../lib/pss-capabilities";
import { restrictedOnly, restrictedPodContext } from "../lib/pss-restricted";
import { SINCE } from "../lib/pss-version";

const RESTRICTED_ADDS = ["NET_BIND_SERVICE"] as const;

function dropsAllOrUnknown(drop: unknown): boolean {
    return Array.isArray(drop) ? drop.some((cap) => cap === "ALL" || isUnknown(cap)) : isUnknown(drop);
}

const DROP_ALL: FieldCheck = {
    field: ["securityContext", "capabilities", "drop"],
    violates: (v) => !dropsAllOrUnknown(v),
    celViolates: `!(type(v) == list ? v.exists(cap, cap == 'ALL' || cap == ${CEL_UNKNOWN}) : v == ${CEL_UNKNOWN})`,
    problem: () => "does not drop ALL capabilities",
    celProblem: "does not drop ALL capabilities",
    fix: "set securityContext.capabilities.drop: [ALL]",
};

const RESTRICTED_ADD: FieldCheck = {
    field: ["securityContext", "capabilities", "add"],
    violates: (v) => forbiddenAdds(v, RESTRICTED_ADDS).length > 0,
    celViolates: celForbiddenAdds(RESTRICTED_ADDS),
    problem: (v) => `adds capabilities other than NET_BIND_SERVICE: ${forbiddenAdds(v, RESTRICTED_ADDS).map(show).join(", ")}`,
    celProblem: "adds a capability other than NET_BIND_SERVICE",
    fix: "add back at most NET_BIND_SERVICE after dropping ALL",
};

const dropAllCel = celContainerCheck("capabilityKeepingContainers", DROP_ALL);

const restrictedAddCel = celContainerCheck("capabilityAddingContainers", RESTRICTED_ADD);

export const rule = pssRule({
    id: "pss-restricted-capabilities",
    title: "Drop ALL capabilities",
    description:
        "Pod Security Standards (restricted), Capabilities: every container, init container and ephemeral container must list ALL in " +
        "securityContext.capabilities.drop and may add back only NET_BIND_SERVICE. Checked from v1.22; from v1.25 Windows pods are skipped.",
    severity: "medium",
    remediation:
        "Set securityContext.capabilities: {drop: [ALL]} and add back only NET_BIND_SERVICE if the process binds a port below 1024.",
    frameworks: [cisK8s("5.2.8"), cisK8s("5.2.9"), cisK8s("5.2.10"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.capabilitiesRestricted);
        return ctx ? [...checkContainers(object, ctx, DROP_ALL), ...checkContainers(object, ctx, RESTRICTED_ADD)] : [];
    },
    cel: {
        variables: [dropAllCel.variable, restrictedAddCel.variable],
        validations: [
            restrictedOnly(dropAllCel.validation, SINCE.capabilitiesRestricted),
            restrictedOnly(restrictedAddCel.validation, SINCE.capabilitiesRestricted),
        ],
    },
});
