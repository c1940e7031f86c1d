// CIS Kubernetes 5.1.2: reading Secrets is reading every credential in their scope (service account tokens
// included, on older clusters). TypeScript and CEL from lib/rbac.ts; the corpus beside this file holds both.
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { roleAccessRule } from "../lib/rbac";

export const rule = roleAccessRule({
    id: "rbac-secrets-read",
    title: "Roles do not read Secrets broadly",
    description:
        "A Role or ClusterRole must not grant `get`, `list` or `watch` on `secrets` (core group) for every Secret in its scope: `list` and " +
        "`watch` return the Secrets' contents, and `get` on any name reads any of them. Wildcards count (`*` verbs, resources or apiGroups). " +
        "A rule limited to `resourceNames` reads only those Secrets and is not reported. Controllers that need it are listed in " +
        "`allowedRoles` (ClusterRoles by name, Roles as namespace/name) with their reason.",
    severity: "high",
    remediation:
        "Limit the rule to the Secrets the workload needs with `resourceNames`, or mount the Secret into the pod instead of reading it " +
        "through the API; if a controller needs it, add the role to `allowedRoles` with its reason.",
    frameworks: [cisK8s("5.1.2"), nist("AC-6"), nist("AC-3"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.2")],
    defaultEnforcement: "advisory",
    accesses: [{ what: "get/list/watch on secrets", apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }],
    fix: "limit it to resourceNames, or allow-list the role if a controller needs it.",
});
