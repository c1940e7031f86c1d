// Pack throughput and cold start through the Analyzer protocol, our pack against the empty floor pack, on
// the same harness (tools/analyzer/analyzer.ts: spawned as the engine spawns it, gRPC as the engine speaks it).
//
// How the engine calls a pack during a preview: the deployment executor handles one RegisterResource event
// at a time (deploymentExecutor.handleSingleEvent -> stepGenerator.GenerateSteps), and GenerateSteps calls
// Remediate and then Analyze on every analyzer, synchronously, for that resource. So a pack sees ONE request
// in flight, Remediate followed by Analyze, per resource. That is the default here (`concurrency: 1`);
// a higher concurrency is available to stress the pack (it then runs Analyze only).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerResourceInput, PolicyPackAnalyzer, POLICY_PACK_DIR } from "../tools/analyzer/analyzer";
import { cpuMs, median, packChildPid, peakRssKiB } from "./lib/stats";

export const EMPTY_PACK_DIR = path.join(__dirname, "empty-pack");

export interface PackUnderTest {
    label: string;
    dir: string;
}

export const OUR_PACK: PackUnderTest = { label: "ours", dir: POLICY_PACK_DIR };
export const EMPTY_PACK: PackUnderTest = { label: "empty", dir: EMPTY_PACK_DIR };

export interface PassResult {
    wallMs: number;
    /** CPU the pack process used during the pass (user + system, from /proc). */
    packCpuMs: number;
    diagnostics: number;
    notApplicable: number;
}

export interface ThroughputResult {
    pack: string;
    resources: number;
    /** Block by block, in the order measured (the pack order rotates per block). */
    blocks: PassResult[];
    /** Sums over the blocks: every resource once. */
    totalWallMs: number;
    totalPackCpuMs: number;
    resourcesPerSecond: number;
    /** Median block x number of blocks (robust to one noisy block). */
    medianWallMs: number;
    medianPackCpuMs: number;
    peakRssKiB?: number;
    diagnostics: number;
    notApplicable: number;
}

interface LivePack {
    pack: PackUnderTest;
    analyzer: PolicyPackAnalyzer;
    pid: number;
}

async function startPack(pack: PackUnderTest): Promise<LivePack> {
    const analyzer = await PolicyPackAnalyzer.start({ packDir: pack.dir, stack: "bench" });
    await analyzer.getAnalyzerInfo();
    // The engine always sends Configure before the first Analyze (the reconciled defaults when no config is given).
    await analyzer.configure({});
    return { pack, analyzer, pid: analyzer.pid ?? packChildPid(pack.dir) };
}

/** One pass over every resource with `concurrency` requests in flight; Remediate+Analyze when concurrency is 1. */
async function pass(live: LivePack, resources: readonly AnalyzerResourceInput[], concurrency: number): Promise<PassResult> {
    let next = 0;
    let diagnostics = 0;
    let notApplicable = 0;
    const engineLike = concurrency === 1;
    const worker = async (): Promise<void> => {
        while (next < resources.length) {
            const resource = resources[next++];
            if (engineLike) await live.analyzer.remediate(resource);
            // Awaited first: `diagnostics += await ...` would read the counter before the await and lose
            // the other workers' updates.
            const response = await live.analyzer.analyzeResponse(resource);
            diagnostics += response.diagnostics.length;
            notApplicable += response.notApplicable.length;
        }
    };
    const cpuBefore = cpuMs(live.pid);
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = performance.now() - started;
    return { wallMs, packCpuMs: cpuMs(live.pid) - cpuBefore, diagnostics, notApplicable };
}

export interface ThroughputOptions {
    /** The resources are sent in this many consecutive blocks. */
    blocks: number;
    concurrency: number;
    /** Resources sent once before measuring (JIT warm-up of every pack). */
    warmup: number;
    log?: (line: string) => void;
    /** The packs measured side by side, each under its own label (default: ours and the empty pack). */
    packs?: readonly PackUnderTest[];
}

/** The list a map was seeded with for `key` (every key is seeded up front, so a miss is a bug). */
function seeded<T>(lists: ReadonlyMap<string, T[]>, key: string): T[] {
    const list = lists.get(key);
    if (!list) throw new Error(`bench: no results list for ${key}`);
    return list;
}

