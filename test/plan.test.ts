// The offline plan end to end: the real program per stack, through the pack over the Analyzer protocol.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mandatoryViolations } from "../tools/report/model";
import { PlanResult, runPlan } from "../tools/plan";
import { sarifSchemaErrors } from "./support/sarif";

const ROOT = path.join(__dirname, "..");
const EXPECTED_COUNTS = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "plan", "expected-counts.json"), "utf8")) as Record<string, Record<string, number>>;
/** A stack change that opens the control plane to the internet (allowed by config validation outside prod with the named opt-out). */
const PUBLIC_CONTROL_PLANE = {
    "secure-gitops:allowPublicControlPlane": "true",
    "secure-gitops:masterAuthorizedNetworks": JSON.stringify([{ cidrBlock: "0.0.0.0/0", displayName: "anywhere" }]),
};

describe("offline plan", function () {
    this.timeout(180000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    const plans: Record<string, PlanResult> = {};

    before(async () => {
        for (const stack of ["dev", "prod"]) plans[stack] = await runPlan({ stack, outRoot: out });
        plans.violating = await runPlan({ stack: "staging", outRoot: path.join(out, "violating"), configOverrides: PUBLIC_CONTROL_PLANE });
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: declares the expected resources per component`, () => {
            assert.deepEqual(plans[stack].countsByComponent, EXPECTED_COUNTS[stack]);
            assert.equal(plans[stack].tree.length, plans[stack].report.resources.length);
        });

        it(`${stack}: has zero mandatory violations and scores every framework`, () => {
            assert.deepEqual(mandatoryViolations(plans[stack].report).map((v) => `${v.ruleId} ${v.resource.name}: ${v.message}`), []);
            for (const score of plans[stack].report.compliance) {
                assert.ok(score.total > 0, `${score.framework} has no controls`);
                assert.equal(score.passed, score.total, `${score.framework}: ${JSON.stringify(score.failing)}`);
            }
        });
    }

    it("prod evaluates every rule as mandatory-capable; dev only advises", () => {
        assert.ok(plans.prod.report.rules.some((r) => r.enforcement === "mandatory"));
        assert.ok(plans.dev.report.rules.every((r) => r.enforcement !== "mandatory"));
    });

    it("a violating stack change is named in plan.json, plan.md and plan.sarif, with failing controls critical first", () => {
        const { report, written } = plans.violating;
        const mandatory = mandatoryViolations(report);
        assert.deepEqual([...new Set(mandatory.map((v) => v.ruleId))], ["gke-master-authorized-networks"]);
        assert.ok(written);
        const json = JSON.parse(fs.readFileSync(written.json, "utf8")) as { violations: { ruleId: string }[] };
        assert.ok(json.violations.some((v) => v.ruleId === "gke-master-authorized-networks"));
        const md = fs.readFileSync(written.markdown, "utf8");
        assert.match(md, /mandatory violation/);
        assert.match(md, /gke-master-authorized-networks/);
        assert.match(md, /checked by the same rules at admission \(Gatekeeper\)/, "the comment says where chart workloads are checked");
        const sarif = JSON.parse(fs.readFileSync(written.sarif, "utf8")) as { runs: { results: { ruleId: string; level: string }[] }[] };
        assert.deepEqual(sarifSchemaErrors(sarif), []);
        assert.ok(sarif.runs[0].results.some((r) => r.ruleId === "gke-master-authorized-networks" && r.level === "error"));
        const gke = report.compliance.find((s) => s.framework === "CIS-GKE");
        assert.ok(gke && gke.passed < gke.total);
        assert.equal(gke.failing[0].severity, "critical");
    });

    it("writes SARIF that validates against the SARIF 2.1.0 schema for a clean stack too", () => {
        const sarif = JSON.parse(fs.readFileSync(plans.prod.written?.sarif ?? "", "utf8")) as unknown;
        assert.deepEqual(sarifSchemaErrors(sarif), []);
    });

    it("the CLI exits 1 on mandatory violations and prints a progress line", () => {
        const args = ["--require", "tsx/cjs", path.join(ROOT, "tools", "plan.ts"), "--stack", "staging", "--out", path.join(out, "cli")];
        for (const [key, value] of Object.entries(PUBLIC_CONTROL_PLANE)) args.push("--set", `${key}=${value}`);
        const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, /\[plan\] analyzing \d+\/\d+/);
        assert.match(result.stdout, /MANDATORY .*gke-master-authorized-networks/);
        assert.match(result.stdout, /CIS-GKE\s+\d+\/\d+/);
    });
});
