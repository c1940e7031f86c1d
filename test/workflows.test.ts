// The CI workflows only call what exists (npm scripts, stacks, policy configs, the pack folder) and are ones
// people would accept: actions pinned by commit SHA with the version in a comment, fork PRs green without
// write steps, one run per PR, the Node versions `engines` allows.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ENVIRONMENTS } from "../stacks/types";
import { CHECK_USAGE } from "../tools/check";

const ROOT = path.join(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Step {
    name?: string;
    run?: string;
    uses?: string;
    if?: string;
    with?: Record<string, unknown>;
    "working-directory"?: string;
}
interface Job {
    steps?: Step[];
    strategy?: { matrix?: { stack?: string[]; node?: number[] } };
    environment?: string;
    env?: Record<string, string>;
    permissions?: Record<string, string>;
    if?: string;
}
interface Workflow {
    on: unknown;
    jobs: Record<string, Job>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
}

const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const texts = Object.fromEntries(
    fs
        .readdirSync(WORKFLOWS)
        .filter((f) => f.endsWith(".yml"))
        .map((f) => [f, fs.readFileSync(path.join(WORKFLOWS, f), "utf8")]),
);
const steps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
/** GitHub's own token is read-only on fork PRs: a step that writes must be skipped there. */
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

const workflows = Object.fromEntries(
    fs
        .readdirSync(WORKFLOWS)
        .filter((f) => f.endsWith(".yml"))
        .map((f) => [f, parse(fs.readFileSync(path.join(WORKFLOWS, f), "utf8")) as Workflow]),
);

describe("CI workflows", () => {
    it("parse, and every npm script they run exists", () => {
        assert.deepEqual(Object.keys(workflows).sort(), [
            "app-plan.yml",
            "deploy.yml",
            "manifest-check.yml",
            "pr.yml",
            "security-scan.yml",
        ]);
        for (const [file, wf] of Object.entries(workflows)) {
            for (const job of Object.values(wf.jobs)) {
                for (const step of job.steps ?? []) {
                    for (const match of (step.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)/g))
                        assert.ok(scripts[match[1]], `${file}: npm run ${match[1]} is not a script`);
                    if ((step.run ?? "").includes("npm test")) assert.ok(scripts.test, `${file}: npm test`);
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

    it("the PR plan renders the pinned charts (helm pull) after installing helm and gator", () => {
        const steps = workflows["pr.yml"].jobs["offline-plan"].steps ?? [];
        const install = steps.findIndex((s) => (s.run ?? "").includes("bash tools/install-tools.sh"));
        // The PR's own plan (the step with id "plan"; the base branch's baseline plan runs before it).
        const plan = steps.findIndex((s) => (s as { id?: string }).id === "plan" && /npm run (--silent )?plan -- /.test(s.run ?? ""));
        assert.ok(install >= 0 && plan > install, "install-tools runs before the plan");
        assert.match(steps[plan].run ?? "", /--charts pull\b/);
        const tests = workflows["pr.yml"].jobs.test.steps ?? [];
        assert.ok(
            tests.findIndex((s) => (s.run ?? "").includes("install-tools")) < tests.findIndex((s) => (s.run ?? "").includes("npm test")),
            "engine tests have their tools",
        );
    });

    it("the PR plan checks the app out at the Application's targetRevision and renders it (--app), never skipping it silently", () => {
        const planSteps = workflows["pr.yml"].jobs["offline-plan"].steps ?? [];
        const source = planSteps.findIndex((s) => (s as { id?: string }).id === "app");
        assert.match(planSteps[source]?.run ?? "", /npm run --silent app-source -- --stack "\$STACK" >> "\$GITHUB_OUTPUT"/);
        const checkout = planSteps.findIndex((s) => s.name?.startsWith("Check out the application"));
        const plan = planSteps.findIndex((s) => (s as { id?: string }).id === "plan");
        assert.ok(source >= 0 && checkout > source && plan > checkout, "source, checkout, plan in that order");
        const fetch = planSteps[checkout];
        assert.equal(fetch.if, "steps.app.outputs.enabled == 'true'");
        assert.match(fetch.run ?? "", /fetch -q --depth 1 origin "\$APP_REVISION"/);
        assert.ok(!(fetch.run ?? "").includes("${{"), "outputs reach the script through env, not string interpolation");
        assert.match(planSteps[plan].run ?? "", /app=\(--app app-checkout\)/);
        assert.match(planSteps[plan].run ?? "", /--charts pull "\$\{app\[@\]\}"/);
    });

    it("offer the app plan to the application repository as a reusable workflow (its PR head against the platform's prod)", () => {
        const wf = workflows["app-plan.yml"];
        const call = (wf.on as { workflow_call?: { inputs?: Record<string, { required?: boolean; default?: unknown }> } }).workflow_call;
        assert.ok(call?.inputs?.["platform-ref"]?.required);
        assert.equal(call?.inputs?.stack?.default, "prod");
        const run = steps(wf).find((s) => s.name?.startsWith("Plan the app's PR head"))?.run ?? "";
        assert.match(run, /--app "\$GITHUB_WORKSPACE\/app" --app-sarif-root srcroot/);
        assert.match(run, /--charts pull/);
        assert.ok(!run.includes("${{ inputs."), "inputs reach the script through env");
        const upload = steps(wf).find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"));
        assert.ok(upload?.if?.includes(FORK_GUARD));
        assert.equal(upload?.with?.checkout_path, "${{ github.workspace }}/app");
    });

    it("uploads SARIF from the plan and from Trivy's repository scan", () => {
        const uploads = (wf: Workflow) =>
            Object.values(wf.jobs)
                .flatMap((j) => j.steps ?? [])
                .filter((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"));
        assert.match(String(uploads(workflows["pr.yml"])[0]?.with?.sarif_file), /plan\.sarif$/);
        const trivy = Object.values(workflows["security-scan.yml"].jobs)
            .flatMap((j) => j.steps ?? [])
            .find((s) => s.uses?.startsWith("aquasecurity/trivy-action"));
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

    it("pin every action by a full commit SHA with its version in a comment, the same pin everywhere", () => {
        const pins = new Map<string, string>();
        let count = 0;
        for (const [file, text] of Object.entries(texts)) {
            for (const line of text.split("\n")) {
                const at = line.indexOf("uses:");
                if (at < 0 || line.trimStart().startsWith("#")) continue;
                count++;
                const rest = line.slice(at + 5).trim();
                const [ref, ...comment] = rest.split(" # ");
                const [action, sha] = ref.split("@");
                assert.match(sha ?? "", /^[0-9a-f]{40}$/, `${file}: ${rest} is not pinned by commit SHA`);
                assert.match(comment.join(" # "), /^v\d+\.\d+\.\d+$/, `${file}: ${rest} has no version comment`);
                const pin = `${sha} # ${comment.join(" # ")}`;
                const repo = action.split("/").slice(0, 2).join("/");
                assert.equal(pins.get(repo) ?? pin, pin, `${file}: ${repo} pinned differently elsewhere`);
                pins.set(repo, pin);
            }
        }
        assert.ok(count >= 15, `only ${count} uses: lines`);
    });

    it("run once per PR, and fork PRs stay green: comment and SARIF steps only with a write token", () => {
        for (const file of ["pr.yml", "security-scan.yml"]) {
            assert.match(workflows[file].concurrency?.group ?? "", /github\.event\.pull_request\.number/, file);
            assert.equal(workflows[file].concurrency?.["cancel-in-progress"], true, file);
        }
        const plan = workflows["pr.yml"].jobs["offline-plan"];
        assert.ok(plan.env?.CAN_WRITE?.includes(FORK_GUARD), "offline-plan: CAN_WRITE must exclude fork PRs");
        const writers = [
            ...steps(workflows["pr.yml"]),
            ...steps(workflows["security-scan.yml"]),
            ...steps(workflows["manifest-check.yml"]),
            ...steps(workflows["app-plan.yml"]),
        ].filter(
            (s) => s.uses?.startsWith("github/codeql-action/upload-sarif") || s.uses?.startsWith("marocchino/sticky-pull-request-comment"),
        );
        assert.ok(writers.length >= 5);
        for (const step of writers)
            assert.ok(
                step.if?.includes("env.CAN_WRITE == 'true'") || step.if?.includes(FORK_GUARD),
                `${step.uses}: runs on fork PRs (${step.if})`,
            );
        // The plan itself runs on every PR (forks included); only violations or errors fail it.
        const planStep = (plan.steps ?? []).find((s) => s.name?.startsWith("Offline plan (no cloud"));
        assert.equal(planStep?.if, undefined);
        assert.match(planStep?.run ?? "", /--baseline "base-plan\/\$STACK\/plan\.json"/);
        assert.match(planStep?.run ?? "", /--out "plan-output\/\$STACK"/);
        const base = (plan.steps ?? []).find((s) => s.name?.startsWith("Offline plan of the base branch"));
        assert.equal(base?.["working-directory"], "base");
        const baseCheckout = (plan.steps ?? []).find((s) => s.with?.path === "base");
        assert.equal(baseCheckout?.with?.ref, "${{ github.event.pull_request.base.sha }}");
    });

    it("test on the Node versions package.json engines allows, from its minimum, and plan on a supported one", () => {
        const minimum = Number(/^>=\s*(\d+)$/.exec(packageJson.engines.node)?.[1]);
        assert.ok(minimum >= 18, packageJson.engines.node);
        const tested = workflows["pr.yml"].jobs.test.strategy?.matrix?.node ?? [];
        assert.ok(tested.length >= 2);
        assert.equal(Math.min(...tested), minimum, "the engines minimum is tested");
        for (const step of Object.values(workflows)
            .flatMap(steps)
            .filter((s) => s.uses?.startsWith("actions/setup-node"))) {
            const version = step.with?.["node-version"];
            if (version === "${{ matrix.node }}") continue;
            assert.ok(Number(version) >= minimum, `setup-node ${String(version)} below engines ${packageJson.engines.node}`);
        }
    });

    it("offer the manifest check to other repositories as a reusable workflow", () => {
        const wf = workflows["manifest-check.yml"];
        const call = (wf.on as { workflow_call?: { inputs?: Record<string, { required?: boolean }> } }).workflow_call;
        assert.ok(call?.inputs?.["platform-ref"]?.required, "the caller pins the platform ref");
        for (const input of ["paths", "policy-config", "fail-on", "exclude", "upload-sarif"]) assert.ok(call?.inputs?.[input], input);
        const run = steps(wf).find((s) => s.name === "Manifest check")?.run ?? "";
        assert.match(run, /platform\/tools\/check\.ts/);
        const options = run.match(/--[a-z-]+/g) ?? [];
        assert.ok(options.length >= 4);
        for (const option of options) assert.ok(CHECK_USAGE.includes(`${option} `), `check has no ${option}`);
        assert.ok(!run.includes("${{ inputs."), "inputs reach the script through env, not string interpolation");
    });
});
