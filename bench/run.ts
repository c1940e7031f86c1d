// `npm run bench`: policy-pack throughput and cold start against an empty pack, and the prod program's
// evaluation cost against just importing the provider SDKs - each against its floor, on the same machine in
// one run. Prints a table and writes bench/results/latest.json (`--record` also writes bench/results/<date>.json).
//
// Knobs (environment): BENCH_RESOURCES (10000), BENCH_BLOCKS (5), BENCH_CONCURRENCY (1 = as the engine:
// Remediate then Analyze, one resource at a time), BENCH_COLD_RUNS (5), BENCH_PROGRAM_RUNS (5), BENCH_SEED,
// BENCH_STRESS_CONCURRENCY (16; 0 skips: the same resources as Analyze only with that many in flight, an
// informational row showing the pack's own per-Analyze cost without Remediate and round-trip latency),
// BENCH_STRICT=1 (exit 2 when a target is missed).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measureColdStart, measureThroughput } from "./pack-throughput";
import { measureProgram } from "./program";
import { describeMix, generateResources } from "./resources";
import { round } from "./lib/stats";

const RESULTS_DIR = path.join(__dirname, "results");

function envNumber(name: string, fallback: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
    return value;
}

interface Row {
    metric: string;
    ours: number;
    floor: number;
    unit: string;
    /** Maximum ours/floor ratio; undefined for informational rows. */
    target?: number;
}

function ratio(row: Row): number {
    return row.ours / row.floor;
}

function verdict(row: Row): string {
    if (row.target === undefined) return "info";
    return ratio(row) <= row.target ? "PASS" : "MISS";
}

function table(rows: Row[]): string {
    const header = ["metric", "ours", "floor", "ratio", "target", "result"];
    const lines = rows.map((r) => [
        r.metric,
        `${round(r.ours, r.ours < 100 ? 1 : 0)} ${r.unit}`,
        `${round(r.floor, r.floor < 100 ? 1 : 0)} ${r.unit}`,
        `${round(ratio(r), 2).toFixed(2)}x`,
        r.target === undefined ? "-" : `<= ${r.target}x`,
        verdict(r),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(fmt)].join("\n");
}

async function main(): Promise<void> {
    const started = Date.now();
    const resourcesCount = envNumber("BENCH_RESOURCES", 10000);
    const blocks = envNumber("BENCH_BLOCKS", 5);
    const concurrency = envNumber("BENCH_CONCURRENCY", 1);
    const stressConcurrency = process.env.BENCH_STRESS_CONCURRENCY === "0" ? 0 : envNumber("BENCH_STRESS_CONCURRENCY", 16);
    const coldRuns = envNumber("BENCH_COLD_RUNS", 5);
    const programRuns = envNumber("BENCH_PROGRAM_RUNS", 5);
    const seed = envNumber("BENCH_SEED", 20240601);
    const log = (line: string): void => console.log(line);
    const machine = {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
    };
    log(`machine: ${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAverageAtStart.join(" ")}`);

    const resources = generateResources(resourcesCount, seed);
    const mix = describeMix(resources);
    log(`1. pack throughput: ${resources.length} resources (seed ${seed}), ${concurrency === 1 ? "Remediate+Analyze one at a time, as the engine" : `Analyze with ${concurrency} in flight`}`);
    const throughput = await measureThroughput(resources, { blocks, concurrency, warmup: Math.min(500, resources.length), log });

    let stress: Awaited<ReturnType<typeof measureThroughput>> | undefined;
    if (stressConcurrency > 0) {
        log(`1b. the same resources, Analyze only, ${stressConcurrency} in flight (informational)`);
        stress = await measureThroughput(resources, { blocks, concurrency: stressConcurrency, warmup: Math.min(500, resources.length), log });
    }

    log(`2. pack cold start: spawn -> GetAnalyzerInfo answered, ${coldRuns} runs per pack`);
    const cold = await measureColdStart(coldRuns, log);

    log(`3. prod program under mocks vs importing @pulumi/gcp + @pulumi/kubernetes, ${programRuns} fresh processes each`);
    const program = await measureProgram(programRuns, "prod", log);

    const ours = throughput.ours;
    const empty = throughput.empty;
    const rows: Row[] = [
        { metric: `analyzer: ${resources.length} resources, wall`, ours: ours.medianWallMs, floor: empty.medianWallMs, unit: "ms", target: 1.5 },
        { metric: "analyzer: resources/second", ours: ours.resourcesPerSecond, floor: empty.resourcesPerSecond, unit: "/s" },
        { metric: "analyzer: pack CPU (user+sys)", ours: ours.medianPackCpuMs, floor: empty.medianPackCpuMs, unit: "ms" },
        { metric: "analyzer: pack peak RSS", ours: (ours.peakRssKiB ?? NaN) / 1024, floor: (empty.peakRssKiB ?? NaN) / 1024, unit: "MiB" },
        ...(stress
            ? [
                  { metric: `analyzer, Analyze only, ${stressConcurrency} in flight: wall`, ours: stress.ours.medianWallMs, floor: stress.empty.medianWallMs, unit: "ms" },
                  { metric: `analyzer, Analyze only, ${stressConcurrency} in flight: pack CPU`, ours: stress.ours.medianPackCpuMs, floor: stress.empty.medianPackCpuMs, unit: "ms" },
              ]
            : []),
        { metric: "cold start: spawn -> GetAnalyzerInfo", ours: cold.ours.medianMs, floor: cold.empty.medianMs, unit: "ms", target: 1.3 },
        { metric: "cold start: pack peak RSS", ours: cold.ours.peakRssKiB / 1024, floor: cold.empty.peakRssKiB / 1024, unit: "MiB" },
        { metric: `program: prod graph (${program.program.resources} resources)`, ours: program.program.medianWallMs, floor: program.imports.medianWallMs, unit: "ms", target: 2 },
        { metric: "program: peak RSS", ours: program.program.medianMaxRssKiB / 1024, floor: program.imports.medianMaxRssKiB / 1024, unit: "MiB" },
    ];

    const elapsedS = round((Date.now() - started) / 1000, 1);
    log("");
    log(table(rows));
    log(`\nmedians: throughput = median of ${blocks} interleaved blocks x ${blocks}; cold start and program = median of ${coldRuns}/${programRuns} fresh processes.`);
    log(`diagnostics reported by our pack over the ${resources.length} resources: ${ours.diagnostics}; load average at end ${os.loadavg().map((l) => round(l, 2)).join(" ")}; bench took ${elapsedS} s`);

    const report = {
        date: new Date().toISOString(),
        machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
        settings: { resources: resourcesCount, blocks, concurrency, stressConcurrency, coldRuns, programRuns, seed },
        workload: mix,
        summary: rows.map((r) => ({ metric: r.metric, ours: round(r.ours, 1), floor: round(r.floor, 1), unit: r.unit, ratio: round(ratio(r), 3), target: r.target ?? null, result: verdict(r) })),
        throughput,
        throughputStress: stress ?? null,
        coldStart: cold,
        program,
        elapsedSeconds: elapsedS,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
    if (process.argv.includes("--record")) {
        const file = path.join(RESULTS_DIR, `${report.date.slice(0, 10)}.json`);
        fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
        log(`recorded ${path.relative(process.cwd(), file)}`);
    }
    // BENCH_STRICT=1 turns a missed target into a failing exit code (for a CI gate); by default it only reports.
    if (process.env.BENCH_STRICT === "1" && rows.some((r) => verdict(r) === "MISS")) process.exitCode = 2;
}

main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
});
