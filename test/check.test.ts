import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { KUBERNETES_RULES, ruleById } from "../policy-pack/catalogue";
import { evaluate } from "../policy-pack/catalogue/evaluate";
import { loadCorpus } from "../policy-pack/test/corpus";
import { NAMESPACE_EXEMPTIONS } from "../platform/exemptions";
import { checkDocuments, loadManifests, main as checkMain, runCheck, settingsFromPolicyConfig } from "../tools/check";
import { Report } from "../tools/report/model";
import { toSarif } from "../tools/report/sarif";
import { sarifSchemaErrors } from "./support/sarif";

const FIXTURES = path.join(__dirname, "fixtures", "manifests");
const ROOT = path.join(__dirname, "..");

describe("manifest check", () => {
    it("reads multi-document files and Lists with the line each object starts on", () => {
        const { documents, problems } = loadManifests([
            path.join(FIXTURES, "app", "deployment.yaml"),
            path.join(FIXTURES, "app", "list.yaml"),
        ]);
        assert.deepEqual(problems, []);
        assert.deepEqual(
            documents.map((d) => `${d.object.kind}/${d.object.metadata?.name}@${d.line}`),
            ["Deployment/web@2", "Deployment/legacy-worker@32", "Service/public-web@4", "Service/internal-web@13"],
        );
    });

    it("reports an unparsable document with file and line and keeps going", () => {
        const { documents, problems } = loadManifests([path.join(FIXTURES, "broken.yaml"), path.join(FIXTURES, "app", "list.yaml")]);
        assert.equal(problems.length >= 1, true);
        assert.ok(problems.every((p) => p.kind === "error"));
        assert.equal(problems[0].file, path.join(FIXTURES, "broken.yaml"));
        assert.ok(problems[0].line >= 7 && problems[0].line <= 12, `line ${problems[0].line}`);
        assert.deepEqual(
            documents.map((d) => d.object.metadata?.name),
            ["fine", "public-web", "internal-web"],
        );
    });

    it("flags the non-compliant objects only, naming rule, object and line", () => {
        const { report } = runCheck([path.join(FIXTURES, "app")], settingsFromPolicyConfig());
        const offenders = new Set(report.violations.map((v) => `${v.resource.name}:${v.ruleId}`));
        for (const expected of [
            "legacy-worker:images-disallow-latest",
            "legacy-worker:pss-baseline-privileged",
            "legacy-worker:resources-requests-limits",
            "public-web:services-no-public-loadbalancer",
        ]) {
            assert.ok(offenders.has(expected), `missing ${expected}; got ${[...offenders].join(", ")}`);
        }
        const mandatoryOnCompliant = report.violations.filter(
            (v) => ["web", "internal-web"].includes(v.resource.name) && v.enforcement === "mandatory",
        );
        assert.deepEqual(mandatoryOnCompliant, []);
        assert.ok(report.violations.length > 0);
        assert.ok(report.violations.every((v) => v.resource.line && v.resource.file && v.line));
    });

    it("honours a CrossGuard policy config: disabled rules and parameters", () => {
        const { documents } = loadManifests([path.join(FIXTURES, "app", "list.yaml")]);
        const denied = checkDocuments(documents, settingsFromPolicyConfig());
        assert.ok(denied.some((v) => v.ruleId === "services-no-public-loadbalancer"));
        const allowed = checkDocuments(
            documents,
            settingsFromPolicyConfig({ "services-no-public-loadbalancer": { allowedNamespaces: ["missing-table"] } }),
        );
        assert.ok(!allowed.some((v) => v.ruleId === "services-no-public-loadbalancer"));
        const disabled = checkDocuments(documents, settingsFromPolicyConfig({ "services-no-public-loadbalancer": "disabled" }));
        assert.ok(!disabled.some((v) => v.ruleId === "services-no-public-loadbalancer"));
    });

    it("gives the same verdict as the catalogue for every kubernetes corpus case", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-corpus-"));
        const cases = loadCorpus().filter((c) => c.object && KUBERNETES_RULES.some((r) => r.id === c.rule));
        for (const [i, c] of cases.entries()) fs.writeFileSync(path.join(dir, `${String(i).padStart(4, "0")}.yaml`), stringify(c.object));
        for (const [i, c] of cases.entries()) {
            const { documents } = loadManifests([path.join(dir, `${String(i).padStart(4, "0")}.yaml`)]);
            const rule = ruleById(c.rule);
            const fromCheck = checkDocuments(
                documents,
                settingsFromPolicyConfig({ [c.rule]: { enforcementLevel: "mandatory", ...(c.params ?? {}) } }),
                KUBERNETES_RULES.filter((r) => r.id === c.rule),
            );
            const fromCatalogue = evaluate(rule, c);
            assert.equal(fromCheck.length > 0, fromCatalogue.length > 0, `${c.rule} / ${c.name}`);
            assert.equal(fromCheck.length > 0, c.expect === "violation", `${c.rule} / ${c.name}`);
        }
    });

    it("writes SARIF 2.1.0 that validates against the official schema", () => {
        const { report } = runCheck([path.join(FIXTURES, "app")], settingsFromPolicyConfig());
        const sarif = toSarif(report, KUBERNETES_RULES, { toolVersion: "0.1.0", defaultArtifact: "x.yaml", category: "manifest-check" });
        assert.deepEqual(sarifSchemaErrors(sarif), []);
        const results = (sarif.runs as { results: { ruleId: string; level: string }[] }[])[0].results;
        assert.equal(results.length, report.violations.length);
        assert.ok(results.some((r) => r.level === "error"));
    });

    it("exits 1 on mandatory violations, 0 on clean input, 2 on unparsable input; --out writes json/md/sarif", function () {
        this.timeout(60000);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "check-out-"));
        const bad = cli([path.join(FIXTURES, "app"), "--out", out]);
        assert.equal(bad.status, 1, bad.stderr);
        assert.match(bad.stdout, /legacy-worker/);
        for (const f of ["check.json", "check.md", "check.sarif"]) assert.ok(fs.existsSync(path.join(out, f)), f);
        const clean = fs.mkdtempSync(path.join(os.tmpdir(), "check-clean-"));
        const text = fs.readFileSync(path.join(FIXTURES, "app", "deployment.yaml"), "utf8");
        fs.writeFileSync(path.join(clean, "d.yaml"), text.slice(0, text.indexOf("\n---\n")));
        assert.equal(cli([clean]).status, 0);
        const broken = cli([path.join(FIXTURES, "broken.yaml")]);
        assert.equal(broken.status, 2);
        assert.match(broken.stderr, /broken\.yaml:\d+: unparsable YAML/);
    });
});

