// `check` on a repository as an application team has one (test/fixtures/repos/app-repo): Helm chart files,
// values, kustomization and package.json skipped with a summary, kinds no rule covers counted, one finding per
// object and rule, severity order, suppressions, formats, SARIF lines/URIs/cap, exit codes and --help.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFieldPath, readSuppressions, runCheck, settingsFromPolicyConfig, SUPPRESSION_PREFIX } from "../tools/check";
import { globMatches } from "../tools/report/glob";
import { SEVERITY_ORDER } from "../tools/report/model";
import { sarifSchemaErrors } from "./support/sarif";

const ROOT = path.join(__dirname, "..");
const REPO = path.join(__dirname, "fixtures", "repos", "app-repo");
const NOW = new Date("2026-11-29T12:00:00Z");

function cli(args: string[], options: { cwd?: string; input?: string } = {}) {
    return spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(ROOT, "tools", "check.ts"), ...args], {
        cwd: options.cwd ?? REPO,
        encoding: "utf8",
        input: options.input,
    });
}

interface SarifResult {
    ruleId: string;
    level: string;
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    suppressions?: { kind: string; justification: string }[];
}
interface SarifLog {
    runs: {
        results: SarifResult[];
        invocations: { toolExecutionNotifications?: { message: { text: string } }[] }[];
        properties: { resultsTotal: number; resultsCut: number };
    }[];
}

