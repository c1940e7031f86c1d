// CIS Kubernetes 5.1.7: system:masters is hard-wired to every permission; the RBAC authorizer is not even
// consulted for it, so no binding can limit it and removing a binding does not revoke it. TypeScript `check`
// for CrossGuard, CEL for Gatekeeper; the corpus beside this file holds both.
import { Finding } from "../catalogue/types";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { BINDING_MATCH, CEL_SUBJECTS, subjectsOf } from "../lib/rbac";

export const rule = kubernetesRule({
    id: "rbac-no-system-masters",
    title: "No binding names the system:masters group",
    description:
        "A ClusterRoleBinding or RoleBinding must not name the Group `system:masters`. Members of that group pass every authorization " +
        "check without RBAC (the API server short-circuits it), and membership comes from a client certificate's organization that " +
        "cannot be revoked before it expires; binding roles to it only signals that the group is in use.",
    severity: "critical",
    remediation:
        "Remove the subject; give administrators a dedicated group bound to the role they need, and keep system:masters certificates " +
        "for break-glass only.",
    frameworks: [cisK8s("5.1.7"), nist("AC-6"), nist("AC-2"), soc2("CC6.1"), soc2("CC6.2"), pci("7.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [] },
    paramsSchema: {},
    match: BINDING_MATCH,
    check(object) {
        const findings: Finding[] = [];
        for (const s of subjectsOf(object))
            if (s.kind === "Group" && s.name === "system:masters")
                findings.push({
                    message: `${subject(object)}: subjects[${s.index}] is the group system:masters, which bypasses RBAC; remove it and bind a dedicated group.`,
                    path: `subjects[${s.index}]`,
                });
        return findings;
    },
    cel: {
        validations: [
            {
                expression: `!${CEL_SUBJECTS}.exists(s, s.kind == 'Group' && s.name == 'system:masters')`,
                messageExpression: `${CEL_SUBJECT} + ': names the group system:masters, which bypasses RBAC; remove it and bind a dedicated group'`,
            },
        ],
    },
});
