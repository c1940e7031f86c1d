// The app's verdict everywhere reviewers look (npm run plan --app): plan.json (source, revision, commit, no
// local paths), plan.md's headline and table, plan.sarif (located in the app repository's files), and the
// exit code; both admission layers per stack (dev/staging advisory: PSA enforces baseline; prod: restricted);
// a stack whose app cannot be rendered fails unless --app skip. Plain manifests (a directory source), so no
// helm is needed; the chart path is covered in app-plan.test.ts.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AppReport } from "../tools/report/model";
import { main, runPlan } from "../tools/plan";

const CHECKOUT = path.join(__dirname, "fixtures", "manifests");
/** The stacks' app is a Helm chart; these keys make it the fixture's plain manifests (Helm keys back to their defaults). */
const DIRECTORY_APP: Record<string, string> = {
    "secure-gitops:appRepoUrl": "https://github.com/acme/manifests.git",
    "secure-gitops:appPath": "app",
    "secure-gitops:appSource": "directory",
    "secure-gitops:appHelmValueFiles": "[]",
    "secure-gitops:appHelmParameters": "{}",
    "secure-gitops:appRevision": "v1.4.2",
};
const SET_FLAGS = Object.entries(DIRECTORY_APP).flatMap(([k, v]) => ["--set", `${k.split(":")[1]}=${v}`]);

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
    const log = console.log;
    const error = console.error;
    const write = process.stderr.write.bind(process.stderr);
    let stdout = "";
    let stderr = "";
    console.log = (...args: unknown[]) => void (stdout += `${args.join(" ")}\n`);
    console.error = (...args: unknown[]) => void (stderr += `${args.join(" ")}\n`);
    process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true);
    try {
        return { value: await fn(), stdout, stderr };
    } finally {
        console.log = log;
        console.error = error;
        process.stderr.write = write;
    }
}