/** `items` rotated left by `by` (block b measures the packs in a different order than block b-1). */
export function rotated<T>(items: readonly T[], by: number): T[] {
    const k = ((by % items.length) + items.length) % items.length;
    return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * The packs started once and warmed up; then the resources go through in `blocks` consecutive blocks,
 * the packs interleaved block by block with the order rotated every block (so none always runs first
 * after the harness's own work, and teammates' load on this shared machine hits both alike). Pack CPU is
 * read from /proc for the pack process around each pass.
 */
export async function measureThroughput(
    resources: readonly AnalyzerResourceInput[],
    options: ThroughputOptions,
): Promise<Record<string, ThroughputResult>> {
    const packs: LivePack[] = [];
    try {
        for (const pack of options.packs ?? [OUR_PACK, EMPTY_PACK]) packs.push(await startPack(pack));
        const blocks = new Map<string, PassResult[]>(packs.map((p) => [p.pack.label, []]));
        for (const live of packs) await pass(live, resources.slice(0, options.warmup), options.concurrency);
        const size = Math.ceil(resources.length / options.blocks);
        for (let b = 0; b < options.blocks; b++) {
            const block = resources.slice(b * size, (b + 1) * size);
            for (const live of rotated(packs, b)) {
                const result = await pass(live, block, options.concurrency);
                seeded(blocks, live.pack.label).push(result);
                options.log?.(
                    `  block ${b + 1}/${options.blocks} (${block.length} resources) ${live.pack.label}: ${Math.round(result.packCpuMs)} ms pack CPU, ${Math.round(result.wallMs)} ms wall`,
                );
            }
        }
        const results: Record<string, ThroughputResult> = {};
        for (const live of packs) {
            const list = seeded(blocks, live.pack.label);
            const totalWallMs = list.reduce((sum, p) => sum + p.wallMs, 0);
            results[live.pack.label] = {
                pack: live.pack.label,
                resources: resources.length,
                blocks: list,
                totalWallMs,
                totalPackCpuMs: list.reduce((sum, p) => sum + p.packCpuMs, 0),
                resourcesPerSecond: (resources.length * 1000) / totalWallMs,
                medianWallMs: median(list.map((p) => p.wallMs)) * options.blocks,
                medianPackCpuMs: median(list.map((p) => p.packCpuMs)) * options.blocks,
                peakRssKiB: peakRssKiB(live.pid),
                diagnostics: list.reduce((sum, p) => sum + p.diagnostics, 0),
                notApplicable: list.reduce((sum, p) => sum + p.notApplicable, 0),
            };
        }
        return results;
    } finally {
        for (const live of packs) await live.analyzer.close();
    }
}

export type CacheState = "warm" | "fresh";

export interface ColdStartRun {
    /** Spawn -> GetAnalyzerInfo answered, as the harness sees it. */
    wallMs: number;
    /** CPU the pack process used by then (user + system, from /proc). */
    packCpuMs: number;
    peakRssKiB: number;
}

export interface ColdStartResult {
    pack: string;
    caches: CacheState;
    entry: string;
    runs: ColdStartRun[];
    medianWallMs: number;
    medianPackCpuMs: number;
    medianPeakRssKiB: number;
}

export interface ColdStartVariant {
    pack: PackUnderTest;
    /** What run-policy-pack loads: "." (package.json main, the compiled JavaScript) or "index.ts". */
    entry: string;
    label: string;
}

export const COMPILED_VARIANTS: readonly ColdStartVariant[] = [
    { pack: OUR_PACK, entry: ".", label: "ours" },
    { pack: EMPTY_PACK, entry: ".", label: "empty" },
];

/** The sources through run-policy-pack's ts-node with type-checking (how the packs loaded before they shipped compiled). */
export const SOURCE_VARIANTS: readonly ColdStartVariant[] = [
    { pack: OUR_PACK, entry: "index.ts", label: "ours from TypeScript" },
    { pack: EMPTY_PACK, entry: "index.ts", label: "empty from TypeScript" },
];

/**
 * Spawn -> GetAnalyzerInfo answered, `runs` times per variant, interleaved with the order rotated per
 * round. `fresh`: every start gets a new, empty TMPDIR (where ts-node keeps its compile cache), as a CI
 * runner's first `pulumi preview`; `warm`: all starts share one TMPDIR, primed by an unmeasured start.
 */
export async function measureColdStart(
    variants: readonly ColdStartVariant[],
    runs: number,
    caches: CacheState,
    log?: (line: string) => void,
): Promise<Record<string, ColdStartResult>> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cold-"));
    const byLabel = new Map<string, ColdStartRun[]>(variants.map((v) => [v.label, []]));
    const start = async (variant: ColdStartVariant, tmpdir: string): Promise<ColdStartRun> => {
        const started = performance.now();
        const analyzer = await PolicyPackAnalyzer.start({
            packDir: variant.pack.dir,
            stack: "bench",
            entry: variant.entry,
            env: { TMPDIR: tmpdir },
        });
        try {
            await analyzer.getAnalyzerInfo();
            const wallMs = performance.now() - started;
            const pid = analyzer.pid;
            if (pid === undefined) throw new Error(`${variant.label}: the pack process has no pid`);
            return { wallMs, packCpuMs: cpuMs(pid), peakRssKiB: peakRssKiB(pid) ?? NaN };
        } finally {
            await analyzer.close();
        }
    };
    try {
        const warmDir = path.join(scratch, "warm");
        fs.mkdirSync(warmDir);
        if (caches === "warm") for (const variant of variants) await start(variant, warmDir);
        for (let i = 0; i < runs; i++) {
            for (const variant of rotated(variants, i)) {
                const dir = caches === "warm" ? warmDir : fs.mkdtempSync(path.join(scratch, "fresh-"));
                const run = await start(variant, dir);
                seeded(byLabel, variant.label).push(run);
                log?.(
                    `  cold start (${caches} caches) ${i + 1}/${runs} ${variant.label}: ${Math.round(run.packCpuMs)} ms pack CPU, ${Math.round(run.wallMs)} ms wall`,
                );
            }
        }
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    const results: Record<string, ColdStartResult> = {};
    for (const variant of variants) {
        const list = seeded(byLabel, variant.label);
        results[variant.label] = {
            pack: variant.pack.label,
            caches,
            entry: variant.entry,
            runs: list,
            medianWallMs: median(list.map((r) => r.wallMs)),
            medianPackCpuMs: median(list.map((r) => r.packCpuMs)),
            medianPeakRssKiB: median(list.map((r) => r.peakRssKiB)),
        };
    }
    return results;
}
