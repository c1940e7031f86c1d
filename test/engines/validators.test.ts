// Validators for what we generate, run as real tools: promtool on the alert rules the program renders
// (syntax, then unit tests that make every alert fire on a sample series) and actionlint on the workflows.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PROJECT_ROOT, runProgram } from "../../tools/mock-engine";
import { requireTool } from "../support/engines";

const ALERT_TESTS = path.join(PROJECT_ROOT, "test", "fixtures", "monitoring", "gatekeeper-alerts.promtest.yaml");

function run(tool: string, args: string[], cwd: string): { status: number | null; output: string } {
    const result = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 120_000 });
    if (result.error) throw new Error(`${tool}: ${result.error.message}`);
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface AlertRule {
    alert?: string;
    record?: string;
}

describe("real engine: promtool on the program's alert rules", function () {
    this.timeout(300_000);
    let promtool: string;
    let dir: string;
    let alertNames: string[];

    before(async function () {
        promtool = requireTool(this, "promtool");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
        const program = await runProgram({ stack: "prod" });
        const rules = program.resources.filter((r) => r.inputs.kind === "PrometheusRule");
        assert.ok(rules.length > 0, "the prod program renders no PrometheusRule");
        const groups = rules.flatMap((r) => (r.inputs.spec as { groups: { rules: AlertRule[] }[] }).groups);
        alertNames = groups.flatMap((g) => g.rules.map((rule) => rule.alert).filter((name): name is string => typeof name === "string"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups }));
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("promtool check rules accepts every rendered rule", () => {
        const result = run(promtool, ["check", "rules", "rules.yaml"], dir);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, new RegExp(`SUCCESS: ${alertNames.length} rules found`));
    });

    it("promtool test rules: every alert fires on a sample series (and not on a healthy one)", () => {
        const tests = parse(fs.readFileSync(ALERT_TESTS, "utf8")) as {
            tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
        };
        const firing = new Set(
            tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
        );
        assert.ok(alertNames.length > 0);
        for (const name of alertNames)
            assert.ok(firing.has(name), `${name}: no promtool test makes it fire (${path.relative(PROJECT_ROOT, ALERT_TESTS)})`);
        fs.writeFileSync(path.join(dir, "alerts.test.yaml"), stringify({ rule_files: ["rules.yaml"], ...tests }));
        const result = run(promtool, ["test", "rules", "alerts.test.yaml"], dir);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS/);
    });
});

describe("real engine: actionlint on .github/workflows", function () {
    this.timeout(120_000);
    it("reports no problem in any workflow", function () {
        const actionlint = requireTool(this, "actionlint");
        const workflows = fs.readdirSync(path.join(PROJECT_ROOT, ".github", "workflows")).filter((f) => /\.ya?ml$/.test(f));
        assert.ok(workflows.length > 0, "no workflows");
        const result = run(actionlint, ["-no-color", ...workflows.map((f) => path.join(".github", "workflows", f))], PROJECT_ROOT);
        assert.equal(result.status, 0, `actionlint:\n${result.output}`);
    });
});
