// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { nodeConfigSites } from "../lib/gke-node-config";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-node-auto-upgrade-repair",
    title: "GKE node pools auto-upgrade and auto-repair",
    description: "Node pools must receive security patches automatically and replace unhealthy nodes.",
    severity: "medium",
    remediation: "Set `management: { autoUpgrade: true, autoRepair: true }` on every node pool (both default to true when omitted).",
    frameworks: [cisGke("5.5.2"), cisGke("5.5.3"), nist("SI-2"), nist("CP-10"), soc2("CC7.1"), soc2("A1.2"), pci("6.3.3")],
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
                if (at(site.management, key) === false)
                    findings.push(
                        finding(
                            `${prefix}.${key}`,
                            `node ${key === "autoUpgrade" ? "auto-upgrade" : "auto-repair"} is off: set \`${prefix}.${key}: true\``,
                        ),
                    );
            }
        }
        return findings;
    },
});
