// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-network-policy",
    title: "GKE enforces Kubernetes NetworkPolicy",
    description:
        "The cluster must enforce NetworkPolicy (Dataplane V2, or the Calico network policy addon), otherwise the platform's default-deny policies are silently ignored.",
    severity: "high",
    remediation:
        "Set `datapathProvider: ADVANCED_DATAPATH` (Dataplane V2, preferred) or `networkPolicy: { enabled: true }` with `addonsConfig.networkPolicyConfig.disabled: false`.",
    frameworks: [cisGke("5.6.7"), nist("SC-7"), nist("AC-4"), soc2("CC6.6"), pci("1.2.1"), pci("1.3.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const datapath = at(props, "datapathProvider");
        const calico = at(props, "networkPolicy.enabled");
        // GKE default: legacy datapath without network policy enforcement.
        if (isUnknown(datapath) || datapath === "ADVANCED_DATAPATH" || isUnknown(calico) || calico === true) return [];
        return [
            finding(
                "datapathProvider",
                "NetworkPolicy objects are not enforced: set `datapathProvider: ADVANCED_DATAPATH` (Dataplane V2) or enable `networkPolicy` (Calico)",
            ),
        ];
    },
});
