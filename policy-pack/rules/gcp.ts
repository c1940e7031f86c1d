// GCP rules: the GKE cluster and node pool hardening of the CIS GKE Benchmark (section 5), public Cloud
// Storage and internet-wide SSH/RDP firewall rules. They read Pulumi inputs (camelCase) as the engine sends
// them at preview. Two principles:
//  - a value not known yet (the unknown sentinel) never produces a finding;
//  - a missing value is judged by what the provider / GKE API does with it: where the default is secure
//    (documented next to each check) a missing field passes, otherwise it is a finding.
import { CloudRule, Finding, FrameworkControl, isUnknown, Rule } from "../catalogue/types";
import { at, isRecord, own, show, strings } from "../catalogue/view";

export const CLUSTER = "gcp:container/cluster:Cluster";
export const NODE_POOL = "gcp:container/nodePool:NodePool";
export const BUCKET = "gcp:storage/bucket:Bucket";
export const BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
export const BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding";
export const BUCKET_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy";
export const BUCKET_ACCESS_CONTROL = "gcp:storage/bucketAccessControl:BucketAccessControl";
export const FIREWALL = "gcp:compute/firewall:Firewall";

type Props = Record<string, unknown>;
type NoParams = Record<string, never>;

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** A node configuration to check, with the path prefix findings use. */
interface NodeConfigSite {
    path: string;
    nodeConfig: unknown;
    management: unknown;
    /** The cluster's own `nodeConfig` (default pool) rather than a real pool. */
    defaultPool: boolean;
}

/**
 * The node configurations a resource defines: a NodePool's `nodeConfig`; a Cluster's default-pool
 * `nodeConfig` (skipped when `removeDefaultNodePool` is true and no nodeConfig is given: the pool is deleted
 * right after creation) and each inline `nodePools[i]`.
 */
function nodeConfigSites(props: Props, resourceType: string): NodeConfigSite[] {
    const nodeConfig = own(props, "nodeConfig");
    if (resourceType === NODE_POOL) return [{ path: "nodeConfig", nodeConfig: nodeConfig ?? {}, management: own(props, "management"), defaultPool: false }];
    const sites: NodeConfigSite[] = [];
    const removeDefault = own(props, "removeDefaultNodePool");
    // An unknown removeDefaultNodePool may be true: without a nodeConfig there is nothing known to judge.
    if (nodeConfig !== undefined || (removeDefault !== true && !isUnknown(removeDefault))) {
        sites.push({ path: "nodeConfig", nodeConfig: nodeConfig ?? {}, management: undefined, defaultPool: true });
    }
    const pools = own(props, "nodePools");
    if (Array.isArray(pools)) {
        pools.forEach((pool, i) => {
            // A pool not known yet, or malformed, has nothing to judge.
            if (!isRecord(pool)) return;
            sites.push({ path: `nodePools[${i}].nodeConfig`, nodeConfig: own(pool, "nodeConfig") ?? {}, management: own(pool, "management"), defaultPool: false });
        });
    }
    return sites;
}

/** One finding. */
function finding(path: string, message: string): Finding {
    return { path, message };
}

const F = (framework: FrameworkControl["framework"], ...controls: string[]): FrameworkControl[] => controls.map((control) => ({ framework, control }));

// ---------------------------------------------------------------------------------------------------------
// GKE cluster rules

const privateNodes: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-private-nodes",
    title: "GKE nodes have private IPs only",
    description: "Cluster nodes must not have public IP addresses, so they are reachable only from the VPC; egress goes through Cloud NAT.",
    severity: "critical",
    remediation: "Set `privateClusterConfig.enablePrivateNodes: true` with a `masterIpv4CidrBlock` on the cluster, and do not set `networkConfig.enablePrivateNodes: false` on node pools. Add Cloud NAT for egress.",
    frameworks: [...F("CIS-GKE", "5.6.5"), ...F("NIST-800-53", "SC-7", "AC-4"), ...F("SOC2", "CC6.6"), ...F("PCI-DSS", "1.3.1", "1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, _params, resourceType) {
        if (resourceType === NODE_POOL) {
            // A pool inherits the cluster setting unless it overrides it; only an explicit `false` is a finding.
            const value = at(props, "networkConfig.enablePrivateNodes");
            return value === false ? [finding("networkConfig.enablePrivateNodes", "node pool overrides the cluster to give nodes public IPs: remove `networkConfig.enablePrivateNodes: false`")] : [];
        }
        // GKE default: public nodes. So a missing value is a finding.
        const value = at(props, "privateClusterConfig.enablePrivateNodes");
        if (isUnknown(value) || value === true) return [];
        return [finding("privateClusterConfig.enablePrivateNodes", "nodes get public IPs: set `privateClusterConfig.enablePrivateNodes: true` (with `masterIpv4CidrBlock`) and route egress through Cloud NAT")];
    },
};

const OPEN_CIDRS = ["0.0.0.0/0", "::/0", "0.0.0.0"];

