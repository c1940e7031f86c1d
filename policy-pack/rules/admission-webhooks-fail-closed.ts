// Admission webhooks that fail open, or skip namespaces by name, let objects through unchecked: the first
// when the webhook's service is down or slow, the second always. TypeScript `check` for CrossGuard, CEL for
// Gatekeeper; the corpus beside this file holds both.
import { CommonK8sParams, Finding, isUnknown } from "../catalogue/types";
import { at, own, show, strings } from "../catalogue/view";
import { kubernetesRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { celListOf } from "../lib/rbac";

export interface WebhooksFailClosedParams extends CommonK8sParams {
    /** True where failing open is an accepted trade-off (dev: the stack's `webhookFailurePolicy: Ignore`). */
    allowFailOpen: boolean;
    /** Namespaces a webhook may exclude by name (e.g. the webhook's own, so it can repair itself). */
    allowedExcludedNamespaces: string[];
}

const NAME_LABEL = "kubernetes.io/metadata.name";
const V1BETA1 = "admissionregistration.k8s.io/v1beta1";

export const rule = kubernetesRule<WebhooksFailClosedParams>({
    id: "admission-webhooks-fail-closed",
    title: "Admission webhooks fail closed and skip no namespace by name",
    description:
        "Each webhook of a ValidatingWebhookConfiguration or MutatingWebhookConfiguration must not set `failurePolicy: Ignore` (in " +
        "admissionregistration.k8s.io/v1 an absent failurePolicy is `Fail`; in the removed v1beta1 it was `Ignore`): with Ignore, a " +
        "request is admitted unchecked whenever the webhook errors or times out. Its `namespaceSelector` must not exclude namespaces by " +
        `name (\`${NAME_LABEL}\` NotIn) other than those in \`allowedExcludedNamespaces\` (e.g. the webhook's own namespace, so it can be ` +
        "repaired). `allowFailOpen` is for development stacks that chose to fail open (the platform sets it from the stack's " +
        "`webhookFailurePolicy`, which prod refuses to open). Selectors on other labels (opt-out labels) are not judged here.",
    severity: "high",
    remediation:
        "Set `failurePolicy: Fail` and run the webhook with replicas and a PodDisruptionBudget; exclude only the webhook's own namespace " +
        "(and list it in `allowedExcludedNamespaces`).",
    frameworks: [nist("SI-7"), nist("CM-7"), nist("SC-24"), soc2("CC6.8"), soc2("CC8.1"), pci("6.4.3")],
    defaultEnforcement: "advisory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowFailOpen: false, allowedExcludedNamespaces: [] },
    paramsSchema: {
        allowFailOpen: { type: "boolean", default: false, description: "Accept failurePolicy: Ignore (development stacks only)." },
        allowedExcludedNamespaces: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: `Namespaces a webhook's namespaceSelector may exclude by name (${NAME_LABEL} NotIn).`,
        },
    },
    match: [{ apiGroups: ["admissionregistration.k8s.io"], kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] }],
    check(object, params) {
        const webhooks = own(object, "webhooks");
        if (!Array.isArray(webhooks)) return [];
        const allowedExcluded = strings(params.allowedExcludedNamespaces);
        const findings: Finding[] = [];
        webhooks.forEach((webhook: unknown, i) => {
            if (webhook === null || typeof webhook !== "object" || Array.isArray(webhook)) return;
            const name = own(webhook, "name");
            const label = typeof name === "string" ? `webhook "${show(name)}"` : `webhooks[${i}]`;
            const policy = own(webhook, "failurePolicy");
            // Absent or null: the API version's default (null reads as absent, as the API server decodes it).
            const failsOpen = policy === "Ignore" || ((policy === undefined || policy === null) && own(object, "apiVersion") === V1BETA1);
            if (failsOpen && params.allowFailOpen !== true)
                findings.push({
                    message: `${subject(object)}: ${label} fails open (failurePolicy ${policy === "Ignore" ? "Ignore" : "not set: Ignore in v1beta1"}), so requests are admitted unchecked while it is down; set failurePolicy: Fail.`,
                    path: `webhooks[${i}].failurePolicy`,
                });
            const expressions = at(webhook, "namespaceSelector.matchExpressions");
            if (!Array.isArray(expressions)) return;
            expressions.forEach((e: unknown, j) => {
                if (own(e, "key") !== NAME_LABEL || own(e, "operator") !== "NotIn") return;
                const values = own(e, "values");
                if (isUnknown(values)) return;
                const skipped = strings(values).filter((ns) => !isUnknown(ns) && !allowedExcluded.includes(ns));
                if (skipped.length === 0) return;
                findings.push({
                    message: `${subject(object)}: ${label} skips namespace(s) ${skipped
                        .slice(0, 10)
                        .map((ns) => `"${show(ns)}"`)
                        .join(
                            ", ",
                        )}${skipped.length > 10 ? ` and ${skipped.length - 10} more` : ""} by name; cover them, or allow the webhook's own namespace in allowedExcludedNamespaces.`,
                    path: `webhooks[${i}].namespaceSelector.matchExpressions[${j}]`,
                });
            });
        });
        return findings;
    },
    cel: {
        variables: [
            { name: "webhooks", expression: `${celListOf("object.webhooks")}.filter(w, type(w) == map)` },
            {
                name: "allowFailOpen",
                expression:
                    "has(variables.params.allowFailOpen) && type(variables.params.allowFailOpen) == bool && variables.params.allowFailOpen",
            },
            {
                name: "allowedExcluded",
                expression: "has(variables.params.allowedExcludedNamespaces) ? variables.params.allowedExcludedNamespaces : []",
            },
            {
                name: "failOpen",
                expression: `variables.webhooks.filter(w, has(w.failurePolicy) && w.failurePolicy != null ? w.failurePolicy == 'Ignore' : object.apiVersion == '${V1BETA1}')`,
            },
            {
                name: "skipping",
                expression:
                    "variables.webhooks.filter(w, has(w.namespaceSelector) && type(w.namespaceSelector) == map && " +
                    `${celListOf("w.namespaceSelector.matchExpressions")}.exists(e, type(e) == map && has(e.key) && e.key == '${NAME_LABEL}' && ` +
                    `has(e.operator) && e.operator == 'NotIn' && ${celListOf("e.values")}.exists(ns, !(ns in variables.allowedExcluded))))`,
            },
        ],
        validations: [
            {
                expression: "variables.allowFailOpen || size(variables.failOpen) == 0",
                messageExpression: `${CEL_SUBJECT} + ': ' + string(size(variables.failOpen)) + ' webhook(s) fail open (failurePolicy Ignore); set failurePolicy: Fail'`,
            },
            {
                expression: "size(variables.skipping) == 0",
                messageExpression: `${CEL_SUBJECT} + ': ' + string(size(variables.skipping)) + ' webhook(s) skip namespaces by name; cover them, or allow the webhook namespace in allowedExcludedNamespaces'`,
            },
        ],
    },
});
