// Pod Security Standards, Baseline profile, field by field as
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ defines it (and as the built-in
// Pod Security Admission checks it). Every control covers containers, initContainers and
// ephemeralContainers. Windows HostProcess (spec.securityContext.windowsOptions.hostProcess) is out of
// scope: the platform runs Linux node pools only. Legacy seccomp annotations (removed in 1.27) are not
// checked; AppArmor's legacy annotations are, since the docs still list them.
import { CommonK8sParams, Finding, isUnknown, K8sObject, Rule } from "../catalogue/types";
import { cis, nist, pci, podRule, soc2 } from "./pod-security-common";
import {
    CEL_NO_CONTAINERS,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    CEL_V_IS_SET,
    celContainerCheck,
    celGet,
    celLet,
    celList,
    celName,
    celPodCheck,
    celString,
    checkContainers,
    checkPod,
    FieldCheck,
    finding,
    get,
    isExemptContainerName,
    isRecord,
    isSet,
    podContext,
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

export const pssBaselinePrivileged = podRule({
    id: "pss-baseline-privileged",
    gatekeeperKind: "SgPssBaselinePrivileged",
    title: "No privileged containers",
    description:
        "Pod Security Standards (baseline), Privileged Containers: a privileged container has every capability and all host devices, " +
        "which disables nearly every isolation mechanism. securityContext.privileged must be unset or false on every container, init container and ephemeral container.",
    severity: "critical",
    remediation: "Remove securityContext.privileged (or set it to false) and add only the specific Linux capability the workload needs.",
    frameworks: [cis("5.2.2"), nist("AC-6"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), soc2("CC6.8"), pci("2.2.6")],
    check(object: K8sObject, params: CommonK8sParams): Finding[] {
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

export const pssBaselineHostNamespaces = podRule({
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

export interface HostPortsParams extends CommonK8sParams {
    /** Host ports a container may still bind (the docs allow "a known list"); empty by default. */
    allowedHostPorts: number[];
}

function badHostPort(value: unknown, allowed: readonly unknown[]): boolean {
    return isSet(value) && value !== 0 && !allowed.includes(value);
}

const CEL_ALLOWED_HOST_PORTS = "(has(variables.params.allowedHostPorts) ? variables.params.allowedHostPorts : [])";
const CEL_BAD_HOST_PORT = `${CEL_V_IS_SET} && v != 0 && !${CEL_ALLOWED_HOST_PORTS}.exists(a, a == v)`;
const HOST_PORTS_FIX = "remove hostPort (expose the port through a Service) or add it to the rule's allowedHostPorts parameter";

export const pssBaselineHostPorts = podRule<HostPortsParams>({
    id: "pss-baseline-host-ports",
    gatekeeperKind: "SgPssBaselineHostPorts",
    title: "No host ports outside the allowed list",
    description:
        "Pod Security Standards (baseline), Host Ports: a hostPort binds the node's own interface, bypassing NetworkPolicy and Service routing. " +
        "ports[*].hostPort must be unset or 0 on every container, init container and ephemeral container, unless the port is in allowedHostPorts.",
    severity: "high",
    remediation: "Remove hostPort and publish the port through a Service; if a node-level port is truly required, list it in allowedHostPorts.",
    frameworks: [cis("5.2.13"), nist("CM-7"), nist("SC-7"), soc2("CC6.6"), pci("1.2.5"), pci("2.2.4")],
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedHostPorts: [] },
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
                findings.push(finding(object, `${ref.path}.ports[${label}].hostPort`, `container "${ref.name}" binds hostPort ${String(hostPort)}`, HOST_PORTS_FIX));
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

export const pssBaselineHostPath = podRule({
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
    problem: (v) => `adds capabilities outside the baseline set: ${forbiddenAdds(v, BASELINE_CAPABILITIES).map(String).join(", ")}`,
    celProblem: "adds a capability outside the baseline set",
    fix: `add only ${BASELINE_CAPABILITIES.join(", ")} (better: drop ALL and add back only NET_BIND_SERVICE if needed)`,
};

const baselineAddCel = celContainerCheck("extraCapabilityContainers", BASELINE_ADD);

export const pssBaselineCapabilities = podRule({
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
    problem: (v) => `sets securityContext.procMount: ${String(v)}`,
    celProblem: "sets securityContext.procMount to a value other than Default",
    fix: "remove securityContext.procMount or set it to Default (masked /proc)",
};

const procMountCel = celContainerCheck("procMountContainers", PROC_MOUNT);

export const pssBaselineProcMount = podRule({
    id: "pss-baseline-proc-mount",
    gatekeeperKind: "SgPssBaselineProcMount",
    title: "Default /proc mount only",
    description:
        "Pod Security Standards (baseline), /proc Mount Type: an Unmasked /proc exposes kernel interfaces the default mask hides. " +
        "securityContext.procMount must be unset or Default on every container.",
    severity: "medium",
    remediation: "Remove securityContext.procMount or set it to Default.",
    frameworks: [cis("5.7.3"), nist("CM-7"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? checkContainers(object, ctx, PROC_MOUNT) : [];
    },
    cel: { variables: [procMountCel.variable], validations: [procMountCel.validation] },
});

// ---- sysctls ------------------------------------------------------------------------------------------

/** Namespaced sysctls the baseline profile considers safe (isolated per pod). */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
] as const;

const SYSCTL_FIX = `set only the safe sysctls (${SAFE_SYSCTLS.join(", ")})`;

export const pssBaselineSysctls = podRule({
    id: "pss-baseline-sysctls",
    gatekeeperKind: "SgPssBaselineSysctls",
    title: "Only safe sysctls",
    description:
        "Pod Security Standards (baseline), Sysctls: spec.securityContext.sysctls[*].name may only name the safe, pod-isolated set " +
        `(${SAFE_SYSCTLS.join(", ")}); other sysctls can affect the node or other pods. Pods whose every container runs an exempt image are not judged.`,
    severity: "medium",
    remediation: "Remove unsafe sysctls from spec.securityContext.sysctls; tune the node instead if the setting is really needed.",
    frameworks: [cis("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const sysctls = get(ctx.pod.spec, ["securityContext", "sysctls"]);
        if (!Array.isArray(sysctls)) return [];
        const findings: Finding[] = [];
        sysctls.forEach((sysctl, index) => {
            if (!isRecord(sysctl)) return;
            const name = get(sysctl, ["name"]);
            if (isSet(name) && !SAFE_SYSCTLS.includes(name as (typeof SAFE_SYSCTLS)[number])) {
                findings.push(finding(object, `${ctx.pod.path}.securityContext.sysctls[${index}].name`, `the pod sets the unsafe sysctl ${String(name)}`, SYSCTL_FIX));
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
                    `${celLet(celGet("s", ["name"]), `${CEL_V_IS_SET} && !(v in ${celList(SAFE_SYSCTLS)})`)}) : []`,
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

const APPARMOR_TYPE: FieldCheck = {
    field: ["securityContext", "appArmorProfile", "type"],
    violates: (v) => isSet(v) && v !== "RuntimeDefault" && v !== "Localhost",
    celViolates: `${CEL_V_IS_SET} && !(v in ['RuntimeDefault', 'Localhost'])`,
    problem: (v) => `sets securityContext.appArmorProfile.type: ${String(v)}`,
    celProblem: "sets securityContext.appArmorProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "remove appArmorProfile or set its type to RuntimeDefault (or Localhost with a reviewed profile)",
};

function allowedAppArmorAnnotation(value: unknown): boolean {
    return value === "" || value === "runtime/default" || (typeof value === "string" && value.startsWith("localhost/"));
}

const APPARMOR_ANNOTATION_FIX = "remove the annotation (use securityContext.appArmorProfile) or set it to runtime/default or localhost/<profile>";
const appArmorContainerCel = celContainerCheck("unconfinedAppArmorContainers", APPARMOR_TYPE);
const CEL_ANNOTATIONS = "((has(variables.podMeta.annotations) && type(variables.podMeta.annotations) == map) ? variables.podMeta.annotations : {})";
const CEL_ALL_CONTAINERS =
    "((has(variables.podSpec.containers) ? variables.podSpec.containers : []) + " +
    "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []) + " +
    "(has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : []))";

export const pssBaselineAppArmor = podRule({
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
                    findings.push(finding(object, `${metaPath}.annotations["${key}"]`, `annotation ${key} is ${String(value)}`, APPARMOR_ANNOTATION_FIX));
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
                    `${CEL_ALL_CONTAINERS}.filter(c, has(c.name) && type(c.name) == string && ` +
                    "variables.exemptImages.exists(p, has(c.image) && p != '' && c.image.startsWith(p))).map(c, c.name)",
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

export const ALLOWED_SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"] as const;

const SELINUX_FIX = `remove seLinuxOptions, or keep only a type among ${ALLOWED_SELINUX_TYPES.filter((t) => t !== "").join(", ")} with no user or role`;
const seLinuxChecks = (prefix: readonly string[]): FieldCheck[] => [
    {
        field: [...prefix, "seLinuxOptions", "type"],
        violates: (v) => isSet(v) && !ALLOWED_SELINUX_TYPES.includes(v as (typeof ALLOWED_SELINUX_TYPES)[number]),
        celViolates: `${CEL_V_IS_SET} && !(v in ${celList(ALLOWED_SELINUX_TYPES)})`,
        problem: (v) => `sets securityContext.seLinuxOptions.type: ${String(v)}`,
        celProblem: "sets securityContext.seLinuxOptions.type outside the allowed container types",
        fix: SELINUX_FIX,
    },
    ...(["user", "role"] as const).map(
        (key): FieldCheck => ({
            field: [...prefix, "seLinuxOptions", key],
            violates: (v) => isSet(v) && v !== "",
            celViolates: `${CEL_V_IS_SET} && v != ''`,
            problem: (v) => `sets securityContext.seLinuxOptions.${key}: ${String(v)}`,
            celProblem: `sets securityContext.seLinuxOptions.${key}`,
            fix: SELINUX_FIX,
        }),
    ),
];

const SELINUX = seLinuxChecks(["securityContext"]);
const seLinuxCel = SELINUX.map((c, i) => celContainerCheck(`seLinuxContainers${["Type", "User", "Role"][i]}`, c));

export const pssBaselineSeLinux = podRule({
    id: "pss-baseline-selinux",
    gatekeeperKind: "SgPssBaselineSeLinux",
    title: "No custom SELinux options",
    description:
        "Pod Security Standards (baseline), SELinux: seLinuxOptions.type at pod and container level must be unset or one of " +
        "container_t, container_init_t, container_kvm_t, container_engine_t, and seLinuxOptions.user and .role must be unset. " +
        "Custom SELinux labels can escape the container's confinement.",
    severity: "medium",
    remediation: "Remove seLinuxOptions.user and .role, and use one of the standard container types (or none).",
    frameworks: [cis("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? SELINUX.flatMap((c) => [...checkPod(object, ctx, c), ...checkContainers(object, ctx, c)]) : [];
    },
    cel: {
        variables: seLinuxCel.map((c) => c.variable),
        validations: [...SELINUX.map(celPodCheck), ...seLinuxCel.map((c) => c.validation)],
    },
});

// ---- seccomp (baseline) ------------------------------------------------------------------------------

export const ALLOWED_SECCOMP_TYPES = ["RuntimeDefault", "Localhost"] as const;

const SECCOMP_BASELINE: FieldCheck = {
    field: ["securityContext", "seccompProfile", "type"],
    violates: (v) => isSet(v) && !ALLOWED_SECCOMP_TYPES.includes(v as (typeof ALLOWED_SECCOMP_TYPES)[number]),
    celViolates: `${CEL_V_IS_SET} && !(v in ${celList(ALLOWED_SECCOMP_TYPES)})`,
    problem: (v) => `sets securityContext.seccompProfile.type: ${String(v)}`,
    celProblem: "sets securityContext.seccompProfile.type to a value other than RuntimeDefault or Localhost",
    fix: "set seccompProfile.type to RuntimeDefault (or Localhost with a reviewed profile), never Unconfined",
};
const seccompBaselineCel = celContainerCheck("unconfinedSeccompContainers", SECCOMP_BASELINE);

export const pssBaselineSeccomp = podRule({
    id: "pss-baseline-seccomp",
    gatekeeperKind: "SgPssBaselineSeccomp",
    title: "Seccomp may not be disabled",
    description:
        "Pod Security Standards (baseline), Seccomp: securityContext.seccompProfile.type at pod and container level must be unset, " +
        "RuntimeDefault or Localhost; Unconfined removes the syscall filter.",
    severity: "medium",
    remediation: "Replace seccompProfile.type Unconfined with RuntimeDefault.",
    frameworks: [cis("5.7.2"), nist("CM-7"), nist("SC-39"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        return ctx ? [...checkPod(object, ctx, SECCOMP_BASELINE), ...checkContainers(object, ctx, SECCOMP_BASELINE)] : [];
    },
    cel: { variables: [seccompBaselineCel.variable], validations: [celPodCheck(SECCOMP_BASELINE), seccompBaselineCel.validation] },
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
];
