// Pod Security Standards, Baseline profile, field by field as
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ defines it (and as the built-in
// Pod Security Admission checks it, k8s.io/pod-security-admission/policy/check_*.go). Every control covers
// containers, initContainers and ephemeralContainers. Each rule takes `podSecurityVersion` (PSA's
// enforce-version, `latest` or `v1.NN`) and behaves as PSA does at that version: the thresholds are in
// pod-security-version.ts. Wrong JSON types: see "malformed values" in pod-security-helpers.ts.
import { Finding, isUnknown, K8sObject, Rule } from "../catalogue/types";
import { cis, nist, pci, PssParams, pssRule, soc2 } from "./pod-security-common";
import { CEL_MINOR, pssMinor, SINCE } from "./pod-security-version";
import {
    CEL_NO_CONTAINERS,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    CEL_V_IS_SET,
    celContainerCheck,
    celFirstContainerMessage,
    celGet,
    celGetStrict,
    celLet,
    celList,
    celName,
    celPodCheck,
    celString,
    checkContainers,
    checkPod,
    containerLabel,
    FieldCheck,
    finding,
    get,
    getStrict,
    isExemptContainerName,
    isRecord,
    isSet,
    celProfileType,
    celUserNamespaceRelaxed,
    profileType,
    PodContext,
    podContext,
    show,
    userNamespaceRelaxed,
} from "./pod-security-helpers";

// ---- privileged -----------------------------------------------------------------------------------

const PRIVILEGED: FieldCheck = {
    field: ["securityContext", "privileged"],
    violates: (v) => v === true,
    celViolates: "v == true",
    problem: () => "sets securityContext.privileged: true",
    celProblem: "sets securityContext.privileged: true",
    fix: "remove securityContext.privileged or set it to false; grant only the specific capability the process needs",
};

const privilegedCel = celContainerCheck("privilegedContainers", PRIVILEGED);

export const pssBaselinePrivileged = pssRule({
    id: "pss-baseline-privileged",
    gatekeeperKind: "SgPssBaselinePrivileged",
    title: "No privileged containers",
    description:
        "Pod Security Standards (baseline), Privileged Containers: a privileged container has every capability and all host devices, " +
        "which disables nearly every isolation mechanism. securityContext.privileged must be unset or false on every container, init container and ephemeral container.",
    severity: "critical",
    remediation: "Remove securityContext.privileged (or set it to false) and add only the specific Linux capability the workload needs.",
    frameworks: [cis("5.2.2"), nist("AC-6"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), soc2("CC6.8"), pci("2.2.6")],
    check(object: K8sObject, params: PssParams): Finding[] {
        const ctx = podContext(object, params);
        return ctx ? checkContainers(object, ctx, PRIVILEGED) : [];
    },
    cel: { validations: [privilegedCel.validation], variables: [privilegedCel.variable] },
});

// ---- host namespaces ------------------------------------------------------------------------------

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

export const pssBaselineHostNamespaces = pssRule({
    id: "pss-baseline-host-namespaces",
    gatekeeperKind: "SgPssBaselineHostNamespaces",
    title: "No host network, PID or IPC namespace",
    description:
        "Pod Security Standards (baseline), Host Namespaces: sharing the node's network, process or IPC namespace exposes other workloads' " +
        "traffic, processes and shared memory. spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset or false. " +
        "Pods whose every container runs an exempt image are not judged.",
    severity: "high",
    remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false); expose ports through a Service instead of the host network.",
    frameworks: [cis("5.2.3"), cis("5.2.4"), cis("5.2.5"), nist("AC-6"), nist("SC-7"), nist("SC-39"), soc2("CC6.1"), soc2("CC6.6"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? HOST_NAMESPACES.flatMap((c) => checkPod(object, ctx, c)) : [];
    },
    cel: { validations: HOST_NAMESPACES.map(celPodCheck) },
});

// ---- host ports -----------------------------------------------------------------------------------

export interface HostPortsParams extends PssParams {
    /** Host ports a container may still bind (the docs allow "a known list"); empty by default. */
    allowedHostPorts: number[];
}

function badHostPort(value: unknown, allowed: readonly unknown[]): boolean {
    return isSet(value) && value !== 0 && !allowed.includes(value);
}

const CEL_ALLOWED_HOST_PORTS = "(has(variables.params.allowedHostPorts) ? variables.params.allowedHostPorts : [])";
const CEL_BAD_HOST_PORT = `${CEL_V_IS_SET} && v != 0 && !${CEL_ALLOWED_HOST_PORTS}.exists(a, a == v)`;
const HOST_PORTS_FIX = "remove hostPort (expose the port through a Service) or add it to the rule's allowedHostPorts parameter";

export const pssBaselineHostPorts = pssRule<HostPortsParams>({
    id: "pss-baseline-host-ports",
    gatekeeperKind: "SgPssBaselineHostPorts",
    title: "No host ports outside the allowed list",
    description:
        "Pod Security Standards (baseline), Host Ports: a hostPort binds the node's own interface, bypassing NetworkPolicy and Service routing. " +
        "ports[*].hostPort must be unset or 0 on every container, init container and ephemeral container, unless the port is in allowedHostPorts.",
    severity: "high",
    remediation: "Remove hostPort and publish the port through a Service; if a node-level port is truly required, list it in allowedHostPorts.",
    frameworks: [cis("5.2.13"), nist("CM-7"), nist("SC-7"), soc2("CC6.6"), pci("1.2.5"), pci("2.2.4")],
    defaultParams: { exemptNamespaces: [], exemptImages: [], podSecurityVersion: "latest", allowedHostPorts: [] },
    paramsSchema: {
        allowedHostPorts: {
            type: "array",
            description: "Host ports containers may bind (empty: none).",
            items: { type: "integer", minimum: 1 },
            default: [],
        },
    },
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const allowed = Array.isArray(params.allowedHostPorts) ? params.allowedHostPorts : [];
        const findings: Finding[] = [];
        for (const ref of ctx.containers) {
            const ports = get(ref.container, ["ports"]);
            if (!Array.isArray(ports)) continue;
            ports.forEach((port, index) => {
                if (!isRecord(port)) return;
                const hostPort = get(port, ["hostPort"]);
                if (!badHostPort(hostPort, allowed)) return;
                const label = typeof port.name === "string" ? `name=${port.name}` : String(index);
                findings.push(finding(object, `${ref.path}.ports[${label}].hostPort`, `container "${ref.name}" binds hostPort ${show(hostPort)}`, HOST_PORTS_FIX));
            });
        }
        return findings;
    },
    cel: {
        variables: [
            {
                name: "hostPortContainers",
                expression:
                    `variables.containers.filter(c, [${celGet("c", ["ports"])}].exists(ports, type(ports) == list && ` +
                    `ports.exists(p, type(p) == map && ${celLet(celGet("p", ["hostPort"]), CEL_BAD_HOST_PORT)})))`,
            },
        ],
        validations: [
            {
                expression: "size(variables.hostPortContainers) == 0",
                messageExpression:
                    `${CEL_SUBJECT} + ': container ' + ${celName("variables.hostPortContainers[0]")} + ${celString(` binds a hostPort that is not 0 nor in allowedHostPorts. Fix: ${HOST_PORTS_FIX}`)}`,
            },
        ],
    },
});

