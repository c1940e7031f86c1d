// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { own } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-legacy-abac-disabled",
    title: "GKE legacy ABAC authorization is disabled",
    description: "Legacy ABAC grants broad static permissions outside RBAC; clusters must use RBAC only.",
    severity: "critical",
    remediation: "Set `enableLegacyAbac: false` (the default) and grant access with RBAC.",
    frameworks: [cisGke("5.8.3"), nist("AC-3"), nist("AC-6"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.1"), pci("7.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        // Default false: only an explicit true is a finding.
        return own(props, "enableLegacyAbac") === true
            ? [finding("enableLegacyAbac", "legacy ABAC authorization is on: set `enableLegacyAbac: false` and use RBAC")]
            : [];
    },
});
