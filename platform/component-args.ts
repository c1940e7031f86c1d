// The fields every platform component on the cluster takes, written and documented once. A component that
// narrows one (a required `apiServerCidrs`) or has no use for it (`Omit<...>`) says so in its own Args.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartInstallSource, EnvironmentName } from "../stacks/types";

export interface PlatformComponentArgs {
    /** Kubernetes provider for every in-cluster resource (the cluster's, server-side apply on). */
    provider: k8s.Provider;
    /** The stack's environment: sizing and replicas, and what prod refuses. */
    environment: EnvironmentName;
    /**
     * Control plane CIDRs. HTTPS egress (443) is open for Google APIs and registries anyway; this adds the
     * API server on 6443 too, for existing clusters whose API server does not listen on 443.
     */
    apiServerCidrs?: string[];
    /** Resources to install after (the Gatekeeper constraints); the component's `dependsOn` option works too. */
    dependsOn?: pulumi.Resource[];
    /** Where the component's pinned charts are installed from; their official repositories by default. */
    charts?: ChartInstallSource;
}
