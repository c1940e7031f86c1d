// Where pods live inside each pod-bearing kind, in TypeScript (for the pack) and in CEL (for Gatekeeper).
// Both forms must agree: gator evaluates the CEL of the rendered ConstraintTemplates and the tests compare
// its verdicts with the pack's over the same corpus (test/engines/gator.test.ts).
import { CelVariable, isUnknown, K8sObject, KindMatch, ParamSchema, Rule } from "./types";
import { asRecord, isRecord, Json, own, show } from "./view";

export { asRecord, isRecord };
export type { Json };

export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

/** Every built-in kind that carries a pod (or a pod template), as a Gatekeeper match. */
export const POD_BEARING_MATCH: KindMatch[] = [
    // PodTemplate (core v1) holds a template at `template`, not under spec; PSA judges it like a workload.
    { apiGroups: [""], kinds: ["Pod", "ReplicationController", "PodTemplate"] },
    { apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
    { apiGroups: ["batch"], kinds: ["Job", "CronJob"] },
];

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

// Objects that every rule of one request reads and nothing writes to: the pack's per-request object
// (pack/per-request.ts). Their pod spec and container list are worked out once for all rules instead of
// once per rule (the largest allocation of the rules' code). Other objects (tests, the manifest checker)
// may be changed between evaluations, so they are never remembered.
const readOnly = new WeakMap<object, { pod?: PodSpecRef | null; containers?: readonly ContainerRef[] }>();

/** Declares `object` read-only from now on, so podSpecOf and containersOf remember their answers for it. */
export function rememberPodOf(object: K8sObject): void {
    if (!readOnly.has(object)) readOnly.set(object, {});
}

/** The pod spec of a pod-bearing object, or undefined for other kinds (or an unknown spec). */
export function podSpecOf(object: K8sObject): PodSpecRef | undefined {
    const remembered = readOnly.get(object);
    if (!remembered) return findPodSpec(object);
    if (remembered.pod === undefined) {
        const pod = findPodSpec(object);
        remembered.pod = pod ? Object.freeze(pod) : null;
    }
    return remembered.pod ?? undefined;
}

function findPodSpec(object: K8sObject): PodSpecRef | undefined {
    if (object.kind === "PodTemplate") {
        const template = asRecord(own(object, "template"));
        const podSpec = asRecord(own(template, "spec"));
        return podSpec ? { spec: podSpec, path: "template.spec", metadata: asRecord(own(template, "metadata")) } : undefined;
    }
    const spec = asRecord(own(object, "spec"));
    if (!spec) return undefined;
    switch (object.kind) {
        case "Pod":
            return { spec, path: "spec", metadata: asRecord(own(object, "metadata")) };
        case "CronJob": {
            const template = asRecord(own(own(own(spec, "jobTemplate"), "spec"), "template"));
            const podSpec = asRecord(own(template, "spec"));
            return podSpec
                ? { spec: podSpec, path: "spec.jobTemplate.spec.template.spec", metadata: asRecord(own(template, "metadata")) }
                : undefined;
        }
        default: {
            // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController and the configured
            // podTemplateKinds (rules only receive kinds they match): the template at spec.template.
            const template = asRecord(own(spec, "template"));
            const podSpec = asRecord(own(template, "spec"));
            return podSpec ? { spec: podSpec, path: "spec.template.spec", metadata: asRecord(own(template, "metadata")) } : undefined;
        }
    }
}

/** Extra pod-template kinds every pod-bearing rule checks unless configured otherwise (Argo Rollouts). */
export const DEFAULT_POD_TEMPLATE_KINDS: readonly string[] = ["argoproj.io/Rollout"];

export const POD_TEMPLATE_KINDS_SCHEMA: ParamSchema = {
    type: "array",
    description:
        "Extra kinds whose pod template sits at spec.template, as group/Kind (a bare Kind is the core group), checked like a Deployment. " +
        `Default: ${DEFAULT_POD_TEMPLATE_KINDS.join(", ")}. Gatekeeper: added to the constraint's match.kinds.`,
    items: { type: "string", pattern: "^([a-z0-9.-]+/)?[A-Z][A-Za-z0-9]*$" },
    default: [...DEFAULT_POD_TEMPLATE_KINDS],
};

/** `argoproj.io/Rollout` -> { group: "argoproj.io", kind: "Rollout" }; a bare Kind is the core group; undefined when malformed. */
export function parsePodTemplateKind(entry: unknown): { group: string; kind: string } | undefined {
    if (typeof entry !== "string" || entry.length > 300) return undefined;
    const slash = entry.lastIndexOf("/");
    const group = slash < 0 ? "" : entry.slice(0, slash);
    const kind = entry.slice(slash + 1);
    return /^[A-Z][A-Za-z0-9]*$/.test(kind) && /^[a-z0-9.-]*$/.test(group) && (slash < 0 || group !== "") ? { group, kind } : undefined;
}

/** The configured extra kinds as Gatekeeper matches (malformed entries are dropped; the config schema rejects them first). */
export function podTemplateKindMatches(podTemplateKinds: unknown): KindMatch[] {
    if (!Array.isArray(podTemplateKinds)) return [];
    return podTemplateKinds.flatMap((entry) => {
        const parsed = parsePodTemplateKind(entry);
        return parsed ? [{ apiGroups: [parsed.group], kinds: [parsed.kind] }] : [];
    });
}

/** True for a rule over pod-bearing kinds (its match includes core Pods). */
export function isPodBearingRule(rule: Rule): boolean {
    return rule.target === "kubernetes" && rule.match.some((m) => m.apiGroups.includes("") && m.kinds.includes("Pod"));
}

/**
 * The rule with the `podTemplateKinds` parameter (default DEFAULT_POD_TEMPLATE_KINDS) when it is
 * pod-bearing; the catalogue applies this to every rule, so each pod-bearing rule takes it.
 */
export function withPodTemplateKinds<R extends Rule>(rule: R): R {
    if (!isPodBearingRule(rule)) return rule;
    return {
        ...rule,
        defaultParams: { ...rule.defaultParams, podTemplateKinds: [...DEFAULT_POD_TEMPLATE_KINDS] },
        paramsSchema: { ...rule.paramsSchema, podTemplateKinds: POD_TEMPLATE_KINDS_SCHEMA },
    };
}

/**
 * True when the image matches one of the exempt entries. An entry is a prefix of the reference
 * (`docker.io/falcosecurity/`, or a full `repo:tag`); a trailing `*` is accepted and means the same prefix
 * (`docker.io/falcosecurity/*`), as in gatekeeper-library's exemptImages. A lone `*` or an empty entry
 * exempts nothing (it would silently switch the rule off).
 */
export function isExemptImage(image: unknown, exemptImages: readonly unknown[]): boolean {
    if (typeof image !== "string" || isUnknown(image)) return false;
    for (const entry of exemptImages) {
        const prefix = exemptImagePrefix(entry);
        if (prefix !== undefined && image.startsWith(prefix)) return true;
    }
    return false;
}

/** The prefix an exempt-image entry stands for (trailing `*` cut), or undefined when it exempts nothing. */
function exemptImagePrefix(entry: unknown): string | undefined {
    if (typeof entry !== "string") return undefined;
    const prefix = entry.endsWith("*") ? entry.slice(0, -1) : entry;
    return prefix === "" ? undefined : prefix;
}

/** The exempt-image entries as plain prefixes, for Gatekeeper's CEL (which has no substring function). */
export function exemptImagePrefixes(entries: readonly unknown[]): string[] {
    return entries.map(exemptImagePrefix).filter((p): p is string => p !== undefined);
}

/**
 * Every container (regular, init and ephemeral) of a pod-bearing object, minus those whose image is
 * exempt. Lists that are not arrays (e.g. unknown at preview) are skipped.
 */
export function containersOf(object: K8sObject, exemptImages: readonly unknown[] = []): readonly ContainerRef[] {
    if (exemptImages.length > 0) return findContainers(object, exemptImages);
    const remembered = readOnly.get(object);
    if (!remembered) return findContainers(object, exemptImages);
    remembered.containers ??= Object.freeze(findContainers(object, exemptImages));
    return remembered.containers;
}

function findContainers(object: K8sObject, exemptImages: readonly unknown[]): ContainerRef[] {
    const pod = podSpecOf(object);
    if (!pod) return [];
    const result: ContainerRef[] = [];
    // While exemptions are configured, a container whose image is not known yet may be exempt: skipped.
    const hasExemptions = exemptImages.length > 0;
    for (const list of CONTAINER_LISTS) {
        const entries = own(pod.spec, list);
        if (!Array.isArray(entries)) continue;
        for (let index = 0; index < entries.length; index++) {
            const container = asRecord(entries[index]);
            if (!container) continue;
            const image = own(container, "image");
            if (isExemptImage(image, exemptImages) || (hasExemptions && isUnknown(image))) continue;
            const rawName = own(container, "name");
            const name = typeof rawName === "string" && !isUnknown(rawName) ? rawName : `#${index}`;
            result.push({ container, name, list, path: `${pod.path}.${list}[name=${show(name)}]` });
        }
    }
    return result;
}

/**
 * True when some container of the pod is not known yet: a whole list, an entry, or an entry's name or
 * image is unknown. Such a container may be any container, exempt or not.
 */
export function hasUnknownContainer(object: K8sObject): boolean {
    const pod = podSpecOf(object);
    if (!pod) return false;
    return CONTAINER_LISTS.some((list) => {
        const entries = own(pod.spec, list);
        if (isUnknown(entries)) return true;
        return Array.isArray(entries) && entries.some((e) => isUnknown(e) || isUnknown(own(e, "name")) || isUnknown(own(e, "image")));
    });
}

/**
 * CEL variables every pod-bearing rule starts with, in Gatekeeper's K8sNativeValidation form:
 * `variables.podSpec` (the pod spec wherever the kind keeps it, `{}` for other kinds),
 * `variables.podMeta` (the pod template metadata) and `variables.containers` (all three container lists,
 * minus containers whose image starts with one of `variables.params.exemptImages`).
 */
/** CEL: the map at `keys` under the map expression `base`, or `{}` when a step is missing or not a map. */
function celMapAt(base: string, keys: readonly string[]): string {
    const [key, ...rest] = keys;
    if (key === undefined) return base;
    const child = `${base}.${key}`;
    return `((has(${child}) && type(${child}) == map) ? ${celMapAt(child, rest)} : {})`;
}

/** CEL: the list at `key` under the map `base`, or `[]`. */
function celListAt(base: string, key: string): string {
    return `((has(${base}.${key}) && type(${base}.${key}) == list) ? ${base}.${key} : [])`;
}

// Every step is type-checked, as podSpecOf and containersOf do: a pod spec, template or container list
// of the wrong type yields no pod and no container (cel-go errors on field selection from a non-map).
export const POD_CEL_VARIABLES: CelVariable[] = [
    {
        name: "podSpec",
        expression:
            `object.kind == 'Pod' ? ${celMapAt("object", ["spec"])} : ` +
            `object.kind == 'CronJob' ? ${celMapAt("object", ["spec", "jobTemplate", "spec", "template", "spec"])} : ` +
            `object.kind == 'PodTemplate' ? ${celMapAt("object", ["template", "spec"])} : ` +
            celMapAt("object", ["spec", "template", "spec"]),
    },
    {
        name: "podMeta",
        expression:
            `object.kind == 'Pod' ? ${celMapAt("object", ["metadata"])} : ` +
            `object.kind == 'CronJob' ? ${celMapAt("object", ["spec", "jobTemplate", "spec", "template", "metadata"])} : ` +
            `object.kind == 'PodTemplate' ? ${celMapAt("object", ["template", "metadata"])} : ` +
            celMapAt("object", ["spec", "template", "metadata"]),
    },
    {
        name: "exemptImages",
        expression: "has(variables.params.exemptImages) ? variables.params.exemptImages : []",
    },
    {
        name: "containers",
        expression:
            `(${celListAt("variables.podSpec", "containers")} + ${celListAt("variables.podSpec", "initContainers")} + ${celListAt("variables.podSpec", "ephemeralContainers")})` +
            // Entries that are not objects are skipped, as containersOf does.
            ".filter(c, type(c) == map && !variables.exemptImages.exists(p, has(c.image) && type(c.image) == string && p != '' && c.image.startsWith(p)))",
    },
];
