// The report model on its own: compliance scoring never passes what was not evaluated, secrets are masked,
// unknown values detected, property-level diffs and their bounds, and the Markdown verdict for nothing evaluated.
import { strict as assert } from "assert";
import { RULES, ruleById } from "../policy-pack/catalogue";
import { UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { flatten, MAX_CHANGES_PER_RESOURCE, diffPlans, propertyChanges } from "../tools/report/diff";
import { containsUnknown, maskSecrets, SECRET_MASK } from "../tools/report/inputs";
import { toMarkdown } from "../tools/report/markdown";
import { toSarif } from "../tools/report/sarif";
import { coverageFrom, Report, REPORT_FORMAT_VERSION, ReportResource, scoreCompliance, Violation } from "../tools/report/model";

const privileged = ruleById("pss-baseline-privileged");
const cisControl = privileged.frameworks.find((f) => f.framework === "CIS-Kubernetes")?.control ?? "";

function violation(ruleId: string, extra: Partial<Violation> = {}): Violation {
    const rule = ruleById(ruleId);
    return { ruleId, severity: rule.severity, enforcement: "mandatory", message: "m", resource: { type: "Pod", name: "p" }, ...extra };
}

describe("report model", () => {
    it("a control with no evaluated resource is not evaluated; evaluated and clean passes; violated fails", () => {
        assert.ok(cisControl);
        const cis = (resources: ReportResource[], violations: Violation[], enforcement = () => "mandatory" as const) =>
            scoreCompliance(RULES, enforcement, coverageFrom(resources, violations)).find((s) => s.framework === "CIS-Kubernetes");
        const none = cis([], []);
        assert.equal(none?.passed, 0);
        assert.ok(none?.notEvaluated.some((c) => c.control === cisControl && c.reason === "no applicable resource was evaluated"));
        const onlyNotApplicable = cis([{ type: "Pod", name: "p", verdicts: { [privileged.id]: "not-applicable" } }], []);
        assert.equal(onlyNotApplicable?.passed, 0);
        const unknown = cis([{ type: "Pod", name: "p", verdicts: { [privileged.id]: "unknown" } }], []);
        assert.equal(unknown?.passed, 0, "unknown at preview is not a pass");
        const passed = cis([{ type: "Pod", name: "p", verdicts: { [privileged.id]: "passed" } }], []);
        assert.ok(!passed?.notEvaluated.some((c) => c.control === cisControl));
        assert.ok((passed?.passed ?? 0) >= 1);
        const failed = cis([{ type: "Pod", name: "p", verdicts: { [privileged.id]: "violation" } }], [violation(privileged.id)]);
        assert.ok(failed?.failing.some((c) => c.control === cisControl && c.mandatory));
        const suppressed = cis(
            [{ type: "Pod", name: "p", verdicts: { [privileged.id]: "violation" } }],
            [violation(privileged.id, { suppressed: { reason: "r", source: "a" } })],
        );
        assert.ok(!suppressed?.failing.some((c) => c.control === cisControl), "a suppressed violation does not fail the control");
    });

    it("every rule disabled: every control not evaluated, saying why, and the Markdown says nothing was evaluated", () => {
        const scores = scoreCompliance(RULES, () => "disabled", coverageFrom([], []));
        assert.ok(scores.length > 0);
        for (const s of scores) {
            assert.ok(s.total > 0);
            assert.equal(s.passed, 0);
            assert.equal(s.notEvaluated.length, s.total);
            assert.ok(s.notEvaluated.every((c) => c.reason === "every rule for it is disabled"));
        }
        const report: Report = {
            formatVersion: REPORT_FORMAT_VERSION,
            tool: "plan",
            stack: "dev",
            generatedAt: "2026-11-29T00:00:00.000Z",
            inputs: [],
            resources: [],
            violations: [],
            compliance: scores,
            rules: [],
            exemptions: [],
        };
        const md = toMarkdown(report);
        assert.match(md, /Nothing evaluated: every rule is disabled/);
        assert.doesNotMatch(md, /No mandatory violations/);
        assert.match(md, /\| CIS-Kubernetes \| 0\/\d+ \(\d+ not evaluated\) \| 0% \|/);
    });

    it("masks secret paths (and everything below them), leaving the rest", () => {
        const inputs = {
            data: { password: "hunter2", user: "u" },
            values: { slack: [{ url: "https://hooks" }, { url: "x" }] },
            token: { a: 1 },
        };
        const masked = maskSecrets(inputs, ["data.password", "values.slack[0].url", "token"]);
        assert.deepEqual(masked, {
            data: { password: SECRET_MASK, user: "u" },
            values: { slack: [{ url: SECRET_MASK }, { url: "x" }] },
            token: SECRET_MASK,
        });
        assert.equal(inputs.data.password, "hunter2", "the original is not changed");
        assert.ok(!JSON.stringify(maskSecrets(inputs, [""])).includes("hunter2"), "a wholly secret object");
    });

    it("detects unknown values anywhere in the inputs", () => {
        assert.equal(containsUnknown({ a: [{ b: UNKNOWN_SENTINEL }] }), true);
        assert.equal(containsUnknown({ a: [{ b: "known" }] }), false);
    });

    it("diffs property by property, bounded per resource", () => {
        assert.deepEqual(propertyChanges({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1] }, d: "x" }), [
            { path: "a.b", before: "1", after: "2" },
            { path: "a.c[1]", before: "2" },
            { path: "d", after: '"x"' },
        ]);
        assert.deepEqual([...flatten({ e: {}, f: [] }).keys()], ["e", "f"]);
        const many = Object.fromEntries(Array.from({ length: MAX_CHANGES_PER_RESOURCE + 7 }, (_, i) => [`k${i}`, i]));
        const base = {
            resources: [{ type: "t", name: "n", urn: "u", inputs: {} }],
            violations: [],
            formatVersion: REPORT_FORMAT_VERSION,
            tool: "plan" as const,
            generatedAt: "x",
        };
        const diff = diffPlans(base, { resources: [{ type: "t", name: "n", urn: "u", inputs: many }], violations: [] });
        assert.equal(diff.changed[0].changes.length, MAX_CHANGES_PER_RESOURCE);
        assert.equal(diff.changed[0].moreChanges, 7);
        const long = propertyChanges({ v: "a" }, { v: "b".repeat(1000) });
        assert.ok((long[0].after ?? "").length < 250 && (long[0].after ?? "").endsWith("(1002 chars)"));
    });

    it("SARIF locations: repository-relative against %SRCROOT%, absolute paths as file URIs", () => {
        const report: Report = {
            formatVersion: REPORT_FORMAT_VERSION,
            tool: "check",
            generatedAt: "2026-11-29T00:00:00.000Z",
            inputs: [],
            resources: [],
            compliance: [],
            rules: [],
            exemptions: [],
            violations: [
                violation(privileged.id, { resource: { type: "Pod", name: "a", file: "apps/my pod.yaml", line: 3 } }),
                violation(privileged.id, { resource: { type: "Pod", name: "b", file: "/elsewhere/pod.yaml", line: 4 } }),
            ],
        };
        const sarif = toSarif(report, RULES, { toolVersion: "0", defaultArtifact: "x", category: "c" }) as {
            runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[];
        };
        const locations = sarif.runs[0].results.map((r) => r.locations[0].physicalLocation.artifactLocation);
        assert.deepEqual(
            locations.sort((a, b) => a.uri.localeCompare(b.uri)),
            [{ uri: "apps/my%20pod.yaml", uriBaseId: "%SRCROOT%" }, { uri: "file:///elsewhere/pod.yaml" }],
        );
    });
});
