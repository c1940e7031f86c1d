// Seeded generator of well-formed pod-bearing objects for comparing the pack's Pod Security rules with
// Kubernetes' own Pod Security Admission. Every field a PSS check reads varies (allowed, forbidden, absent,
// edge values such as empty strings, lower case, source-less volumes, hostNetwork without hostPort, no
// containers), in every kind PSA extracts a pod from. Values are well typed: PSA judges what the API server
// decodes, and a wrong type is a rejected request there (the pack's malformed-input tests cover those).
import { K8sObject } from "../../policy-pack/catalogue";
import { pick, prng } from "../../policy-pack/test/support/hostile";

type Json = Record<string, unknown>;

const CAPABILITIES = [
    "ALL",
    "all",
    "NET_BIND_SERVICE",
    "CHOWN",
    "chown",
    "CAP_CHOWN",
    "SYS_ADMIN",
    "NET_RAW",
    "KILL",
    "AUDIT_WRITE",
    "SETFCAP",
    "SYS_CHROOT",
    "MKNOD",
    "",
];
const SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
    "kernel.msgmax",
    "net.core.somaxconn",
    "vm.overcommit_memory",
    "net.ipv4.tcp_keepalive_time2",
    "",
];
const VOLUME_SOURCES: Json[] = [
    { emptyDir: {} },
    { configMap: { name: "c" } },
    { secret: { secretName: "s" } },
    { projected: { sources: [] } },
    { downwardAPI: {} },
    { persistentVolumeClaim: { claimName: "c" } },
    { ephemeral: {} },
    { csi: { driver: "d" } },
    { image: { reference: "registry.example.com/data:1" } },
    { hostPath: { path: "/var/log" } },
    { nfs: { server: "s", path: "/" } },
    { gitRepo: { repository: "r" } },
    { flexVolume: { driver: "d" } },
    { iscsi: { targetPortal: "t", iqn: "i", lun: 0 } },
    // No source at all, or only null sources: the API server makes these emptyDir.
    {},
    { emptyDir: null },
    { hostPath: null },
    { hostPath: null, configMap: null },
    // Two sources (the API server's validation refuses these; PSA's checks still judge them).
    { emptyDir: {}, hostPath: { path: "/" } },
];
const SECCOMP_TYPES = ["RuntimeDefault", "Localhost", "Unconfined", "", "runtimedefault"];
const APPARMOR_TYPES = ["RuntimeDefault", "Localhost", "Unconfined", ""];
const PROFILE_ANNOTATIONS = ["runtime/default", "docker/default", "localhost/p", "unconfined", ""];
const SELINUX: Json[] = [
    {},
    { type: "container_t" },
    { type: "container_init_t" },
    { type: "container_kvm_t" },
    { type: "container_engine_t" },
    { type: "spc_t" },
    { type: "" },
    { user: "u" },
    { role: "r" },
    { level: "s0:c1" },
    { user: "" },
    { role: "" },
];

export interface GeneratedObject {
    id: string;
    object: K8sObject;
}

