// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at, show } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

export const rule = cloudRule<NoParams>({
    id: "gke-secrets-encryption",
    title: "GKE encrypts Kubernetes Secrets with a Cloud KMS key",
    description:
        "Application-layer secrets encryption wraps etcd data keys with a customer-managed Cloud KMS key that can be rotated, audited and revoked.",
    severity: "high",
    remediation:
        "Set `databaseEncryption: { state: ENCRYPTED, keyName: <KMS crypto key id> }` and grant the GKE service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key.",
    frameworks: [cisGke("5.3.1"), nist("SC-28"), nist("SC-12"), soc2("CC6.1"), soc2("CC6.7"), pci("3.5.1"), pci("3.6.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [CLUSTER],
    check(props) {
        const state = at(props, "databaseEncryption.state");
        const key = at(props, "databaseEncryption.keyName");
        if (isUnknown(state)) return [];
        // GKE default: DECRYPTED (Google-managed encryption at rest only).
        if (state !== "ENCRYPTED")
            return [
                finding(
                    "databaseEncryption.state",
                    `secrets encryption is ${state === undefined ? "not configured" : show(state)}: set \`databaseEncryption.state: ENCRYPTED\` with a KMS \`keyName\``,
                ),
            ];
        if (isUnknown(key) || (typeof key === "string" && key.length > 0)) return [];
        return [
            finding(
                "databaseEncryption.keyName",
                "secrets encryption has no KMS key: set `databaseEncryption.keyName` to the crypto key id",
            ),
        ];
    },
});