function cli(args: string[], input?: string) {
    return spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(ROOT, "tools", "check.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        input,
    });
}

describe("manifest check: exemptions are never silent", () => {
    const dir = path.join(FIXTURES, "platform-namespace");
    const prodConfig = path.join(ROOT, "policy-config", "prod.json");
    const logging = NAMESPACE_EXEMPTIONS.find((e) => e.namespace === "logging");
    const run = (args: string[]): { code: number; stdout: string; stderr: string } => {
        let stdout = "";
        let stderr = "";
        const code = checkMain(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
        return { code, stdout, stderr };
    };

    it("lists each object a platform namespace exempts, with the rules and the platform's reason, in text, JSON and Markdown", () => {
        assert.ok(logging, "the platform declares a logging exemption");
        const text = run(["--policy-config", prodConfig, path.join(dir, "root-host-path.yaml")]);
        const exemptLines = text.stdout.split("\n").filter((l) => l.startsWith("EXEMPT"));
        assert.equal(exemptLines.length, 1, text.stdout);
        assert.ok(exemptLines[0].includes("namespace logging") && exemptLines[0].includes("Deployment/rooty"), exemptLines[0]);
        assert.ok(exemptLines[0].includes("pss-baseline-host-path") && exemptLines[0].includes(logging.reason), exemptLines[0]);
        assert.match(text.stdout, /, 1 object\(s\) exempted from 5 rule check\(s\), /);
        // --fail-on is unchanged: the violations of the rules that still apply fail the check.
        assert.equal(text.code, 1);

        const json = JSON.parse(
            run(["--policy-config", prodConfig, "--format", "json", path.join(dir, "root-host-path.yaml")]).stdout,
        ) as Report;
        const applied = json.exemptions.filter((e) => e.resource);
        assert.equal(applied.length, 1);
        assert.equal(applied[0].scope, "namespace");
        assert.equal(applied[0].reason, logging.reason);
        assert.deepEqual(applied[0].resource, {
            type: "Deployment",
            name: "rooty",
            namespace: "logging",
            file: "test/fixtures/manifests/platform-namespace/root-host-path.yaml",
            line: 3,
        });
        assert.deepEqual([...applied[0].rules].sort(), [...logging.rules].sort());
        const verdicts = json.resources[0].verdicts ?? {};
        assert.deepEqual(
            Object.keys(verdicts)
                .filter((id) => verdicts[id] === "exempt")
                .sort(),
            [...logging.rules].sort(),
        );

        const md = run(["--policy-config", prodConfig, "--format", "markdown", path.join(dir, "root-host-path.yaml")]).stdout;
        assert.match(md, /1 exempted from 5 rule check\(s\) \(listed below with the reasons\)/);
        assert.match(md, /#### Exempted objects \(1\)/);
        assert.ok(md.includes(logging.reason.slice(0, 80)));
    });

    it("an object whose only findings are exempt passes, and still lists the exemption", () => {
        const plain = run([path.join(dir, "log-shipper.yaml")]);
        assert.equal(plain.code, 1, "without the platform's exemptions its hostPath volume fails");
        assert.match(plain.stdout, /0 object\(s\) exempted from 0 rule check\(s\)/);
        const prod = run(["--policy-config", prodConfig, path.join(dir, "log-shipper.yaml")]);
        assert.equal(prod.code, 0, prod.stdout);
        assert.match(prod.stdout, /0 violation\(s\), 0 suppressed, 1 object\(s\) exempted from 5 rule check\(s\)/);
        assert.ok(prod.stdout.includes("DaemonSet/shipper"));
    });

    it("lists containers skipped by exemptImages, naming the entry and where it came from", () => {
        const config = fs.mkdtempSync(path.join(os.tmpdir(), "check-exempt-image-"));
        const file = path.join(config, "config.json");
        fs.writeFileSync(file, JSON.stringify({ "pss-restricted-run-as-user": { exemptImages: ["registry.example/app:*"] } }));
        const result = run(["--policy-config", file, "--format", "json", path.join(dir, "root-host-path.yaml")]);
        const json = JSON.parse(result.stdout) as Report;
        const image = json.exemptions.filter((e) => e.scope === "image");
        assert.equal(image.length, 1);
        assert.deepEqual(image[0].rules, ["pss-restricted-run-as-user"]);
        assert.ok(image[0].reason.includes('container(s) "app"') && image[0].reason.includes(`--policy-config ${file}`), image[0].reason);
        assert.ok(!json.violations.some((v) => v.ruleId === "pss-restricted-run-as-user"));
        // A config exemption the platform gives no reason for says so instead of inventing one.
        fs.writeFileSync(file, JSON.stringify({ "pss-baseline-host-path": { exemptNamespaces: ["logging"] } }));
        const ns = (JSON.parse(run(["--policy-config", file, "--format", "json", path.join(dir, "root-host-path.yaml")]).stdout) as Report)
            .exemptions;
        assert.equal(ns.length, 1);
        assert.ok(ns[0].reason.startsWith("Fluentd"), "logging's host-path exemption is the platform's, with its reason");
        fs.writeFileSync(file, JSON.stringify({ "pss-baseline-privileged": { exemptNamespaces: ["logging"] } }));
        const other = (
            JSON.parse(run(["--policy-config", file, "--format", "json", path.join(dir, "root-host-path.yaml")]).stdout) as Report
        ).exemptions;
        assert.equal(other.length, 1);
        assert.match(other[0].reason, /exemptNamespaces of --policy-config .* records no reason/);
        fs.rmSync(config, { recursive: true, force: true });
    });
});