const masterAuthorizedNetworks: CloudRule<{ allowPublicEndpoint: boolean }> = {
    target: "gcp",
    id: "gke-master-authorized-networks",
    title: "GKE control plane is reachable only from authorized networks",
    description: "The Kubernetes API endpoint must be restricted with master authorized networks (never 0.0.0.0/0 nor all Google Cloud IPs); with `allowPublicEndpoint: false` the public endpoint must be disabled altogether.",
    severity: "critical",
    remediation: "Set `masterAuthorizedNetworksConfig.cidrBlocks` to your VPN/office ranges, `gcpPublicCidrsAccessEnabled: false`, and for private-only clusters `privateClusterConfig.enablePrivateEndpoint: true`.",
    frameworks: [...F("CIS-GKE", "5.6.3", "5.6.4"), ...F("NIST-800-53", "AC-3", "SC-7", "AC-17"), ...F("SOC2", "CC6.1", "CC6.6"), ...F("PCI-DSS", "1.3.1", "1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { allowPublicEndpoint: true },
    paramsSchema: { allowPublicEndpoint: { type: "boolean", description: "Allow a public control-plane endpoint (restricted by authorized networks). False requires a private endpoint." } },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        const config = at(props, "masterAuthorizedNetworksConfig");
        if (isUnknown(config)) return [];
        // Without the block, authorized networks are disabled: any IP can reach the endpoint.
        if (!isRecord(config)) {
            findings.push(finding("masterAuthorizedNetworksConfig", "master authorized networks are disabled: add `masterAuthorizedNetworksConfig` with `cidrBlocks` listing only your admin ranges"));
        } else {
            const blocks = config.cidrBlocks;
            if (Array.isArray(blocks)) {
                blocks.forEach((block, i) => {
                    const cidr = at(block, "cidrBlock");
                    if (typeof cidr === "string" && OPEN_CIDRS.includes(cidr.trim())) {
                        findings.push(finding(`masterAuthorizedNetworksConfig.cidrBlocks[${i}].cidrBlock`, `authorized network ${cidr} opens the control plane to the internet: list only your admin ranges`));
                    }
                });
            }
            if (config.gcpPublicCidrsAccessEnabled === true) {
                findings.push(finding("masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled", "any Google Cloud public IP can reach the control plane: set `gcpPublicCidrsAccessEnabled: false`"));
            }
        }
        if (!params.allowPublicEndpoint) {
            const privateEndpoint = at(props, "privateClusterConfig.enablePrivateEndpoint");
            if (!isUnknown(privateEndpoint) && privateEndpoint !== true) {
                findings.push(finding("privateClusterConfig.enablePrivateEndpoint", "the control plane has a public endpoint but this stack requires a private one: set `privateClusterConfig.enablePrivateEndpoint: true`"));
            }
        }
        return findings;
    },
};

const workloadIdentity: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-workload-identity",
    title: "GKE Workload Identity is enabled",
    description: "Pods must authenticate to Google APIs as their own Kubernetes service account mapped to an IAM identity, not with the node's credentials.",
    severity: "high",
    remediation: "Set `workloadIdentityConfig.workloadPool: \"<project>.svc.id.goog\"` on the cluster.",
    frameworks: [...F("CIS-GKE", "5.2.2"), ...F("NIST-800-53", "IA-2", "AC-6"), ...F("SOC2", "CC6.1", "CC6.3"), ...F("PCI-DSS", "7.2.1", "8.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        // GKE default: disabled.
        const pool = at(props, "workloadIdentityConfig.workloadPool");
        if (isUnknown(pool) || (typeof pool === "string" && pool.endsWith(".svc.id.goog"))) return [];
        return [finding("workloadIdentityConfig.workloadPool", "Workload Identity is disabled: set `workloadIdentityConfig.workloadPool` to `<project>.svc.id.goog`")];
    },
};

const metadataServer: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-metadata-server",
    title: "GKE nodes use the GKE metadata server",
    description: "Node pools must run the GKE metadata server (GKE_METADATA) so pods cannot read the node's credentials or kube-env from the Compute Engine metadata server.",
    severity: "high",
    remediation: "Set `nodeConfig.workloadMetadataConfig.mode: GKE_METADATA` on every node pool (requires Workload Identity on the cluster).",
    frameworks: [...F("CIS-GKE", "5.4.2"), ...F("NIST-800-53", "AC-6", "SC-4"), ...F("SOC2", "CC6.1"), ...F("PCI-DSS", "7.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, _params, resourceType) {
        const clusterHasWorkloadIdentity = resourceType === CLUSTER && at(props, "workloadIdentityConfig.workloadPool") !== undefined;
        const findings: Finding[] = [];
        for (const site of nodeConfigSites(props, resourceType)) {
            const mode = at(site.nodeConfig, "workloadMetadataConfig.mode");
            if (isUnknown(mode) || mode === "GKE_METADATA") continue;
            // Missing mode: GKE defaults pools to GKE_METADATA when the cluster has Workload Identity. A
            // NodePool cannot see its cluster, so it must say so explicitly; a Cluster passes if it enables WI.
            if (mode === undefined && clusterHasWorkloadIdentity) continue;
            const field = `${site.path}.workloadMetadataConfig.mode`;
            findings.push(finding(field, `${mode === undefined ? "no metadata mode set" : `metadata mode ${show(mode)}`}: pods can reach the node's Compute Engine metadata; set \`${field}: GKE_METADATA\``));
        }
        return findings;
    },
};

const shieldedNodes: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-shielded-nodes",
    title: "GKE nodes are Shielded VMs with secure boot and integrity monitoring",
    description: "Shielded GKE nodes prove their identity to the control plane; secure boot blocks unsigned boot components and integrity monitoring detects boot-time tampering.",
    severity: "high",
    remediation: "Keep `enableShieldedNodes` true on the cluster and set `nodeConfig.shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }` on every node pool.",
    frameworks: [...F("CIS-GKE", "5.5.5", "5.5.6", "5.5.7"), ...F("NIST-800-53", "SI-7", "SC-3"), ...F("SOC2", "CC6.8", "CC7.1"), ...F("PCI-DSS", "11.5.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, _params, resourceType) {
        const findings: Finding[] = [];
        // Provider default for enableShieldedNodes: true. Only an explicit false is a finding.
        if (resourceType === CLUSTER && own(props, "enableShieldedNodes") === false) {
            findings.push(finding("enableShieldedNodes", "shielded GKE nodes are disabled: set `enableShieldedNodes: true`"));
        }
        for (const site of nodeConfigSites(props, resourceType)) {
            // enableSecureBoot defaults to false: missing is a finding.
            const secureBoot = at(site.nodeConfig, "shieldedInstanceConfig.enableSecureBoot");
            if (!isUnknown(secureBoot) && secureBoot !== true) {
                findings.push(finding(`${site.path}.shieldedInstanceConfig.enableSecureBoot`, `secure boot is off: set \`${site.path}.shieldedInstanceConfig.enableSecureBoot: true\``));
            }
            // enableIntegrityMonitoring defaults to true: only an explicit false is a finding.
            const integrity = at(site.nodeConfig, "shieldedInstanceConfig.enableIntegrityMonitoring");
            if (integrity === false) {
                findings.push(finding(`${site.path}.shieldedInstanceConfig.enableIntegrityMonitoring`, `integrity monitoring is off: set \`${site.path}.shieldedInstanceConfig.enableIntegrityMonitoring: true\``));
            }
        }
        return findings;
    },
};

const COMPUTE_DEFAULT_SA_SUFFIX = "-compute@developer.gserviceaccount.com";

/**
 * Why a node service account value is the Compute Engine default, or undefined when it is a dedicated
 * one (or unknown, or not a string: the provider rejects that before GKE sees it). Unset and "default"
 * both make GKE use `<project number>-compute@developer.gserviceaccount.com`. No regex on user data.
 */
function computeDefaultServiceAccount(value: unknown): string | undefined {
    if (value === undefined || value === null || value === "") return "is not set, so GKE uses the Compute Engine default service account";
    if (typeof value !== "string") return undefined;
    if (value === "default") return "is \"default\", the Compute Engine default service account";
    const number = value.endsWith(COMPUTE_DEFAULT_SA_SUFFIX) ? value.slice(0, -COMPUTE_DEFAULT_SA_SUFFIX.length) : "";
    if (number.length > 0 && number.length <= 20 && [...number].every((c) => c >= "0" && c <= "9")) {
        return "is the Compute Engine default service account";
    }
    return undefined;
}

const nodeServiceAccount: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-node-service-account",
    title: "GKE nodes run as a dedicated service account, not the Compute Engine default",
    description:
        "CIS GKE 5.2.1: the Compute Engine default service account has the Editor role on the project by default, so every pod that " +
        "reaches the node's credentials could change the project. Every node pool (a NodePool's nodeConfig, a Cluster's default-pool " +
        "nodeConfig and inline nodePools) and, with node auto-provisioning, clusterAutoscaling.autoProvisioningDefaults must set " +
        "serviceAccount to a dedicated, least-privilege account; unset, \"default\" and <project-number>-compute@developer.gserviceaccount.com are violations.",
    severity: "high",
    remediation:
        "Create a service account with only roles/logging.logWriter, roles/monitoring.metricWriter, roles/monitoring.viewer and " +
        "roles/stackdriver.resourceMetadata.writer (plus artifactregistry.reader where images live) and set `nodeConfig.serviceAccount` to its email.",
    frameworks: [...F("CIS-GKE", "5.2.1"), ...F("NIST-800-53", "AC-6", "IA-5"), ...F("SOC2", "CC6.1", "CC6.3"), ...F("PCI-DSS", "7.2.1", "7.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, _params, resourceType) {
        const findings: Finding[] = [];
        const sites: { path: string; value: unknown }[] = [];
        // Autopilot clusters have no node pools of their own: their nodes use autoProvisioningDefaults.
        const autopilotFlag = own(props, "enableAutopilot");
        // Not known yet: which node configurations apply is not known either, so nothing is judged.
        if (resourceType === CLUSTER && isUnknown(autopilotFlag)) return [];
        const autopilot = resourceType === CLUSTER && autopilotFlag === true;
        if (!autopilot) for (const site of nodeConfigSites(props, resourceType)) sites.push({ path: `${site.path}.serviceAccount`, value: at(site.nodeConfig, "serviceAccount") });
        if (resourceType === CLUSTER && (autopilot || at(props, "clusterAutoscaling.enabled") === true)) {
            const path = "clusterAutoscaling.autoProvisioningDefaults.serviceAccount";
            sites.push({ path, value: at(props, path) });
        }
        for (const { path, value } of sites) {
            if (isUnknown(value)) continue;
            const why = computeDefaultServiceAccount(value);
            if (why) findings.push(finding(path, `the node service account ${why}: set \`${path}\` to a dedicated least-privilege service account`));
        }
        return findings;
    },
};

const networkPolicy: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-network-policy",
    title: "GKE enforces Kubernetes NetworkPolicy",
    description: "The cluster must enforce NetworkPolicy (Dataplane V2, or the Calico network policy addon), otherwise the platform's default-deny policies are silently ignored.",
    severity: "high",
    remediation: "Set `datapathProvider: ADVANCED_DATAPATH` (Dataplane V2, preferred) or `networkPolicy: { enabled: true }` with `addonsConfig.networkPolicyConfig.disabled: false`.",
    frameworks: [...F("CIS-GKE", "5.6.7"), ...F("NIST-800-53", "SC-7", "AC-4"), ...F("SOC2", "CC6.6"), ...F("PCI-DSS", "1.2.1", "1.3.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const datapath = at(props, "datapathProvider");
        const calico = at(props, "networkPolicy.enabled");
        // GKE default: legacy datapath without network policy enforcement.
        if (isUnknown(datapath) || datapath === "ADVANCED_DATAPATH" || isUnknown(calico) || calico === true) return [];
        return [finding("datapathProvider", "NetworkPolicy objects are not enforced: set `datapathProvider: ADVANCED_DATAPATH` (Dataplane V2) or enable `networkPolicy` (Calico)")];
    },
};

const releaseChannel: CloudRule<{ allowedChannels: string[] }> = {
    target: "gcp",
    id: "gke-release-channel",
    title: "GKE cluster is enrolled in a release channel",
    description: "A release channel keeps the control plane and nodes patched automatically with tested versions.",
    severity: "medium",
    remediation: "Set `releaseChannel.channel` to REGULAR or STABLE (not UNSPECIFIED).",
    frameworks: [...F("CIS-GKE", "5.5.4"), ...F("NIST-800-53", "SI-2", "CM-3"), ...F("SOC2", "CC7.1", "CC8.1"), ...F("PCI-DSS", "6.3.3")],
    defaultEnforcement: "advisory",
    defaultParams: { allowedChannels: ["RAPID", "REGULAR", "STABLE", "EXTENDED"] },
    paramsSchema: { allowedChannels: { type: "array", items: { type: "string", enum: ["RAPID", "REGULAR", "STABLE", "EXTENDED"] }, description: "Channels this stack accepts." } },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const channel = at(props, "releaseChannel.channel");
        // Missing: GKE enrolls new clusters in REGULAR. Judge that default against the allowed list.
        const effective = channel === undefined ? "REGULAR" : channel;
        if (isUnknown(effective) || (typeof effective === "string" && strings(params.allowedChannels).includes(effective))) return [];
        return [finding("releaseChannel.channel", `release channel ${show(effective)} is not allowed: set \`releaseChannel.channel\` to one of ${strings(params.allowedChannels).join(", ")}`)];
    },
};

