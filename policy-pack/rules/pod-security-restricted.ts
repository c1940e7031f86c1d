// Pod Security Standards, Restricted profile (on top of baseline), field by field as
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ defines it, plus
// readOnlyRootFilesystem, which the standards leave out but the platform requires.
//
// Every PSS rule follows Pod Security Admission at its `podSecurityVersion` (pod-security-version.ts):
// where the docs say "Linux only (spec.os.name != windows)" - privilege escalation, seccomp and
// capabilities - Windows pods are skipped from v1.25, as PSA does; readOnlyRootFilesystem (not a PSS
// control, no version) always skips them because the API forbids the field on Windows pods. The
// "Non-root groups" control is optional in the docs and not enforced by PSA, nor here.
import { CommonK8sParams, Finding, isUnknown, K8sObject, Rule } from "../catalogue/types";
import { ContainerRef, isExemptImage } from "../catalogue/workloads";
import { cis, nist, pci, podRule, PssParams, pssRule, soc2 } from "./pod-security-common";
import { CEL_MINOR, pssMinor, SINCE } from "./pod-security-version";
import { ALLOWED_SECCOMP_TYPES, celForbiddenAdds, forbiddenAdds, pssRestrictedProcMount } from "./pod-security-baseline";
import {
    allContainerRefs,
    CEL_NO_CONTAINERS,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    CEL_WINDOWS_OR_UNKNOWN_OS,
    celContainerCheck,
    celFirstContainerMessage,
    celGet,
    celLet,
    celList,
    celName,
    celPodCheck,
    celString,
    checkContainers,
    checkPod,
    clone,
    containerLabel,
    FieldCheck,
    finding,
    get,
    isRecord,
    isSet,
    isWindowsOrUnknownOs,
    PodContext,
    podContext,
    profileType,
    celProfileType,
    celUserNamespaceRelaxed,
    show,
    userNamespaceRelaxed,
} from "./pod-security-helpers";

/** The pod context for a Linux-only control: none for Windows pods (or an unknown OS). */
function linuxPodContext(object: K8sObject, params: CommonK8sParams): PodContext | undefined {
    const ctx = podContext(object, params);
    return ctx && !isWindowsOrUnknownOs(ctx.pod.spec) ? ctx : undefined;
}

/** A CEL validation made Linux-only. */
function linuxOnly<V extends { expression: string }>(validation: V): V {
    return { ...validation, expression: `${CEL_WINDOWS_OR_UNKNOWN_OS} || ${validation.expression}` };
}

/**
 * The pod context for a restricted control PSA added in v1.`since` and, from v1.25, skips for Windows
 * pods (spec.os.name: windows; an unknown os.name is skipped too). None when the control does not run.
 */
function restrictedPodContext(object: K8sObject, params: PssParams, since: number): PodContext | undefined {
    const minor = pssMinor(params);
    const ctx = minor >= since ? podContext(object, params) : undefined;
    return ctx && !(minor >= SINCE.windowsExemptFromRestricted && isWindowsOrUnknownOs(ctx.pod.spec)) ? ctx : undefined;
}

/** CEL twin of `restrictedPodContext` around a validation. */
function restrictedOnly<V extends { expression: string }>(validation: V, since: number): V {
    return {
        ...validation,
        expression: `${CEL_MINOR} < ${since} || (${CEL_MINOR} >= ${SINCE.windowsExemptFromRestricted} && ${CEL_WINDOWS_OR_UNKNOWN_OS}) || ${validation.expression}`,
    };
}

/** The container's securityContext as a writable record, or undefined when it is unknown or malformed. */
function writableSecurityContext(container: Record<string, unknown>): Record<string, unknown> | undefined {
    const sc = container.securityContext;
    if (sc === undefined || sc === null) return (container.securityContext = {});
    return isRecord(sc) ? sc : undefined;
}

// ---- volume types ---------------------------------------------------------------------------------------

/** Volume sources the restricted profile allows (PSA's list; `image` volumes included). */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"] as const;

