// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, show } from "../catalogue/view";
import { finding } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<{ requireVulnerabilityScanning: boolean }>({
    id: "gke-security-posture",
    title: "GKE security posture and workload vulnerability scanning are on",
    description:
        "The security posture dashboard audits workload configuration and scans running container images for known vulnerabilities.",
    severity: "medium",
    remediation: "Set `securityPostureConfig: { mode: BASIC, vulnerabilityMode: VULNERABILITY_BASIC }` (or the ENTERPRISE tiers).",
    frameworks: [cisGke("5.1.1"), nist("RA-5"), nist("CM-6"), soc2("CC7.1"), pci("6.3.1"), pci("11.3.1")],
    defaultEnforcement: "advisory",
    defaultParams: { requireVulnerabilityScanning: true },
    paramsSchema: {
        requireVulnerabilityScanning: { type: "boolean", description: "Also require workload vulnerability scanning (vulnerabilityMode)." },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        // Missing mode: GKE Standard clusters get BASIC by default. Only an explicit DISABLED is a finding.
        const mode = at(props, "securityPostureConfig.mode");
        if (mode === "DISABLED" || mode === "MODE_UNSPECIFIED")
            findings.push(
                finding("securityPostureConfig.mode", `security posture is ${show(mode)}: set \`securityPostureConfig.mode: BASIC\``),
            );
        if (params.requireVulnerabilityScanning) {
            // Missing vulnerabilityMode: scanning is off by default on Standard clusters.
            const vulnerability = at(props, "securityPostureConfig.vulnerabilityMode");
            if (!isUnknown(vulnerability) && vulnerability !== "VULNERABILITY_BASIC" && vulnerability !== "VULNERABILITY_ENTERPRISE") {
                findings.push(
                    finding(
                        "securityPostureConfig.vulnerabilityMode",
                        `workload vulnerability scanning is ${vulnerability === undefined ? "not enabled" : show(vulnerability)}: set \`securityPostureConfig.vulnerabilityMode: VULNERABILITY_BASIC\``,
                    ),
                );
            }
        }
        return findings;
    },
});