const nodeAutoUpgradeRepair: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-node-auto-upgrade-repair",
    title: "GKE node pools auto-upgrade and auto-repair",
    description: "Node pools must receive security patches automatically and replace unhealthy nodes.",
    severity: "medium",
    remediation: "Set `management: { autoUpgrade: true, autoRepair: true }` on every node pool (both default to true when omitted).",
    frameworks: [...F("CIS-GKE", "5.5.2", "5.5.3"), ...F("NIST-800-53", "SI-2", "CP-10"), ...F("SOC2", "CC7.1", "A1.2"), ...F("PCI-DSS", "6.3.3")],
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [NODE_POOL, CLUSTER],
    check(props, _params, resourceType) {
        const findings: Finding[] = [];
        for (const site of nodeConfigSites(props, resourceType)) {
            if (site.defaultPool) continue; // the default pool's management is not configurable
            const prefix = resourceType === NODE_POOL ? "management" : site.path.replace(/\.nodeConfig$/, ".management");
            // Provider default: both true. Only an explicit false is a finding.
            for (const key of ["autoUpgrade", "autoRepair"]) {
                if (at(site.management, key) === false) findings.push(finding(`${prefix}.${key}`, `node ${key === "autoUpgrade" ? "auto-upgrade" : "auto-repair"} is off: set \`${prefix}.${key}: true\``));
            }
        }
        return findings;
    },
};

