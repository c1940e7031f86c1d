// The benchmark's honesty checks: the counts it expects from the pack are what the pack reports, packs are
// measured in rotating order, and README's performance table is the one a recorded run produced.
import { strict as assert } from "assert";
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
