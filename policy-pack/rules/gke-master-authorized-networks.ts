// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, isRecord } from "../catalogue/view";
import { finding, OPEN_CIDRS } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<{ allowPublicEndpoint: boolean }>({
    id: "gke-master-authorized-networks",
    title: "GKE control plane is reachable only from authorized networks",
    description:
        "The Kubernetes API endpoint must be restricted with master authorized networks (never 0.0.0.0/0 nor all Google Cloud IPs); with `allowPublicEndpoint: false` the public endpoint must be disabled altogether.",
    severity: "critical",
    remediation:
        "Set `masterAuthorizedNetworksConfig.cidrBlocks` to your VPN/office ranges, `gcpPublicCidrsAccessEnabled: false`, and for private-only clusters `privateClusterConfig.enablePrivateEndpoint: true`.",
    frameworks: [
        cisGke("5.6.3"),
        cisGke("5.6.4"),
        nist("AC-3"),
        nist("SC-7"),
        nist("AC-17"),
        soc2("CC6.1"),
        soc2("CC6.6"),
        pci("1.3.1"),
        pci("1.4.1"),
    ],
    defaultEnforcement: "mandatory",
    defaultParams: { allowPublicEndpoint: true },
    paramsSchema: {
        allowPublicEndpoint: {
            type: "boolean",
            description: "Allow a public control-plane endpoint (restricted by authorized networks). False requires a private endpoint.",
        },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        const config = at(props, "masterAuthorizedNetworksConfig");
        if (isUnknown(config)) return [];
        // Without the block, authorized networks are disabled: any IP can reach the endpoint.
        if (!isRecord(config)) {
            findings.push(
                finding(
                    "masterAuthorizedNetworksConfig",
                    "master authorized networks are disabled: add `masterAuthorizedNetworksConfig` with `cidrBlocks` listing only your admin ranges",
                ),
            );
        } else {
            const blocks = config.cidrBlocks;
            if (Array.isArray(blocks)) {
                blocks.forEach((block, i) => {
                    const cidr = at(block, "cidrBlock");
                    if (typeof cidr === "string" && OPEN_CIDRS.includes(cidr.trim())) {
                        findings.push(
                            finding(
                                `masterAuthorizedNetworksConfig.cidrBlocks[${i}].cidrBlock`,
                                `authorized network ${cidr} opens the control plane to the internet: list only your admin ranges`,
                            ),
                        );
                    }
                });
            }
            if (config.gcpPublicCidrsAccessEnabled === true) {
                findings.push(
                    finding(
                        "masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled",
                        "any Google Cloud public IP can reach the control plane: set `gcpPublicCidrsAccessEnabled: false`",
                    ),
                );
            }
        }
        if (!params.allowPublicEndpoint) {
            const privateEndpoint = at(props, "privateClusterConfig.enablePrivateEndpoint");
            if (!isUnknown(privateEndpoint) && privateEndpoint !== true) {
                findings.push(
                    finding(
                        "privateClusterConfig.enablePrivateEndpoint",
                        "the control plane has a public endpoint but this stack requires a private one: set `privateClusterConfig.enablePrivateEndpoint: true`",
                    ),
                );
            }
        }
        return findings;
    },
});
