// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_V_IS_SET,
    celContainerCheck,
    celList,
    celPodCheck,
    checkContainers,
    checkPod,
    FieldCheck,
    isSet,
    podContext,
    show,
} from "../lib/pod-field-checks";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

/** SELinux types a container may use ("" = unset); container_engine_t since v1.31. */
const ALLOWED_SELINUX_TYPES_V1_0 = ["", "container_t", "container_init_t", "container_kvm_t"] as const;

const ALLOWED_SELINUX_TYPES = [...ALLOWED_SELINUX_TYPES_V1_0, "container_engine_t"] as const;

function allowedSeLinuxTypes(minor: number): readonly string[] {
    return minor >= SINCE.seLinuxContainerEngineT ? ALLOWED_SELINUX_TYPES : ALLOWED_SELINUX_TYPES_V1_0;
}

const CEL_ALLOWED_SELINUX_TYPES = `(${CEL_MINOR} >= ${SINCE.seLinuxContainerEngineT} ? ${celList(ALLOWED_SELINUX_TYPES)} : ${celList(ALLOWED_SELINUX_TYPES_V1_0)})`;

const SELINUX_FIX = `remove seLinuxOptions, or keep only a type among ${ALLOWED_SELINUX_TYPES.filter((t) => t !== "").join(", ")} (container_engine_t since v1.31) with no user or role`;

const seLinuxChecks = (prefix: readonly string[], allowedTypes: readonly string[]): FieldCheck[] => [
    {
        field: [...prefix, "seLinuxOptions", "type"],
        violates: (v) => isSet(v) && !allowedTypes.includes(v as string),
        celViolates: `${CEL_V_IS_SET} && !(v in ${CEL_ALLOWED_SELINUX_TYPES})`,
        problem: (v) => `sets securityContext.seLinuxOptions.type: ${show(v)}`,
        celProblem: "sets securityContext.seLinuxOptions.type outside the allowed container types",
        fix: SELINUX_FIX,
    },
    ...(["user", "role"] as const).map((key): FieldCheck => ({
        field: [...prefix, "seLinuxOptions", key],
        violates: (v) => isSet(v) && v !== "",
        celViolates: `${CEL_V_IS_SET} && v != ''`,
        problem: (v) => `sets securityContext.seLinuxOptions.${key}: ${show(v)}`,
        celProblem: `sets securityContext.seLinuxOptions.${key}`,
        fix: SELINUX_FIX,
    })),
];

const SELINUX_BY_VERSION = {
    v1_0: seLinuxChecks(["securityContext"], ALLOWED_SELINUX_TYPES_V1_0),
    latest: seLinuxChecks(["securityContext"], ALLOWED_SELINUX_TYPES),
};

const seLinuxCel = SELINUX_BY_VERSION.latest.map((c, i) => celContainerCheck(`seLinuxContainers${["Type", "User", "Role"][i]}`, c));

export const rule = pssRule({
    id: "pss-baseline-selinux",
    gatekeeperKind: "SgPssBaselineSeLinux", // predates the derived kind (gatekeeperKindFor); kinds never change once deployed
    title: "No custom SELinux options",
    description:
        "Pod Security Standards (baseline), SELinux: seLinuxOptions.type at pod and container level must be unset, empty or one of " +
        "container_t, container_init_t, container_kvm_t and, from v1.31, container_engine_t; seLinuxOptions.user and .role must be unset or empty. " +
        "Custom SELinux labels can escape the container's confinement.",
    severity: "medium",
    remediation: "Remove seLinuxOptions.user and .role, and use one of the standard container types (or none).",
    frameworks: [cisK8s("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const checks =
            allowedSeLinuxTypes(pssMinor(params)) === ALLOWED_SELINUX_TYPES ? SELINUX_BY_VERSION.latest : SELINUX_BY_VERSION.v1_0;
        return checks.flatMap((c) => [...checkPod(object, ctx, c), ...checkContainers(object, ctx, c)]);
    },
    cel: {
        variables: seLinuxCel.map((c) => c.variable),
        validations: [...SELINUX_BY_VERSION.latest.map(celPodCheck), ...seLinuxCel.map((c) => c.validation)],
    },
});
