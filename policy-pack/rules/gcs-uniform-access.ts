// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { own } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { BUCKET } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gcs-uniform-access",
    title: "Cloud Storage buckets use uniform bucket-level access",
    description: "Access is governed by IAM only; per-object ACLs (easy to make public by accident and hard to audit) are disabled.",
    severity: "medium",
    remediation: "Set `uniformBucketLevelAccess: true` on the bucket.",
    frameworks: [nist("AC-3"), nist("AC-6"), soc2("CC6.1"), pci("7.2.1")],
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [BUCKET],
    check(props) {
        // Provider default: false (fine-grained ACLs).
        const value = own(props, "uniformBucketLevelAccess");
        if (isUnknown(value) || value === true) return [];
        return [finding("uniformBucketLevelAccess", "fine-grained object ACLs are enabled: set `uniformBucketLevelAccess: true`")];
    },
});