const binaryAuthorization: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-binary-authorization",
    title: "GKE enforces Binary Authorization",
    description: "Only images allowed by the project's Binary Authorization policy (attested, from trusted registries) may be deployed.",
    severity: "high",
    remediation: "Set `binaryAuthorization.evaluationMode: PROJECT_SINGLETON_POLICY_ENFORCE` and maintain the project's Binary Authorization policy.",
    frameworks: [...F("CIS-GKE", "5.10.4"), ...F("NIST-800-53", "SI-7", "CM-14"), ...F("SOC2", "CC8.1"), ...F("PCI-DSS", "6.3.2", "6.4.3")],
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const mode = at(props, "binaryAuthorization.evaluationMode");
        const enabled = at(props, "binaryAuthorization.enabled"); // deprecated boolean form
        // GKE default: DISABLED.
        if (isUnknown(mode) || mode === "PROJECT_SINGLETON_POLICY_ENFORCE" || isUnknown(enabled) || (mode === undefined && enabled === true)) return [];
        return [finding("binaryAuthorization.evaluationMode", `Binary Authorization is ${mode === undefined ? "not configured" : show(mode)}: set \`binaryAuthorization.evaluationMode: PROJECT_SINGLETON_POLICY_ENFORCE\``)];
    },
};

const legacyAbac: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-legacy-abac-disabled",
    title: "GKE legacy ABAC authorization is disabled",
    description: "Legacy ABAC grants broad static permissions outside RBAC; clusters must use RBAC only.",
    severity: "critical",
    remediation: "Set `enableLegacyAbac: false` (the default) and grant access with RBAC.",
    frameworks: [...F("CIS-GKE", "5.8.3"), ...F("NIST-800-53", "AC-3", "AC-6"), ...F("SOC2", "CC6.1", "CC6.3"), ...F("PCI-DSS", "7.2.1", "7.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        // Default false: only an explicit true is a finding.
        return own(props, "enableLegacyAbac") === true ? [finding("enableLegacyAbac", "legacy ABAC authorization is on: set `enableLegacyAbac: false` and use RBAC")] : [];
    },
};

