// The API versions Kubernetes stopped serving, one table per release, as the Kubernetes deprecated API
// migration guide (kubernetes.io/docs/reference/using-api/deprecation-guide) lists them: for each release,
// the group/versions and kinds it no longer serves and the version to migrate to. Facts from the guide,
// written down here once; the `apis-no-removed-versions` rule (TypeScript and CEL) reads only this table.
import { ParamSchema } from "../catalogue/types";

export interface RemovedApi {
    /** The group/version no longer served (`extensions/v1beta1`). */
    apiVersion: string;
    kinds: readonly string[];
    /** The group/version the guide migrates to; undefined when the API is gone with no replacement. */
    use?: string;
    /** What to do instead when there is no replacement. */
    instead?: string;
}

/** Minor version of Kubernetes 1.x -> what that release stopped serving. */
export const REMOVED_APIS_BY_RELEASE: Readonly<Record<number, readonly RemovedApi[]>> = {
    16: [
        { apiVersion: "extensions/v1beta1", kinds: ["DaemonSet", "Deployment", "ReplicaSet"], use: "apps/v1" },
        { apiVersion: "extensions/v1beta1", kinds: ["NetworkPolicy"], use: "networking.k8s.io/v1" },
        { apiVersion: "extensions/v1beta1", kinds: ["PodSecurityPolicy"], use: "policy/v1beta1" },
        { apiVersion: "apps/v1beta1", kinds: ["Deployment", "StatefulSet", "ReplicaSet"], use: "apps/v1" },
        { apiVersion: "apps/v1beta2", kinds: ["DaemonSet", "Deployment", "StatefulSet", "ReplicaSet"], use: "apps/v1" },
    ],
    22: [
        {
            apiVersion: "admissionregistration.k8s.io/v1beta1",
            kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
            use: "admissionregistration.k8s.io/v1",
        },
        { apiVersion: "apiextensions.k8s.io/v1beta1", kinds: ["CustomResourceDefinition"], use: "apiextensions.k8s.io/v1" },
        { apiVersion: "apiregistration.k8s.io/v1beta1", kinds: ["APIService"], use: "apiregistration.k8s.io/v1" },
        { apiVersion: "authentication.k8s.io/v1beta1", kinds: ["TokenReview"], use: "authentication.k8s.io/v1" },
        {
            apiVersion: "authorization.k8s.io/v1beta1",
            kinds: ["SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"],
            use: "authorization.k8s.io/v1",
        },
        { apiVersion: "certificates.k8s.io/v1beta1", kinds: ["CertificateSigningRequest"], use: "certificates.k8s.io/v1" },
        { apiVersion: "coordination.k8s.io/v1beta1", kinds: ["Lease"], use: "coordination.k8s.io/v1" },
        { apiVersion: "extensions/v1beta1", kinds: ["Ingress"], use: "networking.k8s.io/v1" },
        { apiVersion: "networking.k8s.io/v1beta1", kinds: ["Ingress", "IngressClass"], use: "networking.k8s.io/v1" },
        {
            apiVersion: "rbac.authorization.k8s.io/v1beta1",
            kinds: ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
            use: "rbac.authorization.k8s.io/v1",
        },
        { apiVersion: "scheduling.k8s.io/v1beta1", kinds: ["PriorityClass"], use: "scheduling.k8s.io/v1" },
        {
            apiVersion: "storage.k8s.io/v1beta1",
            kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
            use: "storage.k8s.io/v1",
        },
    ],
    25: [
        { apiVersion: "batch/v1beta1", kinds: ["CronJob"], use: "batch/v1" },
        { apiVersion: "discovery.k8s.io/v1beta1", kinds: ["EndpointSlice"], use: "discovery.k8s.io/v1" },
        { apiVersion: "events.k8s.io/v1beta1", kinds: ["Event"], use: "events.k8s.io/v1" },
        { apiVersion: "autoscaling/v2beta1", kinds: ["HorizontalPodAutoscaler"], use: "autoscaling/v2" },
        { apiVersion: "policy/v1beta1", kinds: ["PodDisruptionBudget"], use: "policy/v1" },
        {
            apiVersion: "policy/v1beta1",
            kinds: ["PodSecurityPolicy"],
            instead:
                "no replacement API: enforce Pod Security Standards with Pod Security Admission namespace labels (and this platform's pss-* rules)",
        },
        { apiVersion: "node.k8s.io/v1beta1", kinds: ["RuntimeClass"], use: "node.k8s.io/v1" },
    ],
    26: [
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1",
            kinds: ["FlowSchema", "PriorityLevelConfiguration"],
            use: "flowcontrol.apiserver.k8s.io/v1beta3",
        },
        { apiVersion: "autoscaling/v2beta2", kinds: ["HorizontalPodAutoscaler"], use: "autoscaling/v2" },
    ],
    27: [{ apiVersion: "storage.k8s.io/v1beta1", kinds: ["CSIStorageCapacity"], use: "storage.k8s.io/v1" }],
    29: [
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
            kinds: ["FlowSchema", "PriorityLevelConfiguration"],
            use: "flowcontrol.apiserver.k8s.io/v1beta3",
        },
    ],
    32: [
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3",
            kinds: ["FlowSchema", "PriorityLevelConfiguration"],
            use: "flowcontrol.apiserver.k8s.io/v1",
        },
    ],
};