describe("check on a repository", () => {
    const { report, problems } = runCheck([REPO], settingsFromPolicyConfig(), { root: REPO, now: NOW });

    it("skips chart files, templates, values, kustomization, package.json and kind-less YAML with reasons, not errors", () => {
        assert.deepEqual(
            (report.skipped ?? []).map((s) => `${s.file}: ${s.reason}`),
            [
                "charts/web/Chart.yaml: Helm chart metadata",
                "charts/web/templates/deployment.yaml: Helm templates",
                "charts/web/values.yaml: Helm values",
                "config/app-settings.yaml: YAML/JSON without apiVersion and kind",
                "kustomize/base/kustomization.yaml: kustomization",
                "package.json: package or build manifest",
            ],
        );
        assert.deepEqual(
            problems.filter((p) => p.kind === "error"),
            [],
        );
        assert.ok(!report.inputs.some((f) => f.startsWith(".github/")), "dot folders are not walked");
    });

    it("counts every object whose kind no rule covers as not evaluated", () => {
        const unevaluated = report.resources.filter((r) => r.evaluation && !r.evaluation.evaluated);
        assert.deepEqual(unevaluated.map((r) => `${r.type}/${r.name}`).sort(), ["ConfigMap/web-settings", "PrometheusRule/shop-alerts"]);
        // An Ingress is judged on its API version (networking.k8s.io/v1 is served): evaluated, and passed.
        assert.equal(report.resources.find((r) => r.name === "shop")?.verdicts?.["apis-no-removed-versions"], "passed");
        assert.ok(unevaluated.every((r) => r.evaluation?.reason === "no rule covers this kind"));
        assert.ok(report.resources.find((r) => r.name === "cart")?.evaluation?.evaluated);
    });

    it("reports one finding per object and rule, listing every field, critical first", () => {
        const payments = report.violations.filter((v) => v.resource.name === "payments");
        const perRule = new Map<string, number>();
        for (const v of payments) perRule.set(v.ruleId, (perRule.get(v.ruleId) ?? 0) + 1);
        assert.ok(perRule.size >= 3, JSON.stringify([...perRule]));
        assert.ok([...perRule.values()].every((n) => n === 1));
        const resources = payments.find((v) => v.ruleId === "resources-requests-limits");
        assert.deepEqual(resources?.fields, [
            "spec.template.spec.containers[name=api].resources.requests.cpu",
            "spec.template.spec.containers[name=api].resources.requests.memory",
            "spec.template.spec.containers[name=api].resources.limits.cpu",
            "spec.template.spec.containers[name=api].resources.limits.memory",
        ]);
        const order = report.violations.map((v) => SEVERITY_ORDER[v.severity]);
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
        );
        assert.equal(report.violations[0].severity, "critical");
        assert.ok(!report.violations.some((v) => v.resource.name === "cart"), "the compliant Deployment has no finding");
    });

    it("points each finding at the line of the offending field", () => {
        const lines = fs.readFileSync(path.join(REPO, "manifests", "prod", "workloads.yaml"), "utf8").split("\n");
        const privileged = report.violations.find((v) => v.ruleId === "pss-baseline-privileged");
        assert.ok(privileged?.line);
        assert.match(lines[privileged.line - 1], /^\s+privileged: true/);
        const escalation = report.violations.find((v) => v.ruleId === "pss-restricted-privilege-escalation");
        assert.match(lines[(escalation?.line ?? 0) - 1], /allowPrivilegeEscalation: true/);
        // A missing field points at the closest existing parent: the container.
        const missing = report.violations.find((v) => v.ruleId === "resources-requests-limits");
        assert.match(lines[(missing?.line ?? 0) - 1], /- name: api/);
    });

    it("honours a suppression with a reason and expiry, shows it, and ignores one without reason or expired", () => {
        const byName = (name: string) =>
            report.violations.find((v) => v.resource.name === name && v.ruleId === "services-no-public-loadbalancer");
        assert.deepEqual(byName("storefront")?.suppressed, {
            reason: "the storefront is the public entry point until the shared ingress lands (SHOP-142)",
            expires: "2099-12-31",
            source: `${SUPPRESSION_PREFIX}services-no-public-loadbalancer`,
        });
        assert.equal(byName("admin")?.suppressed, undefined);
        assert.equal(byName("reports")?.suppressed, undefined);
        assert.ok(problems.some((p) => p.kind === "warning" && /Service\/admin: .*has no reason/.test(p.message)));
        assert.ok(problems.some((p) => p.kind === "warning" && /Service\/reports: .*expired on 2020-01-31/.test(p.message)));
        assert.ok(
            report.exemptions.some((e) => e.scope === "object" && e.target.includes("Service/storefront") && e.reason.includes("SHOP-142")),
        );
        // A suppressed violation does not fail a control.
        const onlySuppressed = runCheck(
            [path.join(REPO, "manifests", "prod", "services.yaml")],
            settingsFromPolicyConfig({ "services-no-public-loadbalancer": { allowedNamespaces: [] } }),
            { root: REPO, now: new Date("2019-01-01T00:00:00Z") },
        );
        assert.equal(
            onlySuppressed.report.violations.filter((v) => v.ruleId === "services-no-public-loadbalancer" && v.suppressed).length,
            2,
            "before its expiry the reports suppression applies too",
        );
    });

    it("parses suppression values strictly", () => {
        const object = (value: unknown) => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "s", annotations: { [`${SUPPRESSION_PREFIX}services-no-public-loadbalancer`]: value } },
        });
        assert.equal(readSuppressions(object("expires=2027-02-30; x") as never, "2026-01-01").problems.length, 1, "not a calendar date");
        assert.equal(readSuppressions(object(42) as never, "2026-01-01").problems.length, 1, "not a string");
        assert.equal(readSuppressions(object("expires=2027-01-01") as never, "2026-01-01").problems.length, 1, "no reason");
        assert.equal(
            readSuppressions(object("a reason") as never, "2026-01-01").valid.get("services-no-public-loadbalancer")?.reason,
            "a reason",
        );
        const unknownRule = {
            apiVersion: "v1",
            kind: "Service",
            metadata: { annotations: { [`${SUPPRESSION_PREFIX}no-such-rule`]: "x" } },
        };
        assert.match(readSuppressions(unknownRule, "2026-01-01").problems[0], /names no Kubernetes rule/);
    });

    it("splits finding paths without regex and matches globs", () => {
        assert.deepEqual(parseFieldPath("spec.containers[name=a.b].ports[0].hostPort"), [
            { key: "spec" },
            { key: "containers" },
            { name: "a.b" },
            { key: "ports" },
            { index: 0 },
            { key: "hostPort" },
        ]);
        assert.deepEqual(parseFieldPath('metadata.labels["app.kubernetes.io/name"]'), [
            { key: "metadata" },
            { key: "labels" },
            { key: "app.kubernetes.io/name" },
        ]);
        assert.ok(globMatches("manifests/**/*.yaml", "manifests/prod/a.yaml"));
        assert.ok(globMatches("**/x.yaml", "x.yaml"));
        assert.ok(!globMatches("**/x.yaml", "ax.yaml"));
        assert.ok(!globMatches("manifests/*.yaml", "manifests/prod/a.yaml"));
        assert.ok(globMatches("kustomize", "kustomize/base/configmap.yaml"));
        assert.ok(!globMatches("*".repeat(40) + "x", "a".repeat(200)), "a pathological pattern ends");
    });

    it("--include/--exclude filter the walk on repository-relative paths", () => {
        const only = runCheck([REPO], settingsFromPolicyConfig(), {
            root: REPO,
            include: ["manifests/**"],
            exclude: ["**/alerts.yaml"],
            now: NOW,
        });
        assert.deepEqual(only.report.inputs, ["manifests/prod/services.yaml", "manifests/prod/workloads.yaml"]);
    });

    it("--severity evaluates only rules at or above it; controls with no evaluated rule are not evaluated, never passed", () => {
        const critical = runCheck([REPO], settingsFromPolicyConfig(), { root: REPO, minSeverity: "critical", now: NOW });
        assert.ok(critical.report.violations.length > 0);
        assert.ok(critical.report.violations.every((v) => v.severity === "critical"));
        const empty = runCheck([path.join(REPO, "kustomize")], settingsFromPolicyConfig(), { root: REPO, now: NOW });
        for (const score of empty.report.compliance) {
            assert.equal(score.passed, 0, `${score.framework} passes controls with nothing evaluated`);
            assert.equal(score.notEvaluated.length, score.total);
        }
    });

    it("CLI: text by default with the skipped and not-evaluated summaries; exit 1 at --fail-on, 0 with never", function () {
        this.timeout(60000);
        const text = cli(["."]);
        assert.equal(text.status, 1, text.stderr);
        assert.match(text.stdout, /^skipped 6 file\(s\) that are not Kubernetes manifests: .*1 Helm templates/m);
        assert.match(text.stdout, /^not evaluated: 2 object\(s\), no rule covers this kind: ConfigMap, PrometheusRule$/m);
        assert.match(text.stdout, /^HIGH +SUPPRESSED \(the storefront/m);
        assert.doesNotMatch(text.stderr, /^error/m);
        assert.equal(cli([".", "--fail-on", "never"]).status, 0);
        assert.equal(cli(["kustomize", "--fail-on", "low"]).status, 0);
        assert.equal(
            cli(["manifests", "--fail-on", "critical", "--severity", "high", "--exclude", "**/workloads.yaml"]).status,
            0,
            "only high findings left, failing on critical",
        );
    });

    it("CLI: --format json|markdown|sarif to stdout or --output; SARIF has relative URIs, field lines, suppressions", function () {
        this.timeout(60000);
        const json = cli([".", "--format", "json"]);
        const parsed = JSON.parse(json.stdout) as { tool: string; violations: unknown[]; skipped: unknown[] };
        assert.equal(parsed.tool, "check");
        assert.ok(parsed.violations.length > 0 && parsed.skipped.length === 6);
        const md = cli([".", "--format", "markdown"]);
        assert.match(md.stdout, /#### Suppressed in the manifests/);
        assert.match(md.stdout, /SHOP-142/);
        assert.match(md.stdout, /#### Not evaluated \(2\)/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-sarif-"));
        const sarifFile = path.join(dir, "out.sarif");
        const run = cli([".", "--format", "sarif", "--output", sarifFile]);
        assert.equal(run.stdout, "");
        const sarif = JSON.parse(fs.readFileSync(sarifFile, "utf8")) as SarifLog;
        assert.deepEqual(sarifSchemaErrors(sarif), []);
        const results = sarif.runs[0].results;
        assert.ok(results.length > 0);
        for (const r of results)
            assert.ok(
                !path.isAbsolute(r.locations[0].physicalLocation.artifactLocation.uri) &&
                    !r.locations[0].physicalLocation.artifactLocation.uri.startsWith("."),
            );
        const privileged = results.find((r) => r.ruleId === "pss-baseline-privileged");
        assert.equal(privileged?.locations[0].physicalLocation.artifactLocation.uri, "manifests/prod/workloads.yaml");
        assert.ok((privileged?.locations[0].physicalLocation.region.startLine ?? 1) > 1);
        const suppressed = results.filter((r) => r.suppressions);
        assert.equal(suppressed.length, 1);
        assert.equal(suppressed[0].suppressions?.[0].kind, "inSource");
        assert.match(suppressed[0].suppressions?.[0].justification ?? "", /SHOP-142/);
    });

    it("CLI: the SARIF cap keeps the most severe results and says what was cut", function () {
        this.timeout(60000);
        const capped = JSON.parse(cli([".", "--format", "sarif", "--sarif-max-results", "2"]).stdout) as SarifLog;
        const run = capped.runs[0];
        assert.equal(run.results.length, 2);
        assert.equal(run.results[0].ruleId, "pss-baseline-privileged");
        assert.ok(run.properties.resultsTotal > 2);
        assert.equal(run.properties.resultsCut, run.properties.resultsTotal - 2);
        assert.match(
            run.invocations[0].toolExecutionNotifications?.[0].message.text ?? "",
            new RegExp(`^${run.properties.resultsCut} of ${run.properties.resultsTotal} results were cut`),
        );
    });

    it("CLI: - reads stdin", function () {
        this.timeout(60000);
        const manifest = fs.readFileSync(path.join(REPO, "manifests", "prod", "workloads.yaml"), "utf8");
        const result = cli(["-"], { input: manifest });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stdout, /\(stdin\):\d+ Deployment\/payments \[pss-baseline-privileged\]/);
    });

    it("CLI: skips node_modules; usage and input errors are one line with exit 2; --help exits 0 and names every option", function () {
        this.timeout(60000);
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "check-repo-"));
        fs.cpSync(REPO, copy, { recursive: true });
        fs.mkdirSync(path.join(copy, "node_modules", "dep"), { recursive: true });
        fs.writeFileSync(
            path.join(copy, "node_modules", "dep", "pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: vendored}\nspec: {containers: [{name: c, image: busybox}]}\n",
        );
        assert.doesNotMatch(cli(["."], { cwd: copy }).stdout, /vendored/);
        for (const args of [
            ["--format", "xml", "."],
            ["--fail-on", "sometimes", "."],
            ["--no-such-flag", "."],
            [],
            ["--policy-config", "missing.json", "."],
            ["does-not-exist"],
            ["--sarif-max-results", "0", "."],
        ]) {
            const result = cli(args);
            assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
            assert.equal(result.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${result.stderr}`);
            assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
        }
        const badConfig = path.join(copy, "bad.json");
        fs.writeFileSync(badConfig, JSON.stringify({ "services-no-public-loadbalancer": "sometimes" }));
        const bad = cli(["--policy-config", badConfig, "."]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^check: --policy-config .*not a valid enforcement level/);
        const help = cli(["--help"]);
        assert.equal(help.status, 0);
        for (const option of [
            "--policy-config",
            "--include",
            "--exclude",
            "--root",
            "--severity",
            "--fail-on",
            "--format",
            "--output",
            "--out",
            "--sarif-max-results",
            "--help",
            SUPPRESSION_PREFIX,
        ])
            assert.ok(help.stdout.includes(option), option);
    });
});
