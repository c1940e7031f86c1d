// Deterministic benchmark workload: N resources as the engine hands them to an analyzer, built from the
// rule corpus (policy-pack/rules/<id>.corpus.yaml) plus seeded variations - every pod-bearing kind with 1-4 containers,
// hardened (compliant) or not, Services, RBAC objects, service accounts and admission webhooks (from the corpus),
// GKE clusters, node pools, buckets and firewalls, a few with the
// unknown sentinel. The same seed always gives the same resources, so runs and packs are comparable.
import type { AnalyzerResourceInput } from "../tools/analyzer/analyzer";
import { UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { CorpusCase, loadCorpus } from "../policy-pack/test/corpus";
import { prng as seededRandom } from "../policy-pack/test/support/hostile";

type Json = Record<string, unknown>;

const POD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"] as const;
type PodKind = (typeof POD_KINDS)[number];

const TYPE_TOKENS: Record<string, string> = {
    Pod: "kubernetes:core/v1:Pod",
    Service: "kubernetes:core/v1:Service",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
    // RBAC objects, service accounts and admission webhooks: the corpus cases of the rules over them join the mix.
    ServiceAccount: "kubernetes:core/v1:ServiceAccount",
    Role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    ClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    ValidatingWebhookConfiguration: "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
    MutatingWebhookConfiguration: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
};

const API_VERSIONS: Record<PodKind, string> = {
    Pod: "v1",
    Deployment: "apps/v1",
    StatefulSet: "apps/v1",
    DaemonSet: "apps/v1",
    Job: "batch/v1",
    CronJob: "batch/v1",
};

const K8S_PROVIDER = {
    type: "pulumi:providers:kubernetes",
    urn: "urn:pulumi:bench::secure-gitops::pulumi:providers:kubernetes::platform",
    name: "platform",
    props: { kubeconfig: "{}", enableServerSideApply: "true", version: "4.34.2" },
};
const GCP_PROVIDER = {
    type: "pulumi:providers:gcp",
    urn: "urn:pulumi:bench::secure-gitops::pulumi:providers:gcp::default_9_37_0",
    name: "default_9_37_0",
    props: { project: "acme-prod", region: "europe-west1", version: "9.37.0" },
};

const IMAGES = [
    "europe-docker.pkg.dev/acme/apps/api:1.4.2",
    "europe-docker.pkg.dev/acme/apps/worker@sha256:3f1a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
    "ghcr.io/acme/web:2.0.1",
    "nginx:latest",
    "docker.io/library/redis",
    "quay.io/prometheus/node-exporter:v1.8.2",
];

const HARDENED_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 10001,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

function clone<T>(value: T): T {
    return structuredClone(value);
}

function pick<T>(rand: () => number, items: readonly T[]): T {
    return items[Math.floor(rand() * items.length)];
}

/** A container: compliant ones are pinned, hardened and resourced; others miss one or more of those. */
function container(rand: () => number, index: number, compliant: boolean): Json {
    const c: Json = {
        name: `c${index}`,
        image: compliant ? IMAGES[Math.floor(rand() * 3)] : pick(rand, IMAGES),
        ports: [{ containerPort: 8080 + index, name: `http${index}` }],
        env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "REGION", value: "europe-west1" },
        ],
    };
    if (compliant || rand() < 0.5) c.resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
    if (compliant) c.securityContext = clone(HARDENED_SECURITY_CONTEXT);
    else if (rand() < 0.3) c.securityContext = { privileged: true };
    else if (rand() < 0.5) c.securityContext = { allowPrivilegeEscalation: true, capabilities: { add: ["NET_ADMIN"] } };
    return c;
}

function podSpec(rand: () => number, containers: Json[], compliant: boolean): Json {
    const spec: Json = { containers, serviceAccountName: "app" };
    if (compliant) {
        spec.automountServiceAccountToken = false;
        spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
    } else if (rand() < 0.2) {
        spec.hostNetwork = true;
        // eslint-disable-next-line no-dupe-else-if -- each rand() draws a new number: a second, independent 20 % chance
    } else if (rand() < 0.2) {
        spec.volumes = [{ name: "host", hostPath: { path: "/var/run" } }];
    }
    if (rand() < 0.3) spec.initContainers = [container(rand, 9, compliant)];
    return spec;
}

/** Wraps a pod spec in the given kind's structure. */
function podBearing(kind: PodKind, name: string, namespace: unknown, labels: Json, spec: Json): Json {
    const metadata = { name, namespace, labels };
    const template = { metadata: { labels }, spec };
    const selector = { matchLabels: { app: labels.app } };
    switch (kind) {
        case "Pod":
            return { apiVersion: "v1", kind, metadata, spec };
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
            return { apiVersion: API_VERSIONS[kind], kind, metadata, spec: { replicas: 2, selector, template } };
        case "Job":
            return { apiVersion: "batch/v1", kind, metadata, spec: { backoffLimit: 2, template } };
        case "CronJob":
            return { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "*/15 * * * *", jobTemplate: { spec: { template } } } };
    }
}