describe("the app's verdict in every plan output (--app)", function () {
    this.timeout(600000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-app-admission-"));
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    for (const stack of ["dev", "prod"] as const) {
        describe(`stack ${stack}`, () => {
            let app: AppReport;
            let dir: string;
            before(async () => {
                const result = await runPlan({
                    stack,
                    outDir: path.join(out, stack),
                    configOverrides: DIRECTORY_APP,
                    app: { kind: "checkout", dir: CHECKOUT },
                });
                assert.ok(result.app && result.written);
                app = result.app;
                dir = result.written.dir;
            });

            it("judges each object under Gatekeeper and Pod Security Admission separately, at the app's level", () => {
                assert.equal(app.status, "evaluated");
                const worker = app.objects.find((o) => o.name === "legacy-worker");
                const web = app.objects.find((o) => o.name === "web");
                assert.ok(worker && web);
                // A privileged container: baseline refuses it even while Gatekeeper only warns (dev).
                assert.equal(worker.verdict, "denied");
                assert.equal(worker.gatekeeper, stack === "prod" ? "denied" : "warned");
                assert.equal(
                    worker.podSecurity?.summary,
                    `denied (Pod Security Admission: ${stack === "prod" ? "restricted" : "baseline"} v1.33)`,
                );
                assert.equal(web.verdict, "admitted");
                assert.equal(web.podSecurity?.outcome, "admitted");
                assert.equal(worker.template, "app/deployment.yaml");
                assert.equal(worker.line, 32);
            });

            it("plan.json carries the app: repository, revision, no local path; app.json beside it", () => {
                const text = fs.readFileSync(path.join(dir, "plan.json"), "utf8");
                const report = JSON.parse(text) as { app: AppReport; violations: { resource: { origin?: string }; enforcement: string }[] };
                assert.equal(report.app.source.repoUrl, "https://github.com/acme/manifests.git");
                assert.equal(report.app.source.revision, "v1.4.2");
                // The fixture lives inside this repository: no checkout of its own, so no commit is claimed.
                assert.equal(report.app.source.commit, undefined);
                assert.equal(report.app.kubeVersion, "1.33");
                for (const file of ["plan.json", "app.json", "plan.md", "plan.sarif"]) {
                    const content = fs.readFileSync(path.join(dir, file), "utf8");
                    assert.ok(!content.includes(CHECKOUT) && !content.includes(out), `${file} holds no local path`);
                }
                const appViolations = report.violations.filter((v) => v.resource.origin === "app");
                assert.ok(
                    appViolations.some((v) => v.enforcement === "mandatory"),
                    "the PSA denial is a mandatory violation",
                );
            });

            it("plan.md says it in its headline and lists every object with both verdicts", () => {
                const md = fs.readFileSync(path.join(dir, "plan.md"), "utf8");
                const head = md.split("#### ")[0];
                assert.match(head, /:x: \*\*\d+ mandatory violation\(s\)\*\* \(\d+ in the application\)/);
                // prod also denies the public LoadBalancer Service (services-no-public-loadbalancer); dev warns.
                const blocking = stack === "prod" ? 2 : 1;
                assert.match(
                    head,
                    new RegExp(`The application \`manifests\` does not run in this stack: ${blocking} object\\(s\\) refused or denied`),
                );
                assert.doesNotMatch(head, /No mandatory violations/);
                assert.match(
                    md,
                    /\| \*\*denied\*\* \| Deployment missing-table\/legacy-worker \| `app\/deployment.yaml:32` \| (warned|denied): .*\| denied \(Pod Security Admission: (baseline|restricted) v1\.33\) \|/,
                );
            });

            it("plan.sarif locates the app's findings in the app repository's files", () => {
                const sarif = JSON.parse(fs.readFileSync(path.join(dir, "plan.sarif"), "utf8")) as {
                    runs: {
                        originalUriBaseIds: Record<string, { uri?: string; description: { text: string } }>;
                        results: {
                            level: string;
                            message: { text: string };
                            locations: {
                                physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } };
                            }[];
                        }[];
                    }[];
                };
                const run = sarif.runs[0];
                assert.match(run.originalUriBaseIds.APPROOT.description.text, /acme\/manifests\.git at v1\.4\.2/);
                assert.equal(run.originalUriBaseIds.APPROOT.uri, "https://github.com/acme/manifests/blob/v1.4.2/");
                const psa = run.results.filter((r) => r.message.text.startsWith("Pod Security Admission (enforce"));
                assert.ok(psa.length > 0);
                for (const r of psa) {
                    assert.equal(r.level, "error");
                    assert.deepEqual(r.locations[0].physicalLocation.artifactLocation, {
                        uri: "app/deployment.yaml",
                        uriBaseId: "APPROOT",
                    });
                    assert.equal(r.locations[0].physicalLocation.region.startLine, 32);
                }
            });
        });
    }

    it("exit code: 1 when the app is denied; 2 (never OK) when it cannot be rendered; --app skip says not evaluated", async () => {
        const denied = await quietly(() =>
            main(["--stack", "staging", "--out", path.join(out, "cli-denied"), "--app", CHECKOUT, ...SET_FLAGS]),
        );
        assert.equal(denied.value, 1);
        assert.match(denied.stdout, /FAILED: .*1 app object\(s\) refused or denied/);

        // Platform charts judged (an empty charts directory: every Release reported not evaluated), no app checkout.
        const charts = fs.mkdtempSync(path.join(out, "charts-"));
        const missing = await quietly(() => main(["--stack", "prod", "--out", path.join(out, "cli-missing"), "--charts", charts]));
        assert.equal(missing.value, 2);
        assert.doesNotMatch(missing.stdout, /\nOK:/);
        assert.match(missing.stdout, /FAILED: .*app NOT evaluated \(failed\)/);
        assert.match(
            missing.stderr,
            /plan failed: the application cannot be rendered: no checkout given \(--app .*--app skip to plan without it\)/,
        );
        const md = fs.readFileSync(path.join(out, "cli-missing", "plan.md"), "utf8");
        assert.match(md.split("#### ")[0], /could not be rendered/);

        const skipped = await quietly(() =>
            main(["--stack", "prod", "--out", path.join(out, "cli-skip"), "--charts", charts, "--app", "skip"]),
        );
        assert.equal(skipped.value, 0);
        const report = JSON.parse(fs.readFileSync(path.join(out, "cli-skip", "plan.json"), "utf8")) as { app: AppReport };
        assert.equal(report.app.status, "skipped");
        assert.match(report.app.notEvaluated ?? "", /^not evaluated: --app skip/);
        assert.match(
            fs.readFileSync(path.join(out, "cli-skip", "plan.md"), "utf8"),
            /was \*\*not evaluated\*\* \(skipped\): not evaluated: --app skip/,
        );

        const bad = await quietly(() => main(["--stack", "prod", "--app", path.join(out, "nowhere")]));
        assert.equal(bad.value, 2);
        assert.match(bad.stderr, /^plan: --app: ".*nowhere" is not a directory/);
    });

    it("reports the checkout's commit when the checkout is a repository of its own", async function () {
        const repo = fs.mkdtempSync(path.join(out, "repo-"));
        fs.cpSync(path.join(CHECKOUT, "app"), path.join(repo, "app"), { recursive: true });
        const git = (...args: string[]) =>
            execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
        try {
            git("init", "-q");
            git("add", ".");
            git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "app");
        } catch {
            this.skip(); // no git here
        }
        const head = git("rev-parse", "HEAD");
        const result = await runPlan({ stack: "prod", configOverrides: DIRECTORY_APP, app: { kind: "checkout", dir: repo } });
        assert.equal(result.app?.source.commit, head);
    });
});
