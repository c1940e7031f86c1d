// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-workload-identity",
    title: "GKE Workload Identity is enabled",
    description:
        "Pods must authenticate to Google APIs as their own Kubernetes service account mapped to an IAM identity, not with the node's credentials.",
    severity: "high",
    remediation: 'Set `workloadIdentityConfig.workloadPool: "<project>.svc.id.goog"` on the cluster.',
    frameworks: [cisGke("5.2.2"), nist("IA-2"), nist("AC-6"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.1"), pci("8.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        // GKE default: disabled.
        const pool = at(props, "workloadIdentityConfig.workloadPool");
        if (isUnknown(pool) || (typeof pool === "string" && pool.endsWith(".svc.id.goog"))) return [];
        return [
            finding(
                "workloadIdentityConfig.workloadPool",
                "Workload Identity is disabled: set `workloadIdentityConfig.workloadPool` to `<project>.svc.id.goog`",
            ),
        ];
    },
});