const isRestrictedVolumeType = (key: string): boolean => RESTRICTED_VOLUME_TYPES.includes(key as (typeof RESTRICTED_VOLUME_TYPES)[number]);

/**
 * The volume's verdict as PSA reaches it: allowed when any allowed source is set (an unknown value there
 * still names that source); otherwise not judged when another key is unknown (it may hold anything);
 * otherwise forbidden, naming its other sources ("no allowed source" when it has none).
 */
function volumeVerdict(volume: Record<string, unknown>): { forbidden: false } | { forbidden: true; sources: string[] } {
    const sources = Object.keys(volume).filter((key) => key !== "name" && volume[key] !== undefined && volume[key] !== null);
    if (sources.some(isRestrictedVolumeType)) return { forbidden: false };
    if (sources.some((key) => isUnknown(volume[key]))) return { forbidden: false };
    return { forbidden: true, sources };
}

const VOLUME_TYPES_FIX = `use only ${RESTRICTED_VOLUME_TYPES.join(", ")} volumes (node and network storage through a PersistentVolumeClaim)`;
const CEL_VOLUMES = celGet("variables.podSpec", ["volumes"]);
const CEL_SOURCE_SET = "vol[k] != null";

export const pssRestrictedVolumeTypes = pssRule({
    id: "pss-restricted-volume-types",
    gatekeeperKind: "SgPssRestrictedVolumeTypes",
    title: "Only core volume types",
    description:
        "Pod Security Standards (restricted), Volume Types: every spec.volumes entry must use one of " +
        `${RESTRICTED_VOLUME_TYPES.join(", ")}; other sources (hostPath, nfs, iscsi, gitRepo, flexVolume, cloud disks, ...) and volumes ` +
        "with no source must come through a PersistentVolumeClaim so the cluster admin controls them. Pods whose every container runs an exempt image are not judged.",
    severity: "medium",
    remediation: "Replace direct volume sources with a PersistentVolumeClaim (or an emptyDir, configMap, secret or projected volume).",
    frameworks: [cis("5.2.12"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const volumes = get(ctx.pod.spec, ["volumes"]);
        if (!Array.isArray(volumes)) return [];
        const findings: Finding[] = [];
        volumes.forEach((volume, index) => {
            if (!isRecord(volume)) return;
            const verdict = volumeVerdict(volume);
            if (!verdict.forbidden) return;
            const name = typeof volume.name === "string" ? volume.name : String(index);
            if (verdict.sources.length === 0) {
                findings.push(finding(object, `${ctx.pod.path}.volumes[name=${name}]`, `volume "${name}" has no allowed volume source`, VOLUME_TYPES_FIX));
            }
            for (const source of verdict.sources) {
                findings.push(finding(object, `${ctx.pod.path}.volumes[name=${name}].${source}`, `volume "${name}" uses the ${source} source`, VOLUME_TYPES_FIX));
            }
        });
        return findings;
    },
    cel: {
        variables: [
            {
                name: "restrictedVolumes",
                expression:
                    `[${CEL_VOLUMES}].exists(l, type(l) == list) ? ${CEL_VOLUMES}.filter(vol, type(vol) == map && ` +
                    `!vol.exists(k, k != 'name' && ${CEL_SOURCE_SET} && (k in ${celList(RESTRICTED_VOLUME_TYPES)} || vol[k] == ${CEL_UNKNOWN}))) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NO_CONTAINERS} || size(variables.restrictedVolumes) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': volume ' + ${celName("variables.restrictedVolumes[0]")} + ${celString(` uses a volume source outside the restricted list. Fix: ${VOLUME_TYPES_FIX}`)}`,
            },
        ],
    },
});

// ---- privilege escalation ------------------------------------------------------------------------------

const PRIVILEGE_ESCALATION: FieldCheck = {
    field: ["securityContext", "allowPrivilegeEscalation"],
    violates: (v) => v !== false && !isUnknown(v),
    celViolates: `v != false && v != ${CEL_UNKNOWN}`,
    problem: (v) => (v === undefined ? "does not set securityContext.allowPrivilegeEscalation: false (it defaults to true)" : `sets securityContext.allowPrivilegeEscalation: ${show(v)}`),
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

export const pssRestrictedPrivilegeEscalation = pssRule({
    id: "pss-restricted-privilege-escalation",
    gatekeeperKind: "SgPssRestrictedPrivilegeEscalation",
    title: "Privilege escalation disabled",
    description:
        "Pod Security Standards (restricted), Privilege Escalation: securityContext.allowPrivilegeEscalation must be false on every container, " +
        "init container and ephemeral container (unset means true), so setuid binaries and file capabilities cannot raise privileges (no_new_privs). " +
        "Checked from v1.8; from v1.25 Windows pods (spec.os.name: windows) are skipped, as in the standard.",
    severity: "high",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    frameworks: [cis("5.2.6"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.allowPrivilegeEscalation);
        return ctx ? checkContainers(object, ctx, PRIVILEGE_ESCALATION) : [];
    },
    cel: { variables: [privilegeEscalationCel.variable], validations: [restrictedOnly(privilegeEscalationCel.validation, SINCE.allowPrivilegeEscalation)] },
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

// ---- run as non-root ---------------------------------------------------------------------------------------

const RUN_AS_NON_ROOT_FIELD = ["securityContext", "runAsNonRoot"] as const;
const RUN_AS_NON_ROOT_FIX = "set securityContext.runAsNonRoot: true on the pod (and never false on a container) and run the image as a non-zero UID";
const CEL_POD_RUN_AS_NON_ROOT = "variables.podRunAsNonRoot";
const CEL_RELAXED = celUserNamespaceRelaxed(SINCE.userNamespaceRelaxation);

export const pssRestrictedRunAsNonRoot = pssRule({
    id: "pss-restricted-run-as-non-root",
    gatekeeperKind: "SgPssRestrictedRunAsNonRoot",
    title: "Containers must run as non-root",
    description:
        "Pod Security Standards (restricted), Running as Non-root: spec.securityContext.runAsNonRoot must be true, or every container must set " +
        "securityContext.runAsNonRoot: true. A container's own false overrides the pod's true and is a violation, and so is an explicit false on the pod. " +
        "From v1.35 a pod with its own user namespace (spec.hostUsers: false) may set any value.",
    severity: "high",
    remediation: "Set spec.securityContext.runAsNonRoot: true, remove any container-level runAsNonRoot: false, and build images with a non-root USER.",
    frameworks: [cis("5.2.7"), nist("AC-6"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || userNamespaceRelaxed(ctx.pod.spec, pssMinor(params), SINCE.userNamespaceRelaxation)) return [];
        const podValue = get(ctx.pod.spec, RUN_AS_NON_ROOT_FIELD);
        // An unknown pod value may turn out true, so it covers containers that leave the field unset.
        const podCovers = podValue === true || isUnknown(podValue);
        const findings: Finding[] = [];
        if (isSet(podValue) && podValue !== true) {
            findings.push(finding(object, `${ctx.pod.path}.securityContext.runAsNonRoot`, `the pod sets securityContext.runAsNonRoot: ${show(podValue)}`, RUN_AS_NON_ROOT_FIX));
        }
        for (const ref of ctx.containers) {
            const value = get(ref.container, RUN_AS_NON_ROOT_FIELD);
            if (isUnknown(value)) continue;
            const path = `${ref.path}.securityContext.runAsNonRoot`;
            if (value === undefined && !podCovers) {
                findings.push(finding(object, path, `${containerLabel(ref)} does not set securityContext.runAsNonRoot: true and neither does the pod`, RUN_AS_NON_ROOT_FIX));
            } else if (value !== undefined && value !== true) {
                findings.push(finding(object, path, `${containerLabel(ref)} sets securityContext.runAsNonRoot: ${show(value)} (a container value overrides the pod's)`, RUN_AS_NON_ROOT_FIX));
            }
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "podRunAsNonRoot", expression: celGet("variables.podSpec", RUN_AS_NON_ROOT_FIELD) },
            {
                name: "rootContainers",
                expression:
                    `variables.containers.filter(c, ${celLet(
                        celGet("c", RUN_AS_NON_ROOT_FIELD),
                        `v == null ? !(${CEL_POD_RUN_AS_NON_ROOT} == true || ${CEL_POD_RUN_AS_NON_ROOT} == ${CEL_UNKNOWN}) : (v != true && v != ${CEL_UNKNOWN})`,
                    )})`,
            },
        ],
        validations: [
            {
                expression: `${CEL_RELAXED} || ${CEL_NO_CONTAINERS} || !(${CEL_POD_RUN_AS_NON_ROOT} != null && ${CEL_POD_RUN_AS_NON_ROOT} != ${CEL_UNKNOWN} && ${CEL_POD_RUN_AS_NON_ROOT} != true)`,
                messageExpression: `${CEL_SUBJECT} + ${celString(`: the pod sets securityContext.runAsNonRoot to a value other than true. Fix: ${RUN_AS_NON_ROOT_FIX}`)}`,
            },
            {
                expression: `${CEL_RELAXED} || size(variables.rootContainers) == 0`,
                messageExpression: celFirstContainerMessage(
                    "rootContainers",
                    `may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true, or it sets false. Fix: ${RUN_AS_NON_ROOT_FIX}`,
                ),
            },
        ],
    },
});

// ---- run as user ----------------------------------------------------------------------------------------------

const RUN_AS_ROOT_USER: FieldCheck = {
    field: ["securityContext", "runAsUser"],
    violates: (v) => v === 0,
    celViolates: "v == 0",
    problem: () => "sets securityContext.runAsUser: 0 (root)",
    celProblem: "sets securityContext.runAsUser: 0 (root)",
    fix: "remove runAsUser: 0 and set a non-zero UID (e.g. 10001)",
};
const runAsUserCel = celContainerCheck("rootUserContainers", RUN_AS_ROOT_USER);

export const pssRestrictedRunAsUser = pssRule({
    id: "pss-restricted-run-as-user",
    gatekeeperKind: "SgPssRestrictedRunAsUser",
    title: "Containers must not run as UID 0",
    description:
        "Pod Security Standards (restricted), Running as Non-root user: securityContext.runAsUser must not be 0 at pod level nor on any " +
        "container, init container or ephemeral container (unset or any non-zero UID is allowed). Checked from v1.23; from v1.35 a pod " +
        "with its own user namespace (spec.hostUsers: false) may run as UID 0.",
    severity: "high",
    remediation: "Remove runAsUser: 0 and run as a non-zero UID.",
    frameworks: [cis("5.2.7"), nist("AC-6"), soc2("CC6.1"), pci("2.2.6")],
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

// ---- seccomp (restricted) -----------------------------------------------------------------------------------

const SECCOMP_PROFILE = ["securityContext", "seccompProfile"] as const;
const SECCOMP_FIX = "set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost) and remove any Unconfined profile";
const isAllowedSeccomp = (v: unknown): boolean => ALLOWED_SECCOMP_TYPES.includes(v as (typeof ALLOWED_SECCOMP_TYPES)[number]);
const CEL_POD_SECCOMP = "variables.podSeccompType";
const CEL_ALLOWED_SECCOMP = celList(ALLOWED_SECCOMP_TYPES);

export const pssRestrictedSeccomp = pssRule({
    id: "pss-restricted-seccomp",
    gatekeeperKind: "SgPssRestrictedSeccomp",
    title: "Seccomp profile required",
    description:
        "Pod Security Standards (restricted), Seccomp: seccompProfile.type must be RuntimeDefault or Localhost, set on the pod or on every " +
        "container (a container's own value overrides the pod's); Unconfined, or a profile without a type, is never allowed. Checked from v1.19 " +
        "(before, pss-baseline-seccomp checks the annotations); from v1.25 Windows pods are skipped.",
    severity: "medium",
    remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault.",
    frameworks: [cis("5.7.2"), nist("CM-7"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.seccompFields);
        if (!ctx) return [];
        const podValue = profileType(ctx.pod.spec, SECCOMP_PROFILE);
        const podCovers = isAllowedSeccomp(podValue) || isUnknown(podValue);
        const findings: Finding[] = [];
        if (isSet(podValue) && !isAllowedSeccomp(podValue)) {
            findings.push(finding(object, `${ctx.pod.path}.securityContext.seccompProfile.type`, `the pod sets seccompProfile.type: ${show(podValue)}`, SECCOMP_FIX));
        }
        for (const ref of ctx.containers) {
            const value = profileType(ref.container, SECCOMP_PROFILE);
            if (isUnknown(value)) continue;
            const path = `${ref.path}.securityContext.seccompProfile.type`;
            if (value === undefined && !podCovers) {
                findings.push(finding(object, path, `${containerLabel(ref)} has no seccomp profile and neither does the pod`, SECCOMP_FIX));
            } else if (value !== undefined && !isAllowedSeccomp(value)) {
                findings.push(finding(object, path, `${containerLabel(ref)} sets seccompProfile.type: ${show(value)}`, SECCOMP_FIX));
            }
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "podSeccompType", expression: celProfileType("variables.podSpec", SECCOMP_PROFILE) },
            {
                name: "unconfinedContainers",
                expression:
                    `variables.containers.filter(c, ${celLet(
                        celProfileType("c", SECCOMP_PROFILE),
                        `v == null ? !(${CEL_POD_SECCOMP} in ${CEL_ALLOWED_SECCOMP} || ${CEL_POD_SECCOMP} == ${CEL_UNKNOWN}) : (v != ${CEL_UNKNOWN} && !(v in ${CEL_ALLOWED_SECCOMP}))`,
                    )})`,
            },
        ],
        validations: [
            restrictedOnly({
                expression: `${CEL_NO_CONTAINERS} || !(${CEL_POD_SECCOMP} != null && ${CEL_POD_SECCOMP} != ${CEL_UNKNOWN} && !(${CEL_POD_SECCOMP} in ${CEL_ALLOWED_SECCOMP}))`,
                messageExpression: `${CEL_SUBJECT} + ${celString(`: the pod sets seccompProfile.type to a value other than RuntimeDefault or Localhost. Fix: ${SECCOMP_FIX}`)}`,
            }, SINCE.seccompFields),
            restrictedOnly({
                expression: "size(variables.unconfinedContainers) == 0",
                messageExpression: celFirstContainerMessage("unconfinedContainers", `has no RuntimeDefault or Localhost seccomp profile (on itself or the pod). Fix: ${SECCOMP_FIX}`),
            }, SINCE.seccompFields),
        ],
    },
    /**
     * Gives containers without any seccomp profile RuntimeDefault, when the pod sets none: on the pod if
     * every container it would reach is a non-exempt one, otherwise on those containers only, so an
     * exempt-image container never gets a profile it did not ask for. Safe: a compliant workload is
     * returned unchanged (every container already has an allowed profile, or the pod does); explicit
     * values (Unconfined included) and unknown ones are left alone, and a container's own profile
     * overrides the pod's, so nothing that chose a profile changes.
     */
    remediate(object, params) {
        const copy = clone(object);
        const ctx = restrictedPodContext(copy, params, SINCE.seccompFields);
        if (!ctx) return copy;
        const podSc = ctx.pod.spec.securityContext;
        if (isUnknown(podSc) || (podSc !== undefined && podSc !== null && !isRecord(podSc))) return copy;
        if (get(ctx.pod.spec, ["securityContext", "seccompProfile"]) !== undefined) return copy;
        const unprofiled = (ref: ContainerRef) => get(ref.container, ["securityContext", "seccompProfile"]) === undefined;
        const targets = ctx.containers.filter(unprofiled);
        if (targets.length === 0) return copy;
        const exemptReached = allContainerRefs(copy).some((ref) => unprofiled(ref) && isExemptImage(ref.container.image, params.exemptImages));
        if (!exemptReached) {
            ctx.pod.spec.securityContext = { ...(isRecord(podSc) ? podSc : {}), seccompProfile: { type: "RuntimeDefault" } };
            return copy;
        }
        for (const ref of targets) {
            const sc = writableSecurityContext(ref.container);
            if (sc) sc.seccompProfile = { type: "RuntimeDefault" };
        }
        return copy;
    },
});

// ---- capabilities (restricted) -----------------------------------------------------------------------------

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

export const pssRestrictedCapabilities = pssRule({
    id: "pss-restricted-capabilities",
    gatekeeperKind: "SgPssRestrictedCapabilities",
    title: "Drop ALL capabilities",
    description:
        "Pod Security Standards (restricted), Capabilities: every container, init container and ephemeral container must list ALL in " +
        "securityContext.capabilities.drop and may add back only NET_BIND_SERVICE. Checked from v1.22; from v1.25 Windows pods are skipped.",
    severity: "medium",
    remediation: "Set securityContext.capabilities: {drop: [ALL]} and add back only NET_BIND_SERVICE if the process binds a port below 1024.",
    frameworks: [cis("5.2.8"), cis("5.2.9"), cis("5.2.10"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = restrictedPodContext(object, params, SINCE.capabilitiesRestricted);
        return ctx ? [...checkContainers(object, ctx, DROP_ALL), ...checkContainers(object, ctx, RESTRICTED_ADD)] : [];
    },
    cel: {
        variables: [dropAllCel.variable, restrictedAddCel.variable],
        validations: [restrictedOnly(dropAllCel.validation, SINCE.capabilitiesRestricted), restrictedOnly(restrictedAddCel.validation, SINCE.capabilitiesRestricted)],
    },
});

// ---- read-only root filesystem -------------------------------------------------------------------------------

const READ_ONLY_ROOT: FieldCheck = {
    field: ["securityContext", "readOnlyRootFilesystem"],
    violates: (v) => v !== true && !isUnknown(v),
    celViolates: `v != true && v != ${CEL_UNKNOWN}`,
    problem: () => "does not set securityContext.readOnlyRootFilesystem: true",
    celProblem: "does not set securityContext.readOnlyRootFilesystem: true",
    fix: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp)",
};
const readOnlyRootCel = celContainerCheck("writableRootContainers", READ_ONLY_ROOT);

export const containersReadOnlyRootFilesystem = podRule({
    id: "containers-read-only-root-filesystem",
    gatekeeperKind: "SgContainersReadOnlyRootFilesystem",
    title: "Read-only root filesystem",
    description:
        "Every container, init container and ephemeral container must set securityContext.readOnlyRootFilesystem: true, so an intruder " +
        "cannot drop tools or modify binaries in the image, and writes go to explicit, size-limited volumes. Not part of the Pod Security " +
        "Standards; mandatory here because an emptyDir mount covers every legitimate write. Windows pods are skipped (the API forbids the field there).",
    severity: "medium",
    remediation: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes on the paths the process writes to.",
    frameworks: [cis("5.7.3"), nist("CM-7"), nist("SI-7"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = linuxPodContext(object, params);
        return ctx ? checkContainers(object, ctx, READ_ONLY_ROOT) : [];
    },
    cel: { variables: [readOnlyRootCel.variable], validations: [linuxOnly(readOnlyRootCel.validation)] },
});

export const restrictedRules: Rule[] = [
    pssRestrictedVolumeTypes,
    pssRestrictedProcMount,
    pssRestrictedPrivilegeEscalation,
    pssRestrictedRunAsNonRoot,
    pssRestrictedRunAsUser,
    pssRestrictedSeccomp,
    pssRestrictedCapabilities,
    containersReadOnlyRootFilesystem,
];
