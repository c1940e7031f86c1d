// How later components reach the cluster, whichever way it came to be: created here (GkeCluster) or
// brought by the user (ExistingCluster, from a kubeconfig). Both expose `ClusterAccess`, so the platform
// components only ever see a provider and a few optional GCP facts.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterAccess {
    /** Kubernetes provider for every in-cluster resource (server-side apply on). */
    provider: k8s.Provider;
    /** Kubeconfig contents; always a secret Output. */
    kubeconfig: pulumi.Output<string>;
    /** `<project>.svc.id.goog` when GKE Workload Identity is available (GKE mode, or declared for an existing GKE cluster). */
    workloadIdentityPool?: pulumi.Output<string>;
    /** GCP project of the cluster, when known. */
    project?: pulumi.Output<string>;
}

export interface ExistingClusterArgs {
    /** Kubeconfig contents (keep it a config secret). Give exactly one of `kubeconfig` or `kubeconfigPath`. */
    kubeconfig?: pulumi.Input<string>;
    /** Path to a kubeconfig file (`~/` expanded); its contents are read at run time and kept secret. */
    kubeconfigPath?: string;
    /** Context inside the kubeconfig; the file's current-context when omitted. */
    context?: string;
    /** For an existing GKE cluster with Workload Identity enabled: its project (the pool is `<project>.svc.id.goog`). */
    gcpProject?: string;
}

function expandHome(p: string): string {
    return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * A cluster that already exists, reached through a kubeconfig. Creates a Kubernetes provider and nothing else:
 * no GCP resource, so the platform can be installed on any conformant cluster.
 */
export class ExistingCluster extends pulumi.ComponentResource implements ClusterAccess {
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly workloadIdentityPool?: pulumi.Output<string>;
    public readonly project?: pulumi.Output<string>;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:kubernetes:ExistingCluster", name, {}, opts);

        if ((args.kubeconfig === undefined) === (args.kubeconfigPath === undefined)) {
            throw new Error(`ExistingCluster ${name}: give exactly one of kubeconfig (contents) or kubeconfigPath`);
        }
        let contents: pulumi.Input<string>;
        if (args.kubeconfigPath !== undefined) {
            const file = expandHome(args.kubeconfigPath);
            if (!fs.existsSync(file)) throw new Error(`ExistingCluster ${name}: kubeconfig file not found: ${file}`);
            contents = fs.readFileSync(file, "utf8");
        } else {
            contents = args.kubeconfig as pulumi.Input<string>;
        }
        // Credentials in a kubeconfig (tokens, client keys) must never reach the state in clear text.
        this.kubeconfig = pulumi.secret(contents);

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                context: args.context,
                enableServerSideApply: true,
            },
            { parent: this },
        );

        if (args.gcpProject) {
            this.project = pulumi.output(args.gcpProject);
            this.workloadIdentityPool = pulumi.output(`${args.gcpProject}.svc.id.goog`);
        }

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            ...(this.project ? { project: this.project, workloadIdentityPool: this.workloadIdentityPool } : {}),
        });
    }
}
