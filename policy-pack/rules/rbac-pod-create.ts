// CIS Kubernetes 5.1.4: whoever can create pods (directly or through a workload controller) can run any image
// with any service account of the namespace and mount its Secrets. lib/rbac.ts holds the matching, both engines.
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { roleAccessRule } from "../lib/rbac";

export const rule = roleAccessRule({
    id: "rbac-pod-create",
    title: "Roles do not create pods or workloads",
    description:
        "A Role or ClusterRole must not grant `create` on `pods` or on the workload kinds that create pods (Deployments, ReplicaSets, " +
        "StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers): a pod runs as any service account of its namespace and mounts " +
        "any Secret, ConfigMap or volume there (Kubernetes RBAC good practices, workload creation). Wildcards count. Deploying is the GitOps " +
        "controller's job: list it in `allowedRoles` with its reason.",
    severity: "high",
    remediation:
        "Remove `create` on pods and workloads from the role; let the GitOps controller (Argo CD) create workloads from Git, and allow-list " +
        "only its role.",
    frameworks: [cisK8s("5.1.4"), nist("AC-6"), nist("CM-5"), soc2("CC6.1"), soc2("CC8.1"), pci("7.2.2")],
    defaultEnforcement: "advisory",
    accesses: [
        { what: "create on pods", apiGroups: [""], resources: ["pods"], verbs: ["create"] },
        { what: "create on replicationcontrollers", apiGroups: [""], resources: ["replicationcontrollers"], verbs: ["create"] },
        {
            what: "create on apps workloads",
            apiGroups: ["apps"],
            resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
            verbs: ["create"],
        },
        { what: "create on batch workloads", apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["create"] },
    ],
    fix: "remove it, or allow-list the role of the controller that deploys.",
});
