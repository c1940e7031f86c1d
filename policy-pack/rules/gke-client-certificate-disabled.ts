// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-client-certificate-disabled",
    title: "GKE issues no client certificate and no basic-auth credentials",
    description:
        "A cluster client certificate grants cluster-admin and cannot be revoked; static basic-auth passwords likewise. Users authenticate with Google identities.",
    severity: "critical",
    remediation:
        "Set `masterAuth.clientCertificateConfig.issueClientCertificate: false` (the default) and never set `masterAuth.username/password`.",
    frameworks: [cisGke("5.8.1"), nist("IA-2"), nist("IA-5"), soc2("CC6.1"), pci("8.2.1"), pci("8.3.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const findings: Finding[] = [];
        // Default false: only an explicit true is a finding.
        if (at(props, "masterAuth.clientCertificateConfig.issueClientCertificate") === true) {
            findings.push(
                finding(
                    "masterAuth.clientCertificateConfig.issueClientCertificate",
                    "the cluster issues an irrevocable admin client certificate: set `issueClientCertificate: false`",
                ),
            );
        }
        for (const key of ["username", "password"]) {
            const value = at(props, `masterAuth.${key}`);
            if (typeof value === "string" && value !== "" && !isUnknown(value)) {
                findings.push(finding(`masterAuth.${key}`, `basic authentication is configured: remove \`masterAuth.${key}\``));
            }
        }
        return findings;
    },
});
