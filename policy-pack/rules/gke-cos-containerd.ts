// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, show, strings } from "../catalogue/view";
import { finding } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { nodeConfigSites } from "../lib/gke-node-config";
import { CLUSTER, NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<{ allowedImageTypes: string[] }>({
    id: "gke-cos-containerd",
    title: "GKE nodes run Container-Optimized OS with containerd",
    description:
        "COS is a minimal, read-only, auto-updated node OS with a verified boot chain; containerd replaces the removed Docker runtime.",
    severity: "medium",
    remediation: "Set `nodeConfig.imageType: COS_CONTAINERD` on every node pool.",
    frameworks: [cisGke("5.5.1"), nist("CM-6"), nist("CM-7"), soc2("CC7.1"), pci("2.2.1")],
    defaultEnforcement: "advisory",
    defaultParams: { allowedImageTypes: ["COS_CONTAINERD"] },
    paramsSchema: {
        allowedImageTypes: {
            type: "array",
            items: { type: "string" },
            description: "Accepted node image types (e.g. add WINDOWS_LTSC_CONTAINERD for Windows pools).",
        },
    },
    resourceTypes: [CLUSTER, NODE_POOL],
    check(props, params, resourceType) {
        const allowed = strings(params.allowedImageTypes).map((t) => t.toUpperCase());
        const findings: Finding[] = [];
        for (const site of nodeConfigSites(props, resourceType)) {
            const imageType = at(site.nodeConfig, "imageType");
            // Missing: GKE's default image is COS_CONTAINERD.
            if (
                imageType === undefined ||
                isUnknown(imageType) ||
                (typeof imageType === "string" && allowed.includes(imageType.toUpperCase()))
            )
                continue;
            findings.push(
                finding(
                    `${site.path}.imageType`,
                    `node image ${show(imageType)} is not allowed: set \`${site.path}.imageType: COS_CONTAINERD\``,
                ),
            );
        }
        return findings;
    },
});