function generatedWorkload(rand: () => number, i: number): AnalyzerResourceInput {
    const kind = pick(rand, POD_KINDS);
    const compliant = rand() < 0.4;
    const count = 1 + Math.floor(rand() * 4);
    const containers = Array.from({ length: count }, (_, c) => container(rand, c, compliant));
    const labels: Json = compliant
        ? { app: `app-${i % 97}`, "app.kubernetes.io/name": `app-${i % 97}`, "app.kubernetes.io/part-of": "platform", team: "payments" }
        : { app: `app-${i % 97}` };
    // A namespace that is not known yet at preview (computed from another resource) in ~2% of objects.
    const namespace = rand() < 0.02 ? UNKNOWN_SENTINEL : pick(rand, ["apps", "payments", "web", "batch"]);
    const object = podBearing(kind, `${kind.toLowerCase()}-${i}`, namespace, labels, podSpec(rand, containers, compliant));
    return k8sResource(object, i);
}

function generatedService(rand: () => number, i: number): AnalyzerResourceInput {
    const exposed = rand() < 0.3;
    const object = {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: `svc-${i}`,
            namespace: "apps",
            labels: { app: `app-${i % 97}` },
            annotations: exposed ? {} : { "networking.gke.io/load-balancer-type": "Internal" },
        },
        spec: {
            type: exposed || rand() < 0.5 ? "LoadBalancer" : "ClusterIP",
            selector: { app: `app-${i % 97}` },
            ports: [{ port: 443, targetPort: 8443, protocol: "TCP" }],
        },
    };
    return k8sResource(object, i);
}

function k8sResource(object: Json, i: number): AnalyzerResourceInput {
    const kind = String(object.kind);
    const name = `${kind.toLowerCase()}-${i}`;
    return {
        type: TYPE_TOKENS[kind],
        name,
        urn: `urn:pulumi:bench::secure-gitops::${TYPE_TOKENS[kind]}::${name}`,
        props: object,
        provider: K8S_PROVIDER,
    };
}

function cloudResource(type: string, props: Json, i: number): AnalyzerResourceInput {
    const name = `${type.slice(type.lastIndexOf(":") + 1).toLowerCase()}-${i}`;
    return { type, name, urn: `urn:pulumi:bench::secure-gitops::${type}::${name}`, props, provider: GCP_PROVIDER };
}

/** A corpus case as an engine resource, renamed so every resource is distinct. */
function fromCorpus(c: CorpusCase, i: number): AnalyzerResourceInput {
    if (c.object) {
        const object = clone(c.object) as Json;
        const metadata = { ...((object.metadata as Json | undefined) ?? {}) };
        if (typeof metadata.name === "string") metadata.name = `${metadata.name}-${i}`;
        object.metadata = metadata;
        const type = TYPE_TOKENS[String(object.kind)];
        if (type) return k8sResource(object, i);
    }
    if (c.resourceType === undefined) throw new Error(`corpus case ${c.name} has neither a known object kind nor a resource type`);
    return cloudResource(c.resourceType, clone(c.props ?? {}), i);
}

/** Varies a corpus GKE/bucket/node-pool case a little (location, labels) so not every request is identical. */
function varied(rand: () => number, r: AnalyzerResourceInput, i: number): AnalyzerResourceInput {
    if (r.type.startsWith("gcp:")) {
        r.props = { ...r.props, location: pick(rand, ["europe-west1", "europe-west4", "us-central1"]), project: "acme-prod" };
        if (r.type === "gcp:storage/bucket:Bucket" || r.type === "gcp:container/cluster:Cluster") {
            r.props = { ...r.props, resourceLabels: { env: "prod", shard: String(i % 16) } };
        }
    }
    return r;
}

export interface WorkloadMix {
    total: number;
    byType: Record<string, number>;
}

/**
 * `count` resources: ~35% corpus cases (all kinds and rules, compliant and not), ~50% generated pod-bearing
 * workloads, ~15% generated Services; GKE clusters, node pools, buckets and firewalls come from the corpus.
 */
export function generateResources(count: number, seed = 20240601): AnalyzerResourceInput[] {
    const rand = seededRandom(seed);
    const corpus = loadCorpus().filter((c) => c.object === undefined || TYPE_TOKENS[String(c.object.kind)] !== undefined);
    // Weighted towards the cloud cases so clusters/node pools/buckets make up a realistic share.
    const cloud = corpus.filter((c) => c.resourceType !== undefined);
    const resources: AnalyzerResourceInput[] = [];
    for (let i = 0; i < count; i++) {
        const roll = rand();
        if (roll < 0.5) resources.push(generatedWorkload(rand, i));
        else if (roll < 0.6) resources.push(generatedService(rand, i));
        else if (roll < 0.75) resources.push(varied(rand, fromCorpus(pick(rand, cloud), i), i));
        else resources.push(varied(rand, fromCorpus(pick(rand, corpus), i), i));
    }
    return resources;
}

export function describeMix(resources: readonly AnalyzerResourceInput[]): WorkloadMix {
    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    return { total: resources.length, byType };
}
