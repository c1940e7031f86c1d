// The platform's own namespaces and every exemption a security tool needs from our rules, declared once
// with its reason. Consumed by the namespace baseline (Pod Security level), the Gatekeeper constraints
// (`match.excludedNamespaces`) and the CrossGuard pack configuration (`exemptNamespaces`).

export const PLATFORM_NAMESPACES = {
    argocd: "argocd",
    gatekeeper: "gatekeeper-system",
    falco: "falco",
    trivy: "trivy-system",
    logging: "logging",
    monitoring: "monitoring",
    ingress: "ingress-nginx",
    certManager: "cert-manager",
} as const;

export type PlatformNamespace = (typeof PLATFORM_NAMESPACES)[keyof typeof PLATFORM_NAMESPACES];

/** Pod Security Standards level a namespace is held to. `restricted` unless an exemption says otherwise. */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface NamespaceExemption {
    namespace: string;
    /** Catalogue rule ids this namespace is exempt from. */
    rules: string[];
    /** Pod Security level the namespace needs instead of `restricted` (omit to stay restricted). */
    podSecurity?: PodSecurityLevel;
    /** Why: what the tool does that the rule forbids. Shown in the plan and on the constraint. */
    reason: string;
}

/** Namespaces outside the platform's control that no constraint applies to (Gatekeeper best practice). */
export const SYSTEM_NAMESPACES: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gke-managed-system",
    "gmp-system",
    "gmp-public",
];

/** Filled by each component's author, next to the reason. Tests check every rule id exists. */
export const NAMESPACE_EXEMPTIONS: NamespaceExemption[] = [
    // Gatekeeper: the admission webhook never sees its own namespace (the chart's webhook namespaceSelector
    // excludes the release namespace and the controller runs with --exempt-namespace=gatekeeper-system), so
    // a broken constraint cannot lock Gatekeeper out of repairing itself. Audit still scans it; the one rule
    // the chart's pods break on purpose is declared here so audit reports stay actionable.
    {
        namespace: PLATFORM_NAMESPACES.gatekeeper,
        rules: ["pods-no-automount-service-account-token"],
        reason:
            "Gatekeeper's controller-manager and audit pods watch constraints and every audited kind through the Kubernetes API, " +
            "so they mount their service account token (chart: automountServiceAccountToken: true); RBAC limits what the token can do.",
    },
    // Falco (components/falco.ts): the modern eBPF probe runs in the falco container in least-privileged mode
    // (no `privileged: true`, no host namespaces) but still needs kernel capabilities and host files.
    {
        namespace: PLATFORM_NAMESPACES.falco,
        rules: [
            "pss-baseline-capabilities",
            "pss-baseline-host-path",
            "pss-baseline-apparmor",
            "pss-restricted-volume-types",
            "pss-restricted-capabilities",
            "pss-restricted-privilege-escalation",
            "pss-restricted-run-as-non-root",
            "pss-restricted-run-as-user",
            "pss-restricted-seccomp",
            "containers-read-only-root-filesystem",
            "pods-no-automount-service-account-token",
        ],
        podSecurity: "privileged",
        reason:
            "Falco loads its modern eBPF probe with capabilities BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE under an unconfined AppArmor profile and " +
            "without a seccomp profile (the probe's bpf()/perf_event_open() calls), runs as root and reads the host's /proc, /etc, /dev, /sys/kernel " +
            "and container runtime sockets through hostPath volumes; falcoctl writes rules and plugins into the image filesystem. " +
            "Falco Talon mounts its service account token because it labels pods and creates NetworkPolicies to contain threats; " +
            "the falco-talon chart (0.4.1) offers no container securityContext, so its pod cannot declare the restricted fields.",
    },
    // Trivy operator (components/trivy-operator.ts): the node-collector Job that feeds the CIS/infra assessments.
    // The operator gives it the scan jobs' pod and container securityContext (trivy-operator 0.32
    // pkg/configauditreport/controller/node.go: one setting for every job it creates), so it runs like them:
    // uid 65534, non-root, all capabilities dropped, read-only root, RuntimeDefault seccomp. Only what the
    // node-collector's own template fixes (hostPID, hostPath volumes, its token) needs an exemption.
    {
        namespace: PLATFORM_NAMESPACES.trivy,
        rules: [
            "pss-baseline-host-namespaces",
            "pss-baseline-host-path",
            "pss-restricted-volume-types",
            "pods-no-automount-service-account-token",
        ],
        podSecurity: "privileged",
        reason:
            "Trivy's node-collector Job (infra assessment, CIS compliance) runs with hostPID (its template, trivy-kubernetes node-collector.yaml) and " +
            "reads kubelet, etcd, systemd and CNI configuration through read-only hostPath volumes. It runs as uid 65534 with the scan jobs' restricted " +
            "securityContext (the operator applies one securityContext to all its jobs, and scan jobs, which unpack untrusted images, stay non-root), " +
            "so it inspects the file modes, owners and world-readable files those checks need; files only root may read are outside its view. " +
            "The operator and node-collector mount their service account token to read workloads, RBAC and nodes and to write reports; scan jobs do not.",
    },
    // Fluentd (components/audit-logging.ts): a log shipper has to read the node's log files.
    {
        namespace: PLATFORM_NAMESPACES.logging,
        rules: [
            "pss-baseline-host-path",
            "pss-restricted-volume-types",
            "pss-restricted-run-as-non-root",
            "pss-restricted-run-as-user",
            "pods-no-automount-service-account-token",
        ],
        podSecurity: "privileged",
        reason:
            "Fluentd tails container logs from the node (hostPath /var/log and /var/lib/docker/containers, root-owned, so it runs as root) and keeps its " +
            "read positions and GCS upload buffers there across restarts; its kubernetes_metadata filter reads pod metadata through the API with its token.",
    },
    // Argo CD (components/argocd.ts): its pods stay restricted (non-root, read-only root, no capabilities);
    // only the API token is needed. Redis gets no token.
    {
        namespace: PLATFORM_NAMESPACES.argocd,
        rules: ["pods-no-automount-service-account-token"],
        reason:
            "Argo CD's application controller applies and watches the application's objects, the API server and ApplicationSet controller read " +
            "Applications, AppProjects and repository Secrets, the repo-server and the redis-secret-init Job use their service account: all through " +
            "the Kubernetes API with the token the chart mounts (automountServiceAccountToken: true); RBAC limits each token.",
    },
    // Monitoring (components/monitoring.ts): every pod stays restricted (non-root, read-only root, no
    // capabilities, RuntimeDefault seccomp; node-exporter is off). Only the API token is needed by some;
    // Alertmanager and Grafana get none.
    {
        namespace: PLATFORM_NAMESPACES.monitoring,
        rules: ["pods-no-automount-service-account-token"],
        reason:
            "The Prometheus Operator watches PodMonitors, ServiceMonitors and PrometheusRules in every namespace and manages the Prometheus and " +
            "Alertmanager StatefulSets and Secrets; Prometheus discovers scrape targets (pods, services, endpoints) and scrapes the API server with " +
            "its token; kube-state-metrics lists the objects it reports on; the webhook certificate Jobs write the certificate Secret and patch the " +
            "webhook configurations. All through the Kubernetes API with their token; RBAC limits each one.",
    },
    // ingress-nginx (components/ingress-nginx.ts): the platform's one public entry point. Only the platform
    // deploys into this namespace (the AppProject's destinations are the app namespaces), and the chart's only
    // LoadBalancer Service is the controller's.
    {
        namespace: PLATFORM_NAMESPACES.ingress,
        rules: ["services-no-public-loadbalancer", "containers-read-only-root-filesystem", "pods-no-automount-service-account-token"],
        reason:
            "The ingress-nginx controller's LoadBalancer Service is the platform's one public entry point (TLS only, HSTS; port 80 only for " +
            "ACME HTTP-01 challenges and redirects to HTTPS): every app is reached through it, so no other namespace gets a public load balancer. " +
            "The controller rewrites nginx.conf and writes its pid and temporary files in the image (the official image needs a writable root " +
            "filesystem; it runs as uid 101 with every capability dropped but NET_BIND_SERVICE); it and the admission webhook's certificate Jobs " +
            "watch Ingresses, Services, EndpointSlices and Secrets and patch the webhook configuration through the API with their token.",
    },
    // cert-manager (components/cert-manager.ts): restricted pods (chart defaults: non-root, RuntimeDefault, no
    // capabilities, read-only root), which need only their token.
    {
        namespace: PLATFORM_NAMESPACES.certManager,
        rules: ["pods-no-automount-service-account-token"],
        reason:
            "cert-manager's controller, webhook and cainjector watch Certificates, Issuers, Ingresses and Secrets, write the certificate Secrets, " +
            "create the ACME HTTP-01 solver pods and inject CA bundles into webhook configurations, all through the API with their token.",
    },
];

