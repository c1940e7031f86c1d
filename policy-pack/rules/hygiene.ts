// Hygiene rules: ownership labels for inventory, and no API credentials in pods that do not need them.
// TypeScript `check` for CrossGuard, CEL for Gatekeeper; the agreement test holds both to the corpus.
import { CommonK8sParams, Finding, isUnknown, K8sObject, KubernetesRule, Rule } from "../catalogue/types";
import { containersOf, Json, POD_BEARING_MATCH, POD_CEL_VARIABLES, podSpecOf } from "../catalogue/workloads";
import { asRecord, at, hasKey, isRecord, own, show, str, strings } from "../catalogue/view";
import { CEL_SUBJECT, subject as describeObject } from "./messages";

// ---- metadata-required-labels ------------------------------------------------------------------------

export interface RequiredLabel {
    key: string;
    /** The whole value must match (the rule anchors it); empty: any value. RE2 and JavaScript common subset only. */
    allowedRegex?: string;
}

export interface RequiredLabelsParams extends CommonK8sParams {
    labels: RequiredLabel[];
}

/** Where labels live on the object: its own, and those its controllers copy onto the objects they create. */
interface LabelSet {
    path: string;
    labels: unknown;
}

/**
 * The label maps the rule checks. A set whose labels, or any object on the way to them (metadata, spec,
 * template, jobTemplate), is unknown at preview comes back as unknown: no finding for it.
 */
function labelSetsOf(object: K8sObject): LabelSet[] {
    const sets: LabelSet[] = [{ path: "metadata.labels", labels: at(object, "metadata.labels") }];
    if (object.kind !== "Pod" && object.kind !== "Service") {
        // Pods (and ReplicaSets) get the template's labels, and Gatekeeper checks those pods too.
        const templatePath = object.kind === "CronJob" ? "spec.jobTemplate.spec.template" : "spec.template";
        const template = at(object, templatePath);
        // No pod template at all (not a workload shape): nothing the controllers would copy.
        if (isUnknown(template) || podSpecOf(object)) sets.push({ path: `${templatePath}.metadata.labels`, labels: at(template, "metadata.labels") });
    }
    // Jobs a CronJob creates get jobTemplate.metadata.labels.
    if (object.kind === "CronJob") sets.push({ path: "spec.jobTemplate.metadata.labels", labels: at(object, "spec.jobTemplate.metadata.labels") });
    return sets;
}

/** Compiled allowedRegex patterns (config, not user data), shared across resources. */
const patterns = new Map<string, RegExp | undefined>();

function allowedPattern(source: string): RegExp | undefined {
    if (!patterns.has(source)) {
        let pattern: RegExp | undefined;
        try {
            pattern = new RegExp(`^(?:${source})$`);
        } catch {
            pattern = undefined;
        }
        if (patterns.size > 256) patterns.clear();
        patterns.set(source, pattern);
    }
    return patterns.get(source);
}

/** Longest label value Kubernetes accepts; a longer one is never matched against the pattern. */
const MAX_LABEL_VALUE = 63;

function labelProblem(labels: Json, required: RequiredLabel): string | undefined {
    const key = str(own(required, "key"));
    if (key === undefined) return undefined;
    if (!hasKey(labels, key)) return `is missing label "${show(key)}"`;
    const value = own(labels, key);
    const allowedRegex = str(own(required, "allowedRegex"));
    if (isUnknown(value) || !allowedRegex) return undefined;
    if (typeof value !== "string") return `has label "${show(key)}" = ${show(value)}, which is not a string`;
    const pattern = allowedPattern(allowedRegex);
    if (!pattern) return `cannot be checked: allowedRegex "${show(allowedRegex)}" of label "${show(key)}" is not a valid regular expression`;
    // Bounded input for a pattern from the config: Kubernetes label values are at most 63 characters.
    if (value.length > MAX_LABEL_VALUE) return `has label "${show(key)}" with a value longer than ${MAX_LABEL_VALUE} characters (not a valid label value)`;
    return pattern.test(value) ? undefined : `has label "${show(key)}" = "${show(value)}", which does not match ^(?:${show(allowedRegex)})$`;
}

/** CEL: `labels` (a map expression) carries label `l` with an allowed value. */
function celLabelOk(labels: string): string {
    return `(l.key in ${labels} && (!has(l.allowedRegex) || l.allowedRegex == '' || ${labels}[l.key].matches('^(?:' + l.allowedRegex + ')$')))`;
}