const clientCertificate: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-client-certificate-disabled",
    title: "GKE issues no client certificate and no basic-auth credentials",
    description: "A cluster client certificate grants cluster-admin and cannot be revoked; static basic-auth passwords likewise. Users authenticate with Google identities.",
    severity: "critical",
    remediation: "Set `masterAuth.clientCertificateConfig.issueClientCertificate: false` (the default) and never set `masterAuth.username/password`.",
    frameworks: [...F("CIS-GKE", "5.8.1"), ...F("NIST-800-53", "IA-2", "IA-5"), ...F("SOC2", "CC6.1"), ...F("PCI-DSS", "8.2.1", "8.3.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const findings: Finding[] = [];
        // Default false: only an explicit true is a finding.
        if (at(props, "masterAuth.clientCertificateConfig.issueClientCertificate") === true) {
            findings.push(finding("masterAuth.clientCertificateConfig.issueClientCertificate", "the cluster issues an irrevocable admin client certificate: set `issueClientCertificate: false`"));
        }
        for (const key of ["username", "password"]) {
            const value = at(props, `masterAuth.${key}`);
            if (typeof value === "string" && value !== "" && !isUnknown(value)) {
                findings.push(finding(`masterAuth.${key}`, `basic authentication is configured: remove \`masterAuth.${key}\``));
            }
        }
        return findings;
    },
};

const cosContainerd: CloudRule<{ allowedImageTypes: string[] }> = {
    target: "gcp",
    id: "gke-cos-containerd",
    title: "GKE nodes run Container-Optimized OS with containerd",
    description: "COS is a minimal, read-only, auto-updated node OS with a verified boot chain; containerd replaces the removed Docker runtime.",
    severity: "medium",
    remediation: "Set `nodeConfig.imageType: COS_CONTAINERD` on every node pool.",
    frameworks: [...F("CIS-GKE", "5.5.1"), ...F("NIST-800-53", "CM-6", "CM-7"), ...F("SOC2", "CC7.1"), ...F("PCI-DSS", "2.2.1")],
    defaultEnforcement: "advisory",
    defaultParams: { allowedImageTypes: ["COS_CONTAINERD"] },
    paramsSchema: { allowedImageTypes: { type: "array", items: { type: "string" }, description: "Accepted node image types (e.g. add WINDOWS_LTSC_CONTAINERD for Windows pools)." } },
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, params, resourceType) {
        const allowed = strings(params.allowedImageTypes).map((t) => t.toUpperCase());
        const findings: Finding[] = [];
        for (const site of nodeConfigSites(props, resourceType)) {
            const imageType = at(site.nodeConfig, "imageType");
            // Missing: GKE's default image is COS_CONTAINERD.
            if (imageType === undefined || isUnknown(imageType) || (typeof imageType === "string" && allowed.includes(imageType.toUpperCase()))) continue;
            findings.push(finding(`${site.path}.imageType`, `node image ${show(imageType)} is not allowed: set \`${site.path}.imageType: COS_CONTAINERD\``));
        }
        return findings;
    },
};

/** GKE's components when `loggingConfig` / `monitoringConfig` are omitted. */
const DEFAULT_LOGGING_COMPONENTS = ["SYSTEM_COMPONENTS", "WORKLOADS"];
const DEFAULT_MONITORING_COMPONENTS = ["SYSTEM_COMPONENTS"];

function missingComponents(value: unknown, defaults: string[], required: string[]): string[] | undefined {
    const components = value === undefined ? defaults : value;
    if (isUnknown(components) || !Array.isArray(components) || components.some(isUnknown)) return undefined;
    const missing = required.filter((c) => !components.includes(c));
    return missing.length ? missing : undefined;
}

const loggingMonitoring: CloudRule<{ requiredLoggingComponents: string[]; requiredMonitoringComponents: string[] }> = {
    target: "gcp",
    id: "gke-logging-monitoring",
    title: "GKE sends control-plane and workload logs and metrics to Cloud Logging/Monitoring",
    description: "Cloud Logging and Monitoring must be on, including API server logs, so incidents can be detected and investigated.",
    severity: "high",
    remediation: "Set `loggingConfig.enableComponents` to include SYSTEM_COMPONENTS, APISERVER and WORKLOADS, `monitoringConfig.enableComponents` to include SYSTEM_COMPONENTS, and never set loggingService/monitoringService to none.",
    frameworks: [...F("CIS-GKE", "5.7.1"), ...F("NIST-800-53", "AU-2", "AU-12", "SI-4"), ...F("SOC2", "CC7.2", "CC7.3"), ...F("PCI-DSS", "10.2.1", "10.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { requiredLoggingComponents: ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"], requiredMonitoringComponents: ["SYSTEM_COMPONENTS"] },
    paramsSchema: {
        requiredLoggingComponents: { type: "array", items: { type: "string" }, description: "Components `loggingConfig.enableComponents` must include." },
        requiredMonitoringComponents: { type: "array", items: { type: "string" }, description: "Components `monitoringConfig.enableComponents` must include." },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        for (const key of ["loggingService", "monitoringService"]) {
            if (props[key] === "none") findings.push(finding(key, `${key} is none: remove it (defaults to Cloud ${key === "loggingService" ? "Logging" : "Monitoring"} for Kubernetes)`));
        }
        const logging = missingComponents(at(props, "loggingConfig.enableComponents"), DEFAULT_LOGGING_COMPONENTS, params.requiredLoggingComponents);
        if (logging) findings.push(finding("loggingConfig.enableComponents", `logging misses ${logging.join(", ")}: add them to \`loggingConfig.enableComponents\``));
        const monitoring = missingComponents(at(props, "monitoringConfig.enableComponents"), DEFAULT_MONITORING_COMPONENTS, params.requiredMonitoringComponents);
        if (monitoring) findings.push(finding("monitoringConfig.enableComponents", `monitoring misses ${monitoring.join(", ")}: add them to \`monitoringConfig.enableComponents\``));
        return findings;
    },
};