/** Namespaces exempt from a rule: system namespaces plus the declared exemptions. */
export function exemptNamespacesFor(ruleId: string): string[] {
    const declared = NAMESPACE_EXEMPTIONS.filter((e) => e.rules.includes(ruleId)).map((e) => e.namespace);
    return [...new Set([...SYSTEM_NAMESPACES, ...declared])].sort();
}

/** The Pod Security level of a platform namespace. */
export function podSecurityLevelFor(namespace: string): PodSecurityLevel {
    const levels = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === namespace && e.podSecurity).map(
        (e) => e.podSecurity as PodSecurityLevel,
    );
    if (levels.includes("privileged")) return "privileged";
    if (levels.includes("baseline")) return "baseline";
    return "restricted";
}

/** Why the system namespaces are excluded from every constraint (shown on constraints and in the plan). */
export const SYSTEM_NAMESPACE_REASON =
    "Managed by Kubernetes/GKE, not by this platform: their add-ons (kube-dns, kube-proxy, GKE and Managed Prometheus agents) " +
    "need host access and must keep running even when an admission webhook is down.";

/** Every exempt namespace of a rule with its reason (several reasons for one namespace are joined). */
export function exemptionReasonsFor(ruleId: string): Record<string, string> {
    const reasons: Record<string, string> = {};
    for (const ns of SYSTEM_NAMESPACES) reasons[ns] = SYSTEM_NAMESPACE_REASON;
    for (const e of NAMESPACE_EXEMPTIONS.filter((x) => x.rules.includes(ruleId))) {
        reasons[e.namespace] =
            reasons[e.namespace] && reasons[e.namespace] !== SYSTEM_NAMESPACE_REASON ? `${reasons[e.namespace]} ${e.reason}` : e.reason;
    }
    return Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b)));
}

/** The reason a namespace runs below `restricted` Pod Security, or undefined when it is restricted. */
export function podSecurityReasonFor(namespace: string): string | undefined {
    const level = podSecurityLevelFor(namespace);
    if (level === "restricted") return undefined;
    const reasons = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === namespace && e.podSecurity === level).map((e) => e.reason);
    return reasons.join(" ");
}
