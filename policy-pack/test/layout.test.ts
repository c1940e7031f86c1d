// The rule layout: a rule is found by its id. rules/<id>.ts holds exactly that rule, written one way
// (`export const rule = <factory>({...})`), with its corpus beside it in rules/<id>.corpus.yaml; every
// shared piece lives in lib/. The catalogue imports every rule file, and nothing else is in rules/.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RULES } from "../catalogue";
import { Rule } from "../catalogue/types";
import { gatekeeperKindFor } from "../lib/define-rule";
import { CORPUS_SUFFIX } from "./corpus";

const RULES_DIR = path.join(__dirname, "..", "rules");
const RULE_SUFFIX = ".ts";
const FACTORY_CALL = /\b(kubernetesRule|cloudRule|podRule|pssRule|roleAccessRule)(<[^>(]*>)?\(/g;

/** Problems with the layout of `dir` against `rules`; empty when it is as the house rules want it. */
export function layoutProblems(dir: string, rules: readonly Pick<Rule, "id">[]): string[] {
    const problems: string[] = [];
    const ids = new Set(rules.map((r) => r.id));
    const files = fs.readdirSync(dir).sort();
    for (const rule of rules) {
        if (!files.includes(rule.id + RULE_SUFFIX)) problems.push(`rule ${rule.id} has no file rules/${rule.id}${RULE_SUFFIX}`);
        if (!files.includes(rule.id + CORPUS_SUFFIX)) problems.push(`rule ${rule.id} has no corpus rules/${rule.id}${CORPUS_SUFFIX}`);
    }
    for (const file of files) {
        if (file.endsWith(CORPUS_SUFFIX)) {
            const id = file.slice(0, -CORPUS_SUFFIX.length);
            if (!ids.has(id)) problems.push(`corpus ${file} has no rule ${id} in the catalogue`);
            continue;
        }
        if (!file.endsWith(RULE_SUFFIX)) {
            problems.push(`${file}: only <id>${RULE_SUFFIX} and <id>${CORPUS_SUFFIX} belong in rules/ (shared code goes to lib/)`);
            continue;
        }
        const id = file.slice(0, -RULE_SUFFIX.length);
        if (!ids.has(id))
            problems.push(`${file}: no rule ${id} in the catalogue (a helper belongs in lib/, a new rule in catalogue/index.ts)`);
        const text = fs.readFileSync(path.join(dir, file), "utf8");
        const factoryCalls = text.match(FACTORY_CALL) ?? [];
        if (factoryCalls.length !== 1)
            problems.push(`${file}: declares ${factoryCalls.length} rules (${factoryCalls.join(", ") || "none"}); exactly one is allowed`);
        if (!/^export const rule = (kubernetesRule|cloudRule|podRule|pssRule|roleAccessRule)(<[^>(]*>)?\(\{$/m.test(text))
            problems.push(`${file}: does not declare \`export const rule = <factory>({\``);
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads each file found on disk by path (also temp copies)
        const loaded = require(path.join(dir, file)) as { rule?: { id?: unknown } };
        const exported = Object.keys(loaded);
        if (exported.length !== 1 || exported[0] !== "rule")
            problems.push(`${file}: exports ${exported.join(", ") || "nothing"}; a rule file exports only \`rule\``);
        const declared = loaded.rule?.id;
        if (declared !== id) problems.push(`${file}: holds rule ${String(declared)}, not ${id}`);
    }
    return problems;
}

describe("rule layout: one file per rule id, its corpus beside it", () => {
    it("has a rule file and a corpus file for every rule, and nothing else in rules/", () => {
        assert.ok(RULES.length > 0, "empty catalogue");
        assert.deepEqual(layoutProblems(RULES_DIR, RULES), []);
        assert.equal(fs.readdirSync(RULES_DIR).length, RULES.length * 2, "rules/ holds one .ts and one corpus file per rule");
    });

    describe("catches a broken layout", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "rule-layout-"));
            for (const file of ["gcs-uniform-access.ts", "gcs-uniform-access" + CORPUS_SUFFIX]) {
                // Copied with their imports pointing back at the real lib/ and catalogue/.
                const text = fs
                    .readFileSync(path.join(RULES_DIR, file), "utf8")
                    .replace(/from "\.\.\//g, `from "${path.join(RULES_DIR, "..")}/`);
                fs.writeFileSync(path.join(dir, file), text);
            }
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const rules = [{ id: "gcs-uniform-access" }];

        it("accepts the copied rule as it is", () => {
            assert.deepEqual(layoutProblems(dir, rules), []);
        });
        it("a rule without a file of its id", () => {
            fs.renameSync(path.join(dir, "gcs-uniform-access.ts"), path.join(dir, "gcs-uniform.ts"));
            const problems = layoutProblems(dir, rules);
            assert.ok(
                problems.some((p) => p.includes("has no file rules/gcs-uniform-access.ts")),
                problems.join("\n"),
            );
            assert.ok(
                problems.some((p) => p.includes("gcs-uniform.ts: holds rule gcs-uniform-access, not gcs-uniform")),
                problems.join("\n"),
            );
        });
        it("a file holding a rule of another id", () => {
            const file = path.join(dir, "gcs-uniform-access.ts");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('id: "gcs-uniform-access"', 'id: "gcs-something-else"'));
            assert.deepEqual(layoutProblems(dir, rules), ["gcs-uniform-access.ts: holds rule gcs-something-else, not gcs-uniform-access"]);
        });
        it("a file holding two rules", () => {
            const file = path.join(dir, "gcs-uniform-access.ts");
            fs.appendFileSync(file, '\nconst second = cloudRule<NoParams>({ ...rule, id: "gcs-second" });\nvoid second;\n');
            const problems = layoutProblems(dir, rules);
            assert.ok(
                problems.some((p) => p.includes("declares 2 rules")),
                problems.join("\n"),
            );
        });
        it("a rule without a corpus, and a corpus without a rule", () => {
            fs.renameSync(path.join(dir, "gcs-uniform-access" + CORPUS_SUFFIX), path.join(dir, "gcs-uniform" + CORPUS_SUFFIX));
            assert.deepEqual(layoutProblems(dir, rules), [
                `rule gcs-uniform-access has no corpus rules/gcs-uniform-access${CORPUS_SUFFIX}`,
                `corpus gcs-uniform${CORPUS_SUFFIX} has no rule gcs-uniform in the catalogue`,
            ]);
        });
        it("a helper module in rules/", () => {
            fs.writeFileSync(path.join(dir, "helpers.ts"), "export const x = 1;\n");
            const problems = layoutProblems(dir, rules);
            assert.ok(
                problems.some((p) => p.startsWith("helpers.ts: no rule helpers in the catalogue")),
                problems.join("\n"),
            );
            assert.ok(
                problems.some((p) => p.startsWith("helpers.ts: exports x")),
                problems.join("\n"),
            );
        });
    });

    it("derives every Gatekeeper kind from the id, except the explicit overrides that predate the derivation", () => {
        const kubernetes = RULES.filter((r) => r.target === "kubernetes");
        assert.ok(kubernetes.length > 0);
        const overridden = kubernetes.filter((r) => r.gatekeeperKind !== gatekeeperKindFor(r.id));
        for (const rule of overridden) {
            const text = fs.readFileSync(path.join(RULES_DIR, rule.id + RULE_SUFFIX), "utf8");
            assert.ok(
                text.includes(`gatekeeperKind: "${rule.gatekeeperKind}"`),
                `${rule.id}: kind ${rule.gatekeeperKind} is not the derived one and not an explicit override`,
            );
        }
        // The kinds Gatekeeper already knows under these names: renaming one would orphan deployed constraints.
        assert.deepEqual(
            overridden.map((r) => `${r.id} -> ${r.gatekeeperKind}`),
            ["pss-baseline-apparmor -> SgPssBaselineAppArmor", "pss-baseline-selinux -> SgPssBaselineSeLinux"],
        );
    });
});
