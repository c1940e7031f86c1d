// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, own } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { nodeConfigSites } from "../lib/gke-node-config";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-shielded-nodes",
    title: "GKE nodes are Shielded VMs with secure boot and integrity monitoring",
    description:
        "Shielded GKE nodes prove their identity to the control plane; secure boot blocks unsigned boot components and integrity monitoring detects boot-time tampering.",
    severity: "high",
    remediation:
        "Keep `enableShieldedNodes` true on the cluster and set `nodeConfig.shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }` on every node pool.",
    frameworks: [
        cisGke("5.5.5"),
        cisGke("5.5.6"),
        cisGke("5.5.7"),
        nist("SI-7"),
        nist("SC-3"),
        soc2("CC6.8"),
        soc2("CC7.1"),
        pci("11.5.2"),
    ],
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
                findings.push(
                    finding(
                        `${site.path}.shieldedInstanceConfig.enableSecureBoot`,
                        `secure boot is off: set \`${site.path}.shieldedInstanceConfig.enableSecureBoot: true\``,
                    ),
                );
            }
            // enableIntegrityMonitoring defaults to true: only an explicit false is a finding.
            const integrity = at(site.nodeConfig, "shieldedInstanceConfig.enableIntegrityMonitoring");
            if (integrity === false) {
                findings.push(
                    finding(
                        `${site.path}.shieldedInstanceConfig.enableIntegrityMonitoring`,
                        `integrity monitoring is off: set \`${site.path}.shieldedInstanceConfig.enableIntegrityMonitoring: true\``,
                    ),
                );
            }
        }
        return findings;
    },
});
