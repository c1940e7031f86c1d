// A hardened GKE Standard cluster in its own VPC, configured to the CIS GKE Benchmark (section 5,
// "Managed services"). Each setting names the control it satisfies; the CrossGuard rules in
// policy-pack/rules/gke-*.ts check the same fields, and test/gke-cluster.test.ts runs both against this code.
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentName, GkeClusterConfig } from "../stacks/types";
import { ClusterAccess } from "./cluster-access";

/** Roles the node service account gets: what the node agents (logging, monitoring) need, nothing more. */
export const NODE_SERVICE_ACCOUNT_ROLES: readonly string[] = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
];

/** Read-only image pulls from Artifact Registry (CIS GKE 5.1.3), granted only on request. */
export const ARTIFACT_REGISTRY_READER_ROLE = "roles/artifactregistry.reader";

/** Components sent to Cloud Logging: control plane plus workloads (CIS GKE 5.7.1). */
export const LOGGING_COMPONENTS: readonly string[] = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"];

/** Components sent to Cloud Monitoring (CIS GKE 5.7.1). */
export const MONITORING_COMPONENTS: readonly string[] = [
    "SYSTEM_COMPONENTS",
    "APISERVER",
    "CONTROLLER_MANAGER",
    "SCHEDULER",
    "STORAGE",
    "POD",
    "DEPLOYMENT",
    "STATEFULSET",
    "DAEMONSET",
    "HPA",
];

/** KMS key rotation for the etcd secrets key and the disk key. */
export const KMS_ROTATION_PERIOD = "7776000s"; // 90 days

/** Name of the CMEK StorageClass for persistent volumes (CIS GKE 5.9.2). */
export const CMEK_STORAGE_CLASS_NAME = "pd-balanced-cmek";

/** The role a Google service agent needs to wrap/unwrap data keys with a Cloud KMS key. */
export const KMS_ENCRYPTER_DECRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

export interface GkeClusterArgs extends Omit<GkeClusterConfig, "mode"> {
    project: string;
    region: string;
    environment: EnvironmentName;
    /** Zone of a zonal (non-regional) cluster. Defaults to `<region>-b`. */
    zone?: string;
    /** GKE security posture tier; ENTERPRISE needs GKE Enterprise. */
    securityPostureMode?: "BASIC" | "ENTERPRISE";
    /** Grant the node service account read-only Artifact Registry access (pull private images). Defaults to false. */
    grantArtifactRegistryRead?: boolean;
    /**
     * Pod ports admission webhooks serve on that the control plane must reach. GKE's own firewall rule for a
     * private cluster lets the control plane reach nodes on 443 and 10250 only, so a webhook pod on any other
     * port (Gatekeeper: 8443) times out - and with failurePolicy Fail, every admission request fails. Each port
     * listed here is opened from the control plane range (masterCidr) to the cluster's nodes only.
     */
    controlPlaneWebhookPorts?: number[];
}

/** Ports GKE's auto-created firewall rule already opens from the control plane to private nodes. */
export const GKE_CONTROL_PLANE_DEFAULT_PORTS: readonly number[] = [443, 10250];

const POD_RANGE_NAME = "pods";
const SERVICE_RANGE_NAME = "services";

/**
 * A private, hardened GKE cluster with a separately managed node pool, CMEK-encrypted secrets and disks,
 * Workload Identity and a least-privilege node identity. Stateful parts are protected in prod.
 */
export class GkeCluster extends pulumi.ComponentResource implements ClusterAccess {
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly workloadIdentityPool: pulumi.Output<string>;
    public readonly project: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly location: string;
    public readonly nodeServiceAccountEmail: pulumi.Output<string>;
    public readonly kmsKeyId: pulumi.Output<string>;
    /**
     * Cloud KMS key for node boot disks and persistent volumes (CIS GKE 5.9.1 / 5.9.2). A further CMEK
     * StorageClass passes it as the pd.csi.storage.gke.io parameter `disk-encryption-kms-key`.
     */
    public readonly diskKmsKeyId: pulumi.Output<string>;
    public readonly networkId: pulumi.Output<string>;
    public readonly subnetId: pulumi.Output<string>;
    public readonly cluster: gcp.container.Cluster;
    public readonly nodePool: gcp.container.NodePool;
    public readonly cmekStorageClass: k8s.storage.v1.StorageClass;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:gcp:GkeCluster", name, {}, opts);

