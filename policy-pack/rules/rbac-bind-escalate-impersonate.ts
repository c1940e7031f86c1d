// CIS Kubernetes 5.1.8: bind and escalate let a subject grant permissions it does not hold; impersonate lets
// it act as another user, group or service account. lib/rbac.ts holds the matching, both engines.
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { RBAC_GROUP, roleAccessRule } from "../lib/rbac";

export const rule = roleAccessRule({
    id: "rbac-bind-escalate-impersonate",
    title: "Roles do not bind, escalate or impersonate",
    description:
        "A Role or ClusterRole must not grant `bind` or `escalate` on roles/clusterroles (rbac.authorization.k8s.io), which bypass RBAC's " +
        "privilege-escalation prevention, nor `impersonate` on users, groups, serviceaccounts (core) or uids/userextras " +
        "(authentication.k8s.io). Wildcards count. A rule limited to `resourceNames` (e.g. bind only the `view` ClusterRole) is not " +
        "reported: that is the mitigation Kubernetes' RBAC good practices recommend.",
    severity: "high",
    remediation:
        "Remove the verbs, or limit the rule to the roles or identities needed with `resourceNames`; allow-list a controller's role " +
        "that needs it, with its reason.",
    frameworks: [cisK8s("5.1.8"), nist("AC-6"), nist("AC-2"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.2")],
    defaultEnforcement: "advisory",
    accesses: [
        { what: "bind on roles/clusterroles", apiGroups: [RBAC_GROUP], resources: ["roles", "clusterroles"], verbs: ["bind"] },
        { what: "escalate on roles/clusterroles", apiGroups: [RBAC_GROUP], resources: ["roles", "clusterroles"], verbs: ["escalate"] },
        {
            what: "impersonate on users/groups/serviceaccounts",
            apiGroups: [""],
            resources: ["users", "groups", "serviceaccounts"],
            verbs: ["impersonate"],
        },
        {
            what: "impersonate on uids/userextras",
            apiGroups: ["authentication.k8s.io"],
            resources: ["uids", "userextras"],
            verbs: ["impersonate"],
        },
    ],
    fix: "remove it, or limit it with resourceNames.",
});
