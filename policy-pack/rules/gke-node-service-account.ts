// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, own } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { nodeConfigSites } from "../lib/gke-node-config";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

const COMPUTE_DEFAULT_SA_SUFFIX = "-compute@developer.gserviceaccount.com";

/**
 * Why a node service account value is the Compute Engine default, or undefined when it is a dedicated
 * one (or unknown, or not a string: the provider rejects that before GKE sees it). Unset and "default"
 * both make GKE use `<project number>-compute@developer.gserviceaccount.com`. No regex on user data.
 */
function computeDefaultServiceAccount(value: unknown): string | undefined {
    if (value === undefined || value === null || value === "") return "is not set, so GKE uses the Compute Engine default service account";
    if (typeof value !== "string") return undefined;
    if (value === "default") return 'is "default", the Compute Engine default service account';
    const number = value.endsWith(COMPUTE_DEFAULT_SA_SUFFIX) ? value.slice(0, -COMPUTE_DEFAULT_SA_SUFFIX.length) : "";
    if (number.length > 0 && number.length <= 20 && Array.from(number).every((c) => c >= "0" && c <= "9")) {
        return "is the Compute Engine default service account";
    }
    return undefined;
}

export const rule = cloudRule<NoParams>({
    id: "gke-node-service-account",
    title: "GKE nodes run as a dedicated service account, not the Compute Engine default",
    description:
        "CIS GKE 5.2.1: the Compute Engine default service account has the Editor role on the project by default, so every pod that " +
        "reaches the node's credentials could change the project. Every node pool (a NodePool's nodeConfig, a Cluster's default-pool " +
        "nodeConfig and inline nodePools) and, with node auto-provisioning, clusterAutoscaling.autoProvisioningDefaults must set " +
        'serviceAccount to a dedicated, least-privilege account; unset, "default" and <project-number>-compute@developer.gserviceaccount.com are violations.',
    severity: "high",
    remediation:
        "Create a service account with only roles/logging.logWriter, roles/monitoring.metricWriter, roles/monitoring.viewer and " +
        "roles/stackdriver.resourceMetadata.writer (plus artifactregistry.reader where images live) and set `nodeConfig.serviceAccount` to its email.",
    frameworks: [cisGke("5.2.1"), nist("AC-6"), nist("IA-5"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.1"), pci("7.2.2")],
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
        if (!autopilot)
            for (const site of nodeConfigSites(props, resourceType))
                sites.push({ path: `${site.path}.serviceAccount`, value: at(site.nodeConfig, "serviceAccount") });
        if (resourceType === CLUSTER && (autopilot || at(props, "clusterAutoscaling.enabled") === true)) {
            const path = "clusterAutoscaling.autoProvisioningDefaults.serviceAccount";
            sites.push({ path, value: at(props, path) });
        }
        for (const { path, value } of sites) {
            if (isUnknown(value)) continue;
            const why = computeDefaultServiceAccount(value);
            if (why)
                findings.push(
                    finding(path, `the node service account ${why}: set \`${path}\` to a dedicated least-privilege service account`),
                );
        }
        return findings;
    },
});
