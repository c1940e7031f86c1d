// The typed, named and described network allowances a component passes to its SecureNamespace (each hole in
// the default-deny baseline says why it exists), and the common ones. Shared by components and the
// workload-identity helper; no resource is declared here.
export interface PortSpec {
    port: number;
    protocol?: "TCP" | "UDP";
}

export interface Allowance {
    /** Suffix of the NetworkPolicy name, e.g. `apiserver-egress` (DNS label characters only). */
    name: string;
    /** Why the tool needs this traffic; stored on the policy as an annotation. */
    reason: string;
    /** Pods in this namespace the allowance applies to (labels); all pods when omitted. */
    podSelector?: Record<string, string>;
    ports: PortSpec[];
}

/** Allow traffic into selected pods from other namespaces and/or CIDRs (e.g. API server -> webhook). */
export interface IngressAllowance extends Allowance {
    fromNamespaces?: string[];
    /** Pods in `fromNamespaces` the traffic may come from (labels); any pod there when omitted. */
    fromPodSelector?: Record<string, string>;
    fromCidrs?: string[];
}

/** Allow traffic from selected pods to other namespaces and/or CIDRs (e.g. controllers -> API server). */
export interface EgressAllowance extends Allowance {
    toNamespaces?: string[];
    toPodSelector?: Record<string, string>;
    toCidrs?: string[];
}

/** Controllers talk to the Kubernetes API server; pass the control plane's CIDRs (GKE: the master range). */
export function apiServerEgress(cidrs: string[], ports: number[] = [443]): EgressAllowance {
    return {
        name: "apiserver-egress",
        reason: "Controllers watch and update objects through the Kubernetes API server.",
        toCidrs: cidrs,
        ports: ports.map((port) => ({ port, protocol: "TCP" })),
    };
}

/**
 * HTTPS to anywhere, for tools whose peers (Google APIs, registries, SaaS webhooks) have no stable IPs. With
 * `apiServerCidrs`, also the API server on 443 and 6443 (existing clusters whose API server listens on 6443).
 */
export function httpsEgress(reason: string, apiServerCidrs?: string[]): EgressAllowance[] {
    return [
        { name: "https-egress", reason, toCidrs: ["0.0.0.0/0"], ports: [{ port: 443, protocol: "TCP" }] },
        ...(apiServerCidrs ? [apiServerEgress(apiServerCidrs, [443, 6443])] : []),
    ];
}

/** Prometheus in the monitoring namespace scrapes the metrics ports of selected pods. */
export function metricsIngressFrom(namespace: string, ports: number[], podSelector?: Record<string, string>): IngressAllowance {
    return {
        name: "metrics-ingress",
        reason: `Prometheus in namespace ${namespace} scrapes metrics.`,
        fromNamespaces: [namespace],
        podSelector,
        ports: ports.map((port) => ({ port, protocol: "TCP" })),
    };
}