// ---- hostPath volumes -----------------------------------------------------------------------------

const HOST_PATH_FIX = "replace the hostPath volume with an emptyDir, configMap, secret, projected or persistentVolumeClaim volume";

export const pssBaselineHostPath = pssRule({
    id: "pss-baseline-host-path",
    gatekeeperKind: "SgPssBaselineHostPath",
    title: "No hostPath volumes",
    description:
        "Pod Security Standards (baseline), HostPath Volumes: a hostPath volume mounts the node's filesystem (container runtime socket, kubelet " +
        "credentials, other pods' data). spec.volumes[*].hostPath must be unset. Pods whose every container runs an exempt image are not judged.",
    severity: "high",
    remediation: "Use emptyDir for scratch space and a PersistentVolumeClaim for durable data instead of hostPath.",
    frameworks: [cis("5.2.12"), nist("AC-3"), nist("AC-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const volumes = get(ctx.pod.spec, ["volumes"]);
        if (!Array.isArray(volumes)) return [];
        return volumes
            .map((volume, index) => ({ volume, index }))
            .filter(({ volume }) => isRecord(volume) && isSet(get(volume, ["hostPath"])))
            .map(({ volume, index }) => {
                const name = typeof (volume as { name?: unknown }).name === "string" ? String((volume as { name: string }).name) : String(index);
                return finding(object, `${ctx.pod.path}.volumes[name=${name}].hostPath`, `volume "${name}" is a hostPath volume`, HOST_PATH_FIX);
            });
    },
    cel: {
        variables: [
            {
                name: "hostPathVolumes",
                expression: `[${celGet("variables.podSpec", ["volumes"])}].exists(l, type(l) == list) ? ${celGet("variables.podSpec", ["volumes"])}.filter(vol, type(vol) == map && ${celLet(celGet("vol", ["hostPath"]), CEL_V_IS_SET)}) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NO_CONTAINERS} || size(variables.hostPathVolumes) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': volume ' + ${celName("variables.hostPathVolumes[0]")} + ${celString(` is a hostPath volume. Fix: ${HOST_PATH_FIX}`)}`,
            },
        ],
    },
});

// ---- capabilities -----------------------------------------------------------------------------------

/** The capabilities the baseline profile lets a container add (the container runtime's default set). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/** Capability adds outside `allowed`, skipping unknown entries. */
export function forbiddenAdds(add: unknown, allowed: readonly string[]): unknown[] {
    return Array.isArray(add) ? add.filter((cap) => !isUnknown(cap) && !allowed.includes(cap as string)) : [];
}

/** CEL: `add` (bound to `v`) holds a known capability outside `allowed`. */
export function celForbiddenAdds(allowed: readonly string[]): string {
    return `type(v) == list && v.exists(cap, cap != ${CEL_UNKNOWN} && !(cap in ${celList(allowed)}))`;
}

const BASELINE_ADD: FieldCheck = {
    field: ["securityContext", "capabilities", "add"],
    violates: (v) => forbiddenAdds(v, BASELINE_CAPABILITIES).length > 0,
    celViolates: celForbiddenAdds(BASELINE_CAPABILITIES),
    problem: (v) => `adds capabilities outside the baseline set: ${forbiddenAdds(v, BASELINE_CAPABILITIES).map(show).join(", ")}`,
    celProblem: "adds a capability outside the baseline set",
    fix: `add only ${BASELINE_CAPABILITIES.join(", ")} (better: drop ALL and add back only NET_BIND_SERVICE if needed)`,
};

const baselineAddCel = celContainerCheck("extraCapabilityContainers", BASELINE_ADD);

export const pssBaselineCapabilities = pssRule({
    id: "pss-baseline-capabilities",
    gatekeeperKind: "SgPssBaselineCapabilities",
    title: "Only default capabilities may be added",
    description:
        "Pod Security Standards (baseline), Capabilities: securityContext.capabilities.add may only hold the container runtime's default set " +
        `(${BASELINE_CAPABILITIES.join(", ")}). Anything else (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, ...) widens the kernel attack surface.`,
    severity: "high",
    remediation: "Remove the extra capabilities from securityContext.capabilities.add; drop ALL and add back only what the process needs.",
    frameworks: [cis("5.2.8"), cis("5.2.9"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? checkContainers(object, ctx, BASELINE_ADD) : [];
    },
    cel: { variables: [baselineAddCel.variable], validations: [baselineAddCel.validation] },
});

// ---- /proc mount ------------------------------------------------------------------------------------

const PROC_MOUNT: FieldCheck = {
    field: ["securityContext", "procMount"],
    violates: (v) => isSet(v) && v !== "Default",
    celViolates: `${CEL_V_IS_SET} && v != 'Default'`,
    problem: (v) => `sets securityContext.procMount: ${show(v)}`,
    celProblem: "sets securityContext.procMount to a value other than Default",
    fix: "remove securityContext.procMount or set it to Default (masked /proc)",
};

const procMountCel = celContainerCheck("procMountContainers", PROC_MOUNT);

export const pssBaselineProcMount = pssRule({
    id: "pss-baseline-proc-mount",
    gatekeeperKind: "SgPssBaselineProcMount",
    title: "Default /proc mount only",
    description:
        "Pod Security Standards (baseline), /proc Mount Type: an Unmasked /proc exposes kernel interfaces the default mask hides. " +
        "securityContext.procMount must be unset or Default on every container, init container and ephemeral container; from v1.35 " +
        "any value is allowed in a pod with its own user namespace (spec.hostUsers: false). The restricted profile keeps Default " +
        "(pss-restricted-proc-mount).",
    severity: "medium",
    remediation: "Remove securityContext.procMount or set it to Default.",
    frameworks: [cis("5.7.3"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || userNamespaceRelaxed(ctx.pod.spec, pssMinor(params), SINCE.userNamespaceRelaxation)) return [];
        return checkContainers(object, ctx, PROC_MOUNT);
    },
    cel: {
        variables: [procMountCel.variable],
        validations: [
            { ...procMountCel.validation, expression: `${celUserNamespaceRelaxed(SINCE.userNamespaceRelaxation)} || ${procMountCel.validation.expression}` },
        ],
    },
});

const restrictedProcMountCel = celContainerCheck("restrictedProcMountContainers", PROC_MOUNT);

export const pssRestrictedProcMount = pssRule({
    id: "pss-restricted-proc-mount",
    gatekeeperKind: "SgPssRestrictedProcMount",
    title: "Default /proc mount, user namespaces included",
    description:
        "Pod Security Standards (restricted), /proc Mount Type, from v1.35: securityContext.procMount must be unset or Default on every " +
        "container, init container and ephemeral container, even in a pod with its own user namespace (spec.hostUsers: false), " +
        "which the baseline profile lets unmask /proc. Before v1.35 the baseline rule (pss-baseline-proc-mount) is the whole control.",
    severity: "medium",
    remediation: "Remove securityContext.procMount or set it to Default.",
    frameworks: [cis("5.7.3"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx && pssMinor(params) >= SINCE.procMountRestricted ? checkContainers(object, ctx, PROC_MOUNT) : [];
    },
    cel: {
        variables: [restrictedProcMountCel.variable],
        validations: [
            { ...restrictedProcMountCel.validation, expression: `${CEL_MINOR} < ${SINCE.procMountRestricted} || ${restrictedProcMountCel.validation.expression}` },
        ],
    },
});

// ---- sysctls ------------------------------------------------------------------------------------------

/**
 * Namespaced sysctls the baseline profile considers safe (isolated per pod), by the PSA version that
 * added them. Each version's list is its own entries plus every earlier one.
 */
export const SAFE_SYSCTLS_BY_VERSION: readonly { since: number; names: readonly string[] }[] = [
    { since: 0, names: ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"] },
    { since: SINCE.sysctlsV27, names: ["net.ipv4.ip_local_reserved_ports"] },
    { since: SINCE.sysctlsV29, names: ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"] },
    { since: SINCE.sysctlsV32, names: ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"] },
    { since: SINCE.sysctlsV37, names: ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"] },
];

/** The safe sysctls at a PSS minor version. */
export function safeSysctls(minor: number): string[] {
    return SAFE_SYSCTLS_BY_VERSION.filter((v) => v.since <= minor).flatMap((v) => v.names);
}

/** The safe sysctls of `latest`. */
export const SAFE_SYSCTLS: readonly string[] = safeSysctls(Number.MAX_SAFE_INTEGER);

/** CEL: the safe list for `variables.pssMinor` (built oldest first, so the newest version is tested first). */
const CEL_SAFE_SYSCTLS = SAFE_SYSCTLS_BY_VERSION.reduce((otherwise, v) => (v.since === 0 ? celList(safeSysctls(0)) : `(${CEL_MINOR} >= ${v.since} ? ${celList(safeSysctls(v.since))} : ${otherwise})`), "[]");

const SYSCTL_FIX = "set only the safe sysctls of the enforced Pod Security Standards version, or tune the node instead";

export const pssBaselineSysctls = pssRule({
    id: "pss-baseline-sysctls",
    gatekeeperKind: "SgPssBaselineSysctls",
    title: "Only safe sysctls",
    description:
        "Pod Security Standards (baseline), Sysctls: spec.securityContext.sysctls[*].name may only name the safe, pod-isolated set of " +
        `the enforced version (latest: ${SAFE_SYSCTLS.join(", ")}; ` +
        SAFE_SYSCTLS_BY_VERSION.filter((v) => v.since > 0).map((v) => `${v.names.join(", ")} since v1.${v.since}`).join("; ") +
        "). Other sysctls can affect the node or other pods. Pods whose every container runs an exempt image are not judged.",
    severity: "medium",
    remediation: "Remove unsafe sysctls from spec.securityContext.sysctls; tune the node instead if the setting is really needed.",
    frameworks: [cis("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const sysctls = get(ctx.pod.spec, ["securityContext", "sysctls"]);
        if (!Array.isArray(sysctls)) return [];
        const safe = safeSysctls(pssMinor(params));
        const findings: Finding[] = [];
        sysctls.forEach((sysctl, index) => {
            if (!isRecord(sysctl)) return;
            const name = get(sysctl, ["name"]);
            // PSA compares the name as given (a missing name is "", which is not safe).
            const effective = name === undefined ? "" : name;
            if (!isUnknown(effective) && !safe.includes(effective as string)) {
                findings.push(finding(object, `${ctx.pod.path}.securityContext.sysctls[${index}].name`, `the pod sets the unsafe sysctl ${show(effective) || "(no name)"}`, SYSCTL_FIX));
            }
        });
        return findings;
    },
    cel: {
        variables: [
            {
                name: "unsafeSysctls",
                expression:
                    `[${celGet("variables.podSpec", ["securityContext", "sysctls"])}].exists(l, type(l) == list) ? ` +
                    `${celGet("variables.podSpec", ["securityContext", "sysctls"])}.filter(s, type(s) == map && ` +
                    `${celLet(celGet("s", ["name"]), `v != ${CEL_UNKNOWN} && !((v == null ? '' : v) in ${CEL_SAFE_SYSCTLS})`)}) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NO_CONTAINERS} || size(variables.unsafeSysctls) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': the pod sets the unsafe sysctl ' + ${celName("variables.unsafeSysctls[0]")} + ${celString(`. Fix: ${SYSCTL_FIX}`)}`,
            },
        ],
    },
});

// ---- AppArmor -------------------------------------------------------------------------------------------

export const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const APPARMOR_PROFILE = ["securityContext", "appArmorProfile"] as const;
const APPARMOR_TYPE: FieldCheck = {
    field: [...APPARMOR_PROFILE, "type"],
    read: (root) => profileType(root, APPARMOR_PROFILE),
    celRead: (base) => celProfileType(base, APPARMOR_PROFILE),
    violates: (v) => isSet(v) && v !== "RuntimeDefault" && v !== "Localhost",
    celViolates: `${CEL_V_IS_SET} && !(v in ['RuntimeDefault', 'Localhost'])`,
    problem: (v) => (v === "" ? "sets securityContext.appArmorProfile without a type" : `sets securityContext.appArmorProfile.type: ${show(v)}`),
    celProblem: "sets securityContext.appArmorProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "remove appArmorProfile or set its type to RuntimeDefault (or Localhost with a reviewed profile)",
};

function allowedAppArmorAnnotation(value: unknown): boolean {
    return value === "" || value === "runtime/default" || (typeof value === "string" && value.startsWith("localhost/"));
}

const APPARMOR_ANNOTATION_FIX = "remove the annotation (use securityContext.appArmorProfile) or set it to runtime/default or localhost/<profile>";
const appArmorContainerCel = celContainerCheck("unconfinedAppArmorContainers", APPARMOR_TYPE);
const CEL_ANNOTATIONS = "((has(variables.podMeta.annotations) && type(variables.podMeta.annotations) == map) ? variables.podMeta.annotations : {})";
const CEL_ALL_CONTAINERS = `(${["containers", "initContainers", "ephemeralContainers"]
    .map((list) => `((has(variables.podSpec.${list}) && type(variables.podSpec.${list}) == list) ? variables.podSpec.${list} : [])`)
    .join(" + ")})`;

export const pssBaselineAppArmor = pssRule({
    id: "pss-baseline-apparmor",
    gatekeeperKind: "SgPssBaselineAppArmor",
    title: "AppArmor may not be disabled",
    description:
        "Pod Security Standards (baseline), AppArmor: the pod's and every container's securityContext.appArmorProfile.type must be unset, " +
        "RuntimeDefault or Localhost (never Unconfined), and the legacy annotations container.apparmor.security.beta.kubernetes.io/<container> " +
        "must be unset, runtime/default or localhost/<profile>. Annotations naming an exempt-image container are skipped.",
    severity: "medium",
    remediation: "Remove Unconfined AppArmor settings; use appArmorProfile.type RuntimeDefault (or Localhost with a reviewed profile).",
    frameworks: [cis("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const findings = [...checkPod(object, ctx, APPARMOR_TYPE), ...checkContainers(object, ctx, APPARMOR_TYPE)];
        const annotations = isRecord(ctx.pod.metadata) ? get(ctx.pod.metadata, ["annotations"]) : undefined;
        if (isRecord(annotations)) {
            const metaPath = ctx.pod.path === "spec" ? "metadata" : `${ctx.pod.path.replace(/\.spec$/, "")}.metadata`;
            for (const [key, value] of Object.entries(annotations)) {
                if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || value === null || value === undefined || isUnknown(value)) continue;
                if (isExemptContainerName(object, key.slice(APPARMOR_ANNOTATION_PREFIX.length), params.exemptImages)) continue;
                if (!allowedAppArmorAnnotation(value)) {
                    findings.push(finding(object, `${metaPath}.annotations["${key}"]`, `annotation ${key} is ${show(value)}`, APPARMOR_ANNOTATION_FIX));
                }
            }
        }
        return findings;
    },
    cel: {
        variables: [
            appArmorContainerCel.variable,
            {
                name: "appArmorExemptNames",
                expression:
                    `${CEL_ALL_CONTAINERS}.filter(c, type(c) == map && has(c.name) && type(c.name) == string && ` +
                    "variables.exemptImages.exists(p, has(c.image) && type(c.image) == string && p != '' && c.image.startsWith(p))).map(c, c.name)",
            },
            {
                name: "badAppArmorAnnotations",
                expression:
                    `${CEL_ANNOTATIONS}.filter(k, k.startsWith(${celString(APPARMOR_ANNOTATION_PREFIX)}) && ` +
                    `!variables.appArmorExemptNames.exists(n, k == ${celString(APPARMOR_ANNOTATION_PREFIX)} + n) && ` +
                    `[${CEL_ANNOTATIONS}[k]].exists(v, ${CEL_V_IS_SET} && !(v == '' || v == 'runtime/default' || (type(v) == string && v.startsWith('localhost/')))))`,
            },
        ],
        validations: [
            celPodCheck(APPARMOR_TYPE),
            appArmorContainerCel.validation,
            {
                expression: `${CEL_NO_CONTAINERS} || size(variables.badAppArmorAnnotations) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': annotation ' + variables.badAppArmorAnnotations[0] + ${celString(` disables or overrides AppArmor. Fix: ${APPARMOR_ANNOTATION_FIX}`)}`,
            },
        ],
    },
});

// ---- SELinux --------------------------------------------------------------------------------------------

/** SELinux types a container may use ("" = unset); container_engine_t since v1.31. */
export const ALLOWED_SELINUX_TYPES_V1_0 = ["", "container_t", "container_init_t", "container_kvm_t"] as const;
export const ALLOWED_SELINUX_TYPES = [...ALLOWED_SELINUX_TYPES_V1_0, "container_engine_t"] as const;

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
    ...(["user", "role"] as const).map(
        (key): FieldCheck => ({
            field: [...prefix, "seLinuxOptions", key],
            violates: (v) => isSet(v) && v !== "",
            celViolates: `${CEL_V_IS_SET} && v != ''`,
            problem: (v) => `sets securityContext.seLinuxOptions.${key}: ${show(v)}`,
            celProblem: `sets securityContext.seLinuxOptions.${key}`,
            fix: SELINUX_FIX,
        }),
    ),
];

const SELINUX_BY_VERSION = {
    v1_0: seLinuxChecks(["securityContext"], ALLOWED_SELINUX_TYPES_V1_0),
    latest: seLinuxChecks(["securityContext"], ALLOWED_SELINUX_TYPES),
};
const seLinuxCel = SELINUX_BY_VERSION.latest.map((c, i) => celContainerCheck(`seLinuxContainers${["Type", "User", "Role"][i]}`, c));

export const pssBaselineSeLinux = pssRule({
    id: "pss-baseline-selinux",
    gatekeeperKind: "SgPssBaselineSeLinux",
    title: "No custom SELinux options",
    description:
        "Pod Security Standards (baseline), SELinux: seLinuxOptions.type at pod and container level must be unset, empty or one of " +
        "container_t, container_init_t, container_kvm_t and, from v1.31, container_engine_t; seLinuxOptions.user and .role must be unset or empty. " +
        "Custom SELinux labels can escape the container's confinement.",
    severity: "medium",
    remediation: "Remove seLinuxOptions.user and .role, and use one of the standard container types (or none).",
    frameworks: [cis("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const checks = allowedSeLinuxTypes(pssMinor(params)) === ALLOWED_SELINUX_TYPES ? SELINUX_BY_VERSION.latest : SELINUX_BY_VERSION.v1_0;
        return checks.flatMap((c) => [...checkPod(object, ctx, c), ...checkContainers(object, ctx, c)]);
    },
    cel: {
        variables: seLinuxCel.map((c) => c.variable),
        validations: [...SELINUX_BY_VERSION.latest.map(celPodCheck), ...seLinuxCel.map((c) => c.validation)],
    },
});

// ---- seccomp (baseline) ------------------------------------------------------------------------------

export const ALLOWED_SECCOMP_TYPES = ["RuntimeDefault", "Localhost"] as const;

const SECCOMP_PROFILE = ["securityContext", "seccompProfile"] as const;
const SECCOMP_BASELINE: FieldCheck = {
    field: [...SECCOMP_PROFILE, "type"],
    read: (root) => profileType(root, SECCOMP_PROFILE),
    celRead: (base) => celProfileType(base, SECCOMP_PROFILE),
    violates: (v) => isSet(v) && !ALLOWED_SECCOMP_TYPES.includes(v as (typeof ALLOWED_SECCOMP_TYPES)[number]),
    celViolates: `${CEL_V_IS_SET} && !(v in ${celList(ALLOWED_SECCOMP_TYPES)})`,
    problem: (v) => (v === "" ? "sets securityContext.seccompProfile without a type" : `sets securityContext.seccompProfile.type: ${show(v)}`),
    celProblem: "sets securityContext.seccompProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "set seccompProfile.type to RuntimeDefault (or Localhost with a reviewed profile), never Unconfined",
};
const seccompBaselineCel = celContainerCheck("unconfinedSeccompContainers", SECCOMP_BASELINE);

/** Before v1.19 PSA reads seccomp from these (alpha) annotations instead of the fields. */
export const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

/** An allowed seccomp annotation value (PSA v1.0-v1.18); a JSON null reads as "" (Go's zero value), which is not allowed. */
function allowedSeccompAnnotation(value: unknown): boolean {
    return value === "runtime/default" || value === "docker/default" || (typeof value === "string" && value.startsWith("localhost/"));
}

const SECCOMP_ANNOTATION_FIX = "set the annotation to runtime/default (or localhost/<profile>), or remove it";

/** The seccomp annotation findings for PSS versions before v1.19 (pod annotation, then one per non-exempt container). */
function seccompAnnotationFindings(object: K8sObject, ctx: PodContext): Finding[] {
    const annotations = isRecord(ctx.pod.metadata) ? get(ctx.pod.metadata, ["annotations"]) : undefined;
    if (!isRecord(annotations)) return [];
    const keys = [SECCOMP_POD_ANNOTATION, ...ctx.containers.filter((ref) => typeof ref.container.name === "string").map((ref) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + ref.name)];
    const metaPath = ctx.pod.path === "spec" ? "metadata" : `${ctx.pod.path.replace(/\.spec$/, "")}.metadata`;
    const findings: Finding[] = [];
    for (const key of new Set(keys)) {
        if (!Object.prototype.hasOwnProperty.call(annotations, key)) continue;
        const value = annotations[key];
        if (isUnknown(value) || allowedSeccompAnnotation(value)) continue;
        findings.push(finding(object, `${metaPath}.annotations["${key}"]`, `annotation ${key} is ${value === null || value === "" ? "empty" : show(value)}`, SECCOMP_ANNOTATION_FIX));
    }
    return findings;
}

export const pssBaselineSeccomp = pssRule({
    id: "pss-baseline-seccomp",
    gatekeeperKind: "SgPssBaselineSeccomp",
    title: "Seccomp may not be disabled",
    description:
        "Pod Security Standards (baseline), Seccomp: from v1.19, securityContext.seccompProfile.type at pod and container level must be " +
        "RuntimeDefault or Localhost when a profile is set (Unconfined removes the syscall filter; a profile without a type is not allowed). " +
        `Before v1.19 the annotations ${SECCOMP_POD_ANNOTATION} and ${SECCOMP_CONTAINER_ANNOTATION_PREFIX}<container> are checked instead: ` +
        "runtime/default, docker/default or localhost/<profile>.",
    severity: "medium",
    remediation: "Replace seccompProfile.type Unconfined with RuntimeDefault.",
    frameworks: [cis("5.7.2"), nist("CM-7"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        if (pssMinor(params) < SINCE.seccompFields) return seccompAnnotationFindings(object, ctx);
        return [...checkPod(object, ctx, SECCOMP_BASELINE), ...checkContainers(object, ctx, SECCOMP_BASELINE)];
    },
    cel: {
        variables: [
            seccompBaselineCel.variable,
            {
                name: "badSeccompAnnotations",
                expression:
                    `([${celString(SECCOMP_POD_ANNOTATION)}] + variables.containers.filter(c, has(c.name) && type(c.name) == string).map(c, ${celString(SECCOMP_CONTAINER_ANNOTATION_PREFIX)} + c.name))` +
                    `.filter(k, k in ${CEL_ANNOTATIONS} && [${CEL_ANNOTATIONS}[k]].exists(v, v != ${CEL_UNKNOWN} && ` +
                    "!(v == 'runtime/default' || v == 'docker/default' || (type(v) == string && v.startsWith('localhost/')))))",
            },
        ],
        validations: [
            { ...celPodCheck(SECCOMP_BASELINE), expression: `${CEL_MINOR} < ${SINCE.seccompFields} || ${celPodCheck(SECCOMP_BASELINE).expression}` },
            { ...seccompBaselineCel.validation, expression: `${CEL_MINOR} < ${SINCE.seccompFields} || ${seccompBaselineCel.validation.expression}` },
            {
                expression: `${CEL_MINOR} >= ${SINCE.seccompFields} || ${CEL_NO_CONTAINERS} || size(variables.badSeccompAnnotations) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': annotation ' + variables.badSeccompAnnotations[0] + ${celString(` disables or overrides seccomp. Fix: ${SECCOMP_ANNOTATION_FIX}`)}`,
            },
        ],
    },
});

// ---- host probes and lifecycle hooks (v1.34+) --------------------------------------------------------

/** Every host field PSA restricts on a container: probes and lifecycle handlers, httpGet and tcpSocket. */
export const PROBE_AND_LIFECYCLE_HOST_FIELDS: readonly (readonly string[])[] = [
    ...["livenessProbe", "readinessProbe", "startupProbe"].flatMap((probe) => [
        [probe, "httpGet", "host"],
        [probe, "tcpSocket", "host"],
    ]),
    ...["postStart", "preStop"].flatMap((hook) => [
        ["lifecycle", hook, "httpGet", "host"],
        ["lifecycle", hook, "tcpSocket", "host"],
    ]),
];

/** A host other than unset or "" lets the kubelet probe (or call) an address outside the pod. */
function badProbeHost(value: unknown): boolean {
    return isSet(value) && value !== "";
}

const CEL_BAD_PROBE_HOST = `${CEL_V_IS_SET} && v != ''`;
const PROBE_HOST_FIX = "remove the host (the kubelet then uses the pod IP) or set it to an empty string";

export const pssBaselineHostProbes = pssRule({
    id: "pss-baseline-host-probes",
    gatekeeperKind: "SgPssBaselineHostProbes",
    title: "Probes and lifecycle hooks target the pod only",
    description:
        "Pod Security Standards (baseline), Host Probes / Lifecycle Hooks, from v1.34: livenessProbe, readinessProbe and startupProbe " +
        "httpGet.host and tcpSocket.host, and lifecycle postStart/preStop httpGet.host and tcpSocket.host, must be unset or empty on every " +
        "container, init container and ephemeral container; otherwise the kubelet can be made to reach any address its node can. Before v1.34 not checked.",
    severity: "medium",
    remediation: "Remove host from probe and lifecycle httpGet/tcpSocket handlers so the kubelet targets the pod's own IP.",
    frameworks: [nist("SC-7"), nist("CM-7"), soc2("CC6.6"), pci("1.3.1")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || pssMinor(params) < SINCE.hostProbesAndLifecycle) return [];
        const findings: Finding[] = [];
        for (const ref of ctx.containers) {
            for (const field of PROBE_AND_LIFECYCLE_HOST_FIELDS) {
                const host = getStrict(ref.container, field);
                if (badProbeHost(host)) {
                    findings.push(finding(object, `${ref.path}.${field.join(".")}`, `${containerLabel(ref)} sets ${field.join(".")}: ${show(host)}`, PROBE_HOST_FIX));
                }
            }
        }
        return findings;
    },
    cel: {
        variables: [
            {
                name: "hostProbeContainers",
                expression: `variables.containers.filter(c, ${PROBE_AND_LIFECYCLE_HOST_FIELDS.map((field) => celLet(celGetStrict("c", field), CEL_BAD_PROBE_HOST)).join(" || ")})`,
            },
        ],
        validations: [
            {
                expression: `${CEL_MINOR} < ${SINCE.hostProbesAndLifecycle} || size(variables.hostProbeContainers) == 0`,
                messageExpression: celFirstContainerMessage("hostProbeContainers", `sets a host on a probe or lifecycle handler. Fix: ${PROBE_HOST_FIX}`),
            },
        ],
    },
});

// ---- Windows HostProcess ----------------------------------------------------------------------------------

const HOST_PROCESS: FieldCheck = {
    field: ["securityContext", "windowsOptions", "hostProcess"],
    violates: (v) => v === true,
    celViolates: "v == true",
    problem: () => "sets securityContext.windowsOptions.hostProcess: true",
    celProblem: "sets securityContext.windowsOptions.hostProcess: true",
    fix: "remove windowsOptions.hostProcess or set it to false",
};
const hostProcessCel = celContainerCheck("hostProcessContainers", HOST_PROCESS);

export const pssBaselineWindowsHostProcess = pssRule({
    id: "pss-baseline-windows-host-process",
    gatekeeperKind: "SgPssBaselineWindowsHostProcess",
    title: "No Windows HostProcess containers",
    description:
        "Pod Security Standards (baseline), HostProcess: a Windows HostProcess container runs directly on the node with host access. " +
        "spec.securityContext.windowsOptions.hostProcess and every container's, init container's and ephemeral container's " +
        "securityContext.windowsOptions.hostProcess must be unset or false (checked whatever spec.os.name says, as Pod Security Admission does).",
    severity: "high",
    remediation: "Remove windowsOptions.hostProcess (or set it to false) from the pod and its containers.",
    frameworks: [nist("AC-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? [...checkPod(object, ctx, HOST_PROCESS), ...checkContainers(object, ctx, HOST_PROCESS)] : [];
    },
    cel: { variables: [hostProcessCel.variable], validations: [celPodCheck(HOST_PROCESS), hostProcessCel.validation] },
});

export const baselineRules: Rule[] = [
    pssBaselinePrivileged,
    pssBaselineHostNamespaces,
    pssBaselineHostPorts,
    pssBaselineHostPath,
    pssBaselineCapabilities,
    pssBaselineProcMount,
    pssBaselineSysctls,
    pssBaselineAppArmor,
    pssBaselineSeLinux,
    pssBaselineSeccomp,
    pssBaselineHostProbes,
    pssBaselineWindowsHostProcess,
];
