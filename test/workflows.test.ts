// The CI workflows only call what exists: npm scripts, stacks, policy configs, the pack folder.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ENVIRONMENTS } from "../stacks/types";

const ROOT = path.join(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Workflow { on: unknown; jobs: Record<string, { steps?: Step[]; strategy?: { matrix?: { stack?: string[] } }; environment?: string }> }

const workflows = Object.fromEntries(
    fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml")).map((f) => [f, parse(fs.readFileSync(path.join(WORKFLOWS, f), "utf8")) as Workflow]),
);

describe("CI workflows", () => {
    it("parse, and every npm script they run exists", () => {
        assert.deepEqual(Object.keys(workflows).sort(), ["deploy.yml", "pr.yml", "security-scan.yml"]);
        for (const [file, wf] of Object.entries(workflows)) {
            for (const job of Object.values(wf.jobs)) {
                for (const step of job.steps ?? []) {
                    for (const match of (step.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)/g)) assert.ok(scripts[match[1]], `${file}: npm run ${match[1]} is not a script`);
                    if (/npm test/.test(step.run ?? "")) assert.ok(scripts.test, `${file}: npm test`);
                }
            }
        }
    });

    it("plan and preview every environment, with the pack and the stack's generated policy config", () => {
        const pr = workflows["pr.yml"];
        assert.deepEqual(pr.jobs["offline-plan"].strategy?.matrix?.stack, [...ENVIRONMENTS]);
        const preview = pr.jobs.preview;
        assert.deepEqual(preview.strategy?.matrix?.stack, [...ENVIRONMENTS]);
        const pulumi = (preview.steps ?? []).find((s) => s.uses?.startsWith("pulumi/actions"));
        assert.equal(pulumi?.with?.command, "preview");
        assert.equal(pulumi?.with?.policyPacks, "policy-pack");
        assert.equal(pulumi?.with?.policyPackConfigs, "policy-config/${{ matrix.stack }}.json");
        for (const stack of ENVIRONMENTS) assert.ok(fs.existsSync(path.join(ROOT, "policy-config", `${stack}.json`)), stack);
        assert.ok(fs.existsSync(path.join(ROOT, "policy-pack", "PulumiPolicy.yaml")));
    });

    it("uploads SARIF from the plan and from Trivy's repository scan", () => {
        const uploads = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []).filter((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"));
        assert.match(String(uploads(workflows["pr.yml"])[0]?.with?.sarif_file), /plan\.sarif$/);
        const trivy = Object.values(workflows["security-scan.yml"].jobs).flatMap((j) => j.steps ?? []).find((s) => s.uses?.startsWith("aquasecurity/trivy-action"));
        assert.equal(trivy?.with?.format, "sarif");
        assert.match(String(trivy?.with?.scanners), /misconfig/);
        assert.match(String(trivy?.with?.scanners), /secret/);
        assert.equal(uploads(workflows["security-scan.yml"]).length, 1);
    });

    it("deploys one chosen environment through a GitHub environment (approval for prod) with the pack", () => {
        const deploy = workflows["deploy.yml"];
        const up = deploy.jobs.up;
        assert.equal(up.environment, "${{ inputs.stack }}");
        const pulumi = (up.steps ?? []).find((s) => s.uses?.startsWith("pulumi/actions"));
        assert.equal(pulumi?.with?.command, "up");
        assert.equal(pulumi?.with?.policyPacks, "policy-pack");
        const on = deploy.on as { workflow_dispatch?: { inputs?: { stack?: { options?: string[] } } } };
        assert.deepEqual(on.workflow_dispatch?.inputs?.stack?.options, [...ENVIRONMENTS]);
    });
});
