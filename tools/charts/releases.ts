// The pinned Helm Releases of a program run, read from the mock engine's recorded inputs (exactly what the
// program passes to Helm), and where each one's chart comes from: a local directory or `helm pull`.
import * as path from "path";
import { LocatedChart, locateLocalChart, packagedChartVersion, unpackedChartVersion } from "../../platform/chart-source";
import type { ProgramRun } from "../mock-engine";
import { pullChart } from "./helm-template";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

export interface PinnedReleaseInput {
    urn: string;
    /** Pulumi resource name (e.g. `falco-release`). */
    resourceName: string;
    releaseName: string;
    namespace: string;
    chart: string;
    version: string;
    repo: string;
    values: unknown;
    skipCrds: boolean;
}

/** `--charts <dir>` or `--charts pull`. */
export type ChartSource = { kind: "dir"; dir: string } | { kind: "pull"; destination: string };

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The chart name of an OCI reference (`oci://host/path/<chart>`); a plain name as it is. */
function chartName(chart: string | undefined): string | undefined {
    return chart?.startsWith("oci://") ? chart.slice(chart.lastIndexOf("/") + 1) || undefined : chart;
}

/** A Release whose chart is a local path (no repository): the chart's name from its Chart.yaml location. */
function localChart(chart: string | undefined, repo: string | undefined): { chart: string; path: string } | undefined {
    if (repo !== undefined || chart === undefined || !path.isAbsolute(chart)) return undefined;
    const base = path.basename(chart);
    if (chart.endsWith(".tgz")) {
        const version = packagedChartVersion(chart);
        const suffix = version !== undefined ? `-${version}.tgz` : undefined;
        return suffix && base.endsWith(suffix) ? { chart: base.slice(0, -suffix.length), path: chart } : undefined;
    }
    return unpackedChartVersion(chart) !== undefined ? { chart: base, path: chart } : undefined;
}

/**
 * Every Release of the run with the fields rendering needs. A Release whose chart, version, name or
 * namespace is not a plain string cannot be rendered: it comes back with `problem` set instead.
 */
export function pinnedReleases(run: ProgramRun): { release?: PinnedReleaseInput; urn: string; resourceName: string; problem?: string }[] {
    return run.resources
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => {
            const inputs = r.inputs ?? {};
            const repoOpts =
                inputs.repositoryOpts !== null && typeof inputs.repositoryOpts === "object"
                    ? (inputs.repositoryOpts as Record<string, unknown>)
                    : {};
            const local = localChart(str(inputs.chart), str(repoOpts.repo));
            const fields = {
                releaseName: str(inputs.name),
                namespace: str(inputs.namespace),
                chart: local?.chart ?? chartName(str(inputs.chart)),
                version: str(inputs.version),
                // A chart installed from a directory (stack setting chartDirectory) has no repository: its path stands in.
                repo: str(repoOpts.repo) ?? local?.path ?? str(inputs.chart)?.replace(/\/[^/]*$/, ""),
            };
            const missing = Object.entries(fields)
                .filter(([, v]) => v === undefined)
                .map(([k]) => k);
            if (missing.length > 0)
                return { urn: r.urn, resourceName: r.name, problem: `the Release's ${missing.join(", ")} is not a known string` };
            const release: PinnedReleaseInput = {
                urn: r.urn,
                resourceName: r.name,
                releaseName: fields.releaseName as string,
                namespace: fields.namespace as string,
                chart: fields.chart as string,
                version: fields.version as string,
                repo: fields.repo as string,
                values: inputs.values ?? {},
                skipCrds: inputs.skipCrds === true,
            };
            return { urn: r.urn, resourceName: r.name, release };
        });
}

export type { LocatedChart } from "../../platform/chart-source";

/**
 * The chart for a release: from a directory (`<dir>/<chart>-<version>.tgz` or `<dir>/<chart>/`, the layout the
 * stack setting `chartDirectory` installs from, each checked against the pinned version), or with `pull`, `helm
 * pull` of the pinned repo/chart/version (throws when that fails: the PR plan must not silently skip a chart). A
 * chart absent from a directory is reported, not rendered.
 */
export async function locateChart(source: ChartSource, release: PinnedReleaseInput): Promise<LocatedChart> {
    if (source.kind === "pull") return { path: await pullChart(release, source.destination) };
    return locateLocalChart(source.dir, release);
}