/** `count` objects from `seed`; the same seed gives the same objects. */
export function generatePssObjects(seed: number, count: number): GeneratedObject[] {
    const rng = prng(seed);
    const maybe = (p: number) => rng() < p;
    const oneOf = <T>(items: readonly T[]) => pick(rng, items);
    const set = (target: Json, key: string, p: number, value: () => unknown) => {
        if (maybe(p)) target[key] = value();
    };

    const profile = (types: readonly string[]) => {
        const type = oneOf(types);
        return type === "Localhost" && maybe(0.7) ? { type, localhostProfile: "p.json" } : { type };
    };
    const probe = () =>
        oneOf<Json>([
            { httpGet: { port: 80 } },
            { httpGet: { port: 80, host: "10.0.0.1" } },
            { httpGet: { port: 80, host: "" } },
            { tcpSocket: { port: 80 } },
            { tcpSocket: { port: 80, host: "example.com" } },
            { grpc: { port: 80 } },
            { exec: { command: ["true"] } },
        ]);
    const handler = () =>
        oneOf<Json>([
            { httpGet: { port: 80, host: "h" } },
            { tcpSocket: { port: 80, host: "h" } },
            { httpGet: { port: 80 } },
            { exec: { command: ["x"] } },
            { sleep: { seconds: 1 } },
        ]);

    function container(name: string, ephemeral: boolean): Json {
        const c: Json = { name, image: "registry.example.com/app:1.0" };
        if (maybe(0.85)) {
            const sc: Json = {};
            set(sc, "privileged", 0.2, () => maybe(0.5));
            set(sc, "allowPrivilegeEscalation", 0.6, () => maybe(0.3));
            set(sc, "capabilities", 0.6, () => {
                const caps: Json = {};
                set(caps, "drop", 0.8, () => (maybe(0.8) ? [oneOf(["ALL", "ALL", "all", "NET_RAW", "CHOWN"])] : []));
                set(caps, "add", 0.35, () => (maybe(0.9) ? [oneOf(CAPABILITIES), ...(maybe(0.2) ? [oneOf(CAPABILITIES)] : [])] : []));
                return caps;
            });
            set(sc, "procMount", 0.2, () => oneOf(["Default", "Unmasked", ""]));
            set(sc, "runAsNonRoot", 0.4, () => maybe(0.6));
            set(sc, "runAsUser", 0.3, () => oneOf([0, 0, 1000, 65534]));
            set(sc, "seccompProfile", 0.3, () => profile(SECCOMP_TYPES));
            set(sc, "appArmorProfile", 0.2, () => profile(APPARMOR_TYPES));
            set(sc, "seLinuxOptions", 0.2, () => oneOf(SELINUX));
            set(sc, "windowsOptions", 0.15, () => (maybe(0.8) ? { hostProcess: maybe(0.5) } : {}));
            c.securityContext = sc;
        }
        if (!ephemeral && maybe(0.3)) {
            c.ports = [
                oneOf<Json>([
                    { containerPort: 8080 },
                    { containerPort: 8080, hostPort: 0 },
                    { containerPort: 8080, hostPort: 8080 },
                    { containerPort: 53, protocol: "UDP" },
                ]),
            ];
        }
        if (maybe(0.2)) {
            set(c, "livenessProbe", 0.5, probe);
            set(c, "readinessProbe", 0.5, probe);
            set(c, "startupProbe", 0.5, probe);
        }
        if (maybe(0.15)) {
            const lifecycle: Json = {};
            set(lifecycle, "postStart", 0.6, handler);
            set(lifecycle, "preStop", 0.6, handler);
            c.lifecycle = lifecycle;
        }
        return c;
    }

    function podSpec(): { spec: Json; annotations: Record<string, string> } {
        const spec: Json = {};
        const names: string[] = [];
        // Sometimes no containers at all: pod-level checks still apply.
        if (maybe(0.93)) spec.containers = [container("app", false), ...(maybe(0.3) ? [container("sidecar", false)] : [])];
        else if (maybe(0.5)) spec.containers = [];
        if (maybe(0.3)) spec.initContainers = [container("init", false)];
        if (maybe(0.15)) spec.ephemeralContainers = [container("debug", true)];
        for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
            for (const c of (spec[list] as Json[] | undefined) ?? []) names.push(String(c.name));
        }
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) set(spec, key, 0.2, () => maybe(0.6));
        set(spec, "hostUsers", 0.3, () => maybe(0.4));
        set(spec, "os", 0.25, () => ({ name: oneOf(["linux", "windows"]) }));
        if (maybe(0.8)) {
            const sc: Json = {};
            set(sc, "runAsNonRoot", 0.6, () => maybe(0.75));
            set(sc, "runAsUser", 0.3, () => oneOf([0, 1000]));
            set(sc, "seccompProfile", 0.6, () => profile(SECCOMP_TYPES));
            set(sc, "appArmorProfile", 0.15, () => profile(APPARMOR_TYPES));
            set(sc, "seLinuxOptions", 0.15, () => oneOf(SELINUX));
            set(sc, "sysctls", 0.25, () => Array.from({ length: maybe(0.3) ? 2 : 1 }, () => ({ name: oneOf(SYSCTLS), value: "1" })));
            set(sc, "windowsOptions", 0.1, () => ({ hostProcess: maybe(0.5) }));
            spec.securityContext = sc;
        }
        if (maybe(0.4))
            spec.volumes = Array.from({ length: maybe(0.3) ? 2 : 1 }, (_, i) => ({
                name: `v${i}`,
                ...structuredClone(oneOf(VOLUME_SOURCES)),
            }));
        const annotations: Record<string, string> = {};
        const target = () => oneOf([...names, "absent"]);
        if (maybe(0.12)) annotations["seccomp.security.alpha.kubernetes.io/pod"] = oneOf(PROFILE_ANNOTATIONS);
        if (maybe(0.12)) annotations[`container.seccomp.security.alpha.kubernetes.io/${target()}`] = oneOf(PROFILE_ANNOTATIONS);
        if (maybe(0.12)) annotations[`container.apparmor.security.beta.kubernetes.io/${target()}`] = oneOf(PROFILE_ANNOTATIONS);
        return { spec, annotations };
    }

    const objects: GeneratedObject[] = [];
    for (let i = 0; i < count; i++) {
        const { spec, annotations } = podSpec();
        const metadata: Json = { name: `g${i}`, namespace: "apps" };
        const template: Json = { metadata: { labels: { app: "g" } }, spec };
        if (Object.keys(annotations).length > 0) (template.metadata as Json).annotations = annotations;
        // Mostly Pods (where the API server's hostNetwork default applies), every other pod-bearing kind too.
        const kind = maybe(0.55)
            ? "Pod"
            : oneOf(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController", "PodTemplate"]);
        let object: K8sObject;
        switch (kind) {
            case "Pod":
                object = { apiVersion: "v1", kind, metadata: { ...metadata, ...(template.metadata as Json) }, spec };
                break;
            case "PodTemplate":
                object = { apiVersion: "v1", kind, metadata, template };
                break;
            case "ReplicationController":
                object = { apiVersion: "v1", kind, metadata, spec: { template } };
                break;
            case "Job":
                object = { apiVersion: "batch/v1", kind, metadata, spec: { template } };
                break;
            case "CronJob":
                object = { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template } } } };
                break;
            default:
                object = { apiVersion: "apps/v1", kind, metadata, spec: { selector: { matchLabels: { app: "g" } }, template } };
        }
        objects.push({ id: `generated#${i}`, object });
    }
    return objects;
}
