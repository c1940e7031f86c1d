// The pinned Helm Releases of a program run, read from the mock engine's recorded inputs (exactly what the
// program passes to Helm), and where each one's chart comes from: a local directory or `helm pull`.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
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
            const fields = {
                releaseName: str(inputs.name),
                namespace: str(inputs.namespace),
                chart: str(inputs.chart),
                version: str(inputs.version),
                repo: str(repoOpts.repo),
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

/** The chart version an unpacked chart directory declares (Chart.yaml), or undefined when unreadable. */
function unpackedVersion(dir: string): string | undefined {
    try {
        const doc = parseYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { version?: unknown } | null;
        return doc && (typeof doc.version === "string" || typeof doc.version === "number") ? String(doc.version) : undefined;
    } catch {
        return undefined;
    }
}

export type LocatedChart = { path: string } | { missing: string };

/**
 * The chart for a release: `<dir>/<chart>-<version>.tgz`, else an unpacked `<dir>/<chart>/` whose Chart.yaml
 * has the pinned version; with `pull`, `helm pull` of the pinned repo/chart/version (throws when that fails:
 * the PR plan must not silently skip a chart). A chart absent from a directory is reported, not rendered.
 */
export async function locateChart(source: ChartSource, release: PinnedReleaseInput): Promise<LocatedChart> {
    if (source.kind === "pull") return { path: await pullChart(release, source.destination) };
    const packaged = path.join(source.dir, `${release.chart}-${release.version}.tgz`);
    if (fs.existsSync(packaged)) return { path: packaged };
    const unpacked = path.join(source.dir, release.chart);
    if (fs.existsSync(path.join(unpacked, "Chart.yaml"))) {
        const version = unpackedVersion(unpacked);
        if (version === release.version) return { path: unpacked };
        return { missing: `${unpacked} is chart version ${version ?? "(unreadable)"}, the program pins ${release.version}` };
    }
    return { missing: `neither ${release.chart}-${release.version}.tgz nor ${release.chart}/ in ${source.dir}` };
}
