// The namespace baseline every platform and application namespace gets: Pod Security Standards labels
// (restricted unless platform/exemptions.ts declares a reason for less) and default-deny
// NetworkPolicies with the two allowances every pod needs (its own namespace, cluster DNS). Anything else a
// tool needs (API server egress, metrics scraping, webhook ingress) is passed in as a typed, named and
// described allowance, so every hole in the baseline says why it exists.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PodSecurityLevel, podSecurityLevelFor, podSecurityReasonFor } from "../platform/exemptions";
import { DEFAULT_POD_SECURITY_VERSION } from "../platform/cluster-version";
import { podSecurityLabels, PodSecurityModes, uniformModes } from "../platform/pod-security";
import { EgressAllowance, IngressAllowance, PortSpec } from "../platform/network-allowances";
import { PlatformComponentArgs } from "../platform/component-args";

export { apiServerEgress, httpsEgress, metricsIngressFrom } from "../platform/network-allowances";
export type { EgressAllowance, IngressAllowance, PortSpec } from "../platform/network-allowances";

export { POD_SECURITY_MODES, podSecurityLabels } from "../platform/pod-security";

/** Annotation carrying why a namespace runs below `restricted`. */
export const POD_SECURITY_REASON_ANNOTATION = "secure-gitops.io/pod-security-reason";
/** Annotation carrying why a NetworkPolicy allowance exists. */
export const NETWORK_POLICY_REASON_ANNOTATION = "secure-gitops.io/reason";

export interface SecureNamespaceArgs extends Pick<PlatformComponentArgs, "provider" | "podSecurityVersion"> {
    /** The namespace name (fixed, not auto-named: charts, exemptions and constraints refer to it). */
    name: string;
    /** Extra labels (e.g. `admission.gatekeeper.sh/ignore` for Gatekeeper's own namespace). */
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    allowIngress?: IngressAllowance[];
    allowEgress?: EgressAllowance[];
    /**
     * The Pod Security Standards version every mode label pins (`v1.NN`): the stack's `podSecurityVersion`,
     * the same version the pss-* rules are configured with. Defaults to the default cluster version's.
     */
    podSecurityVersion?: string;
    /**
     * The application namespaces' modes at the app's level (platform/pod-security.ts `appPodSecurityModes`)
     * with the reason shown when enforce is below restricted. Platform namespaces leave it unset: one level
     * in every mode, restricted unless platform/exemptions.ts declares a reason for less.
     */
    appPodSecurity?: { modes: PodSecurityModes; reason?: string };
}

/** `kubernetes.io/metadata.name` is set by the API server to the namespace name and cannot be forged. */
function namespaceSelector(name: string): k8s.types.input.meta.v1.LabelSelector {
    return { matchLabels: { "kubernetes.io/metadata.name": name } };
}

function toPorts(ports: PortSpec[]): k8s.types.input.networking.v1.NetworkPolicyPort[] {
    return ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" }));
}

function peers(
    namespaces: string[] | undefined,
    podSelector: Record<string, string> | undefined,
    cidrs: string[] | undefined,
): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    const result: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [];
    for (const ns of namespaces ?? [])
        result.push({ namespaceSelector: namespaceSelector(ns), ...(podSelector ? { podSelector: { matchLabels: podSelector } } : {}) });
    for (const cidr of cidrs ?? []) result.push({ ipBlock: { cidr } });
    if (result.length === 0) throw new Error("a NetworkPolicy allowance needs at least one namespace or CIDR peer");
    return result;
}

export class SecureNamespace extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    /** The namespace name, known once the Namespace exists (depend on it to order installs). */
    public readonly name: pulumi.Output<string>;
    /** The level Pod Security Admission enforces. */
    public readonly podSecurityLevel: PodSecurityLevel;
    public readonly podSecurityModes: PodSecurityModes;
    public readonly podSecurityVersion: string;
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: SecureNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:kubernetes:SecureNamespace", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        const platformLevel = podSecurityLevelFor(args.name);
        if (args.appPodSecurity && platformLevel !== "restricted")
            throw new Error(`SecureNamespace ${args.name}: a namespace with a platform exemption cannot take the app's Pod Security modes`);
        this.podSecurityModes = args.appPodSecurity?.modes ?? uniformModes(platformLevel);
        this.podSecurityLevel = this.podSecurityModes.enforce;
        this.podSecurityVersion = args.podSecurityVersion ?? DEFAULT_POD_SECURITY_VERSION;
        const reason = args.appPodSecurity ? args.appPodSecurity.reason : podSecurityReasonFor(args.name);

        this.namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.name,
                    // PSS labels last: extra labels cannot weaken the declared level.
                    labels: { ...(args.labels ?? {}), ...podSecurityLabels(this.podSecurityModes, this.podSecurityVersion) },
                    annotations: { ...(args.annotations ?? {}), ...(reason ? { [POD_SECURITY_REASON_ANNOTATION]: reason } : {}) },
                },
            },
            childOpts,
        );
        this.name = this.namespace.metadata.name;
        const allowanceNames = [...(args.allowIngress ?? []), ...(args.allowEgress ?? [])].map((a) => a.name);
        const duplicate = allowanceNames.find((n, i) => allowanceNames.indexOf(n) !== i);
        if (duplicate) throw new Error(`SecureNamespace ${args.name}: two allowances are named "${duplicate}"`);
        const policyOpts = { ...childOpts, dependsOn: [this.namespace] };
        const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec, why: string) =>
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${suffix}`,
                { metadata: { name: suffix, namespace: this.name, annotations: { [NETWORK_POLICY_REASON_ANNOTATION]: why } }, spec },
                policyOpts,
            );

        this.networkPolicies = [
            // Nothing in or out unless a policy below allows it.
            policy(
                "default-deny-all",
                { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
                "Baseline: deny all ingress and egress by default.",
            ),
            policy(
                "allow-same-namespace",
                {
                    podSelector: {},
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [{ podSelector: {} }] }],
                    egress: [{ to: [{ podSelector: {} }] }],
                },
                "Pods of one namespace form one application and may talk to each other.",
            ),
            policy(
                "allow-dns-egress",
                {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: namespaceSelector("kube-system"),
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                            ],
                            ports: toPorts([
                                { port: 53, protocol: "UDP" },
                                { port: 53, protocol: "TCP" },
                            ]),
                        },
                    ],
                },
                "Every pod resolves names through cluster DNS (kube-dns in kube-system).",
            ),
            ...(args.allowIngress ?? []).map((a) =>
                policy(
                    `allow-${a.name}`,
                    {
                        podSelector: { matchLabels: a.podSelector ?? {} },
                        policyTypes: ["Ingress"],
                        ingress: [{ from: peers(a.fromNamespaces, a.fromPodSelector, a.fromCidrs), ports: toPorts(a.ports) }],
                    },
                    a.reason,
                ),
            ),
            ...(args.allowEgress ?? []).map((a) =>
                policy(
                    `allow-${a.name}`,
                    {
                        podSelector: { matchLabels: a.podSelector ?? {} },
                        policyTypes: ["Egress"],
                        egress: [{ to: peers(a.toNamespaces, a.toPodSelector, a.toCidrs), ports: toPorts(a.ports) }],
                    },
                    a.reason,
                ),
            ),
        ];

        this.registerOutputs({ name: this.name, podSecurityModes: this.podSecurityModes, podSecurityVersion: this.podSecurityVersion });
    }
}
