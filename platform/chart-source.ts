// Where a pinned chart comes from when it is not its official repository: a directory of chart packages in the
// layout `helm pull` writes (`<dir>/<chart>-<version>.tgz`) or unpacked charts (`<dir>/<chart>/`), each checked
// against the pinned version, or one mirror repository. The plan's `--charts <dir>` reads the same layout.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { parse as parseYaml } from "yaml";
import { ChartInstallSource } from "../stacks/types";
import { PinnedChart } from "./chart-pins";

export type LocatedChart = { path: string } | { missing: string };

/** Chart packages are a few MB unpacked; a larger archive is not a chart we pin. */
const MAX_UNPACKED_BYTES = 128 * 1024 * 1024;
const TAR_BLOCK = 512;

function chartYamlVersion(text: string): string | undefined {
    try {
        const doc = parseYaml(text) as { version?: unknown } | null;
        return doc && (typeof doc.version === "string" || typeof doc.version === "number") ? String(doc.version) : undefined;
    } catch {
        return undefined;
    }
}

/** The version in a packaged chart's top-level `<name>/Chart.yaml`, read from the gzipped tar; undefined when unreadable. */
export function packagedChartVersion(file: string): string | undefined {
    let tar: Buffer;
    try {
        tar = zlib.gunzipSync(fs.readFileSync(file), { maxOutputLength: MAX_UNPACKED_BYTES });
    } catch {
        return undefined;
    }
    for (let offset = 0; offset + TAR_BLOCK <= tar.length;) {
        const header = tar.subarray(offset, offset + TAR_BLOCK);
        if (header.every((b) => b === 0)) return undefined; // end of archive
        const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        const prefix = header.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
        const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
        if (!Number.isFinite(size) || size < 0) return undefined;
        const entry = prefix ? `${prefix}/${name}` : name;
        const parts = entry.split("/");
        if (parts.length === 2 && parts[1] === "Chart.yaml") {
            return chartYamlVersion(tar.subarray(offset + TAR_BLOCK, offset + TAR_BLOCK + size).toString("utf8"));
        }
        offset += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    }
    return undefined;
}

/** The version an unpacked chart directory declares (Chart.yaml), or undefined when unreadable. */
export function unpackedChartVersion(dir: string): string | undefined {
    try {
        return chartYamlVersion(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
    } catch {
        return undefined;
    }
}

/**
 * The chart in a directory: `<dir>/<chart>-<version>.tgz`, else an unpacked `<dir>/<chart>/`; either must declare
 * the pinned version in its Chart.yaml. Anything else is reported as missing, with what was found.
 */
export function locateLocalChart(dir: string, chart: Pick<PinnedChart, "chart" | "version">): LocatedChart {
    const packaged = path.join(dir, `${chart.chart}-${chart.version}.tgz`);
    if (fs.existsSync(packaged)) {
        const version = packagedChartVersion(packaged);
        if (version === chart.version) return { path: packaged };
        return { missing: `${packaged} is chart version ${version ?? "(unreadable)"}, the program pins ${chart.version}` };
    }
    const unpacked = path.join(dir, chart.chart);
    if (fs.existsSync(path.join(unpacked, "Chart.yaml"))) {
        const version = unpackedChartVersion(unpacked);
        if (version === chart.version) return { path: unpacked };
        return { missing: `${unpacked} is chart version ${version ?? "(unreadable)"}, the program pins ${chart.version}` };
    }
    return { missing: `neither ${chart.chart}-${chart.version}.tgz nor ${chart.chart}/ in ${dir}` };
}

/** What a chart source lacks for these charts: one line per chart (empty when every chart is there). */
export function chartSourceProblems(source: ChartInstallSource, charts: readonly PinnedChart[]): string[] {
    if (source.kind !== "directory") return [];
    return charts.flatMap((chart) => {
        const located = locateLocalChart(source.dir, chart);
        return "missing" in located ? [located.missing] : [];
    });
}

/** The Release inputs that say where Helm gets the chart from. */
export function releaseChart(
    chart: PinnedChart,
    source: ChartInstallSource,
): { chart: string; version: string; repositoryOpts?: { repo: string } } {
    switch (source.kind) {
        case "official":
            return { chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo } };
        case "mirror":
            // An OCI registry addresses charts by reference; a classic repository by name in its index.
            return source.url.startsWith("oci://")
                ? { chart: `${source.url.replace(/\/+$/, "")}/${chart.chart}`, version: chart.version }
                : { chart: chart.chart, version: chart.version, repositoryOpts: { repo: source.url } };
        case "directory": {
            const located = locateLocalChart(source.dir, chart);
            if ("missing" in located) throw new Error(`chart ${chart.chart} ${chart.version}: ${located.missing}`);
            // Helm ignores the version for a local chart; it stays on the Release as the record of the pin.
            return { chart: located.path, version: chart.version };
        }
    }
}
