// `npm run build:packs` (also run by `npm ci` through `prepare`): compiles the policy pack and the
// benchmark's empty pack to JavaScript (tools/pack-build/build.ts). `--check` builds nothing and exits 1
// when a pack's JavaScript is missing or differs from what its sources compile to.
import * as path from "path";
import { buildPack, compareWithBuild } from "./pack-build/build";

const ROOT = path.resolve(__dirname, "..");
export const PACK_DIRS: readonly string[] = [path.join(ROOT, "policy-pack"), path.join(ROOT, "bench", "empty-pack")];

function main(argv: readonly string[]): number {
    const unknown = argv.filter((a) => a !== "--check");
    if (unknown.length > 0) {
        console.error(`build-packs: unknown argument ${JSON.stringify(unknown[0])} (allowed: --check)`);
        return 2;
    }
    const check = argv.includes("--check");
    let stale = false;
    for (const dir of PACK_DIRS) {
        const name = path.relative(ROOT, dir);
        if (check) {
            const problems = compareWithBuild(dir);
            stale ||= problems.length > 0;
            console.log(problems.length === 0 ? `${name}: up to date` : `${name}: ${problems.join("; ")}`);
        } else {
            const started = Date.now();
            const layout = buildPack(dir);
            console.log(`${name}: built ${path.relative(ROOT, layout.main)} in ${Date.now() - started} ms`);
        }
    }
    return stale ? 1 : 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (error) {
        console.error(`build-packs: ${(error as Error).message.split("\n")[0]}`);
        process.exitCode = 2;
    }
}