export interface RemovedApiEntry {
    removedIn: number;
    use?: string;
    instead?: string;
}

/** `apiVersion/Kind` -> when it was removed and what replaces it (the guide's next step). */
export const REMOVED_APIS: ReadonlyMap<string, RemovedApiEntry> = new Map(
    Object.entries(REMOVED_APIS_BY_RELEASE).flatMap(([minor, apis]) =>
        apis.flatMap((api) =>
            api.kinds.map((kind): [string, RemovedApiEntry] => [
                apiKey(api.apiVersion, kind),
                { removedIn: Number(minor), ...(api.use ? { use: api.use } : {}), ...(api.instead ? { instead: api.instead } : {}) },
            ]),
        ),
    ),
);

export function apiKey(apiVersion: string, kind: string): string {
    return `${apiVersion}/${kind}`;
}

/** The newest release in the table; any later version (and `latest`) removes everything in it. */
export const NEWEST_REMOVAL_MINOR = Math.max(...Object.keys(REMOVED_APIS_BY_RELEASE).map(Number));

/** A target version that is `latest` (or above the newest removal) evaluates as this minor. */
export const LATEST_TARGET_MINOR = 1000;

export const KUBERNETES_VERSION_PATTERN = "^(latest|v1\\.(0|[1-9][0-9]*))$";
const VERSION_RE = /^v1\.(0|[1-9][0-9]{0,8})$/;

export const KUBERNETES_VERSION_SCHEMA: ParamSchema = {
    type: "string",
    description:
        'The Kubernetes version the objects are applied to: "latest" (default: every removal in the table) or "v1.NN" (the cluster\'s minor version).',
    pattern: KUBERNETES_VERSION_PATTERN,
    default: "latest",
};

/**
 * The minor version to judge against: `v1.NN` as NN; `latest`, and anything the schema would reject, as
 * LATEST_TARGET_MINOR (the config schema and the constraint CRD refuse those before a rule runs).
 */
export function targetMinor(version: unknown): number {
    if (typeof version !== "string" || version.length > 12 || !VERSION_RE.test(version)) return LATEST_TARGET_MINOR;
    const minor = Number(version.slice(3));
    return minor > NEWEST_REMOVAL_MINOR ? LATEST_TARGET_MINOR : minor;
}

export interface Removal {
    removedIn: number;
    /** The group/version to use at the target version: the guide's replacement, followed while that one is removed too. */
    use?: string;
    instead?: string;
}

/** Whether the cluster at `minor` no longer serves this apiVersion and kind, and what to use instead. */
export function removalAt(apiVersion: string, kind: string, minor: number): Removal | undefined {
    const entry = REMOVED_APIS.get(apiKey(apiVersion, kind));
    if (!entry || entry.removedIn > minor) return undefined;
    let step: RemovedApiEntry = entry;
    // Follow the replacement while it is itself removed at the target (flowcontrol v1beta1 -> v1beta3 -> v1).
    for (let hops = 0; hops < REMOVED_APIS.size && step.use; hops++) {
        const next = REMOVED_APIS.get(apiKey(step.use, kind));
        if (!next || next.removedIn > minor) return { removedIn: entry.removedIn, use: step.use };
        step = next;
    }
    return { removedIn: entry.removedIn, ...(step.use ? { use: step.use } : {}), instead: step.instead };
}

/** The longest replacement chain in the table (the CEL follows this many steps). */
export function longestChain(): number {
    let longest = 0;
    for (const [key, entry] of REMOVED_APIS) {
        const kind = key.slice(key.lastIndexOf("/") + 1);
        let hops = 0;
        let use = entry.use;
        while (use && REMOVED_APIS.has(apiKey(use, kind)) && hops < REMOVED_APIS.size) {
            hops++;
            use = REMOVED_APIS.get(apiKey(use, kind))?.use;
        }
        longest = Math.max(longest, hops);
    }
    return longest;
}
