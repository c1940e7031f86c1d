// GKE Workload Identity pieces shared by the components whose pods act as a GCP service account (Fluentd,
// Falco's k8saudit-gke plugin, Falco Talon): the IAM member naming a Kubernetes service account, and the
// egress its pods need to fetch tokens from the GKE metadata server under a default-deny NetworkPolicy.
import { EgressAllowance } from "./network-allowances";

/** The IAM member of a Kubernetes service account in the cluster's workload pool `<project>.svc.id.goog`. */
export function workloadIdentityMember(project: string, namespace: string, kubernetesServiceAccount: string): string {
    return `serviceAccount:${project}.svc.id.goog[${namespace}/${kubernetesServiceAccount}]`;
}

/**
 * Pods get Workload Identity tokens from the GKE metadata server, which default-deny egress blocks. GKE
 * documents one address per datapath: Dataplane V2 (our clusters) intercepts 169.254.169.254:80; the legacy
 * datapath redirects it to the node's gke-metadata-server at 169.254.169.252:988. One allowance each, so
 * neither IP is open on the other's port. Only the metadata server: no other link-local address.
 */
export function gkeMetadataServerEgress(): EgressAllowance[] {
    const reason = "Workload Identity: Google client libraries fetch the pod's GCP access token from the GKE metadata server.";
    return [
        {
            name: "gke-metadata-egress",
            reason: `${reason} (Dataplane V2)`,
            toCidrs: ["169.254.169.254/32"],
            ports: [{ port: 80, protocol: "TCP" }],
        },
        {
            name: "gke-metadata-legacy-egress",
            reason: `${reason} (legacy datapath)`,
            toCidrs: ["169.254.169.252/32"],
            ports: [{ port: 988, protocol: "TCP" }],
        },
    ];
}
