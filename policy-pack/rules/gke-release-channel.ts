// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at, show, strings } from "../catalogue/view";
import { finding } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<{ allowedChannels: string[] }>({
    id: "gke-release-channel",
    title: "GKE cluster is enrolled in a release channel",
    description: "A release channel keeps the control plane and nodes patched automatically with tested versions.",
    severity: "medium",
    remediation: "Set `releaseChannel.channel` to REGULAR or STABLE (not UNSPECIFIED).",
    frameworks: [cisGke("5.5.4"), nist("SI-2"), nist("CM-3"), soc2("CC7.1"), soc2("CC8.1"), pci("6.3.3")],
    defaultEnforcement: "advisory",
    defaultParams: { allowedChannels: ["RAPID", "REGULAR", "STABLE", "EXTENDED"] },
    paramsSchema: {
        allowedChannels: {
            type: "array",
            items: { type: "string", enum: ["RAPID", "REGULAR", "STABLE", "EXTENDED"] },
            description: "Channels this stack accepts.",
        },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const channel = at(props, "releaseChannel.channel");
        // Missing: GKE enrolls new clusters in REGULAR. Judge that default against the allowed list.
        const effective = channel === undefined ? "REGULAR" : channel;
        if (isUnknown(effective) || (typeof effective === "string" && strings(params.allowedChannels).includes(effective))) return [];
        return [
            finding(
                "releaseChannel.channel",
                `release channel ${show(effective)} is not allowed: set \`releaseChannel.channel\` to one of ${strings(params.allowedChannels).join(", ")}`,
            ),
        ];
    },
});
