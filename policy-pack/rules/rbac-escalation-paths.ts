// CIS Kubernetes 5.1.9-5.1.13: permissions that lead to cluster-admin or to the nodes without holding
// them (Kubernetes RBAC good practices, "escalation paths"). lib/rbac.ts holds the matching, both engines.
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { roleAccessRule } from "../lib/rbac";

const WRITE = ["create", "update", "patch", "delete", "deletecollection"];

export const rule = roleAccessRule({
    id: "rbac-escalation-paths",
    title: "Roles hold no privilege-escalation path",
    description:
        "A Role or ClusterRole must not grant: `create` on persistentvolumes (a hostPath volume onto the node, CIS 5.1.9); any verb on " +
        "`nodes/proxy` (the kubelet API, command execution in every pod of the node, unaudited, 5.1.10); `update`/`patch` on " +
        "`certificatesigningrequests/approval` (approving client certificates, e.g. for system:masters, 5.1.11); writes to " +
        "validating/mutating webhook configurations (intercepting or rewriting every admitted object, 5.1.12); `create` on " +
        "`serviceaccounts/token` (a token for any service account of the scope, 5.1.13). Wildcards count, `*/<subresource>` too; rules " +
        "limited to `resourceNames` are not reported.",
    severity: "high",
    remediation:
        "Remove the permission; a controller that needs one (a webhook's certificate job patching its own configuration, a CSR approver) " +
        "gets a role limited with `resourceNames`, or is allow-listed with its reason.",
    frameworks: [
        cisK8s("5.1.9"),
        cisK8s("5.1.10"),
        cisK8s("5.1.11"),
        cisK8s("5.1.12"),
        cisK8s("5.1.13"),
        nist("AC-6"),
        nist("AC-3"),
        soc2("CC6.1"),
        soc2("CC6.3"),
        pci("7.2.2"),
    ],
    defaultEnforcement: "advisory",
    accesses: [
        { what: "create on persistentvolumes", apiGroups: [""], resources: ["persistentvolumes"], verbs: ["create"] },
        { what: "access to nodes/proxy", apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get", "list", "watch", ...WRITE] },
        {
            what: "update/patch on certificatesigningrequests/approval",
            apiGroups: ["certificates.k8s.io"],
            resources: ["certificatesigningrequests/approval"],
            verbs: ["update", "patch"],
        },
        {
            what: "writes to admission webhook configurations",
            apiGroups: ["admissionregistration.k8s.io"],
            resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
            verbs: WRITE,
        },
        { what: "create on serviceaccounts/token", apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
    ],
    fix: "remove it, limit it with resourceNames, or allow-list a controller's role with its reason.",
});
