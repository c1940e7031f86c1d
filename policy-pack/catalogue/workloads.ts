// Where pods live inside each pod-bearing kind, in TypeScript (for the pack) and in CEL (for Gatekeeper).
// Both forms must agree: the parity test evaluates the CEL from the rendered ConstraintTemplates against
// the pack's verdicts over the same corpus.
import { CelVariable, K8sObject, KindMatch } from "./types";

export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

/** Every kind that carries a pod template, as a Gatekeeper match. */
export const POD_BEARING_MATCH: KindMatch[] = [
    { apiGroups: [""], kinds: ["Pod"] },
    { apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
    { apiGroups: ["batch"], kinds: ["Job", "CronJob"] },
];

export type Json = Record<string, unknown>;

export interface PodSpecRef {
    spec: Json;
    /** Path to the pod spec, e.g. `spec.template.spec`. */
    path: string;
    /** Pod metadata (for annotations and labels), where the kind has it. */
    metadata?: Json;
}

export interface ContainerRef {
    container: Json;
    name: string;
    list: ContainerList;
    /** Path to the container, e.g. `spec.template.spec.containers[name=app]`. */
    path: string;
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Json {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value as a JSON object, or undefined. */
export function asRecord(value: unknown): Json | undefined {
    return isRecord(value) ? value : undefined;
}

/** The pod spec of a pod-bearing object, or undefined for other kinds (or an unknown spec). */
export function podSpecOf(object: K8sObject): PodSpecRef | undefined {
    const spec = asRecord(object.spec);
    if (!spec) return undefined;
    switch (object.kind) {
        case "Pod":
            return { spec, path: "spec", metadata: asRecord(object.metadata) };
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job": {
            const template = asRecord(spec.template);
            const podSpec = asRecord(template?.spec);
            return podSpec ? { spec: podSpec, path: "spec.template.spec", metadata: asRecord(template?.metadata) } : undefined;
        }
        case "CronJob": {
            const template = asRecord(asRecord(asRecord(spec.jobTemplate)?.spec)?.template);
            const podSpec = asRecord(template?.spec);
            return podSpec ? { spec: podSpec, path: "spec.jobTemplate.spec.template.spec", metadata: asRecord(template?.metadata) } : undefined;
        }
        default:
            return undefined;
    }
}

/** True when the image starts with one of the exempt prefixes. */
export function isExemptImage(image: unknown, exemptImages: readonly string[]): boolean {
    return typeof image === "string" && exemptImages.some((prefix) => prefix !== "" && image.startsWith(prefix));
}

/**
 * Every container (regular, init and ephemeral) of a pod-bearing object, minus those whose image is
 * exempt. Lists that are not arrays (e.g. unknown at preview) are skipped.
 */
export function containersOf(object: K8sObject, exemptImages: readonly string[] = []): ContainerRef[] {
    const pod = podSpecOf(object);
    if (!pod) return [];
    const result: ContainerRef[] = [];
    for (const list of CONTAINER_LISTS) {
        const entries = pod.spec[list];
        if (!Array.isArray(entries)) continue;
        entries.forEach((entry, index) => {
            const container = asRecord(entry);
            if (!container || isExemptImage(container.image, exemptImages)) return;
            const name = typeof container.name === "string" ? container.name : `#${index}`;
            result.push({ container, name, list, path: `${pod.path}.${list}[name=${name}]` });
        });
    }
    return result;
}

/**
 * CEL variables every pod-bearing rule starts with, in Gatekeeper's K8sNativeValidation form:
 * `variables.podSpec` (the pod spec wherever the kind keeps it, `{}` for other kinds),
 * `variables.podMeta` (the pod template metadata) and `variables.containers` (all three container lists,
 * minus containers whose image starts with one of `variables.params.exemptImages`).
 */
export const POD_CEL_VARIABLES: CelVariable[] = [
    {
        name: "podSpec",
        expression:
            "object.kind == 'Pod' ? object.spec : " +
            "object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : " +
            "(has(object.spec) && has(object.spec.template) && has(object.spec.template.spec)) ? object.spec.template.spec : {}",
    },
    {
        name: "podMeta",
        expression:
            "object.kind == 'Pod' ? (has(object.metadata) ? object.metadata : {}) : " +
            "object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.metadata) ? object.spec.jobTemplate.spec.template.metadata : {}) : " +
            "(has(object.spec) && has(object.spec.template) && has(object.spec.template.metadata)) ? object.spec.template.metadata : {}",
    },
    {
        name: "exemptImages",
        expression: "has(variables.params.exemptImages) ? variables.params.exemptImages : []",
    },
    {
        name: "containers",
        expression:
            "((has(variables.podSpec.containers) ? variables.podSpec.containers : []) + " +
            "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []) + " +
            "(has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : []))" +
            ".filter(c, !variables.exemptImages.exists(p, has(c.image) && p != '' && c.image.startsWith(p)))",
    },
];
