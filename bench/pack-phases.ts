// Where a pack's CPU goes, phase by phase, next to the empty pack's:
//   npx tsx bench/pack-phases.ts [pack-dir=policy-pack] [resources=3000] [rounds=2]
// Each round runs the pack and the empty pack (order alternating) over the bench workload with
// bench/lib/phase-probe.js preloaded, and the table shows the sums: request decoding, the Analyze handler
// (the pack's validate functions, the response encoding, the SDK's own work), Remediate, GC pauses and
// everything else. The probe's own timing adds about a microsecond per validate call, so compare packs
// measured by this tool with each other, and judge targets with `npm run bench` only.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackAnalyzer } from "../tools/analyzer/analyzer";
import { EMPTY_PACK, OUR_PACK } from "./pack-throughput";
import { generateResources } from "./resources";
import { benchCli } from "./lib/cli";

interface MethodTotals {
    calls: number;
    handlerCpuUs: number;
    decodeCpuUs: number;
    encodeCpuUs: number;
    encodedBytes: number;
}

interface ProbeTotals {
    methods: Record<string, MethodTotals | undefined>;
    gc: { pauses: number; ms: number; byKind: Record<string, number | undefined> };
    validate: { calls: number; threw: number; ms: number };
    cpuFromFirstAnalyzeUs: number;
}

const PROBE = path.join(__dirname, "lib", "phase-probe.js");

const { usage, positiveInteger } = benchCli(
    "pack-phases",
    "npx tsx bench/pack-phases.ts [pack-dir=policy-pack] [resources=3000] [rounds=2]",
);

async function probe(packDir: string, resources: ReturnType<typeof generateResources>): Promise<ProbeTotals> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pack-phases-")), "totals.json");
    const analyzer = await PolicyPackAnalyzer.start({
        packDir,
        stack: "bench",
        nodeArgs: ["--require", PROBE],
        env: { PHASE_PROBE_OUT: out },
    });
    try {
        await analyzer.configure({});
        // As the engine calls a pack (bench/pack-throughput.ts): Remediate then Analyze, one resource at a time.
        for (const resource of resources) {
            await analyzer.remediate(resource);
            await analyzer.analyze(resource);
        }
    } finally {
        await analyzer.close();
    }
    if (!fs.existsSync(out)) throw new Error(`the probe in ${packDir} wrote no totals (did the pack exit before SIGTERM?)`);
    return JSON.parse(fs.readFileSync(out, "utf8")) as ProbeTotals;
}

/** The phases as rows of milliseconds; "other" is what the probe does not attribute (I/O, HTTP/2, idle-time work). */
function phases(t: ProbeTotals): [string, number][] {
    const none: MethodTotals = { calls: 0, handlerCpuUs: 0, decodeCpuUs: 0, encodeCpuUs: 0, encodedBytes: 0 };
    const analyze = t.methods.analyze ?? none;
    const remediate = t.methods.remediate ?? none;
    const ms = (us: number) => us / 1000;
    const analyzeSdk = ms(analyze.handlerCpuUs - analyze.encodeCpuUs) - t.validate.ms;
    const attributed = ms(analyze.decodeCpuUs + analyze.handlerCpuUs + remediate.decodeCpuUs + remediate.handlerCpuUs);
    return [
        ["total pack CPU from the first Analyze", ms(t.cpuFromFirstAnalyzeUs)],
        ["  Analyze: request decoding", ms(analyze.decodeCpuUs)],
        ["  Analyze: the pack's validate functions", t.validate.ms],
        ["  Analyze: SDK around them (args, not-applicable, response)", analyzeSdk],
        ["  Analyze: response encoding", ms(analyze.encodeCpuUs)],
        ["  Remediate: decoding and handler", ms(remediate.decodeCpuUs + remediate.handlerCpuUs)],
        ["  everything else (HTTP/2, timers, GC outside handlers)", ms(t.cpuFromFirstAnalyzeUs) - attributed],
        ["GC pauses, main thread (anywhere above)", t.gc.ms],
    ];
}

async function main(): Promise<void> {
    const [dirArg, resourcesArg, roundsArg] = process.argv.slice(2);
    const packDir = path.resolve(dirArg ?? OUR_PACK.dir);
    if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) usage(`${packDir} holds no PulumiPolicy.yaml (not a policy pack)`);
    const resources = generateResources(positiveInteger(resourcesArg, "resources", 3000));
    const rounds = positiveInteger(roundsArg, "rounds", 2);
    const sums = { pack: new Map<string, number>(), empty: new Map<string, number>() };
    let calls = { validate: 0, threw: 0, gcPauses: 0, emptyGcPauses: 0 };
    for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (["pack", "empty"] as const) : (["empty", "pack"] as const);
        for (const which of order) {
            const totals = await probe(which === "pack" ? packDir : EMPTY_PACK.dir, resources);
            for (const [name, value] of phases(totals)) sums[which].set(name, (sums[which].get(name) ?? 0) + value);
            if (which === "pack") {
                calls = { ...calls, validate: calls.validate + totals.validate.calls, threw: calls.threw + totals.validate.threw };
                calls.gcPauses += totals.gc.pauses;
            } else calls.emptyGcPauses += totals.gc.pauses;
            const analyze = totals.methods.analyze;
            const bytes = analyze && analyze.calls > 0 ? Math.round(analyze.encodedBytes / analyze.calls) : 0;
            console.log(
                `round ${round + 1}/${rounds}: ${which} done (${Math.round(totals.cpuFromFirstAnalyzeUs / 1000)} ms CPU; ` +
                    `Analyze responses ${bytes} bytes on average; GC pauses by kind ${JSON.stringify(totals.gc.byKind)})`,
            );
        }
    }
    console.log(`\n${resources.length} resources x ${rounds} rounds, Remediate+Analyze each; milliseconds summed over the rounds`);
    console.log(`${"phase".padEnd(62)} ${"pack".padStart(8)} ${"empty".padStart(8)} ${"extra".padStart(8)}`);
    for (const [name, value] of sums.pack) {
        const empty = sums.empty.get(name) ?? 0;
        console.log(
            `${name.padEnd(62)} ${value.toFixed(0).padStart(8)} ${empty.toFixed(0).padStart(8)} ${(value - empty).toFixed(0).padStart(8)}`,
        );
    }
    const total = "total pack CPU from the first Analyze";
    console.log(`pack / empty: ${((sums.pack.get(total) ?? 0) / (sums.empty.get(total) ?? 1)).toFixed(3)}x (probe overhead included)`);
    console.log(
        `validate calls ${calls.validate} (${calls.threw} threw not-applicable); GC pauses ${calls.gcPauses} (empty pack ${calls.emptyGcPauses})`,
    );
}

main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : "unexpected failure";
    console.error(`pack-phases: ${message.split("\n")[0]}`);
    process.exitCode = 2;
});
