// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { isUnknown } from "../catalogue/types";
import { at, own, show } from "../catalogue/view";
import { finding, NoParams } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { BUCKET, BUCKET_ACCESS_CONTROL, BUCKET_IAM_BINDING, BUCKET_IAM_MEMBER, BUCKET_IAM_POLICY } from "../lib/resource-types";

const PUBLIC_PRINCIPALS = ["allUsers", "allAuthenticatedUsers"];

function isPublicPrincipal(value: unknown): boolean {
    return typeof value === "string" && PUBLIC_PRINCIPALS.includes(value.trim());
}

export const rule = cloudRule<NoParams>({
    id: "gcs-no-public-access",
    title: "Cloud Storage buckets are not public",
    description: "Buckets must enforce public access prevention and never grant access to allUsers or allAuthenticatedUsers (IAM or ACLs).",
    severity: "critical",
    remediation:
        'Set `publicAccessPrevention: "enforced"` on the bucket and remove allUsers/allAuthenticatedUsers members, bindings and ACL entries.',
    frameworks: [nist("AC-3"), nist("AC-21"), nist("SC-7"), soc2("CC6.1"), soc2("C1.1"), pci("1.4.4"), pci("7.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {},
    paramsSchema: {},
    resourceTypes: [BUCKET, BUCKET_IAM_MEMBER, BUCKET_IAM_BINDING, BUCKET_IAM_POLICY, BUCKET_ACCESS_CONTROL],
    check(props, _params, resourceType) {
        switch (resourceType) {
            case BUCKET: {
                // Missing means "inherited": public unless an org policy says otherwise, so it is a finding.
                const prevention = own(props, "publicAccessPrevention");
                if (isUnknown(prevention) || prevention === "enforced") return [];
                return [
                    finding(
                        "publicAccessPrevention",
                        `public access prevention is ${prevention === undefined ? "not set (inherited)" : show(prevention)}: set \`publicAccessPrevention: "enforced"\``,
                    ),
                ];
            }
            case BUCKET_IAM_MEMBER:
                return isPublicPrincipal(own(props, "member"))
                    ? [finding("member", `bucket IAM grants ${show(own(props, "member"))} (the public): use specific principals`)]
                    : [];
            case BUCKET_IAM_BINDING: {
                const rawMembers = own(props, "members");
                const members: unknown[] = Array.isArray(rawMembers) ? rawMembers : [];
                return members.flatMap((m, i) =>
                    isPublicPrincipal(m)
                        ? [finding(`members[${i}]`, `bucket IAM binding grants ${show(m)} (the public): remove it from \`members\``)]
                        : [],
                );
            }
            case BUCKET_IAM_POLICY: {
                const data = own(props, "policyData");
                if (typeof data !== "string" || isUnknown(data)) return [];
                let policy: unknown;
                try {
                    policy = JSON.parse(data);
                } catch {
                    return []; // not JSON yet (e.g. partly unknown): nothing to judge
                }
                const bindings = at(policy, "bindings");
                if (!Array.isArray(bindings)) return [];
                return bindings.flatMap((b, i) => {
                    const members = at(b, "members");
                    return Array.isArray(members) && members.some(isPublicPrincipal)
                        ? [
                              finding(
                                  `policyData.bindings[${i}].members`,
                                  `bucket IAM policy grants ${show(at(b, "role"))} to the public: remove allUsers/allAuthenticatedUsers`,
                              ),
                          ]
                        : [];
                });
            }
            case BUCKET_ACCESS_CONTROL:
                return isPublicPrincipal(own(props, "entity"))
                    ? [
                          finding(
                              "entity",
                              `bucket ACL grants ${show(own(props, "entity"))} (the public): remove the entry and use uniform bucket-level access`,
                          ),
                      ]
                    : [];
            default:
                return [];
        }
    },
});
