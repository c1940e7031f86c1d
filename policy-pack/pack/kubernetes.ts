// Kubernetes resources as the Pulumi engine presents them: the type token names group, version and kind
// (`kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Pod`), the props are the object's inputs
// (apiVersion/kind/metadata/spec...). This rebuilds the object the API server (and Gatekeeper) would see.
import { isUnknown, K8sObject } from "../catalogue/types";
import { asRecord } from "../catalogue/workloads";
import { Json } from "./unknowns";

export interface KubernetesType {
    apiVersion: string;
    group: string;
    kind: string;
}

const K8S_TYPE_RE = /^kubernetes:([a-z0-9.-]+)\/([a-z0-9]+):([A-Za-z0-9]+)$/;

/**
 * Group, version and kind of a Kubernetes object type token, or undefined for anything that is not one
 * plain API object: other providers, Helm releases and YAML/Kustomize components (the engine never sees
 * their rendered objects), `...Patch` resources (partial objects: a missing field is not a violation) and
 * `...List` kinds.
 */
export function parseKubernetesType(type: string): KubernetesType | undefined {
    const m = K8S_TYPE_RE.exec(type);
    if (!m) return undefined;
    const [, groupToken, version, kind] = m;
    if (groupToken === "helm.sh" || groupToken === "yaml" || groupToken === "kustomize") return undefined;
    if (kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
    const group = groupToken === "core" ? "" : groupToken;
    return { group, kind, apiVersion: group === "" ? version : `${group}/${version}` };
}

/** Kinds without a namespace; the provider's default namespace does not apply to them. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
]);

/**
 * The object the API server would receive. apiVersion and kind come from the type token (authoritative).
 * A namespaced object without `metadata.namespace` lands in the provider's `namespace`, when the provider
 * sets one, as the Kubernetes provider does.
 */
export function toK8sObject(type: KubernetesType, props: Json, providerNamespace?: unknown): K8sObject {
    const object: K8sObject = { ...props, apiVersion: type.apiVersion, kind: type.kind };
    const metadata = asRecord(props.metadata);
    const namespaced = !CLUSTER_SCOPED_KINDS.has(type.kind);
    if (namespaced && metadata && metadata.namespace === undefined && typeof providerNamespace === "string" && providerNamespace !== "") {
        object.metadata = { ...metadata, namespace: providerNamespace };
    }
    return object;
}

/** The namespace the exemptions are decided on (a Namespace's own name), unknown at preview or not. */
export function namespaceOf(object: K8sObject): unknown {
    return object.kind === "Namespace" ? object.metadata?.name : object.metadata?.namespace;
}

/** True when the namespace (or the whole metadata) is not known yet, so an exemption cannot be decided. */
export function namespaceIsUnknown(object: K8sObject): boolean {
    return isUnknown(object.metadata) || isUnknown(namespaceOf(object));
}
