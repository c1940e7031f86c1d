// Chart workloads in the offline plan: each pinned Release rendered with exactly the values the program
// passes (recorded by the mock engine), every rendered object added to the plan as a child of its Release,
// so the pack evaluates it over the Analyzer protocol like any declared resource, and gator gives the
// admission verdict of the stack's own constraints. Releases that could not be rendered stay "not evaluated".
import type { AnalyzerResourceInput } from "../analyzer/analyzer";
import type { ProgramRun, RecordedResource } from "../mock-engine";
import type { ChartsSection } from "../report/model";
import { CLUSTER_SCOPED_KINDS } from "../../policy-pack/pack/kubernetes";
import { K8sObject, renderChart } from "./helm-template";
import { ChartSource, locateChart, pinnedReleases } from "./releases";
import { GatekeeperVerdict, gatorVerdicts, objectKey, policiesFromRun } from "./gator";
import { operatorWorkloadsFor, OperatorWorkload } from "./operator-workloads";

/**
 * `.Capabilities.KubeVersion` for rendering: the minor GKE's regular channel runs (the mock engine's
 * getEngineVersions answer), so charts gate their templates as they would on the cluster.
 */
export const PLAN_KUBE_VERSION = "1.33.5";

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
    /** Gatekeeper's verdicts (gator), for kinds some constraint matches; undefined when gator did not run. */
    gatekeeper?: GatekeeperVerdict[];
}

export interface ChartWorkloads {
    releases: ReleaseEvaluation[];
    objects: RenderedObject[];
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
function crdApiVersions(object: K8sObject): string[] {
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
    const apiVersions = new Set<string>();
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
        const rendered = await renderChart({
            chartDir: located.path,
            releaseName: release.releaseName,
            namespace: release.namespace,
            values: release.values,
            includeCrds: !release.skipCrds,
            kubeVersion: PLAN_KUBE_VERSION,
            apiVersions: [...apiVersions].sort(),
        });
        const seen = new Set<string>();
        let hooks = 0;
        for (const raw of rendered) {
            const object = placeInNamespace(raw, release.namespace);
            for (const v of crdApiVersions(object)) apiVersions.add(v);
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
            objects.push({ urn, releaseUrn: release.urn, type, name, object, hook });
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
    return { releases, objects };
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
