// Chart workloads in the offline plan: each pinned Release rendered with exactly the values the program
// passes (recorded by the mock engine), every rendered object added to the plan as a child of its Release,
// so the pack evaluates it over the Analyzer protocol like any declared resource, and gator gives the
// admission verdict of the stack's own constraints. Releases that could not be rendered stay "not evaluated".
import type { AnalyzerResourceInput } from "../analyzer/analyzer";
import type { ProgramRun, RecordedResource } from "../mock-engine";
import type { ChartsSection } from "../report/model";
import { CLUSTER_SCOPED_KINDS } from "../../policy-pack/pack/kubernetes";
import { K8sObject, renderChartWithSources } from "./helm-template";
import { ChartSource, locateChart, pinnedReleases } from "./releases";
import { GatekeeperVerdict, gatorVerdicts, objectKey, policiesFromRun } from "./gator";
import { operatorWorkloadsFor, OperatorWorkload } from "./operator-workloads";

/**
 * What `helm template` is told about the cluster, for the platform's charts and the app's alike: the stack's
 * `kubernetesVersion` (`.Capabilities.KubeVersion`) and the API group/versions beyond helm's built-in set
 * (`.Capabilities.APIVersions`): those of the custom resources the program declares and of the CRDs its
 * charts install. Argo CD renders the app with the destination cluster's version and API versions too.
 */
export interface ClusterCapabilities {
    kubeVersion: string;
    apiVersions: string[];
}

/** `kubernetes:<group>/<version>:<Kind>` -> `<group>/<version>`; core (`v1`) and non-Kubernetes types -> undefined. */
function groupVersionOfType(type: string): string | undefined {
    const match = /^kubernetes:([a-z0-9.-]+)\/([a-z0-9]+):[A-Za-z0-9]+$/.exec(type);
    if (!match || match[1] === "core" || match[1] === "helm.sh") return undefined;
    return `${match[1]}/${match[2]}`;
}

/** The API versions the program's own custom resources need (constraints, Argo CD objects, monitors...). */
export function programApiVersions(run: Pick<ProgramRun, "resources">): string[] {
    const out = new Set<string>();
    for (const r of run.resources) {
        const gv = groupVersionOfType(r.type);
        if (gv?.split("/")[0].includes(".")) out.add(gv);
    }
    return [...out].sort();
}

/** The cluster the app is synced to: every platform chart installed, every program resource declared. */
export function clusterCapabilities(
    kubeVersion: string,
    run: Pick<ProgramRun, "resources">,
    workloads?: ChartWorkloads,
): ClusterCapabilities {
    return { kubeVersion, apiVersions: [...new Set([...programApiVersions(run), ...(workloads?.crdApiVersions ?? [])])].sort() };
}

export type ReleaseStatus = "evaluated" | "not evaluated";

export interface ReleaseEvaluation {
    urn: string;
    resourceName: string;
    chart?: string;
    version?: string;
    namespace?: string;
    status: ReleaseStatus;
    /** Why a Release was not evaluated. */
    reason?: string;
    /** Rendered objects (hooks included) and how many of them are hooks. */
    objects: number;
    hooks: number;
    /** Pods the chart's operators create at runtime: not in the rendered output, described instead. */
    operatorWorkloads: OperatorWorkload[];
}

export interface RenderedObject {
    urn: string;
    releaseUrn: string;
    type: string;
    name: string;
    object: K8sObject;
    hook: boolean;
    /** The chart file it came from (helm's `# Source:`), e.g. `falco/templates/daemonset.yaml`. */
    source?: string;
    /** Gatekeeper's verdicts (gator), for kinds some constraint matches; undefined when gator did not run. */
    gatekeeper?: GatekeeperVerdict[];
}

export interface ChartWorkloads {
    releases: ReleaseEvaluation[];
    objects: RenderedObject[];
    /** API versions the rendered charts' CRDs add to the cluster. */
    crdApiVersions: string[];
}

/** `kubernetes:<group|core>/<version>:<Kind>`: the type token the pack reads apiVersion/kind from. */
export function typeTokenFor(object: K8sObject): string | undefined {
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") return undefined;
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/", 2) : ["core", object.apiVersion];
    if (!/^[a-z0-9.-]+$/.test(group) || !/^[a-z0-9]+$/.test(version) || !/^[A-Za-z0-9]+$/.test(object.kind)) return undefined;
    return `kubernetes:${group}/${version}:${object.kind}`;
}

/** A child URN under the Release: `<release's qualified type>$<child type>::<child name>`. */
export function childUrn(releaseUrn: string, type: string, name: string): string {
    const parts = releaseUrn.split("::");
    if (parts.length < 4) throw new Error(`not a resource URN: ${releaseUrn}`);
    return `${parts[0]}::${parts[1]}::${parts[2]}$${type}::${name}`;
}

