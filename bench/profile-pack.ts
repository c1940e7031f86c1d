// Profiles a policy pack under the throughput workload: `npx tsx bench/profile-pack.ts [ours|empty] [count]`
// writes a V8 CPU profile of the pack process to bench/results/profiles/ (open in Chrome DevTools) and
// prints the top self-time functions. The harness spawns the pack with --cpu-prof and a preload that turns
// its SIGTERM into a normal exit (so the profile gets written).
import * as fs from "fs";
import * as path from "path";
import { PolicyPackAnalyzer } from "../tools/analyzer/analyzer";
import { benchCli } from "./lib/cli";
import { EMPTY_PACK, OUR_PACK } from "./pack-throughput";
import { generateResources } from "./resources";

const PROFILE_DIR = path.join(__dirname, "results", "profiles");

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
}

function topSelfTime(file: string, top = 25): string[] {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const counts = new Map<string, number>();
    for (const id of profile.samples) {
        const node = byNode.get(id);
        if (!node) throw new Error(`profile sample ${id} names no node`);
        const f = node.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/main\//, "")}:${f.lineNumber + 1}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = profile.samples.length;
    return [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => `${((v * 100) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const { usage, positiveInteger } = benchCli("profile-pack", "npx tsx bench/profile-pack.ts [ours|empty] [count=2000]");

async function main(): Promise<void> {
    const which = process.argv[2] ?? "ours";
    if (which !== "ours" && which !== "empty") usage(`the pack must be ours or empty, got ${JSON.stringify(which)}`);
    const count = positiveInteger(process.argv[3], "count", 2000);
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    const before = new Set(fs.readdirSync(PROFILE_DIR));
    const pack = which === "empty" ? EMPTY_PACK : OUR_PACK;
    const analyzer = await PolicyPackAnalyzer.start({
        packDir: pack.dir,
        stack: "bench",
        nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, "--require", path.join(__dirname, "lib", "exit-on-sigterm.js")],
    });
    await analyzer.configure({});
    const resources = generateResources(count);
    // As the engine calls a pack (bench/pack-throughput.ts): Remediate then Analyze, one resource at a time.
    for (const resource of resources) {
        await analyzer.remediate(resource);
        await analyzer.analyze(resource);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await analyzer.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const written = fs.readdirSync(PROFILE_DIR).filter((f) => !before.has(f));
    for (const file of written) {
        console.log(path.join(PROFILE_DIR, file));
        console.log(topSelfTime(path.join(PROFILE_DIR, file)).join("\n"));
    }
    if (written.length === 0) console.log("no profile written (the pack was killed before it could write one)");
}

main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : "unexpected failure";
    console.error(`profile-pack: ${message.split("\n")[0]}`);
    process.exitCode = 2;
});
