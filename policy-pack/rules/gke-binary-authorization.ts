// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at, show } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-binary-authorization",
    title: "GKE enforces Binary Authorization",
    description: "Only images allowed by the project's Binary Authorization policy (attested, from trusted registries) may be deployed.",
    severity: "high",
    remediation:
        "Set `binaryAuthorization.evaluationMode: PROJECT_SINGLETON_POLICY_ENFORCE` and maintain the project's Binary Authorization policy.",
    frameworks: [cisGke("5.10.4"), nist("SI-7"), nist("CM-14"), soc2("CC8.1"), pci("6.3.2"), pci("6.4.3")],
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const mode = at(props, "binaryAuthorization.evaluationMode");
        const enabled = at(props, "binaryAuthorization.enabled"); // deprecated boolean form
        // GKE default: DISABLED.
        if (
            isUnknown(mode) ||
            mode === "PROJECT_SINGLETON_POLICY_ENFORCE" ||
            isUnknown(enabled) ||
            (mode === undefined && enabled === true)
        )
            return [];
        return [
            finding(
                "binaryAuthorization.evaluationMode",
                `Binary Authorization is ${mode === undefined ? "not configured" : show(mode)}: set \`binaryAuthorization.evaluationMode: PROJECT_SINGLETON_POLICY_ENFORCE\``,
            ),
        ];
    },
});