function isHook(object: K8sObject): boolean {
    return typeof object.metadata?.annotations?.["helm.sh/hook"] === "string";
}

/** Helm creates namespaced objects without a namespace in the release namespace. */
function placeInNamespace(object: K8sObject, namespace: string): K8sObject {
    if (CLUSTER_SCOPED_KINDS.has(String(object.kind)) || object.kind === "CustomResourceDefinition") return object;
    if (object.metadata && typeof object.metadata.namespace === "string" && object.metadata.namespace !== "") return object;
    return { ...object, metadata: { ...(object.metadata ?? {}), namespace } };
}

/** CRD group/versions an object adds to the cluster's API (for the Releases installed after it). */
function crdGroupVersions(object: K8sObject): string[] {
    if (object.kind !== "CustomResourceDefinition") return [];
    const spec = (object as { spec?: { group?: unknown; versions?: unknown } }).spec;
    if (typeof spec?.group !== "string" || !Array.isArray(spec.versions)) return [];
    const group = spec.group;
    return (spec.versions as unknown[]).flatMap((v) => {
        const name = (v as { name?: unknown } | null | undefined)?.name;
        return typeof name === "string" ? [`${group}/${name}`] : [];
    });
}

export interface RenderOptions {
    /** The stack's cluster version (`kubernetesVersion`): `.Capabilities.KubeVersion` of every chart. */
    kubeVersion: string;
    /** Where charts come from; undefined: every Release is reported "not evaluated". */
    source?: ChartSource;
    /** Run gator over the rendered objects (default true when a source is given). */
    gatekeeper?: boolean;
    progress?: (message: string) => void;
}

/**
 * Renders every Release of the run in declaration order (the program installs CRD charts first, so each
 * later Release sees the API versions the earlier ones installed, as on the cluster).
 */
export async function renderChartWorkloads(run: ProgramRun, options: RenderOptions): Promise<ChartWorkloads> {
    const releases: ReleaseEvaluation[] = [];
    const objects: RenderedObject[] = [];
    // The program's own custom resources exist from the start; each chart's CRDs for the Releases after it.
    const apiVersions = new Set<string>(programApiVersions(run));
    const crdApiVersions = new Set<string>();
    for (const entry of pinnedReleases(run)) {
        const base = { urn: entry.urn, resourceName: entry.resourceName, objects: 0, hooks: 0 };
        const release = entry.release;
        if (!release) {
            releases.push({ ...base, status: "not evaluated", reason: entry.problem, operatorWorkloads: [] });
            continue;
        }
        const described = {
            ...base,
            chart: release.chart,
            version: release.version,
            namespace: release.namespace,
            operatorWorkloads: operatorWorkloadsFor(release.chart),
        };
        if (!options.source) {
            releases.push({
                ...described,
                status: "not evaluated",
                reason: "no charts given (--charts <dir> or --charts pull): Helm renders this Release's objects in the cluster, Gatekeeper checks them at admission",
            });
            continue;
        }
        options.progress?.(`rendering ${release.chart} ${release.version} (${release.releaseName} in ${release.namespace})`);
        const located = await locateChart(options.source, release);
        if ("missing" in located) {
            releases.push({ ...described, status: "not evaluated", reason: located.missing });
            continue;
        }
        const rendered = await renderChartWithSources({
            chartDir: located.path,
            releaseName: release.releaseName,
            namespace: release.namespace,
            values: release.values,
            includeCrds: !release.skipCrds,
            kubeVersion: options.kubeVersion,
            apiVersions: [...apiVersions].sort(),
        });
        const seen = new Set<string>();
        let hooks = 0;
        for (const { object: raw, source } of rendered) {
            const object = placeInNamespace(raw, release.namespace);
            for (const v of crdGroupVersions(object)) {
                apiVersions.add(v);
                crdApiVersions.add(v);
            }
            const type = typeTokenFor(object);
            const objectName = typeof object.metadata?.name === "string" ? object.metadata.name : undefined;
            if (!type || !objectName)
                throw new Error(`${release.chart} ${release.version}: a rendered object has no valid apiVersion/kind/metadata.name`);
            const name = object.metadata?.namespace ? `${object.metadata.namespace}/${objectName}` : objectName;
            const urn = childUrn(release.urn, type, name);
            // Helm itself refuses duplicates; two identical URNs would merge two objects' verdicts.
            if (seen.has(urn)) throw new Error(`${release.chart} ${release.version}: renders ${type} ${name} twice`);
            seen.add(urn);
            const hook = isHook(object);
            if (hook) hooks++;
            objects.push({ urn, releaseUrn: release.urn, type, name, object, hook, ...(source ? { source } : {}) });
        }
        releases.push({ ...described, status: "evaluated", objects: seen.size, hooks });
    }
    if (options.source && (options.gatekeeper ?? true) && objects.length > 0) {
        options.progress?.(`gator test: ${objects.length} rendered objects against the stack's constraints`);
        const review = await gatorVerdicts(
            policiesFromRun(run),
            objects.map((o) => o.object),
        );
        for (const o of objects) {
            const key = objectKey(o.object);
            if (review.reviewed.has(key)) o.gatekeeper = review.verdicts.get(key) ?? [];
        }
    }
    return { releases, objects, crdApiVersions: [...crdApiVersions].sort() };
}