const secretsEncryption: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-secrets-encryption",
    title: "GKE encrypts Kubernetes Secrets with a Cloud KMS key",
    description: "Application-layer secrets encryption wraps etcd data keys with a customer-managed Cloud KMS key that can be rotated, audited and revoked.",
    severity: "high",
    remediation: "Set `databaseEncryption: { state: ENCRYPTED, keyName: <KMS crypto key id> }` and grant the GKE service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key.",
    frameworks: [...F("CIS-GKE", "5.3.1"), ...F("NIST-800-53", "SC-28", "SC-12"), ...F("SOC2", "CC6.1", "CC6.7"), ...F("PCI-DSS", "3.5.1", "3.6.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const state = at(props, "databaseEncryption.state");
        const key = at(props, "databaseEncryption.keyName");
        if (isUnknown(state)) return [];
        // GKE default: DECRYPTED (Google-managed encryption at rest only).
        if (state !== "ENCRYPTED") return [finding("databaseEncryption.state", `secrets encryption is ${state === undefined ? "not configured" : show(state)}: set \`databaseEncryption.state: ENCRYPTED\` with a KMS \`keyName\``)];
        if (isUnknown(key) || (typeof key === "string" && key.length > 0)) return [];
        return [finding("databaseEncryption.keyName", "secrets encryption has no KMS key: set `databaseEncryption.keyName` to the crypto key id")];
    },
};

const bootDiskCmek: CloudRule<NoParams> = {
    target: "gcp",
    id: "gke-boot-disk-cmek",
    title: "GKE node boot disks are encrypted with a Cloud KMS key",
    description: "Node boot disks (container images, emptyDir volumes, logs) must be encrypted with a customer-managed Cloud KMS key that can be rotated, audited and revoked, not only with Google-managed keys.",
    severity: "medium",
    remediation: "Set `nodeConfig.bootDiskKmsKey` to a crypto key id (projects/<p>/locations/<region>/keyRings/<r>/cryptoKeys/<k>) on the node pool and grant service-<project number>@compute-system.iam.gserviceaccount.com roles/cloudkms.cryptoKeyEncrypterDecrypter on the key. A pool's boot disk key cannot change: recreate the pool.",
    frameworks: [...F("CIS-GKE", "5.9.1"), ...F("NIST-800-53", "SC-28", "SC-12"), ...F("SOC2", "CC6.1"), ...F("PCI-DSS", "3.5.1")],
    // Advisory: CMEK needs Cloud KMS (API, key ring, service agent grant) in the project, which not every
    // project runs; Google-managed encryption at rest still applies without it. Stacks that have KMS raise it.
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    // Node pools only: the cluster's own default pool is short-lived (removeDefaultNodePool) and a
    // boot disk key on it would be lost with it.
    resourceTypes: [NODE_POOL],
    check(props) {
        // GKE default: no key, the boot disk gets Google-managed encryption only. Missing is a finding.
        const key = at(props, "nodeConfig.bootDiskKmsKey");
        if (isUnknown(key) || (typeof key === "string" && key.trim().length > 0)) return [];
        return [finding("nodeConfig.bootDiskKmsKey", "node boot disks use Google-managed keys only: set `nodeConfig.bootDiskKmsKey` to a Cloud KMS crypto key id")];
    },
};

const securityPosture: CloudRule<{ requireVulnerabilityScanning: boolean }> = {
    target: "gcp",
    id: "gke-security-posture",
    title: "GKE security posture and workload vulnerability scanning are on",
    description: "The security posture dashboard audits workload configuration and scans running container images for known vulnerabilities.",
    severity: "medium",
    remediation: "Set `securityPostureConfig: { mode: BASIC, vulnerabilityMode: VULNERABILITY_BASIC }` (or the ENTERPRISE tiers).",
    frameworks: [...F("CIS-GKE", "5.1.1"), ...F("NIST-800-53", "RA-5", "CM-6"), ...F("SOC2", "CC7.1"), ...F("PCI-DSS", "6.3.1", "11.3.1")],
    defaultEnforcement: "advisory",
    defaultParams: { requireVulnerabilityScanning: true },
    paramsSchema: { requireVulnerabilityScanning: { type: "boolean", description: "Also require workload vulnerability scanning (vulnerabilityMode)." } },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        // Missing mode: GKE Standard clusters get BASIC by default. Only an explicit DISABLED is a finding.
        const mode = at(props, "securityPostureConfig.mode");
        if (mode === "DISABLED" || mode === "MODE_UNSPECIFIED") findings.push(finding("securityPostureConfig.mode", `security posture is ${show(mode)}: set \`securityPostureConfig.mode: BASIC\``));
        if (params.requireVulnerabilityScanning) {
            // Missing vulnerabilityMode: scanning is off by default on Standard clusters.
            const vulnerability = at(props, "securityPostureConfig.vulnerabilityMode");
            if (!isUnknown(vulnerability) && vulnerability !== "VULNERABILITY_BASIC" && vulnerability !== "VULNERABILITY_ENTERPRISE") {
                findings.push(finding("securityPostureConfig.vulnerabilityMode", `workload vulnerability scanning is ${vulnerability === undefined ? "not enabled" : show(vulnerability)}: set \`securityPostureConfig.vulnerabilityMode: VULNERABILITY_BASIC\``));
            }
        }
        return findings;
    },
};

