// Hygiene rule. TypeScript `check` for CrossGuard, CEL for Gatekeeper; test/cel-agreement.test.ts holds both to
// the corpus beside this file.
import { CommonK8sParams, Finding, isUnknown, K8sObject } from "../catalogue/types";
import { asRecord, at, hasKey, isRecord, own, show, str } from "../catalogue/view";
import { Json, POD_BEARING_MATCH, POD_CEL_VARIABLES, podSpecOf } from "../catalogue/workloads";
import { kubernetesRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

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
        const templatePath =
            object.kind === "CronJob" ? "spec.jobTemplate.spec.template" : object.kind === "PodTemplate" ? "template" : "spec.template";
        const template = at(object, templatePath);
        // No pod template at all (not a workload shape): nothing the controllers would copy.
        if (isUnknown(template) || podSpecOf(object))
            sets.push({ path: `${templatePath}.metadata.labels`, labels: at(template, "metadata.labels") });
    }
    // Jobs a CronJob creates get jobTemplate.metadata.labels.
    if (object.kind === "CronJob")
        sets.push({ path: "spec.jobTemplate.metadata.labels", labels: at(object, "spec.jobTemplate.metadata.labels") });
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
        // Stryker disable next-line EqualityOperator,ConditionalExpression: bounds the cache only; clearing it earlier, later or never returns the same patterns
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
    if (!pattern)
        return `cannot be checked: allowedRegex "${show(allowedRegex)}" of label "${show(key)}" is not a valid regular expression`;
    // Bounded input for a pattern from the config: Kubernetes label values are at most 63 characters.
    if (value.length > MAX_LABEL_VALUE)
        return `has label "${show(key)}" with a value longer than ${MAX_LABEL_VALUE} characters (not a valid label value)`;
    return pattern.test(value)
        ? undefined
        : `has label "${show(key)}" = "${show(value)}", which does not match ^(?:${show(allowedRegex)})$`;
}

/** CEL: `labels` (a map expression) carries label `l` with an allowed value. */
function celLabelOk(labels: string): string {
    return `(l.key in ${labels} && (!has(l.allowedRegex) || l.allowedRegex == '' || ${labels}[l.key].matches('^(?:' + l.allowedRegex + ')$')))`;
}

function celLabelValidation(labels: string, path: string, applies: string) {
    const missing = `variables.requiredLabels.filter(l, !${celLabelOk(labels)})`;
    return {
        expression: `!(${applies}) || variables.requiredLabels.all(l, ${celLabelOk(labels)})`,
        messageExpression: `${CEL_SUBJECT} + ': ${path} needs label "' + ${missing}[0].key + '" with an allowed value'`,
    };
}

export const rule = kubernetesRule<RequiredLabelsParams>({
    id: "metadata-required-labels",
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
    frameworks: [nist("CM-8"), nist("CM-2"), soc2("CC8.1"), pci("12.5.1")],
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
                if (problem)
                    findings.push({
                        message: `${describeObject(object)}: ${set.path} ${problem}; add it with an allowed value.`,
                        path: `${set.path}["${show(label.key)}"]`,
                    });
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
            celLabelValidation(
                "variables.templateLabels",
                "the pod template metadata.labels",
                "object.kind != 'Pod' && object.kind != 'Service'",
            ),
            celLabelValidation("variables.jobLabels", "spec.jobTemplate.metadata.labels", "object.kind == 'CronJob'"),
        ],
    },
});
