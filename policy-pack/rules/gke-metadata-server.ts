// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, show } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { nodeConfigSites } from "../lib/gke-node-config";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-metadata-server",
    title: "GKE nodes use the GKE metadata server",
    description:
        "Node pools must run the GKE metadata server (GKE_METADATA) so pods cannot read the node's credentials or kube-env from the Compute Engine metadata server.",
    severity: "high",
    remediation:
        "Set `nodeConfig.workloadMetadataConfig.mode: GKE_METADATA` on every node pool (requires Workload Identity on the cluster).",
    frameworks: [cisGke("5.4.2"), nist("AC-6"), nist("SC-4"), soc2("CC6.1"), pci("7.2.1")],
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
            findings.push(
                finding(
                    field,
                    `${mode === undefined ? "no metadata mode set" : `metadata mode ${show(mode)}`}: pods can reach the node's Compute Engine metadata; set \`${field}: GKE_METADATA\``,
                ),
            );
        }
        return findings;
    },
});
