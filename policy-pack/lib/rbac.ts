// What RBAC objects grant, read the way the Kubernetes RBAC authorizer matches a request against a
// PolicyRule (k8s.io/kubernetes pkg/apis/rbac/v1 evaluation helpers): `*` in verbs, apiGroups or resources
// matches everything; a resource `*/<sub>` matches that subresource of any resource; a rule with
// resourceNames only matches requests naming one of them, so it never grants `create` or a list of
// everything. The rules over Roles/ClusterRoles and over bindings share this file, TypeScript and CEL twins.
import { CommonK8sParams, Finding, isUnknown, K8sObject, KindMatch, KubernetesRule, UNKNOWN_SENTINEL } from "../catalogue/types";
import { knownStr, own, show, strings } from "../catalogue/view";
import { kubernetesRule, KubernetesRuleSpec } from "./define-rule";
import { CEL_SUBJECT, subject } from "./messages";
import { celList, celString } from "./pod-field-checks";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const ROLE_MATCH: KindMatch[] = [{ apiGroups: [RBAC_GROUP], kinds: ["ClusterRole", "Role"] }];
export const BINDING_MATCH: KindMatch[] = [{ apiGroups: [RBAC_GROUP], kinds: ["ClusterRoleBinding", "RoleBinding"] }];

/** One PolicyRule as far as it is known: lists of known strings; `scoped` when it names resourceNames. */
export interface PolicyRuleView {
    index: number;
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    scoped: boolean;
}

/** A list of known strings; undefined when the list itself is not known yet (the rule cannot be judged). */
function knownList(value: unknown): string[] | undefined {
    if (isUnknown(value)) return undefined;
    // Unknown entries could only add to what the rule grants: they never make a finding, known ones still do.
    return strings(value).filter((entry) => !isUnknown(entry));
}

/**
 * The PolicyRules of a Role/ClusterRole. Entries that are not objects (malformed) are skipped, as are
 * entries whose lists are unknown at preview; a list of the wrong type grants nothing (the API server
 * would refuse the object).
 */
export function policyRulesOf(object: K8sObject): PolicyRuleView[] {
    const rules = own(object, "rules");
    if (!Array.isArray(rules)) return [];
    const views: PolicyRuleView[] = [];
    rules.forEach((rule: unknown, index) => {
        if (rule === null || typeof rule !== "object" || Array.isArray(rule)) return;
        const apiGroups = knownList(own(rule, "apiGroups"));
        const resources = knownList(own(rule, "resources"));
        const verbs = knownList(own(rule, "verbs"));
        const names = own(rule, "resourceNames");
        // Unknown resourceNames may narrow the rule to named objects: it cannot be judged.
        if (!apiGroups || !resources || !verbs || isUnknown(names)) return;
        views.push({ index, apiGroups, resources, verbs, scoped: Array.isArray(names) && names.length > 0 });
    });
    return views;
}

/** Access to look for: any of these verbs on any of these resources (`pods`, `nodes/proxy`) in any of these groups. */
export interface Access {
    /** How the finding names it, e.g. `get/list/watch on secrets`. */
    what: string;
    apiGroups: readonly string[];
    resources: readonly string[];
    verbs: readonly string[];
}

/** The resource entries of a rule that match `resources`: the names themselves, a lone star, and star-slash-subresource. */
export function matchingResourceEntries(resources: readonly string[]): string[] {
    const entries = new Set<string>(["*", ...resources]);
    for (const resource of resources) {
        const slash = resource.indexOf("/");
        if (slash > 0) entries.add(`*/${resource.slice(slash + 1)}`);
    }
    return [...entries];
}

/** True when the rule grants some of the access (not scoped to resourceNames). */
export function grants(rule: PolicyRuleView, access: Access): boolean {
    if (rule.scoped) return false;
    const resourceEntries = matchingResourceEntries(access.resources);
    return (
        rule.apiGroups.some((g) => g === "*" || access.apiGroups.includes(g)) &&
        rule.resources.some((r) => resourceEntries.includes(r)) &&
        rule.verbs.some((v) => v === "*" || access.verbs.includes(v))
    );
}

