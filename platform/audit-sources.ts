// What the GKE audit plumbing (components/gke-audit-sources.ts) hands to the components that consume it
// (AuditLogging's Fluentd, Falco and Falco Talon): the Kubernetes service accounts its GCP identities trust
// through Workload Identity, and the shape of Falco's Pub/Sub audit source. Here so neither component
// imports the other.
import * as pulumi from "@pulumi/pulumi";

/** Fluentd's Kubernetes service account (namespace logging), bound to the Fluentd GCP account in gke mode. */
export const FLUENTD_SERVICE_ACCOUNT = "fluentd";
/**
 * Falco's Kubernetes service account (namespace falco), set explicitly in Falco's values (the chart would derive
 * the same name from the release name) and bound to the k8saudit-gke subscriber account.
 */
export const FALCO_SERVICE_ACCOUNT = "falco";
/**
 * Falco Talon's Kubernetes service account (namespace falco; the Talon chart always names it after the chart,
 * templates/deployment.yaml), bound to the evidence writer account.
 */
export const TALON_SERVICE_ACCOUNT = "falco-talon";

/**
 * Where the k8saudit-gke plugin reads the cluster's audit logs. GKE has no audit webhook backend (its API
 * server logs to Cloud Audit Logs only), so a Cloud Logging sink publishes the audit entries to a Pub/Sub topic
 * and the plugin pulls them from a subscription (components/gke-audit-sources.ts creates all of it in gke mode).
 */
export interface K8sAuditGkeSource {
    /** GCP project holding the Pub/Sub subscription (the plugin's `project_id`). */
    projectId: string;
    /**
     * The subscription ID in `projectId` (the plugin's `open_params`; it builds projects/<projectId>/subscriptions/<ID>).
     * A full `projects/<projectId>/subscriptions/<ID>` name is accepted and shortened.
     */
    subscription: pulumi.Input<string>;
    /** GCP service account (Workload Identity) with roles/pubsub.subscriber on the subscription. */
    gcpServiceAccountEmail: pulumi.Input<string>;
}