        const isProd = args.environment === "prod";
        // Defend the prod invariants here too, not only in config validation: a component is reusable.
        if (isProd && !args.deletionProtection) throw new Error(`GkeCluster ${name}: deletionProtection must be true in prod`);
        if (isProd && args.nodePool.spot)
            throw new Error(`GkeCluster ${name}: spot nodes are not allowed in prod (they are preempted at any time)`);
        if (isProd && !args.regional) throw new Error(`GkeCluster ${name}: prod needs a regional cluster (control plane in three zones)`);
        if (!args.privateEndpoint && args.masterAuthorizedNetworks.length === 0) {
            throw new Error(`GkeCluster ${name}: a public control-plane endpoint needs at least one masterAuthorizedNetworks entry`);
        }

        const project = args.project;
        const region = args.region;
        this.location = args.regional ? region : (args.zone ?? `${region}-b`);
        const protect = isProd;
        const labels = { environment: args.environment, "managed-by": "pulumi", platform: "secure-gitops" };

        // ---- Network: dedicated VPC, no auto subnets, private Google access, flow logs.
        const network = new gcp.compute.Network(
            `${name}-vpc`,
            { project, autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `GKE ${args.name} (${args.environment})` },
            { parent: this },
        );
        const subnet = new gcp.compute.Subnetwork(
            `${name}-nodes`,
            {
                project,
                region,
                network: network.id,
                ipCidrRange: args.subnetCidr,
                // Private nodes reach Google APIs (Artifact Registry, Logging) without public IPs.
                privateIpGoogleAccess: true,
                // CIS GKE 5.6.2: VPC-native cluster - alias IP ranges for pods and services.
                secondaryIpRanges: [
                    { rangeName: POD_RANGE_NAME, ipCidrRange: args.podsCidr },
                    { rangeName: SERVICE_RANGE_NAME, ipCidrRange: args.servicesCidr },
                ],
                // CIS GKE 5.6.1: VPC flow logs.
                logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
            },
            { parent: this },
        );
        // Private nodes have no public IP: egress (image pulls from public registries) goes through Cloud NAT.
        const router = new gcp.compute.Router(`${name}-router`, { project, region, network: network.id }, { parent: this });
        new gcp.compute.RouterNat(
            `${name}-nat`,
            {
                project,
                region,
                router: router.name,
                natIpAllocateOption: "AUTO_ONLY",
                sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
                subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
                logConfig: { enable: true, filter: "ERRORS_ONLY" },
            },
            { parent: this },
        );

        // ---- Node identity. CIS GKE 5.2.1: not the Compute Engine default service account (it has Editor).
        const nodeAccount = new gcp.serviceaccount.Account(
            `${name}-nodes`,
            {
                project,
                accountId: `${args.name}-nodes`.slice(0, 30).replace(/-+$/, ""),
                displayName: `GKE nodes of ${args.name} (least privilege)`,
            },
            { parent: this },
        );
        const nodeMember = pulumi.interpolate`serviceAccount:${nodeAccount.email}`;
        // Control plane -> admission webhook pods on ports beyond GKE's default pair (see controlPlaneWebhookPorts),
        // targeted at the node service account, so only this cluster's nodes (and their pods) are opened.
        const webhookPorts = [...new Set(args.controlPlaneWebhookPorts ?? [])]
            .filter((p) => !GKE_CONTROL_PLANE_DEFAULT_PORTS.includes(p))
            .sort((a, b) => a - b);
        if (webhookPorts.length > 0) {
            new gcp.compute.Firewall(
                `${name}-webhooks`,
                {
                    project,
                    network: network.id,
                    description: `GKE ${args.name}: the control plane calls admission webhooks on pods (ports ${webhookPorts.join(", ")})`,
                    direction: "INGRESS",
                    priority: 1000,
                    sourceRanges: [args.masterCidr],
                    targetServiceAccounts: [nodeAccount.email],
                    allows: [{ protocol: "tcp", ports: webhookPorts.map(String) }],
                },
                { parent: this },
            );
        }
        const roles = [...NODE_SERVICE_ACCOUNT_ROLES, ...(args.grantArtifactRegistryRead ? [ARTIFACT_REGISTRY_READER_ROLE] : [])];
        const nodeRoleBindings = roles.map(
            (role) =>
                new gcp.projects.IAMMember(
                    `${name}-nodes-${role.split("/")[1].replace(/\./g, "-")}`,
                    { project, role, member: nodeMember },
                    { parent: this },
                ),
        );

