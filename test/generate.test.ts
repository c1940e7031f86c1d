// `npm run generate`: one command regenerates every catalogue-derived file, and the committed ones are current.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RULES } from "../policy-pack/catalogue";
import { README_PATH, TABLE_BEGIN } from "../policy-pack/pack/rule-table";
import { ENVIRONMENTS } from "../stacks/types";
import { generatedFiles } from "../tools/generate";
import { PROJECT_ROOT } from "../tools/mock-engine";
import { POLICY_CONFIG_DIR } from "../tools/policy-config";

describe("npm run generate", function () {
    this.timeout(60000);
    const files = generatedFiles();

    it("covers the pack README's rule table and every stack's policy config", () => {
        const expected = [README_PATH, ...ENVIRONMENTS.map((stack) => path.join(POLICY_CONFIG_DIR, `${stack}.json`))].sort();
        assert.deepEqual([...files.keys()].sort(), expected);
    });

    it("leaves nothing to regenerate in the committed files", () => {
        assert.ok(files.size > 0);
        for (const [file, text] of files)
            assert.equal(fs.readFileSync(file, "utf8"), text, `${path.relative(PROJECT_ROOT, file)} is stale: run npm run generate`);
    });

    it("puts every catalogue rule into the README table and every rule id into each policy config", () => {
        const readme = files.get(README_PATH) ?? "";
        const table = readme.slice(readme.indexOf(TABLE_BEGIN));
        assert.ok(RULES.length > 0);
        for (const rule of RULES) assert.ok(table.includes(`\`${rule.id}\``), rule.id);
        for (const stack of ENVIRONMENTS) {
            const config = JSON.parse(files.get(path.join(POLICY_CONFIG_DIR, `${stack}.json`)) ?? "{}") as Record<string, unknown>;
            for (const rule of RULES) assert.ok(rule.id in config, `${stack}: ${rule.id}`);
        }
    });

    it("rejects any argument with one line and exit code 2", () => {
        const result = spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "tools", "generate.ts"), "--stack"], {
            encoding: "utf8",
            cwd: PROJECT_ROOT,
        });
        assert.equal(result.status, 2, result.stderr);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /^generate: unexpected argument "--stack"/);
    });
});
