// The benchmark's honesty checks: the counts it expects from the pack are what the pack reports, packs are
// measured in rotating order, and README's performance table is the one a recorded run produced.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RULES } from "../policy-pack/catalogue";
import { expectedVerdicts } from "../bench/expected";
import { rotated } from "../bench/pack-throughput";
import { median, quantile } from "../bench/lib/stats";
import { README, readmeSection, recordedRuns, RecordedRun, renderReadmeSection } from "../bench/readme";
import { generateResources } from "../bench/resources";
import { PolicyPackAnalyzer } from "../tools/analyzer/analyzer";

const ROOT = path.resolve(__dirname, "..");

describe("bench", function () {
    this.timeout(180000);

    it("summarises per-block ratios by interpolated quantiles", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
        assert.equal(quantile([10, 20], 0.75), 17.5);
        assert.ok(Number.isNaN(quantile([], 0.5)));
    });

    it("the pack measuring tools reject bad arguments with one error line, the usage and exit 2", () => {
        const run = (tool: string, ...args: string[]) =>
            spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "..", "bench", tool), ...args], {
                encoding: "utf8",
            });
        const cases: [string, string[], RegExp][] = [
            ["pack-phases.ts", ["/nonexistent"], /^pack-phases: \/nonexistent holds no PulumiPolicy\.yaml/],
            ["pack-phases.ts", ["policy-pack", "0"], /^pack-phases: resources must be a positive integer, got "0"/],
            ["compare-packs.ts", [], /^compare-packs: the baseline pack directory is required/],
            ["compare-packs.ts", ["policy-pack", "3000", "1.5"], /^compare-packs: blocks must be a positive integer, got "1\.5"/],
            ["profile-pack.ts", ["mine"], /^profile-pack: the pack must be ours or empty, got "mine"/],
            ["profile-pack.ts", ["ours", "-3"], /^profile-pack: count must be a positive integer, got "-3"/],
        ];
        for (const [tool, args, error] of cases) {
            const result = run(tool, ...args);
            assert.equal(result.status, 2, `${tool} ${args.join(" ")}: ${result.stderr}`);
            const lines = result.stderr.trim().split("\n");
            assert.match(lines[0], error);
            assert.match(lines[1], /^usage: npx tsx bench\//);
            assert.equal(lines.length, 2, "no stack trace");
        }
    });

    it("pack-phases attributes a real run's CPU to phases (its probe still fits the SDK and gRPC internals it wraps)", () => {
        const result = spawnSync(
            process.execPath,
            ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "..", "bench", "pack-phases.ts"), "policy-pack", "20", "1"],
            { encoding: "utf8" },
        );
        assert.equal(result.status, 0, result.stderr);
        for (const phase of ["request decoding", "the pack's validate functions", "response encoding", "Remediate", "GC pauses"])
            assert.match(result.stdout, new RegExp(`${phase}.*\\d+\\s+\\d+\\s+-?\\d+$`, "m"), phase);
        const calls = /validate calls (\d+) \((\d+) threw not-applicable\)/.exec(result.stdout);
        assert.ok(calls && Number(calls[1]) > 0 && Number(calls[2]) > 0, "the probe saw the pack's validate calls");
        const bytes = /pack done \(\d+ ms CPU; Analyze responses (\d+) bytes/.exec(result.stdout);
        assert.ok(bytes && Number(bytes[1]) > 0, "the probe saw the encoded responses");
    });

    it("rotates the pack order every block", () => {
        assert.deepEqual(
            [0, 1, 2, 3].map((b) => rotated(["ours", "empty"], b).join(",")),
            ["ours,empty", "empty,ours", "ours,empty", "empty,ours"],
        );
        assert.deepEqual(rotated(["a", "b", "c"], 4), ["b", "c", "a"]);
    });

    it("expects one not-applicable answer per rule that does not check the resource's type", () => {
        const [pod] = generateResources(50, 7).filter((r) => r.type === "kubernetes:core/v1:Pod");
        assert.ok(pod, "the generator makes Pods");
        const podRules = RULES.filter((r) => r.target === "kubernetes" && r.match.some((m) => m.kinds.includes("Pod")));
        assert.ok(podRules.length > 0);
        assert.equal(expectedVerdicts([pod]).notApplicable, RULES.length - podRules.length);
    });

    it("predicts exactly the diagnostics and not-applicable answers the real pack reports (100 bench resources)", async () => {
        const resources = generateResources(100, 99);
        const expected = expectedVerdicts(resources);
        assert.ok(expected.diagnostics > 0 && expected.notApplicable > 0);
        const analyzer = await PolicyPackAnalyzer.start({ stack: "bench" });
        try {
            await analyzer.configure({});
            let diagnostics = 0;
            let notApplicable = 0;
            for (const resource of resources) {
                await analyzer.remediate(resource);
                const response = await analyzer.analyzeResponse(resource);
                diagnostics += response.diagnostics.length;
                notApplicable += response.notApplicable.length;
            }
            assert.deepEqual({ diagnostics, notApplicable }, expected);
        } finally {
            await analyzer.close();
        }
    });

    it("README's performance table is the newest recorded run's (npx tsx bench/readme.ts --write)", () => {
        const newest = recordedRuns().pop();
        assert.ok(newest, "bench/results holds a recorded run");
        const run = JSON.parse(fs.readFileSync(newest, "utf8")) as RecordedRun;
        assert.ok(run.summary.length > 0 && run.verdictChecks.every((c) => c.ok), `${newest} is a valid run`);
        assert.equal(readmeSection(fs.readFileSync(README, "utf8")), renderReadmeSection(run, path.relative(ROOT, newest)));
    });
});
