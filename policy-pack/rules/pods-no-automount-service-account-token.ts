// Hygiene rule. TypeScript `check` for CrossGuard, CEL for Gatekeeper; test/cel-agreement.test.ts holds both to
// the corpus beside this file.
import { CommonK8sParams, isUnknown } from "../catalogue/types";
import { own, show, strings } from "../catalogue/view";
import { containersOf, POD_BEARING_MATCH, POD_CEL_VARIABLES, podSpecOf } from "../catalogue/workloads";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

export interface NoAutomountParams extends CommonK8sParams {
    /** Service accounts whose pods need the API token: `name` (any namespace) or `namespace/name`. */
    allowedServiceAccounts: string[];
}

export const rule = kubernetesRule<NoAutomountParams>({
    id: "pods-no-automount-service-account-token",
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
    frameworks: [cisK8s("5.1.6"), nist("AC-6"), nist("IA-5"), soc2("CC6.1"), soc2("CC6.3"), pci("7.2.5")],
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
        if (allowed.includes(serviceAccount) || (typeof namespace === "string" && allowed.includes(`${namespace}/${serviceAccount}`)))
            return [];
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
            { name: "podNamespace", expression: "has(object.metadata.namespace) ? object.metadata.namespace : 'default'" },
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
                    "(variables.podNamespace + '/' + variables.serviceAccount) in variables.allowedServiceAccounts",
                messageExpression:
                    `${CEL_SUBJECT} + ': pod (service account "' + variables.serviceAccount + '") mounts an API token; ` +
                    `set automountServiceAccountToken: false in the pod spec, or allow-list the service account if it calls the Kubernetes API'`,
            },
        ],
    },
});