const deletionProtection: CloudRule<{ unprotectedEnvironments: string[] }> = {
    target: "gcp",
    id: "gke-deletion-protection",
    title: "GKE cluster has deletion protection",
    description: "A cluster holding production workloads must not be deletable by a mistaken destroy or replace. Environments listed in `unprotectedEnvironments` (matched on the cluster's `environment` resource label) may opt out.",
    severity: "medium",
    remediation: "Set `deletionProtection: true` (the provider default) on the cluster, and protect it with the Pulumi `protect` option.",
    frameworks: [...F("NIST-800-53", "CP-10", "CM-3"), ...F("SOC2", "A1.2", "CC8.1")],
    defaultEnforcement: "advisory",
    defaultParams: { unprotectedEnvironments: ["dev"] },
    paramsSchema: { unprotectedEnvironments: { type: "array", items: { type: "string" }, description: "Values of the cluster's `environment` label that may disable deletion protection (throwaway clusters)." } },
    resourceTypes: [CLUSTER],
    check(props, params) {
        // Provider default: true. Only an explicit false is a finding.
        if (own(props, "deletionProtection") !== false) return [];
        const environment = at(props, "resourceLabels.environment");
        if (isUnknown(environment) || (typeof environment === "string" && strings(params.unprotectedEnvironments).includes(environment))) return [];
        return [finding("deletionProtection", `deletion protection is off${typeof environment === "string" ? ` in environment ${environment}` : ""}: set \`deletionProtection: true\``)];
    },
};

// ---------------------------------------------------------------------------------------------------------
// Cloud Storage and firewall rules

const PUBLIC_PRINCIPALS = ["allUsers", "allAuthenticatedUsers"];

function isPublicPrincipal(value: unknown): boolean {
    return typeof value === "string" && PUBLIC_PRINCIPALS.includes(value.trim());
}