/**
 * `path` when it is a list, else the empty list. A chart may render `rules: null` or `verbs: null`, which the API
 * server reads as absent; CEL would fail on it (and Gatekeeper counts a failing expression as a violation).
 */
export function celListOf(path: string): string {
    return `(has(${path}) && type(${path}) == list ? ${path} : [])`;
}

/** The same test in CEL over the rule `r`. */
export function celGrants(access: Access, r = "r"): string {
    return (
        `size(${celListOf(`${r}.resourceNames`)}) == 0 && ` +
        `${celListOf(`${r}.apiGroups`)}.exists(g, g == '*' || g in ${celList([...access.apiGroups])}) && ` +
        `${celListOf(`${r}.resources`)}.exists(x, x in ${celList(matchingResourceEntries(access.resources))}) && ` +
        `${celListOf(`${r}.verbs`)}.exists(v, v == '*' || v in ${celList([...access.verbs])})`
    );
}

/**
 * `name` for a ClusterRole, `namespace/name` for a Role (no namespace: `default`), as `allowedRoles` names
 * them; the unknown sentinel when the name or namespace is not known yet; undefined when malformed.
 */
export function roleId(object: K8sObject): string | undefined {
    const metadata = own(object, "metadata");
    const name = own(metadata, "name");
    if (isUnknown(metadata) || isUnknown(name)) return UNKNOWN_SENTINEL;
    if (typeof name !== "string") return undefined;
    if (own(object, "kind") === "ClusterRole") return name;
    const namespace = own(metadata, "namespace");
    if (isUnknown(namespace)) return UNKNOWN_SENTINEL;
    return `${typeof namespace === "string" ? namespace : "default"}/${name}`;
}

/** True when `allowedRoles` lets this role hold the access (an unknown role may be an allowed one). */
export function isAllowedRole(object: K8sObject, allowedRoles: unknown): boolean {
    const allowed = strings(allowedRoles);
    const id = roleId(object);
    return isUnknown(id) ? allowed.length > 0 : id !== undefined && allowed.includes(id);
}

const CEL_ROLE_ID =
    "object.kind == 'ClusterRole' ? (has(object.metadata.name) ? object.metadata.name : '') : " +
    "((has(object.metadata.namespace) ? object.metadata.namespace : 'default') + '/' + (has(object.metadata.name) ? object.metadata.name : ''))";

export interface RoleAccessParams extends CommonK8sParams {
    /** ClusterRoles by name and Roles as `namespace/name` that may hold this access. */
    allowedRoles: string[];
}

export const ALLOWED_ROLES_SCHEMA = {
    type: "array" as const,
    items: { type: "string" as const },
    default: [],
    description:
        "ClusterRoles (by name) and Roles (as namespace/name) allowed this access: controllers that need it, each with its reason in the platform's exemptions.",
};

/**
 * A rule over Roles and ClusterRoles that reports every PolicyRule granting one of `accesses`, unless the
 * role is in `allowedRoles`. One finding per offending PolicyRule, at `rules[<i>]`.
 */
export function roleAccessRule(
    spec: Omit<KubernetesRuleSpec<RoleAccessParams>, "match" | "check" | "cel" | "defaultParams" | "paramsSchema"> & {
        accesses: readonly Access[];
        /** The fix, appended to each finding. */
        fix: string;
    },
): KubernetesRule<RoleAccessParams> {
    const { accesses, fix, ...metadata } = spec;
    return kubernetesRule<RoleAccessParams>({
        ...metadata,
        match: ROLE_MATCH,
        defaultParams: { exemptNamespaces: [], exemptImages: [], allowedRoles: [] },
        paramsSchema: { allowedRoles: ALLOWED_ROLES_SCHEMA },
        check(object, params) {
            // An unknown name (or namespace) may be an allowed role; with none allowed it excuses nothing.
            if (isAllowedRole(object, params.allowedRoles)) return [];
            const findings: Finding[] = [];
            for (const rule of policyRulesOf(object)) {
                const granted = accesses.filter((access) => grants(rule, access)).map((access) => access.what);
                if (granted.length === 0) continue;
                findings.push({
                    message: `${subject(object)}: rules[${rule.index}] grants ${granted.join("; ")} (${describeRule(rule)}); ${fix}`,
                    path: `rules[${rule.index}]`,
                });
            }
            return findings;
        },
        cel: {
            variables: [
                { name: "rules", expression: `${celListOf("object.rules")}.filter(r, type(r) == map)` },
                { name: "roleId", expression: CEL_ROLE_ID },
                { name: "allowedRoles", expression: "has(variables.params.allowedRoles) ? variables.params.allowedRoles : []" },
                {
                    name: "offending",
                    expression: `variables.rules.filter(r, ${accesses.map((a) => `(${celGrants(a)})`).join(" || ")})`,
                },
            ],
            validations: [
                {
                    expression: "variables.roleId in variables.allowedRoles || size(variables.offending) == 0",
                    messageExpression:
                        `${CEL_SUBJECT} + ': ' + string(size(variables.offending)) + ' rule(s) grant ' + ` +
                        `${celString(accesses.map((a) => a.what).join(" or "))} + ${celString(`; ${fix}`)}`,
                },
            ],
        },
    });
}

