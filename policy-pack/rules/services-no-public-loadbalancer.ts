// Exposure rule: nothing gets a public cloud load balancer by accident. TypeScript `check` for CrossGuard, CEL for
// Gatekeeper; test/cel-agreement.test.ts holds both to the corpus beside this file.
import { CommonK8sParams, isUnknown } from "../catalogue/types";
import { asRecord, at, hasKey, own, strings } from "../catalogue/view";
import { kubernetesRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

export type LoadBalancerCloud = "gke" | "aws" | "azure";

export interface NoPublicLoadBalancerParams extends CommonK8sParams {
    /** Namespaces where a public load balancer is intended (e.g. the ingress gateway's). */
    allowedNamespaces: string[];
    /**
     * Whose internal-load-balancer annotations count. Only the cluster's own cloud controller reads its
     * annotations: on GKE an Azure "internal" annotation still yields a public load balancer.
     */
    clouds: LoadBalancerCloud[];
}

// Annotation keys, as each cloud's service controller reads them.
const GKE_TYPE = "networking.gke.io/load-balancer-type";

const GKE_TYPE_LEGACY = "cloud.google.com/load-balancer-type";

const AWS_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";

const AWS_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";

const AZURE_INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";

/** GKE's controller accepts exactly these (LBTypeInternal and its deprecated lower-case spelling); "INTERNAL" is external. */
const GKE_INTERNAL_VALUES = ["Internal", "internal"];

type Verdict = "internal" | "public" | "unknown";

/**
 * Whether the annotations ask the given clouds for an internal load balancer. Values are matched exactly
 * (no case folding beyond GKE's two spellings, no "1"/"True"): a value we do not recognise is public,
 * which errs on the safe side.
 */
function loadBalancerVerdict(annotations: Record<string, unknown>, clouds: readonly string[]): Verdict {
    const keys: string[] = [];
    if (clouds.includes("gke")) keys.push(GKE_TYPE, GKE_TYPE_LEGACY);
    if (clouds.includes("aws")) keys.push(AWS_INTERNAL, AWS_SCHEME);
    if (clouds.includes("azure")) keys.push(AZURE_INTERNAL);
    const value = (key: string): unknown => own(annotations, key);
    if (keys.some((k) => isUnknown(value(k)))) return "unknown";
    // GKE reads the current key first and only falls back to the legacy one when the current key is absent.
    const gkeType = hasKey(annotations, GKE_TYPE) ? value(GKE_TYPE) : value(GKE_TYPE_LEGACY);
    const gke = clouds.includes("gke") && typeof gkeType === "string" && GKE_INTERNAL_VALUES.includes(gkeType);
    // AWS: either the deprecated boolean or the scheme; an explicit public value in the other one vetoes.
    const aws =
        clouds.includes("aws") &&
        (value(AWS_INTERNAL) === "true" || value(AWS_SCHEME) === "internal") &&
        value(AWS_INTERNAL) !== "false" &&
        value(AWS_SCHEME) !== "internet-facing";
    const azure = clouds.includes("azure") && value(AZURE_INTERNAL) === "true";
    return gke || aws || azure ? "internal" : "public";
}

/** `'key' in annotations && annotations['key'] == 'value'` - guarded, a missing key is not an error. */
function celAnnotationIs(key: string, value: string): string {
    return `('${key}' in variables.annotations && variables.annotations['${key}'] == '${value}')`;
}

export const rule = kubernetesRule<NoPublicLoadBalancerParams>({
    id: "services-no-public-loadbalancer",
    title: "Services of type LoadBalancer are internal",
    description:
        "A Service of type LoadBalancer must carry its cloud's internal-load-balancer annotation: GKE `networking.gke.io/load-balancer-type: Internal` " +
        '(or the legacy `cloud.google.com/load-balancer-type`; GKE also accepts `internal`), AWS `service.beta.kubernetes.io/aws-load-balancer-internal: "true"` ' +
        'or `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, Azure `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`. ' +
        'Only the clouds in `clouds` count (default GKE: other clouds\' annotations do nothing there). Other values, including "false", are public. ' +
        "Public load balancers are allowed only in `allowedNamespaces` (a Service without namespace is taken to be in `default`). " +
        "NodePort Services and `loadBalancerClass` implementations are out of scope: on a private GKE cluster nodes have no public IPs, and firewall rules are checked by the GCP rules.",
    severity: "high",
    remediation:
        'Add the internal annotation of your cloud (GKE: `networking.gke.io/load-balancer-type: "Internal"`), or expose the workload through the ' +
        "platform's ingress instead; if a public endpoint is intended, deploy it in a namespace listed in `allowedNamespaces`.",
    frameworks: [nist("SC-7"), nist("AC-4"), soc2("CC6.6"), pci("1.3.1"), pci("1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedNamespaces: [], clouds: ["gke"] },
    paramsSchema: {
        allowedNamespaces: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Namespaces where a public LoadBalancer Service is allowed.",
        },
        clouds: {
            type: "array",
            items: { type: "string", enum: ["gke", "aws", "azure"] },
            default: ["gke"],
            description: "Clouds whose internal-load-balancer annotations are accepted (the cluster's own cloud).",
        },
    },
    match: [{ apiGroups: [""], kinds: ["Service"] }],
    check(object, params) {
        // Whatever the rule reads may be unknown at preview (spec, type, metadata, annotations, namespace):
        // any of those unknown means no finding.
        const type = at(object, "spec.type");
        if (type !== "LoadBalancer") return [];
        const metadata = own(object, "metadata");
        if (isUnknown(metadata)) return [];
        const rawAnnotations = own(metadata, "annotations");
        const annotations = rawAnnotations === undefined ? {} : asRecord(rawAnnotations);
        // Unknown, or malformed (not a map: the API server rejects it): nothing to judge.
        if (!annotations) return [];
        const rawNamespace = own(metadata, "namespace");
        const namespace = rawNamespace === undefined ? "default" : rawNamespace;
        const allowedNamespaces = strings(params.allowedNamespaces);
        // An unknown namespace might be an allowed one; with no allowed namespace it cannot excuse anything.
        if (isUnknown(namespace) ? allowedNamespaces.length > 0 : typeof namespace === "string" && allowedNamespaces.includes(namespace))
            return [];
        const clouds = Array.isArray(params.clouds) ? strings(params.clouds) : ["gke"];
        const verdict = loadBalancerVerdict(annotations, clouds);
        if (verdict !== "public") return [];
        return [
            {
                message:
                    `${describeObject(object)}: spec.type LoadBalancer without an internal-load-balancer annotation for ${clouds.join("/")} ` +
                    `creates a public load balancer; add metadata.annotations["${GKE_TYPE}"]: "Internal" (or your cloud's equivalent), ` +
                    `use the platform ingress, or move it to an allowed namespace.`,
                path: "metadata.annotations",
            },
        ];
    },
    cel: {
        variables: [
            { name: "annotations", expression: "has(object.metadata.annotations) ? object.metadata.annotations : {}" },
            { name: "clouds", expression: "has(variables.params.clouds) ? variables.params.clouds : ['gke']" },
            {
                name: "allowedNamespaces",
                expression: "has(variables.params.allowedNamespaces) ? variables.params.allowedNamespaces : []",
            },
            {
                name: "gkeType",
                expression:
                    `'${GKE_TYPE}' in variables.annotations ? variables.annotations['${GKE_TYPE}'] : ` +
                    `('${GKE_TYPE_LEGACY}' in variables.annotations ? variables.annotations['${GKE_TYPE_LEGACY}'] : '')`,
            },
            {
                name: "internal",
                expression:
                    `('gke' in variables.clouds && variables.gkeType in ${JSON.stringify(GKE_INTERNAL_VALUES).replace(/"/g, "'")}) || ` +
                    `('aws' in variables.clouds && (${celAnnotationIs(AWS_INTERNAL, "true")} || ${celAnnotationIs(AWS_SCHEME, "internal")}) && ` +
                    `!${celAnnotationIs(AWS_INTERNAL, "false")} && !${celAnnotationIs(AWS_SCHEME, "internet-facing")}) || ` +
                    `('azure' in variables.clouds && ${celAnnotationIs(AZURE_INTERNAL, "true")})`,
            },
        ],
        validations: [
            {
                expression:
                    "!(has(object.spec) && has(object.spec.type) && object.spec.type == 'LoadBalancer') || variables.internal || " +
                    "(has(object.metadata.namespace) ? object.metadata.namespace : 'default') in variables.allowedNamespaces",
                messageExpression:
                    `${CEL_SUBJECT} + ': spec.type LoadBalancer without an internal-load-balancer annotation creates a public load balancer; ` +
                    `add metadata.annotations[${GKE_TYPE}]: Internal (or your cloud equivalent), use the platform ingress, or move it to an allowed namespace'`,
            },
        ],
    },
});
