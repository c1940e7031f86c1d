// Compiles a TypeScript policy pack to the JavaScript its package.json `main` points at, so neither
// `pulumi preview` nor `pulumi policy publish` compiles or type-checks TypeScript when the pack loads
// (run-policy-pack registers ts-node, but ts-node only compiles files that are required as .ts).
//
// The build does not type-check: `npm test` type-checks the pack (`npm run typecheck`), and an install
// must not fail on a type error. Next to the output goes a stamp: the SHA-256 of every compiled
// source, the tsconfig and the compiler version. `buildStatus` compares the stamp with the sources (cheap:
// no compiler load), so whatever spawns a pack can tell whether its JavaScript is current.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Written into the pack's outDir; lists what the JavaScript was built from. */
export const STAMP_FILE = ".build-stamp.json";

export interface BuildStamp {
    compiler: string;
    /** Pack-relative path -> SHA-256 of the file (sources and tsconfig.json). */
    inputs: Record<string, string>;
}

export interface PackLayout {
    packDir: string;
    /** Absolute outDir from the pack's tsconfig. */
    outDir: string;
    /** Absolute path of the file package.json `main` names. */
    main: string;
}

function sha256(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function readJson(file: string): unknown {
    return JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
}

/** Where the pack's JavaScript goes (tsconfig outDir) and which file package.json `main` names. */
export function packLayout(packDir: string): PackLayout {
    const tsconfig = readJson(path.join(packDir, "tsconfig.json")) as { compilerOptions?: { outDir?: unknown } };
    const outDir = tsconfig.compilerOptions?.outDir;
    if (typeof outDir !== "string" || outDir === "")
        throw new Error(`${path.join(packDir, "tsconfig.json")}: compilerOptions.outDir must name the build folder`);
    const main = (readJson(path.join(packDir, "package.json")) as { main?: unknown }).main;
    if (typeof main !== "string" || !main.endsWith(".js"))
        throw new Error(
            `${path.join(packDir, "package.json")}: "main" must name the compiled .js entry point, got ${JSON.stringify(main)}`,
        );
    return { packDir, outDir: path.resolve(packDir, outDir), main: path.resolve(packDir, main) };
}

/** Why the pack's JavaScript is not current (missing, stale), or an empty list when it is. */
export function buildProblems(packDir: string): string[] {
    const layout = packLayout(packDir);
    const stampPath = path.join(layout.outDir, STAMP_FILE);
    if (!fs.existsSync(stampPath)) return [`${path.relative(packDir, stampPath)} is missing (not built)`];
    if (!fs.existsSync(layout.main)) return [`${path.relative(packDir, layout.main)} (package.json main) is missing`];
    let stamp: BuildStamp;
    try {
        stamp = readJson(stampPath) as BuildStamp;
    } catch {
        return [`${path.relative(packDir, stampPath)} is unreadable`];
    }
    const problems: string[] = [];
    for (const [relative, hash] of Object.entries(stamp.inputs ?? {})) {
        const file = path.join(packDir, relative);
        if (!fs.existsSync(file)) problems.push(`${relative} was compiled but no longer exists`);
        else if (sha256(file) !== hash) problems.push(`${relative} changed since the build`);
    }
    if (Object.keys(stamp.inputs ?? {}).length === 0) problems.push(`${path.relative(packDir, stampPath)} lists no inputs`);
    return problems;
}

/** The TypeScript compiler, loaded only when something is compiled (it takes a while to load). */
function typescript(): typeof import("typescript") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: most runs compile nothing
    return require("typescript") as typeof import("typescript");
}

/**
 * The pack's JavaScript as the build writes it: outDir-relative path -> content, plus the stamp. Each file
 * is transpiled on its own (what `tsc` emits for this CommonJS pack, in a fraction of the time: no lib or
 * dependency typings are loaded); syntax errors still stop the build, type errors are `npm test`'s job.
 */
export function emitPack(packDir: string): { files: Map<string, string>; stamp: BuildStamp } {
    const ts = typescript();
    const configPath = path.join(packDir, "tsconfig.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(
        configPath,
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
                throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            },
        },
    );
    if (!parsed) throw new Error(`${configPath}: cannot be read`);
    const configErrors = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (configErrors.length > 0) throw new Error(`${configPath}: ${ts.flattenDiagnosticMessageText(configErrors[0].messageText, "\n")}`);
    const rootDir = parsed.options.rootDir ? path.resolve(packDir, parsed.options.rootDir) : packDir;
    const files = new Map<string, string>();
    const inputs: Record<string, string> = { "tsconfig.json": sha256(configPath) };
    for (const file of [...parsed.fileNames].sort()) {
        if (file.endsWith(".d.ts")) continue;
        const source = fs.readFileSync(file, "utf8");
        const out = ts.transpileModule(source, { compilerOptions: parsed.options, fileName: file, reportDiagnostics: true });
        const error = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
        if (error) {
            const line = error.file && error.start !== undefined ? error.file.getLineAndCharacterOfPosition(error.start).line + 1 : 0;
            throw new Error(`${path.relative(packDir, file)}:${line}: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
        }
        files.set(path.relative(rootDir, file).replace(/\.ts$/, ".js"), out.outputText);
        inputs[path.relative(packDir, file)] = crypto.createHash("sha256").update(source).digest("hex");
    }
    return { files, stamp: { compiler: ts.version, inputs } };
}

/** Every file under `dir` (relative paths), or none when it does not exist. */
export function listFiles(dir: string, base = dir): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
    });
}

/** Differences between what the build would write now and what the outDir holds. */
export function compareWithBuild(packDir: string): string[] {
    const layout = packLayout(packDir);
    const { files } = emitPack(packDir);
    const problems: string[] = [];
    for (const [relative, text] of files) {
        const file = path.join(layout.outDir, relative);
        if (!fs.existsSync(file)) problems.push(`${relative} is missing`);
        else if (fs.readFileSync(file, "utf8") !== text) problems.push(`${relative} differs from the sources`);
    }
    for (const relative of listFiles(layout.outDir)) {
        if (relative !== STAMP_FILE && !files.has(relative)) problems.push(`${relative} has no source`);
    }
    return problems;
}

/** Compiles the pack into a fresh outDir (old outputs removed) and writes the stamp. */
export function buildPack(packDir: string): PackLayout {
    const layout = packLayout(packDir);
    const { files, stamp } = emitPack(packDir);
    const staging = `${layout.outDir}.building-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    for (const [relative, text] of files) {
        const file = path.join(staging, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
    fs.writeFileSync(path.join(staging, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    fs.rmSync(layout.outDir, { recursive: true, force: true });
    fs.renameSync(staging, layout.outDir);
    if (!fs.existsSync(layout.main))
        throw new Error(`${packDir}: the build wrote no ${path.relative(packDir, layout.main)} (package.json main)`);
    return layout;
}

/**
 * Makes sure the pack's JavaScript matches its sources before something spawns it: rebuilds when stale
 * or missing (about a second) and says so on stderr. Returns whether it rebuilt.
 */
export function ensurePackBuilt(packDir: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): boolean {
    const problems = buildProblems(packDir);
    if (problems.length === 0) return false;
    log(
        `rebuilding ${path.relative(process.cwd(), packDir) || "."} (${problems[0]}${problems.length > 1 ? `, +${problems.length - 1} more` : ""})`,
    );
    buildPack(packDir);
    return true;
}