function celLabelValidation(labels: string, path: string, applies: string) {
    const missing = `variables.requiredLabels.filter(l, !${celLabelOk(labels)})`;
    return {
        expression: `!(${applies}) || variables.requiredLabels.all(l, ${celLabelOk(labels)})`,
        messageExpression: `${CEL_SUBJECT} + ': ${path} needs label \"' + ${missing}[0].key + '\" with an allowed value'`,
    };
}

const requiredLabels: KubernetesRule<RequiredLabelsParams> = {
    id: "metadata-required-labels",
    target: "kubernetes",
    title: "Workloads and Services carry the required ownership labels",
    description:
        "Pod-bearing objects and Services must carry every label in `labels`; with `allowedRegex` the whole value must match (the rule anchors the " +
        "pattern; write RE2/JavaScript common syntax: no lookaround, no backreferences). Workloads must carry them on their pod template too " +
        "(spec.template.metadata.labels; a CronJob also on spec.jobTemplate.metadata), because the pods and jobs their controllers create inherit " +
        "those labels and are checked at admission. Namespaces are not checked: the platform's namespace baseline labels them.",
    severity: "low",
    remediation:
        "Add the labels to metadata.labels and to the pod template's metadata.labels, e.g. `app.kubernetes.io/name: <app>` and " +
        "`app.kubernetes.io/part-of: <system>` (most Helm charts set them from the release).",
    frameworks: [
        { framework: "NIST-800-53", control: "CM-8" },
        { framework: "NIST-800-53", control: "CM-2" },
        { framework: "SOC2", control: "CC8.1" },
        { framework: "PCI-DSS", control: "12.5.1" },
    ],
    // Advisory: third-party charts label inconsistently; the labels feed inventory and dashboards, not a security boundary.
    defaultEnforcement: "advisory",
    defaultParams: {
        exemptNamespaces: [],
        exemptImages: [],
        labels: [
            { key: "app.kubernetes.io/name", allowedRegex: "" },
            { key: "app.kubernetes.io/part-of", allowedRegex: "" },
        ],
    },
    paramsSchema: {
        labels: {
            type: "array",
            description: "Required labels; allowedRegex (anchored by the rule, empty = any value) constrains the value.",
            items: {
                type: "object",
                properties: { key: { type: "string" }, allowedRegex: { type: "string" } },
                additionalProperties: false,
            },
        },
    },
    gatekeeperKind: "SgMetadataRequiredLabels",
    match: [...POD_BEARING_MATCH, { apiGroups: [""], kinds: ["Service"] }],
    check(object, params) {
        const findings: Finding[] = [];
        const required = Array.isArray(params.labels) ? params.labels.filter(isRecord) : [];
        for (const set of labelSetsOf(object)) {
            if (isUnknown(set.labels)) continue;
            // Absent labels: every required one is missing. Malformed (not a map): the API server rejects it.
            const labels = set.labels === undefined ? {} : asRecord(set.labels);
            if (!labels) continue;
            for (const label of required) {
                const problem = labelProblem(labels, label);
                if (problem) findings.push({ message: `${describeObject(object)}: ${set.path} ${problem}; add it with an allowed value.`, path: `${set.path}["${show(label.key)}"]` });
            }
        }
        return findings;
    },
    cel: {
        variables: [
            ...POD_CEL_VARIABLES,
            { name: "requiredLabels", expression: "has(variables.params.labels) ? variables.params.labels : []" },
            { name: "ownLabels", expression: "has(object.metadata.labels) ? object.metadata.labels : {}" },
            { name: "templateLabels", expression: "has(variables.podMeta.labels) ? variables.podMeta.labels : {}" },
            {
                name: "jobLabels",
                expression:
                    "object.kind == 'CronJob' && has(object.spec.jobTemplate.metadata) && has(object.spec.jobTemplate.metadata.labels) ? " +
                    "object.spec.jobTemplate.metadata.labels : {}",
            },
        ],
        validations: [
            celLabelValidation("variables.ownLabels", "metadata.labels", "true"),
            celLabelValidation("variables.templateLabels", "the pod template metadata.labels", "object.kind != 'Pod' && object.kind != 'Service'"),
            celLabelValidation("variables.jobLabels", "spec.jobTemplate.metadata.labels", "object.kind == 'CronJob'"),
        ],
    },
};

// ---- pods-no-automount-service-account-token ---------------------------------------------------------

export interface NoAutomountParams extends CommonK8sParams {
    /** Service accounts whose pods need the API token: `name` (any namespace) or `namespace/name`. */
    allowedServiceAccounts: string[];
}

