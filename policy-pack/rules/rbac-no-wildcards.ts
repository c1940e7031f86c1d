// CIS Kubernetes 5.1.3: `*` grants what exists now and every resource, verb or API group added later
// (custom resources included). TypeScript `check` for CrossGuard, CEL for Gatekeeper, from lib/rbac.ts.
import { Finding } from "../catalogue/types";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { ALLOWED_ROLES_SCHEMA, celListOf, describeRule, isAllowedRole, policyRulesOf, ROLE_MATCH, RoleAccessParams } from "../lib/rbac";

export const rule = kubernetesRule<RoleAccessParams>({
    id: "rbac-no-wildcards",
    title: "Roles name their verbs, resources and API groups",
    description:
        'A Role or ClusterRole must not use the wildcard `"*"` in a rule\'s `verbs`, `resources` or `apiGroups`: it grants every present ' +
        "and future verb, resource or group (new custom resources included), usually far more than intended. `*/<subresource>` names one " +
        "subresource and is not reported here. Roles that need it (a GitOps controller managing any kind) are listed in `allowedRoles` " +
        "with their reason.",
    severity: "high",
    remediation: "List the verbs, resources and API groups the workload uses (`kubectl auth can-i --list` and audit logs show them).",
    frameworks: [cisK8s("5.1.3"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.2")],
    defaultEnforcement: "advisory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedRoles: [] },
    paramsSchema: { allowedRoles: ALLOWED_ROLES_SCHEMA },
    match: ROLE_MATCH,
    check(object, params) {
        if (isAllowedRole(object, params.allowedRoles)) return [];
        const findings: Finding[] = [];
        for (const r of policyRulesOf(object)) {
            const wild = (["verbs", "resources", "apiGroups"] as const).filter((field) => r[field].includes("*"));
            if (wild.length === 0) continue;
            findings.push({
                message: `${subject(object)}: rules[${r.index}] uses "*" in ${wild.join(", ")} (${describeRule(r)}); list what the workload needs instead.`,
                path: `rules[${r.index}]`,
            });
        }
        return findings;
    },
    cel: {
        variables: [
            { name: "rules", expression: `${celListOf("object.rules")}.filter(r, type(r) == map)` },
            {
                name: "roleId",
                expression:
                    "object.kind == 'ClusterRole' ? (has(object.metadata.name) ? object.metadata.name : '') : " +
                    "((has(object.metadata.namespace) ? object.metadata.namespace : 'default') + '/' + (has(object.metadata.name) ? object.metadata.name : ''))",
            },
            { name: "allowedRoles", expression: "has(variables.params.allowedRoles) ? variables.params.allowedRoles : []" },
            {
                name: "wild",
                expression: `variables.rules.filter(r, '*' in ${celListOf("r.verbs")} || '*' in ${celListOf("r.resources")} || '*' in ${celListOf("r.apiGroups")})`,
            },
        ],
        validations: [
            {
                expression: "variables.roleId in variables.allowedRoles || size(variables.wild) == 0",
                messageExpression:
                    `${CEL_SUBJECT} + ': ' + string(size(variables.wild)) + ' rule(s) use * in verbs, resources or apiGroups; ` +
                    `list what the workload needs instead'`,
            },
        ],
    },
});
