// Test support: checks the Helm value paths a component sets against a fixture listing the paths verified
// against the pinned chart's values.yaml and templates (test/fixtures/<area>/*chart-keys.yaml). A misspelled,
// misplaced or renamed key is silently ignored by Helm; this makes it a test failure instead, and a chart bump
// (the fixture's version no longer matches) forces the paths to be verified again.
import * as fs from "fs";
import { parse as parseYaml } from "yaml";

export interface ChartKeysFixture {
    chart: string;
    version: string;
    /** Where the paths were verified (repository, tag or commit, chart directory). */
    source: string;
    /** Paths the chart passes through whole (toYaml/toJson/range): any sub-key belongs to Kubernetes or the tool. */
    freeForm: string[];
    /** Leaf paths the chart's values.yaml or templates read. */
    keys: string[];
}

export function readChartKeys(file: string): ChartKeysFixture {
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as ChartKeysFixture;
    if (!doc.chart || !doc.version || !Array.isArray(doc.keys) || !Array.isArray(doc.freeForm))
        throw new Error(`${file}: chart, version, keys and freeForm are required`);
    return doc;
}

/** Dotted leaf paths of a values tree; arrays and empty maps are leaves (Helm replaces them whole). */
export function valuePaths(values: unknown, prefix = ""): string[] {
    if (values !== null && typeof values === "object" && !Array.isArray(values) && Object.keys(values).length > 0) {
        return Object.entries(values as Record<string, unknown>).flatMap(([k, v]) => valuePaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}

/** The paths in `values` that are neither a verified key nor inside a free-form subtree. */
export function unverifiedPaths(values: unknown, fixture: ChartKeysFixture): string[] {
    const keys = new Set(fixture.keys);
    return valuePaths(values).filter((p) => !keys.has(p) && !fixture.freeForm.some((f) => p === f || p.startsWith(`${f}.`)));
}

/**
 * Everything wrong between a component's Helm values (one per environment/mode it was run in) and the fixture:
 * the fixture verified another chart or version, a path set that was never verified, or a verified key or
 * free-form map the code no longer sets (a stale fixture hides the next real mistake). Empty when all is well.
 */
export function chartKeyProblems(
    fixture: ChartKeysFixture,
    pinned: { chart: string; version: string },
    valuesPerRun: readonly unknown[],
): string[] {
    const problems: string[] = [];
    if (fixture.chart !== pinned.chart || fixture.version !== pinned.version) {
        problems.push(
            `fixture verified ${fixture.chart} ${fixture.version}, the component pins ${pinned.chart} ${pinned.version}: verify every path again`,
        );
    }
    const set = new Set<string>();
    for (const values of valuesPerRun) {
        for (const p of unverifiedPaths(values, fixture)) problems.push(`not verified against the chart: ${p}`);
        for (const p of valuePaths(values)) set.add(p);
    }
    for (const key of fixture.keys) if (!set.has(key)) problems.push(`verified key no longer set: ${key}`);
    for (const map of fixture.freeForm)
        if (![...set].some((p) => p === map || p.startsWith(`${map}.`))) problems.push(`free-form map no longer set: ${map}`);
    return [...new Set(problems)];
}
