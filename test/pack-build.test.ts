// The packs ship compiled: package.json `main` names the JavaScript the build writes, that JavaScript is
// exactly what the sources compile to now, and a stale or missing build is detected (and rebuilt by
// whatever spawns a pack, tools/analyzer/analyzer.ts).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACK_DIRS } from "../tools/build-packs";
import { buildPack, buildProblems, compareWithBuild, ensurePackBuilt, packLayout, STAMP_FILE } from "../tools/pack-build/build";

const ROOT = path.resolve(__dirname, "..");

/** A copy of a pack's sources (no build output) in a temp folder. */
function copyPackSources(packDir: string): string {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "pack-build-"));
    const outDir = packLayout(packDir).outDir;
    fs.cpSync(packDir, copy, {
        recursive: true,
        filter: (source) => source !== outDir && !source.startsWith(`${outDir}${path.sep}`) && !source.includes(`${path.sep}node_modules`),
    });
    return copy;
}

describe("compiled policy packs", function () {
    this.timeout(120000);

    it("covers both packs the engine and the bench spawn", () => {
        assert.deepEqual(
            PACK_DIRS.map((d) => path.relative(ROOT, d)),
            ["policy-pack", path.join("bench", "empty-pack")],
        );
    });

    for (const packDir of PACK_DIRS) {
        const name = path.relative(ROOT, packDir);

        it(`${name}: package.json main is the compiled entry point Node resolves the pack folder to`, () => {
            const layout = packLayout(packDir);
            assert.equal(path.relative(packDir, layout.main), path.join("bin", "index.js"));
            // run-policy-pack does require(<pack folder>): that must land on the JavaScript, never on index.ts.
            assert.equal(require.resolve(packDir), layout.main);
        });

        it(`${name}: the compiled JavaScript is current (what the sources compile to, nothing missing or extra)`, () => {
            assert.deepEqual(buildProblems(packDir), []);
            assert.deepEqual(compareWithBuild(packDir), []);
        });
    }

    describe("stale and missing builds (a copy of the pack)", () => {
        let copy: string;
        before(() => {
            copy = copyPackSources(PACK_DIRS[0]);
        });
        after(() => fs.rmSync(copy, { recursive: true, force: true }));

        it("reports a missing build, then none once built", () => {
            assert.match(buildProblems(copy).join("\n"), new RegExp(`${STAMP_FILE.replace(".", "\\.")} is missing`));
            assert.ok(compareWithBuild(copy).some((p) => p === "index.js is missing"));
            buildPack(copy);
            assert.deepEqual(buildProblems(copy), []);
            assert.deepEqual(compareWithBuild(copy), []);
        });

        it("reports an edited source as stale, both by the stamp and by recompiling", () => {
            buildPack(copy);
            const rule = path.join(copy, "rules", "images-disallow-latest.ts");
            fs.appendFileSync(rule, "\nexport const EDITED_AFTER_BUILD = 1;\n");
            assert.deepEqual(buildProblems(copy), [path.join("rules", "images-disallow-latest.ts") + " changed since the build"]);
            assert.deepEqual(compareWithBuild(copy), [path.join("rules", "images-disallow-latest.js") + " differs from the sources"]);
        });

        it("reports output without a source and a deleted main", () => {
            buildPack(copy);
            fs.writeFileSync(path.join(copy, "bin", "rules", "removed-rule.js"), "exports.x = 1;\n");
            assert.deepEqual(compareWithBuild(copy), [path.join("rules", "removed-rule.js") + " has no source"]);
            fs.rmSync(path.join(copy, "bin", "index.js"));
            assert.deepEqual(buildProblems(copy), [path.join("bin", "index.js") + " (package.json main) is missing"]);
        });

        it("ensurePackBuilt rebuilds a stale pack (and says why), and leaves a current one alone", () => {
            buildPack(copy);
            fs.appendFileSync(path.join(copy, "index.ts"), "\n// edited\n");
            const lines: string[] = [];
            assert.equal(
                ensurePackBuilt(copy, (l) => lines.push(l)),
                true,
            );
            assert.equal(lines.length, 1);
            assert.match(lines[0], /index\.ts changed since the build/);
            assert.deepEqual(buildProblems(copy), []);
            assert.equal(
                ensurePackBuilt(copy, (l) => lines.push(l)),
                false,
            );
            assert.equal(lines.length, 1);
        });

        it("a syntax error stops the build with file and line", () => {
            fs.writeFileSync(path.join(copy, "rules", "broken.ts"), "export const x = ;\n");
            try {
                assert.throws(() => buildPack(copy), /rules\/broken\.ts:1: Expression expected/);
            } finally {
                fs.rmSync(path.join(copy, "rules", "broken.ts"));
            }
        });
    });
});
