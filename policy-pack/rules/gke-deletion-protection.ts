// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at, own, strings } from "../catalogue/view";
import { finding } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { nist, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<{ unprotectedEnvironments: string[] }>({
    id: "gke-deletion-protection",
    title: "GKE cluster has deletion protection",
    description:
        "A cluster holding production workloads must not be deletable by a mistaken destroy or replace. Environments listed in `unprotectedEnvironments` (matched on the cluster's `environment` resource label) may opt out.",
    severity: "medium",
    remediation: "Set `deletionProtection: true` (the provider default) on the cluster, and protect it with the Pulumi `protect` option.",
    frameworks: [nist("CP-10"), nist("CM-3"), soc2("A1.2"), soc2("CC8.1")],
    defaultEnforcement: "advisory",
    defaultParams: { unprotectedEnvironments: ["dev"] },
    paramsSchema: {
        unprotectedEnvironments: {
            type: "array",
            items: { type: "string" },
            description: "Values of the cluster's `environment` label that may disable deletion protection (throwaway clusters).",
        },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        // Provider default: true. Only an explicit false is a finding.
        if (own(props, "deletionProtection") !== false) return [];
        const environment = at(props, "resourceLabels.environment");
        if (isUnknown(environment) || (typeof environment === "string" && strings(params.unprotectedEnvironments).includes(environment)))
            return [];
        return [
            finding(
                "deletionProtection",
                `deletion protection is off${typeof environment === "string" ? ` in environment ${environment}` : ""}: set \`deletionProtection: true\``,
            ),
        ];
    },
});
