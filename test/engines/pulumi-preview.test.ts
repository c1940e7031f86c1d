// `pulumi preview` with the real Pulumi CLI (engine, Node.js SDK and policy pack all real) on a local file
// backend: the real program, stack dev from Pulumi.dev.yaml, and the pack exactly as README tells users:
//   pulumi preview --policy-pack policy-pack --policy-pack-config policy-config/dev.json
// Providers are stand-ins attached with PULUMI_DEBUG_PROVIDERS (test/support/stand-in-provider.ts); the language
// host is ours (tools/engines/language-host: the real one is not served by the Go module proxy).
import { strict as assert } from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/mock-engine";
import { ensurePackBuilt } from "../../tools/pack-build/build";
import { renderPolicyConfig } from "../../tools/policy-config";
import { requireTool } from "../support/engines";
import { startStandIn } from "../support/stand-ins";

const PROVIDERS = ["kubernetes", "gcp", "random"] as const;
const STACK = "dev";
/** The project's copy keeps these as files: the CLI writes to the stack file (encryption salt, `config set`). */
const COPIED = new Set(["Pulumi.yaml", `Pulumi.${STACK}.yaml`]);
const SKIPPED = new Set([".git", "plan-output", "check-output", ".pulumi"]);

interface CliRun {
    status: number | null;
    output: string;
}

describe("real engine: pulumi preview with the policy pack", function () {
    this.timeout(900_000);
    let pulumi: string;
    let tmp: string;
    let project: string;
    let env: NodeJS.ProcessEnv;
    const standIns: ChildProcess[] = [];

    function cli(args: string[], timeoutMs = 600_000): CliRun {
        const result = spawnSync(pulumi, args, { cwd: project, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
        if (result.error) throw new Error(`pulumi ${args.join(" ")}: ${result.error.message}`);
        return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
    }

    function preview(policyConfig: string): CliRun {
        return cli([
            "preview",
            "--stack",
            STACK,
            "--non-interactive",
            "--color",
            "never",
            "--policy-pack",
            "policy-pack",
            "--policy-pack-config",
            policyConfig,
        ]);
    }

    before(async function () {
        pulumi = requireTool(this, "pulumi");
        const languageHost = requireTool(this, "pulumi-language-nodejs");
        // The CLI loads the pack's compiled JavaScript (package.json main): build it if a source changed since.
        ensurePackBuilt(path.join(PROJECT_ROOT, "policy-pack"));
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-e2e-"));
        // The project as a user has it (same files, same workspace layout), in a folder the CLI may write to.
        project = path.join(tmp, "project");
        fs.mkdirSync(project);
        for (const entry of fs.readdirSync(PROJECT_ROOT)) {
            if (SKIPPED.has(entry) || (entry.startsWith("Pulumi.") && !COPIED.has(entry))) continue;
            if (COPIED.has(entry)) fs.copyFileSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
            else fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
        }
        const baseEnv: NodeJS.ProcessEnv = { ...process.env };
        // The test runner's TypeScript loader must not leak into the CLI's Node.js processes.
        delete baseEnv.NODE_OPTIONS;
        for (const pkg of PROVIDERS) {
            const { child, port } = await startStandIn(pkg, baseEnv);
            standIns.push(child);
            baseEnv.PULUMI_DEBUG_PROVIDERS = [baseEnv.PULUMI_DEBUG_PROVIDERS, `${pkg}:${port}`].filter(Boolean).join(",");
        }
        env = {
            ...baseEnv,
            PATH: `${path.dirname(languageHost)}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_HOME: path.join(tmp, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "end-to-end-test-only",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
        fs.mkdirSync(path.join(tmp, "state"));
        const init = cli(["stack", "init", STACK, "--non-interactive"]);
        assert.equal(init.status, 0, `pulumi stack init failed:\n${init.output}`);
    });

    after(() => {
        for (const child of standIns) child.kill();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("previews the dev stack with the pack loaded from the workspace: zero mandatory violations", () => {
        const run = preview(`policy-config/${STACK}.json`);
        assert.equal(run.status, 0, `pulumi preview failed:\n${run.output}`);
        // The pack ran (its name in the Policies section) and previewed the program's resources.
        assert.match(
            run.output,
            /✅ secure-gitops@v[0-9.]+ \(local: policy-pack\)/,
            `the policy pack did not run from policy-pack/:\n${run.output}`,
        );
        assert.match(
            run.output,
            /secure-gitops:gatekeeper:Gatekeeper|secure-gitops:gke:GkeCluster|\+ +\d+ to create/,
            `no resource was previewed:\n${run.output}`,
        );
        assert.doesNotMatch(run.output, /\[mandatory\]/, `mandatory violations in dev:\n${run.output}`);
        process.stdout.write("      pulumi preview e2e: passed\n");
    });

    it("shows an advisory violation as a warning and still succeeds", () => {
        for (const [key, value] of [
            ["allowPublicControlPlane", "true"],
            ["masterAuthorizedNetworks", '[{"cidrBlock": "0.0.0.0/0", "displayName": "anywhere"}]'],
        ]) {
            const set = cli(["config", "set", "--stack", STACK, key, value]);
            assert.equal(set.status, 0, set.output);
        }
        fs.writeFileSync(path.join(tmp, "dev-policy.json"), renderPolicyConfig(STACK, project));
        const run = preview(path.join(tmp, "dev-policy.json"));
        assert.equal(run.status, 0, `an advisory violation must not fail the preview:\n${run.output}`);
        assert.match(
            run.output,
            /\[advisory\][^\n]*gke-master-authorized-networks|gke-master-authorized-networks[^\n]*\n[^\n]*advisory/,
            `no advisory warning for gke-master-authorized-networks:\n${run.output}`,
        );
    });

    it("fails the preview on a mandatory violation and names the rule", () => {
        const set = cli(["config", "set", "--stack", STACK, "policyEnforcement", "mandatory"]);
        assert.equal(set.status, 0, set.output);
        // The policy config is regenerated from the stack config, as `npm run policy-config` does.
        fs.writeFileSync(path.join(tmp, "dev-policy.json"), renderPolicyConfig(STACK, project));
        const run = preview(path.join(tmp, "dev-policy.json"));
        assert.notEqual(run.status, 0, `a mandatory violation must fail the preview:\n${run.output}`);
        assert.match(run.output, /\[mandatory\][^\n]*gke-master-authorized-networks/, `the mandatory rule is not named:\n${run.output}`);
    });
});
