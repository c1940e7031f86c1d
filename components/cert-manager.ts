// cert-manager from its official Helm chart, and the stack's ClusterIssuer the app's Ingress names in its
// `cert-manager.io/cluster-issuer` annotation: Let's Encrypt staging in dev and staging (untrusted test
// certificates, generous rate limits), production in prod. HTTP-01 through the nginx class by default; DNS-01
// through Cloud DNS (gke mode, Workload Identity) when configured. The chart's pods already run restricted
// (non-root, RuntimeDefault, no capabilities, read-only root); the values add requests and limits, and HA in prod.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { AcmeConfig } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { httpsEgress, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";
import { INGRESS_CLASS } from "./ingress-nginx";

export const CERT_MANAGER_CHART = CHART_PINS.certManager;

export const ACME_SERVERS = {
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
    production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** The ClusterIssuer name for an ACME endpoint: the Missing Table chart names `letsencrypt-prod`. */
export function clusterIssuerName(server: AcmeConfig["server"]): string {
    return server === "production" ? "letsencrypt-prod" : "letsencrypt-staging";
}

/** cert-manager's webhook port (chart `webhook.securePort`): the API server calls it. */
export const WEBHOOK_PORT = 10250;

export interface CertManagerArgs extends PlatformComponentArgs {
    apiServerCidrs: string[];
    acme: AcmeConfig;
    /** The GCP project (dns01 default project). */
    gcpProject?: string;
}

export function certManagerValues(args: Pick<CertManagerArgs, "environment">): Record<string, unknown> {
    const prod = args.environment === "prod";
    const replicas = prod ? 2 : 1;
    const pdb = { enabled: prod, minAvailable: 1 };
    return {
        global: {
            commonLabels: { "app.kubernetes.io/part-of": "cert-manager" },
            // Leader election in its own namespace: no Role or RoleBinding of cert-manager's in kube-system.
            leaderElection: { namespace: PLATFORM_NAMESPACES.certManager },
        },
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: pdb,
        resources: res("50m", "128Mi", "500m", "256Mi"),
        // Only the `cert-manager.io/cluster-issuer` annotation on Ingresses creates Certificates (ingress-shim).
        ingressShim: {},
        enableCertificateOwnerRef: true,
        prometheus: { enabled: true, servicemonitor: { enabled: false } },
        webhook: { replicaCount: replicas, podDisruptionBudget: pdb, resources: res("20m", "64Mi", "200m", "128Mi") },
        cainjector: { replicaCount: replicas, podDisruptionBudget: pdb, resources: res("20m", "128Mi", "200m", "256Mi") },
        startupapicheck: { resources: res("10m", "32Mi", "100m", "64Mi") },
    };
}

/** The ClusterIssuer spec: the ACME account and the one solver the stack chose. */
export function clusterIssuerSpec(acme: AcmeConfig, gcpProject?: string): Record<string, unknown> {
    const solver =
        acme.solver === "dns01"
            ? { dns01: { cloudDNS: { project: acme.dnsProject ?? gcpProject } } }
            : { http01: { ingress: { ingressClassName: INGRESS_CLASS } } };
    return {
        acme: {
            server: ACME_SERVERS[acme.server],
            email: acme.email,
            // The ACME account key cert-manager generates: stored in a Secret in the cert-manager namespace.
            privateKeySecretRef: { name: `${clusterIssuerName(acme.server)}-account-key` },
            solvers: [solver],
        },
    };
}

export class CertManager extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly clusterIssuer: k8s.apiextensions.CustomResource;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:ingress:CertManager", name, {}, opts);
        if (args.apiServerCidrs.length === 0) throw new Error("CertManager: apiServerCidrs must name the control plane range");
        if (args.acme.solver === "dns01" && !(args.acme.dnsProject ?? args.gcpProject))
            throw new Error("CertManager: dns01 needs acmeDnsProject or gcpProject");
        const provider = args.provider;
        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                podSecurityVersion: args.podSecurityVersion,
                name: PLATFORM_NAMESPACES.certManager,
                allowIngress: [
                    {
                        name: "webhook-ingress",
                        reason: "The API server calls cert-manager's validating and mutating webhooks.",
                        podSelector: { "app.kubernetes.io/component": "webhook" },
                        fromCidrs: args.apiServerCidrs,
                        ports: [{ port: WEBHOOK_PORT }],
                    },
                ],
                // The ACME directory (and Cloud DNS for DNS-01) have no stable IPs; the API server on 443/6443.
                allowEgress: httpsEgress(
                    "The controller talks to the ACME directory (Let's Encrypt) and, for DNS-01, Cloud DNS.",
                    args.apiServerCidrs,
                ),
            },
            { parent: this },
        );
        this.namespace = namespace.name;
        this.release = pinnedRelease(
            `${name}-release`,
            CERT_MANAGER_CHART,
            {
                releaseName: "cert-manager",
                chartSource: args.charts,
                namespace: PLATFORM_NAMESPACES.certManager,
                values: certManagerValues(args),
            },
            { parent: this, provider, dependsOn: [namespace, ...admissionGates(args, opts)] },
        );
        // Created once the release (and so its CRDs and webhook) is ready.
        this.clusterIssuer = new k8s.apiextensions.CustomResource(
            `${name}-cluster-issuer`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: clusterIssuerName(args.acme.server), labels: { "app.kubernetes.io/part-of": "secure-gitops" } },
                spec: clusterIssuerSpec(args.acme, args.gcpProject),
            },
            { parent: this, provider, dependsOn: [this.release] },
        );
        this.registerOutputs({ namespace: this.namespace, clusterIssuer: clusterIssuerName(args.acme.server) });
    }
}
