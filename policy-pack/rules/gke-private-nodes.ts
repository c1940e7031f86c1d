// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-private-nodes",
    title: "GKE nodes have private IPs only",
    description: "Cluster nodes must not have public IP addresses, so they are reachable only from the VPC; egress goes through Cloud NAT.",
    severity: "critical",
    remediation:
        "Set `privateClusterConfig.enablePrivateNodes: true` with a `masterIpv4CidrBlock` on the cluster, and do not set `networkConfig.enablePrivateNodes: false` on node pools. Add Cloud NAT for egress.",
    frameworks: [cisGke("5.6.5"), nist("SC-7"), nist("AC-4"), soc2("CC6.6"), pci("1.3.1"), pci("1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, _params, resourceType) {
        if (resourceType === NODE_POOL) {
            // A pool inherits the cluster setting unless it overrides it; only an explicit `false` is a finding.
            const value = at(props, "networkConfig.enablePrivateNodes");
            return value === false
                ? [
                      finding(
                          "networkConfig.enablePrivateNodes",
                          "node pool overrides the cluster to give nodes public IPs: remove `networkConfig.enablePrivateNodes: false`",
                      ),
                  ]
                : [];
        }
        // GKE default: public nodes. So a missing value is a finding.
        const value = at(props, "privateClusterConfig.enablePrivateNodes");
        if (isUnknown(value) || value === true) return [];
        return [
            finding(
                "privateClusterConfig.enablePrivateNodes",
                "nodes get public IPs: set `privateClusterConfig.enablePrivateNodes: true` (with `masterIpv4CidrBlock`) and route egress through Cloud NAT",
            ),
        ];
    },
});