/** The rendered objects as the engine would hand them to the analyzer: children of their Release. */
export function analyzerResourcesFor(workloads: ChartWorkloads): AnalyzerResourceInput[] {
    return workloads.objects.map((o) => ({
        type: o.type,
        urn: o.urn,
        name: o.name,
        props: o.object,
        options: { parent: o.releaseUrn },
        parent: o.releaseUrn,
        dependencies: [],
    }));
}

export interface Disagreement {
    urn: string;
    ruleId: string;
    pack: boolean;
    gatekeeper: boolean;
}

/**
 * Objects where the pack and Gatekeeper reach different verdicts on an enabled rule (one catalogue, two
 * engines: any difference is a defect in a rule's TypeScript or CEL form). Only objects gator reviewed.
 */
export function disagreements(
    workloads: ChartWorkloads,
    packRuleIdsByUrn: ReadonlyMap<string, ReadonlySet<string>>,
    enabledRules: ReadonlySet<string>,
): Disagreement[] {
    const out: Disagreement[] = [];
    for (const o of workloads.objects) {
        if (!o.gatekeeper) continue;
        const gk = new Set(o.gatekeeper.filter((v) => v.enforcementAction !== "dryrun").map((v) => v.ruleId));
        const pack = packRuleIdsByUrn.get(o.urn) ?? new Set<string>();
        for (const ruleId of [...enabledRules].sort()) {
            if (gk.has(ruleId) !== pack.has(ruleId)) out.push({ urn: o.urn, ruleId, pack: pack.has(ruleId), gatekeeper: gk.has(ruleId) });
        }
    }
    return out;
}

/** The report's view: per Release its status, per rendered object the pack's and Gatekeeper's verdicts. */
export function chartsSection(
    workloads: ChartWorkloads,
    packRuleIdsByUrn: ReadonlyMap<string, ReadonlySet<string>>,
    found: Disagreement[],
    podSecurityByUrn: ReadonlyMap<string, string> = new Map(),
): ChartsSection {
    const releaseNames = new Map(workloads.releases.map((r) => [r.urn, r.resourceName]));
    return {
        releases: workloads.releases.map((r) => ({
            urn: r.urn,
            chart: r.chart,
            version: r.version,
            namespace: r.namespace,
            status: r.status,
            ...(r.reason ? { reason: r.reason } : {}),
            objects: r.objects,
            hooks: r.hooks,
            operatorWorkloads: r.operatorWorkloads,
        })),
        objects: workloads.objects.map((o) => ({
            urn: o.urn,
            release: releaseNames.get(o.releaseUrn) ?? o.releaseUrn,
            kind: String(o.object.kind),
            ...(o.object.metadata?.namespace ? { namespace: o.object.metadata.namespace } : {}),
            name: String(o.object.metadata?.name),
            hook: o.hook,
            pack: [...(packRuleIdsByUrn.get(o.urn) ?? [])].sort(),
            ...(o.gatekeeper
                ? { gatekeeper: o.gatekeeper.map((v) => ({ ruleId: v.ruleId, enforcementAction: v.enforcementAction })) }
                : {}),
            ...(podSecurityByUrn.has(o.urn) ? { podSecurity: podSecurityByUrn.get(o.urn) } : {}),
            ...(o.source ? { source: o.source } : {}),
        })),
        disagreements: found,
    };
}

/** Rendered objects in the shape of recorded resources, for the plan's tree and counts. */
export function asRecordedResources(workloads: ChartWorkloads): RecordedResource[] {
    return workloads.objects.map((o) => ({
        urn: o.urn,
        type: o.type,
        name: o.name,
        parent: o.releaseUrn,
        custom: true,
        inputs: o.object,
        secretPaths: [],
        dependencies: [],
        protect: false,
        ignoreChanges: [],
        deleteBeforeReplace: false,
    }));
}