        // ---- CIS GKE 5.3.1: Kubernetes secrets encrypted in etcd with a customer-managed Cloud KMS key.
        // KMS key rings and keys cannot be deleted in GCP; protect them in prod so a destroy never orphans
        // the key that decrypts etcd. Names are auto-generated so a destroyed dev stack can be recreated.
        const keyRing = new gcp.kms.KeyRing(`${name}-keyring`, { project, location: region }, { parent: this, protect });
        const cryptoKey = new gcp.kms.CryptoKey(
            `${name}-secrets`,
            { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: KMS_ROTATION_PERIOD, labels },
            { parent: this, protect },
        );
        // The GKE service agent encrypts/decrypts secrets with the key; its address needs the project number.
        const gkeServiceAgent = gcp.organizations
            .getProjectOutput({ projectId: project }, { parent: this })
            .apply((p) => `serviceAccount:service-${p.number}@container-engine-robot.iam.gserviceaccount.com`);
        const keyGrant = new gcp.kms.CryptoKeyIAMMember(
            `${name}-secrets-gke-agent`,
            { cryptoKeyId: cryptoKey.id, role: KMS_ENCRYPTER_DECRYPTER_ROLE, member: gkeServiceAgent },
            { parent: this },
        );

        // ---- CIS GKE 5.9.1 / 5.9.2: node boot disks and dynamically provisioned persistent disks encrypted
        // with a customer-managed key. A separate key from the secrets key, so either can be rotated, audited
        // or revoked alone. Same ring, rotation and prod protection as the secrets key.
        const diskKey = new gcp.kms.CryptoKey(
            `${name}-disks`,
            { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: KMS_ROTATION_PERIOD, labels },
            { parent: this, protect },
        );
        // Persistent disks are created by Compute Engine, so its service agent - not the node service
        // account, and not the GKE agent - uses the key, for boot disks and CSI-provisioned volumes alike.
        const computeServiceAgent = gcp.organizations
            .getProjectOutput({ projectId: project }, { parent: this })
            .apply((p) => `serviceAccount:service-${p.number}@compute-system.iam.gserviceaccount.com`);
        const diskKeyGrant = new gcp.kms.CryptoKeyIAMMember(
            `${name}-disks-compute-agent`,
            { cryptoKeyId: diskKey.id, role: KMS_ENCRYPTER_DECRYPTER_ROLE, member: computeServiceAgent },
            { parent: this },
        );

        const workloadPool = `${project}.svc.id.goog`;
        const shieldedInstanceConfig = {
            enableSecureBoot: true, // CIS GKE 5.5.7: secure boot
            enableIntegrityMonitoring: true, // CIS GKE 5.5.6: integrity monitoring
        };
        const nodeMetadata = { "disable-legacy-endpoints": "true" }; // CIS GKE 5.4.1: legacy metadata APIs off