const noAutomount: KubernetesRule<NoAutomountParams> = {
    id: "pods-no-automount-service-account-token",
    target: "kubernetes",
    title: "Pods do not mount a service account token unless they need the API",
    description:
        "The pod spec must set `automountServiceAccountToken: false`; an absent field means true. Pods running as a service account in " +
        "`allowedServiceAccounts` (`name` or `namespace/name`; no serviceAccountName means `default`, no namespace means `default`) are exempt, " +
        "for controllers that call the Kubernetes API (e.g. Argo CD's application controller). The pod-level field is required even when the " +
        "ServiceAccount disables automounting, because neither Gatekeeper nor CrossGuard sees the ServiceAccount when checking the pod. " +
        "A pod whose containers all use exempt images is skipped.",
    severity: "medium",
    remediation:
        "Set `automountServiceAccountToken: false` in the pod spec. If the workload calls the Kubernetes API, add its service account to " +
        "`allowedServiceAccounts` and bind it to least-privilege RBAC. No automatic fix: turning the token off breaks pods that use it.",
    frameworks: [
        { framework: "CIS-Kubernetes", control: "5.1.6" },
        { framework: "NIST-800-53", control: "AC-6" },
        { framework: "NIST-800-53", control: "IA-5" },
        { framework: "SOC2", control: "CC6.1" },
        { framework: "SOC2", control: "CC6.3" },
        { framework: "PCI-DSS", control: "7.2.5" },
    ],
    // Advisory: many upstream charts (and every pod that needs the API) do not set the field; enforce per stack once allow-listed.
    defaultEnforcement: "advisory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedServiceAccounts: [] },
    paramsSchema: {
        allowedServiceAccounts: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Service accounts (name, or namespace/name) whose pods may mount the API token.",
        },
    },
    gatekeeperKind: "SgPodsNoAutomountServiceAccountToken",
    match: POD_BEARING_MATCH,
    check(object, params) {
        const pod = podSpecOf(object);
        if (!pod || containersOf(object, params.exemptImages).length === 0) return [];
        const automount = own(pod.spec, "automountServiceAccountToken");
        if (automount === false || isUnknown(automount)) return [];
        const serviceAccount = own(pod.spec, "serviceAccountName") ?? own(pod.spec, "serviceAccount") ?? "default";
        const metadata = own(object, "metadata");
        const namespace = isUnknown(metadata) ? metadata : (own(metadata, "namespace") ?? "default");
        const allowed = strings(params.allowedServiceAccounts);
        if (isUnknown(serviceAccount)) return [];
        // Malformed (not a string): the API server rejects it; nothing to judge.
        if (typeof serviceAccount !== "string") return [];
        // With an unknown namespace only a namespace-qualified entry could still match: do not guess.
        if (isUnknown(namespace) && allowed.some((entry) => entry.endsWith(`/${serviceAccount}`))) return [];
        if (allowed.includes(serviceAccount) || (typeof namespace === "string" && allowed.includes(`${namespace}/${serviceAccount}`))) return [];
        return [
            {
                message:
                    `${describeObject(object)}: pod (service account "${show(serviceAccount)}") mounts an API token because ${pod.path}.automountServiceAccountToken ` +
                    `is ${automount === undefined ? "not set (defaults to true)" : show(automount)}; set it to false, or allow-list the service account if the pod calls the Kubernetes API.`,
                path: `${pod.path}.automountServiceAccountToken`,
            },
        ];
    },
    cel: {
        variables: [
            ...POD_CEL_VARIABLES,
            {
                name: "serviceAccount",
                expression:
                    "has(variables.podSpec.serviceAccountName) ? variables.podSpec.serviceAccountName : " +
                    "(has(variables.podSpec.serviceAccount) ? variables.podSpec.serviceAccount : 'default')",
            },
            { name: "namespace", expression: "has(object.metadata.namespace) ? object.metadata.namespace : 'default'" },
            {
                name: "allowedServiceAccounts",
                expression: "has(variables.params.allowedServiceAccounts) ? variables.params.allowedServiceAccounts : []",
            },
        ],
        validations: [
            {
                expression:
                    "size(variables.containers) == 0 || " +
                    "(has(variables.podSpec.automountServiceAccountToken) && variables.podSpec.automountServiceAccountToken == false) || " +
                    "variables.serviceAccount in variables.allowedServiceAccounts || " +
                    "(variables.namespace + '/' + variables.serviceAccount) in variables.allowedServiceAccounts",
                messageExpression:
                    `${CEL_SUBJECT} + ': pod (service account \"' + variables.serviceAccount + '\") mounts an API token; ` +
                    `set automountServiceAccountToken: false in the pod spec, or allow-list the service account if it calls the Kubernetes API'`,
            },
        ],
    },
};

export const hygieneRules: Rule[] = [requiredLabels, noAutomount];
