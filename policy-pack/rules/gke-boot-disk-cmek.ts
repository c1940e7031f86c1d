// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { NODE_POOL } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-boot-disk-cmek",
    title: "GKE node boot disks are encrypted with a Cloud KMS key",
    description:
        "Node boot disks (container images, emptyDir volumes, logs) must be encrypted with a customer-managed Cloud KMS key that can be rotated, audited and revoked, not only with Google-managed keys.",
    severity: "medium",
    remediation:
        "Set `nodeConfig.bootDiskKmsKey` to a crypto key id (projects/<p>/locations/<region>/keyRings/<r>/cryptoKeys/<k>) on the node pool and grant service-<project number>@compute-system.iam.gserviceaccount.com roles/cloudkms.cryptoKeyEncrypterDecrypter on the key. A pool's boot disk key cannot change: recreate the pool.",
    frameworks: [cisGke("5.9.1"), nist("SC-28"), nist("SC-12"), soc2("CC6.1"), pci("3.5.1")],
    // Advisory: CMEK needs Cloud KMS (API, key ring, service agent grant) in the project, which not every
    // project runs; Google-managed encryption at rest still applies without it. Stacks that have KMS raise it.
    defaultEnforcement: "advisory",
    defaultParams: {},
    paramsSchema: {},
    // Node pools only: the cluster's own default pool is short-lived (removeDefaultNodePool) and a
    // boot disk key on it would be lost with it.
    resourceTypes: [NODE_POOL],
    check(props) {
        // GKE default: no key, the boot disk gets Google-managed encryption only. Missing is a finding.
        const key = at(props, "nodeConfig.bootDiskKmsKey");
        if (isUnknown(key) || (typeof key === "string" && key.trim().length > 0)) return [];
        return [
            finding(
                "nodeConfig.bootDiskKmsKey",
                "node boot disks use Google-managed keys only: set `nodeConfig.bootDiskKmsKey` to a Cloud KMS crypto key id",
            ),
        ];
    },
});