/** `verbs [get list] on resources [secrets] in apiGroups [""]`, bounded. */
export function describeRule(rule: PolicyRuleView): string {
    const list = (values: string[]): string =>
        `[${values
            .slice(0, 8)
            .map((v) => (v === "" ? '""' : show(v)))
            .join(" ")}${values.length > 8 ? ` ... ${values.length - 8} more` : ""}]`;
    return `verbs ${list(rule.verbs)} on resources ${list(rule.resources)} in apiGroups ${list(rule.apiGroups)}`;
}

/** A binding subject as far as it is known. */
export interface SubjectView {
    index: number;
    kind: string;
    name: string;
    /** ServiceAccounts: the subject's namespace (a RoleBinding's own when not set). */
    namespace?: string;
    /** The namespace is not known yet (the subject's, or the binding's it falls back to). */
    namespaceUnknown: boolean;
}

/** The subjects of a binding whose kind and name are known strings (others are skipped: unknown or malformed). */
export function subjectsOf(object: K8sObject): SubjectView[] {
    const subjects = own(object, "subjects");
    if (!Array.isArray(subjects)) return [];
    const metadata = own(object, "metadata");
    const rawBindingNamespace = own(metadata, "namespace");
    const bindingNamespaceUnknown = isUnknown(metadata) || isUnknown(rawBindingNamespace);
    const bindingNamespace = knownStr(rawBindingNamespace);
    const views: SubjectView[] = [];
    subjects.forEach((s: unknown, index) => {
        const kind = knownStr(own(s, "kind"));
        const name = knownStr(own(s, "name"));
        if (kind === undefined || name === undefined) return;
        const rawNamespace = own(s, "namespace");
        // Absent, empty, null (or malformed): the binding's namespace, as the CEL reads it.
        const inherits = typeof rawNamespace !== "string" || rawNamespace === "";
        const namespace = inherits ? bindingNamespace : knownStr(rawNamespace);
        const namespaceUnknown = inherits ? bindingNamespaceUnknown : isUnknown(rawNamespace);
        views.push({ index, kind, name, namespaceUnknown, ...(namespace !== undefined ? { namespace } : {}) });
    });
    return views;
}

/** How `allowedSubjects` names a subject: `User:alice`, `Group:admins`, `ServiceAccount:argocd/argocd-server`. */
export function subjectId(s: SubjectView): string {
    return s.kind === "ServiceAccount" ? `ServiceAccount:${s.namespace ?? ""}/${s.name}` : `${s.kind}:${s.name}`;
}

/** The same id in CEL for the subject `s` of the object. */
/** The subjects of a binding whose kind and name are strings (null or malformed ones are skipped, as in subjectsOf). */
export const CEL_SUBJECTS = `${celListOf("object.subjects")}.filter(s, type(s) == map && has(s.kind) && type(s.kind) == string && has(s.name) && type(s.name) == string)`;

export const CEL_SUBJECT_ID =
    "s.kind == 'ServiceAccount' ? 'ServiceAccount:' + (has(s.namespace) && type(s.namespace) == string && s.namespace != '' ? s.namespace : " +
    "(has(object.metadata.namespace) ? object.metadata.namespace : '')) + '/' + s.name : s.kind + ':' + s.name";
