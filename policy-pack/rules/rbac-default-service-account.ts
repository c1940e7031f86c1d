// CIS Kubernetes 5.1.5: every pod that names no service account runs as `default`, so the default account
// should hold nothing and mount nothing. TypeScript `check` for CrossGuard, CEL for Gatekeeper; the corpus
// beside this file holds both.
import { Finding, isUnknown } from "../catalogue/types";
import { at, own, show } from "../catalogue/view";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { CEL_SUBJECTS, RBAC_GROUP, subjectsOf } from "../lib/rbac";

export const rule = kubernetesRule({
    id: "rbac-default-service-account",
    title: "The default service account mounts no token and is bound to no role",
    description:
        "A ServiceAccount named `default` must set `automountServiceAccountToken: false` (absent means true), and no RoleBinding or " +
        "ClusterRoleBinding may name a `default` service account as a subject: every pod that does not name its service account runs " +
        "as `default`, so its token and rights go to all of them. Give workloads that call the API their own service account.",
    severity: "medium",
    remediation:
        "Set `automountServiceAccountToken: false` on each namespace's `default` ServiceAccount; bind roles to a dedicated service account " +
        "named in the pods that need it (`serviceAccountName`).",
    frameworks: [cisK8s("5.1.5"), nist("AC-6"), nist("IA-5"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.5")],
    defaultEnforcement: "advisory",
    defaultParams: { exemptNamespaces: [], exemptImages: [] },
    paramsSchema: {},
    match: [
        { apiGroups: [""], kinds: ["ServiceAccount"] },
        { apiGroups: [RBAC_GROUP], kinds: ["ClusterRoleBinding", "RoleBinding"] },
    ],
    check(object) {
        if (object.kind === "ServiceAccount") {
            if (at(object, "metadata.name") !== "default") return [];
            const automount = own(object, "automountServiceAccountToken");
            if (automount === false || isUnknown(automount)) return [];
            return [
                {
                    message:
                        `${subject(object)}: automountServiceAccountToken is ${automount === undefined ? "not set (defaults to true)" : show(automount)}, ` +
                        "so every pod without its own service account gets an API token; set it to false.",
                    path: "automountServiceAccountToken",
                },
            ];
        }
        const findings: Finding[] = [];
        for (const s of subjectsOf(object))
            if (s.kind === "ServiceAccount" && s.name === "default")
                findings.push({
                    message: `${subject(object)}: subjects[${s.index}] is the default service account${s.namespace ? ` of ${show(s.namespace)}` : ""}, so every pod there without its own service account gets this role; bind a dedicated service account.`,
                    path: `subjects[${s.index}]`,
                });
        return findings;
    },
    cel: {
        validations: [
            {
                expression:
                    "object.kind != 'ServiceAccount' || !has(object.metadata.name) || object.metadata.name != 'default' || " +
                    "(has(object.automountServiceAccountToken) && object.automountServiceAccountToken == false)",
                messageExpression: `${CEL_SUBJECT} + ': the default service account mounts an API token into every pod without its own service account; set automountServiceAccountToken: false'`,
            },
            {
                expression: `object.kind == 'ServiceAccount' || !${CEL_SUBJECTS}.exists(s, s.kind == 'ServiceAccount' && s.name == 'default')`,
                messageExpression: `${CEL_SUBJECT} + ': binds the default service account; bind a dedicated service account'`,
            },
        ],
    },
});