        // ---- The cluster.
        this.cluster = new gcp.container.Cluster(
            `${name}-cluster`,
            {
                project,
                name: args.name,
                location: this.location,
                network: network.id,
                subnetwork: subnet.id,
                resourceLabels: labels,
                // A separately managed node pool (below); the default pool is created, then deleted.
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                // CIS GKE 5.6.2: VPC-native (alias IPs).
                networkingMode: "VPC_NATIVE",
                ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE_NAME, servicesSecondaryRangeName: SERVICE_RANGE_NAME },
                privateClusterConfig: {
                    enablePrivateNodes: true, // CIS GKE 5.6.5: private nodes (no public IPs)
                    enablePrivateEndpoint: args.privateEndpoint, // CIS GKE 5.6.4: private endpoint, public access disabled (opt-in: needs VPN/bastion)
                    masterIpv4CidrBlock: args.masterCidr,
                },
                // CIS GKE 5.6.3: control plane reachable only from the listed networks.
                masterAuthorizedNetworksConfig: {
                    cidrBlocks: args.masterAuthorizedNetworks.map((n) => ({ cidrBlock: n.cidrBlock, displayName: n.displayName })),
                    gcpPublicCidrsAccessEnabled: false, // not "any Google Cloud IP"
                },
                // CIS GKE 5.2.2: Workload Identity instead of node credentials for pods.
                workloadIdentityConfig: { workloadPool },
                // CIS GKE 5.5.5: shielded GKE nodes.
                enableShieldedNodes: true,
                // CIS GKE 5.6.7: network policy enforcement. Dataplane V2 (eBPF/Cilium) enforces NetworkPolicy
                // natively, so neither the `networkPolicy` block nor the Calico `networkPolicyConfig` addon is used
                // (GKE rejects Calico together with ADVANCED_DATAPATH).
                datapathProvider: "ADVANCED_DATAPATH",
                // FQDNNetworkPolicy (Dataplane V2): the app's egress to its external services by DNS name.
                enableFqdnNetworkPolicy: true,
                // CIS GKE 5.6.1: intranode visibility (pod-to-pod traffic on a node goes through the VPC, so flow logs see it).
                enableIntranodeVisibility: true,
                // CIS GKE 5.5.4: automated version management through a release channel.
                releaseChannel: { channel: args.releaseChannel },
                maintenancePolicy: { dailyMaintenanceWindow: { startTime: "03:00" } },
                // CIS GKE 5.10.4: only attested images, per the project's Binary Authorization policy.
                binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
                // CIS GKE 5.8.3: legacy ABAC off, RBAC only.
                enableLegacyAbac: false,
                // CIS GKE 5.8.1: no client certificate (it cannot be revoked). Basic auth no longer exists in GKE
                // nor in this provider, so there is nothing to disable for it.
                masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
                // CIS GKE 5.10.2: no alpha clusters.
                enableKubernetesAlpha: false,
                // CIS GKE 5.7.1: Cloud Logging and Monitoring for control plane and workloads.
                loggingConfig: { enableComponents: [...LOGGING_COMPONENTS] },
                monitoringConfig: { enableComponents: [...MONITORING_COMPONENTS], managedPrometheus: { enabled: true } },
                // CIS GKE 5.1.1: image vulnerability scanning and workload configuration audit.
                securityPostureConfig: {
                    mode: args.securityPostureMode ?? "BASIC",
                    vulnerabilityMode: args.securityPostureMode === "ENTERPRISE" ? "VULNERABILITY_ENTERPRISE" : "VULNERABILITY_BASIC",
                },
                // CIS GKE 5.3.1: application-layer secrets encryption with the CMEK above.
                databaseEncryption: { state: "ENCRYPTED", keyName: cryptoKey.id },
                deletionProtection: args.deletionProtection,
                addonsConfig: {
                    httpLoadBalancing: { disabled: false }, // GKE Ingress / Gateway need it
                    horizontalPodAutoscaling: { disabled: false },
                    gcePersistentDiskCsiDriverConfig: { enabled: true }, // CSI driver: provisions the CMEK volumes of CIS GKE 5.9.2
                    networkPolicyConfig: { disabled: true }, // Calico addon: not used with Dataplane V2 (see datapathProvider)
                },
                // CIS GKE 3.2.4 (kubelet): read-only port 10255 closed on every node pool by default.
                nodePoolDefaults: { nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: "FALSE" } },
                // Hardened config of the short-lived default pool too: it runs until removeDefaultNodePool deletes it.
                nodeConfig: {
                    serviceAccount: nodeAccount.email, // CIS GKE 5.2.1
                    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"], // access is governed by IAM roles
                    imageType: "COS_CONTAINERD", // CIS GKE 5.5.1
                    workloadMetadataConfig: { mode: "GKE_METADATA" }, // CIS GKE 5.4.2
                    shieldedInstanceConfig, // CIS GKE 5.5.6 / 5.5.7
                    metadata: nodeMetadata,
                },
            },
            {
                parent: this,
                protect,
                dependsOn: [keyGrant, ...nodeRoleBindings],
                // The API reports the removed default pool's node config differently; without this every update
                // would plan a cluster replacement. The managed pool below carries the real node config.
                ignoreChanges: ["nodeConfig"],
            },
        );

        // ---- The managed node pool.
        const pool = args.nodePool;
        this.nodePool = new gcp.container.NodePool(
            `${name}-pool`,
            {
                project,
                cluster: this.cluster.name,
                location: this.location,
                initialNodeCount: pool.initialNodeCount,
                autoscaling: { minNodeCount: pool.minNodeCount, maxNodeCount: pool.maxNodeCount },
                // CIS GKE 5.5.2 / 5.5.3: node auto-repair and auto-upgrade.
                management: { autoRepair: true, autoUpgrade: true },
                upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
                nodeConfig: {
                    machineType: pool.machineType,
                    diskSizeGb: pool.diskSizeGb,
                    diskType: "pd-balanced",
                    // CIS GKE 5.9.1: boot disks encrypted with the customer-managed disk key (the pool waits for the grant).
                    bootDiskKmsKey: diskKey.id,
                    // Spot only outside prod (checked above): cheaper, but nodes can be reclaimed at any time.
                    spot: pool.spot && !isProd,
                    serviceAccount: nodeAccount.email, // CIS GKE 5.2.1: dedicated least-privilege service account
                    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"], // IAM roles, not scopes, limit access
                    imageType: "COS_CONTAINERD", // CIS GKE 5.5.1: Container-Optimized OS with containerd
                    workloadMetadataConfig: { mode: "GKE_METADATA" }, // CIS GKE 5.4.2: GKE metadata server
                    shieldedInstanceConfig, // CIS GKE 5.5.6 / 5.5.7
                    metadata: nodeMetadata, // CIS GKE 5.4.1
                    kubeletConfig: { insecureKubeletReadonlyPortEnabled: "FALSE" }, // CIS GKE 3.2.4
                    labels: { environment: args.environment },
                    resourceLabels: labels,
                },
            },
            // Compute Engine cannot create a CMEK boot disk before its agent may use the key.
            { parent: this, dependsOn: [...nodeRoleBindings, diskKeyGrant] },
        );

        this.project = pulumi.output(project);
        this.workloadIdentityPool = pulumi.output(workloadPool);
        this.clusterName = this.cluster.name;
        this.endpoint = this.cluster.endpoint;
        this.nodeServiceAccountEmail = nodeAccount.email;
        this.kmsKeyId = cryptoKey.id;
        this.diskKmsKeyId = diskKey.id;
        this.networkId = network.id;
        this.subnetId = subnet.id;

        // Short-lived credentials through gke-gcloud-auth-plugin: the kubeconfig holds no token or key, yet the
        // endpoint and CA are infrastructure details, so keep it secret anyway.
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.cluster.name, this.cluster.endpoint, this.cluster.masterAuth])
                .apply(([clusterName, endpoint, masterAuth]) =>
                    buildKubeconfig(`gke_${project}_${this.location}_${clusterName}`, endpoint, masterAuth.clusterCaCertificate ?? ""),
                ),
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            // Workloads need schedulable nodes: wait for the pool, not only the control plane.
            { parent: this, dependsOn: [this.nodePool] },
        );

        // ---- CIS GKE 5.9.2: a StorageClass whose volumes the PD CSI driver (addon enabled above) creates
        // encrypted with the disk key: `disk-encryption-kms-key` is the driver's parameter for the full key id.
        // GKE's own default StorageClasses stay Google-encrypted; workloads holding data name this class in
        // their PVCs. The Compute Engine agent's grant above covers these disks too.
        this.cmekStorageClass = new k8s.storage.v1.StorageClass(
            `${name}-${CMEK_STORAGE_CLASS_NAME}`,
            {
                metadata: { name: CMEK_STORAGE_CLASS_NAME, labels: { "managed-by": "pulumi", platform: "secure-gitops" } },
                provisioner: "pd.csi.storage.gke.io",
                parameters: { type: "pd-balanced", "disk-encryption-kms-key": diskKey.id },
                // Prod keeps a released volume (and its data) for recovery; dev cleans up after itself.
                reclaimPolicy: isProd ? "Retain" : "Delete",
                allowVolumeExpansion: true,
                // Create the disk in the zone the pod is scheduled to (regional clusters span zones).
                volumeBindingMode: "WaitForFirstConsumer",
            },
            { parent: this, provider: this.provider, dependsOn: [diskKeyGrant] },
        );

        this.registerOutputs({
            clusterName: this.clusterName,
            endpoint: this.endpoint,
            kubeconfig: this.kubeconfig,
            nodeServiceAccountEmail: this.nodeServiceAccountEmail,
            kmsKeyId: this.kmsKeyId,
            diskKmsKeyId: this.diskKmsKeyId,
            workloadIdentityPool: this.workloadIdentityPool,
            networkId: this.networkId,
            subnetId: this.subnetId,
        });
    }
}

/** A kubeconfig (JSON is valid YAML) that authenticates with gke-gcloud-auth-plugin. */
export function buildKubeconfig(contextName: string, endpoint: string, caCertificateBase64: string): string {
    return JSON.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                { name: contextName, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificateBase64 } },
            ],
            contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
            "current-context": contextName,
            users: [
                {
                    name: contextName,
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "gke-gcloud-auth-plugin",
                            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                            provideClusterInfo: true,
                            interactiveMode: "Never",
                        },
                    },
                },
            ],
        },
        null,
        2,
    );
}
