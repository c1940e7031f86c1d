// Side-by-side pack CPU of two builds of the pack, to measure one optimisation before committing it:
// `npx tsx bench/compare-packs.ts <baseline-pack-dir> [resources] [blocks]` runs the baseline, this
// checkout's pack and the empty pack on the same resources (the bench's mix and seed), the order rotated per
// block, and prints each pack's CPU against the empty pack's and the current pack's against the baseline's.
// The baseline is a copy of policy-pack/ built at another commit, e.g.
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci) ; then pass /tmp/base/policy-pack
// or a copy of policy-pack/ (with bin/) next to a `node_modules` symlink to this checkout's.
import * as fs from "fs";
import * as path from "path";
import { EMPTY_PACK, measureThroughput, OUR_PACK } from "./pack-throughput";
import { generateResources } from "./resources";
import { round } from "./lib/stats";
import { benchCli } from "./lib/cli";

const { usage, positiveInteger } = benchCli(
    "compare-packs",
    "npx tsx bench/compare-packs.ts <baseline-pack-dir> [resources=3000] [blocks=6]",
);

async function main(): Promise<void> {
    const [baselineArg, resourcesArg, blocksArg] = process.argv.slice(2);
    if (baselineArg === undefined) usage("the baseline pack directory is required");
    const baselineDir = path.resolve(baselineArg);
    if (!fs.existsSync(path.join(baselineDir, "PulumiPolicy.yaml"))) usage(`${baselineDir} holds no PulumiPolicy.yaml (not a policy pack)`);
    const resources = generateResources(positiveInteger(resourcesArg, "resources", 3000));
    const blocks = positiveInteger(blocksArg, "blocks", 6);
    const results = await measureThroughput(resources, {
        blocks,
        concurrency: 1,
        warmup: Math.min(500, resources.length),
        packs: [{ label: "baseline", dir: baselineDir }, OUR_PACK, EMPTY_PACK],
        log: (line) => console.log(line),
    });
    const { baseline, ours, empty } = results;
    const perBlock = (a: typeof ours, b: typeof ours) =>
        a.blocks.map((block, i) => round(block.packCpuMs / b.blocks[i].packCpuMs, 2)).join(" ");
    console.log(
        `pack CPU (ms): baseline ${Math.round(baseline.totalPackCpuMs)}, current ${Math.round(ours.totalPackCpuMs)}, empty ${Math.round(empty.totalPackCpuMs)}`,
    );
    console.log(`baseline / empty: ${round(baseline.totalPackCpuMs / empty.totalPackCpuMs, 3)}x (blocks ${perBlock(baseline, empty)})`);
    console.log(`current  / empty: ${round(ours.totalPackCpuMs / empty.totalPackCpuMs, 3)}x (blocks ${perBlock(ours, empty)})`);
    console.log(`current  / baseline: ${round(ours.totalPackCpuMs / baseline.totalPackCpuMs, 3)}x (blocks ${perBlock(ours, baseline)})`);
    console.log(
        `diagnostics: baseline ${baseline.diagnostics}, current ${ours.diagnostics}; not-applicable: baseline ${baseline.notApplicable}, current ${ours.notApplicable}`,
    );
    if (baseline.diagnostics !== ours.diagnostics || baseline.notApplicable !== ours.notApplicable) {
        console.log("DIFFERENT VERDICTS: the two builds do not report the same, so their timings are not comparable");
        process.exitCode = 1;
    }
}

main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : "unexpected failure";
    console.error(`compare-packs: ${message.split("\n")[0]}`);
    process.exitCode = 2;
});
