// Pack throughput and cold start through the Analyzer protocol, our pack against the empty floor pack, on
// the same harness (tools/analyzer/analyzer.ts: spawned as the engine spawns it, gRPC as the engine speaks it).
//
// How the engine calls a pack during a preview: the deployment executor handles one RegisterResource event
// at a time (deploymentExecutor.handleSingleEvent -> stepGenerator.GenerateSteps), and GenerateSteps calls
// Remediate and then Analyze on every analyzer, synchronously, for that resource. So a pack sees ONE request
// in flight, Remediate followed by Analyze, per resource. That is the default here (`concurrency: 1`);
// a higher concurrency is available to stress the pack (it then runs Analyze only).
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
    /** CPU the pack process used during the pass (user + system). */
    packCpuMs: number;
    diagnostics: number;
}

export interface ThroughputResult {
    pack: string;
    resources: number;
    blocks: PassResult[];
    /** Sum of the blocks' wall times: every resource once. */
    totalWallMs: number;
    /** Median block wall time x number of blocks (robust to a noisy block). */
    medianWallMs: number;
    resourcesPerSecond: number;
    medianPackCpuMs: number;
    peakRssKiB?: number;
    diagnostics: number;
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
    return { pack, analyzer, pid: packChildPid(pack.dir) };
}

/** One pass over every resource with `concurrency` requests in flight; Remediate+Analyze when concurrency is 1. */
async function pass(live: LivePack, resources: readonly AnalyzerResourceInput[], concurrency: number): Promise<PassResult> {
    let next = 0;
    let diagnostics = 0;
    const engineLike = concurrency === 1;
    const worker = async (): Promise<void> => {
        while (next < resources.length) {
            const resource = resources[next++];
            if (engineLike) await live.analyzer.remediate(resource);
            // Awaited first: `diagnostics += await ...` would read the counter before the await and lose
            // the other workers' updates.
            const found = (await live.analyzer.analyze(resource)).length;
            diagnostics += found;
        }
    };
    const cpuBefore = cpuMs(live.pid);
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = performance.now() - started;
    return { wallMs, packCpuMs: cpuMs(live.pid) - cpuBefore, diagnostics };
}

export interface ThroughputOptions {
    /** The resources are sent in this many consecutive blocks; the reported time is the median block's, scaled. */
    blocks: number;
    concurrency: number;
    /** Resources sent once before measuring (JIT warm-up of both packs). */
    warmup: number;
    log?: (line: string) => void;
}

/**
 * Both packs started once and warmed up; then the resources go through in `blocks` consecutive blocks,
 * ours and empty interleaved block by block (so noise from teammates' processes on this shared machine hits
 * both alike). Total wall time is the sum over blocks; the robust figure is the median block, scaled to
 * all resources.
 */
export async function measureThroughput(resources: readonly AnalyzerResourceInput[], options: ThroughputOptions): Promise<Record<string, ThroughputResult>> {
    const packs = [await startPack(OUR_PACK), await startPack(EMPTY_PACK)];
    try {
        const blocks = new Map<string, PassResult[]>(packs.map((p) => [p.pack.label, []]));
        for (const live of packs) await pass(live, resources.slice(0, options.warmup), options.concurrency);
        const size = Math.ceil(resources.length / options.blocks);
        for (let b = 0; b < options.blocks; b++) {
            const block = resources.slice(b * size, (b + 1) * size);
            for (const live of packs) {
                const result = await pass(live, block, options.concurrency);
                blocks.get(live.pack.label)!.push(result);
                options.log?.(`  block ${b + 1}/${options.blocks} (${block.length} resources) ${live.pack.label}: ${Math.round(result.wallMs)} ms wall, ${Math.round(result.packCpuMs)} ms pack CPU`);
            }
        }
        const results: Record<string, ThroughputResult> = {};
        for (const live of packs) {
            const list = blocks.get(live.pack.label)!;
            const scale = options.blocks;
            const medianWallMs = median(list.map((p) => p.wallMs)) * scale;
            results[live.pack.label] = {
                pack: live.pack.label,
                resources: resources.length,
                blocks: list,
                totalWallMs: list.reduce((sum, p) => sum + p.wallMs, 0),
                medianWallMs,
                resourcesPerSecond: (resources.length * 1000) / medianWallMs,
                medianPackCpuMs: median(list.map((p) => p.packCpuMs)) * scale,
                peakRssKiB: peakRssKiB(live.pid),
                diagnostics: list.reduce((sum, p) => sum + p.diagnostics, 0),
            };
        }
        return results;
    } finally {
        for (const live of packs) await live.analyzer.close();
    }
}

export interface ColdStartResult {
    pack: string;
    runsMs: number[];
    medianMs: number;
    /** Peak RSS right after GetAnalyzerInfo (median over runs). */
    peakRssKiB: number;
}

/** Spawn -> GetAnalyzerInfo answered, `runs` times per pack, interleaved. */
export async function measureColdStart(runs: number, log?: (line: string) => void): Promise<Record<string, ColdStartResult>> {
    const times = new Map<string, number[]>();
    const rss = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
        for (const pack of [OUR_PACK, EMPTY_PACK]) {
            const started = performance.now();
            const analyzer = await PolicyPackAnalyzer.start({ packDir: pack.dir, stack: "bench" });
            await analyzer.getAnalyzerInfo();
            const ms = performance.now() - started;
            const peak = peakRssKiB(packChildPid(pack.dir)) ?? NaN;
            await analyzer.close();
            (times.get(pack.label) ?? times.set(pack.label, []).get(pack.label)!).push(ms);
            (rss.get(pack.label) ?? rss.set(pack.label, []).get(pack.label)!).push(peak);
            log?.(`  cold start ${i + 1}/${runs} ${pack.label}: ${Math.round(ms)} ms`);
        }
    }
    const results: Record<string, ColdStartResult> = {};
    for (const [label, list] of times) results[label] = { pack: label, runsMs: list, medianMs: median(list), peakRssKiB: median(rss.get(label)!) };
    return results;
}
