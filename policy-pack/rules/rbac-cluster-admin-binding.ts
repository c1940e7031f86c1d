// CIS Kubernetes 5.1.1: cluster-admin is every permission on every resource; who holds it is a short,
// reviewed list. TypeScript `check` for CrossGuard, CEL for Gatekeeper; the corpus beside this file holds both.
import { CommonK8sParams, Finding } from "../catalogue/types";
import { at, show, strings } from "../catalogue/view";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { BINDING_MATCH, CEL_SUBJECT_ID, CEL_SUBJECTS, subjectId, subjectsOf } from "../lib/rbac";

export interface ClusterAdminParams extends CommonK8sParams {
    /** `User:<name>`, `Group:<name>`, `ServiceAccount:<namespace>/<name>`. */
    allowedSubjects: string[];
}

export const rule = kubernetesRule<ClusterAdminParams>({
    id: "rbac-cluster-admin-binding",
    title: "cluster-admin is bound only to allowed subjects",
    description:
        "A ClusterRoleBinding or RoleBinding whose roleRef is the ClusterRole `cluster-admin` may only name subjects listed in " +
        "`allowedSubjects` (`User:<name>`, `Group:<name>`, `ServiceAccount:<namespace>/<name>`; a RoleBinding's service account " +
        "without a namespace is in the binding's namespace). cluster-admin grants every verb on every resource (in a RoleBinding, " +
        "on everything in the namespace, RBAC objects and Secrets included). Default: nobody.",
    severity: "critical",
    remediation:
        "Bind a role with only the permissions needed (the built-in `admin`, `edit`, `view` or a custom one); keep break-glass " +
        "cluster-admin access to a few named subjects in `allowedSubjects`.",
    frameworks: [cisK8s("5.1.1"), nist("AC-6"), nist("AC-2"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.1"), pci("7.2.2")],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedSubjects: [] },
    paramsSchema: {
        allowedSubjects: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Subjects that may hold cluster-admin: User:<name>, Group:<name>, ServiceAccount:<namespace>/<name>.",
        },
    },
    match: BINDING_MATCH,
    check(object, params) {
        // An unknown roleRef may or may not be cluster-admin: no finding.
        if (at(object, "roleRef.kind") !== "ClusterRole" || at(object, "roleRef.name") !== "cluster-admin") return [];
        const allowed = strings(params.allowedSubjects);
        const findings: Finding[] = [];
        for (const s of subjectsOf(object)) {
            // A service account whose namespace is not known yet may be an allowed one.
            if (
                s.kind === "ServiceAccount" &&
                s.namespaceUnknown &&
                allowed.some((e) => e.startsWith("ServiceAccount:") && e.endsWith(`/${s.name}`))
            )
                continue;
            if (allowed.includes(subjectId(s))) continue;
            findings.push({
                message: `${subject(object)}: binds cluster-admin to ${show(subjectId(s))} (subjects[${s.index}]), which is not in allowedSubjects; bind a least-privilege role instead.`,
                path: `subjects[${s.index}]`,
            });
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "allowedSubjects", expression: "has(variables.params.allowedSubjects) ? variables.params.allowedSubjects : []" },
            {
                name: "clusterAdmin",
                expression:
                    "has(object.roleRef) && type(object.roleRef) == map && has(object.roleRef.kind) && object.roleRef.kind == 'ClusterRole' && " +
                    "has(object.roleRef.name) && object.roleRef.name == 'cluster-admin'",
            },
            {
                name: "denied",
                expression: `${CEL_SUBJECTS}.filter(s, !((${CEL_SUBJECT_ID}) in variables.allowedSubjects))`,
            },
        ],
        validations: [
            {
                expression: "!variables.clusterAdmin || size(variables.denied) == 0",
                messageExpression:
                    `${CEL_SUBJECT} + ': binds cluster-admin to ' + string(size(variables.denied)) + ' subject(s) not in allowedSubjects; ` +
                    `bind a least-privilege role instead'`,
            },
        ],
    },
});
