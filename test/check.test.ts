import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { KUBERNETES_RULES, ruleById } from "../policy-pack/catalogue";
import { evaluate } from "../policy-pack/catalogue/evaluate";
import { loadCorpus } from "../policy-pack/test/corpus";
import { checkDocuments, loadManifests, runCheck, settingsFromPolicyConfig } from "../tools/check";
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