const gcsNoPublicAccess: CloudRule<NoParams> = {
    target: "gcp",
    id: "gcs-no-public-access",
    title: "Cloud Storage buckets are not public",
    description: "Buckets must enforce public access prevention and never grant access to allUsers or allAuthenticatedUsers (IAM or ACLs).",
    severity: "critical",
    remediation: "Set `publicAccessPrevention: \"enforced\"` on the bucket and remove allUsers/allAuthenticatedUsers members, bindings and ACL entries.",
    frameworks: [...F("NIST-800-53", "AC-3", "AC-21", "SC-7"), ...F("SOC2", "CC6.1", "C1.1"), ...F("PCI-DSS", "1.4.4", "7.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [BUCKET, BUCKET_IAM_MEMBER, BUCKET_IAM_BINDING, BUCKET_IAM_POLICY, BUCKET_ACCESS_CONTROL],
    check(props, _params, resourceType) {
        switch (resourceType) {
            case BUCKET: {
                // Missing means "inherited": public unless an org policy says otherwise, so it is a finding.
                const prevention = own(props, "publicAccessPrevention");
                if (isUnknown(prevention) || prevention === "enforced") return [];
                return [finding("publicAccessPrevention", `public access prevention is ${prevention === undefined ? "not set (inherited)" : show(prevention)}: set \`publicAccessPrevention: "enforced"\``)];
            }
            case BUCKET_IAM_MEMBER:
                return isPublicPrincipal(own(props, "member")) ? [finding("member", `bucket IAM grants ${show(own(props, "member"))} (the public): use specific principals`)] : [];
            case BUCKET_IAM_BINDING: {
                const rawMembers = own(props, "members");
                const members: unknown[] = Array.isArray(rawMembers) ? rawMembers : [];
                return members.flatMap((m, i) => (isPublicPrincipal(m) ? [finding(`members[${i}]`, `bucket IAM binding grants ${show(m)} (the public): remove it from \`members\``)] : []));
            }
            case BUCKET_IAM_POLICY: {
                const data = own(props, "policyData");
                if (typeof data !== "string" || isUnknown(data)) return [];
                let policy: unknown;
                try {
                    policy = JSON.parse(data);
                } catch {
                    return []; // not JSON yet (e.g. partly unknown): nothing to judge
                }
                const bindings = at(policy, "bindings");
                if (!Array.isArray(bindings)) return [];
                return bindings.flatMap((b, i) => {
                    const members = at(b, "members");
                    return Array.isArray(members) && members.some(isPublicPrincipal)
                        ? [finding(`policyData.bindings[${i}].members`, `bucket IAM policy grants ${show(at(b, "role"))} to the public: remove allUsers/allAuthenticatedUsers`)]
                        : [];
                });
            }
            case BUCKET_ACCESS_CONTROL:
                return isPublicPrincipal(own(props, "entity")) ? [finding("entity", `bucket ACL grants ${show(own(props, "entity"))} (the public): remove the entry and use uniform bucket-level access`)] : [];
            default:
                return [];
        }
    },
};

const gcsUniformAccess: CloudRule<NoParams> = {
    target: "gcp",
    id: "gcs-uniform-access",
    title: "Cloud Storage buckets use uniform bucket-level access",
    description: "Access is governed by IAM only; per-object ACLs (easy to make public by accident and hard to audit) are disabled.",
    severity: "medium",
    remediation: "Set `uniformBucketLevelAccess: true` on the bucket.",
    frameworks: [...F("NIST-800-53", "AC-3", "AC-6"), ...F("SOC2", "CC6.1"), ...F("PCI-DSS", "7.2.1")],
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [BUCKET],
    check(props) {
        // Provider default: false (fine-grained ACLs).
        const value = own(props, "uniformBucketLevelAccess");
        if (isUnknown(value) || value === true) return [];
        return [finding("uniformBucketLevelAccess", "fine-grained object ACLs are enabled: set `uniformBucketLevelAccess: true`")];
    },
};

/** True when a firewall `ports` list (undefined = all ports) opens any of `ports`. */
function opensPort(portSpecs: unknown, ports: number[]): number | undefined {
    if (portSpecs === undefined || (Array.isArray(portSpecs) && portSpecs.length === 0)) return ports[0]; // all ports
    if (!Array.isArray(portSpecs)) return undefined; // unknown
    for (const spec of portSpecs) {
        if (typeof spec !== "string" && typeof spec !== "number") continue;
        if (isUnknown(spec)) continue;
        const [low, high] = String(spec).split("-").map((p) => Number(p.trim()));
        const upper = Number.isFinite(high) ? high : low;
        const hit = ports.find((p) => p >= low && p <= upper);
        if (hit !== undefined) return hit;
    }
    return undefined;
}

const firewallNoPublicSshRdp: CloudRule<{ ports: number[] }> = {
    target: "gcp",
    id: "firewall-no-public-ssh-rdp",
    title: "No firewall rule opens SSH or RDP to the internet",
    description: "Ingress rules must not allow TCP 22 or 3389 (or all ports) from 0.0.0.0/0 or ::/0. Use IAP TCP forwarding (35.235.240.0/20) or a VPN instead.",
    severity: "critical",
    remediation: "Restrict `sourceRanges` to known ranges (e.g. IAP 35.235.240.0/20), or remove 22/3389 from `allows[].ports`.",
    frameworks: [...F("CIS-GKE", "5.6.6"), ...F("NIST-800-53", "SC-7", "AC-17"), ...F("SOC2", "CC6.6"), ...F("PCI-DSS", "1.3.1", "1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { ports: [22, 3389] },
    paramsSchema: { ports: { type: "array", items: { type: "integer", minimum: 1 }, description: "Administrative ports that must never be open to the internet." } },
    resourceTypes: [FIREWALL],
    check(props, params) {
        const direction = own(props, "direction") ?? "INGRESS";
        const disabled = own(props, "disabled");
        if (isUnknown(direction) || direction !== "INGRESS" || disabled === true || isUnknown(disabled)) return [];
        const sources = own(props, "sourceRanges");
        if (isUnknown(sources) || isUnknown(own(props, "sourceTags")) || isUnknown(own(props, "sourceServiceAccounts"))) return [];
        const hasOtherSources = [own(props, "sourceTags"), own(props, "sourceServiceAccounts")].some((s) => Array.isArray(s) && s.length > 0);
        // No source at all: GCP applies the ingress rule to 0.0.0.0/0.
        const open = Array.isArray(sources) && sources.length > 0 ? sources.filter((s) => typeof s === "string" && OPEN_CIDRS.includes(s.trim())) : hasOtherSources ? [] : ["0.0.0.0/0 (no source given)"];
        if (open.length === 0) return [];
        const allows = own(props, "allows");
        if (!Array.isArray(allows)) return [];
        const findings: Finding[] = [];
        allows.forEach((allow, i) => {
            const protocol = at(allow, "protocol");
            if (isUnknown(protocol) || typeof protocol !== "string") return;
            const p = protocol.toLowerCase();
            if (p !== "tcp" && p !== "all" && p !== "6") return;
            const port = p === "all" ? params.ports[0] : opensPort(at(allow, "ports"), params.ports);
            if (port === undefined) return;
            findings.push(finding(`allows[${i}].ports`, `ingress from ${open.join(", ")} allows ${p === "all" ? "all protocols" : `tcp port ${port}`}: restrict \`sourceRanges\` (e.g. IAP 35.235.240.0/20) or remove the port`));
        });
        return findings;
    },
};

export const gcpRules: Rule[] = [
    privateNodes,
    masterAuthorizedNetworks,
    workloadIdentity,
    metadataServer,
    shieldedNodes,
    nodeServiceAccount,
    networkPolicy,
    releaseChannel,
    nodeAutoUpgradeRepair,
    binaryAuthorization,
    legacyAbac,
    clientCertificate,
    cosContainerd,
    loggingMonitoring,
    secretsEncryption,
    bootDiskCmek,
    securityPosture,
    deletionProtection,
    gcsNoPublicAccess,
    gcsUniformAccess,
    firewallNoPublicSshRdp,
];
