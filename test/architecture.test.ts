// The layering the README describes: components/ holds only ComponentResources, shared pieces live in
// platform/ (which never imports a component), stacks/ imports no component, the policy pack imports nothing
// of the program, and no module takes part in an import cycle (type imports and re-exports included).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const SOURCE_DIRS = [
    "components",
    "platform",
    "stacks",
    "tools",
    "policy-pack/catalogue",
    "policy-pack/lib",
    "policy-pack/rules",
    "policy-pack/pack",
    "bench",
    "test",
];

function tsFiles(dir: string): string[] {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" || e.name === "fixtures" ? [] : tsFiles(rel);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
    });
}

/** Relative module specifiers a file imports or re-exports (`import ... from`, `export ... from`, `import("...")`). */
export function relativeImports(text: string): string[] {
    const found: string[] = [];
    for (const line of text.split("\n")) {
        const trimmed = line.trim();
        if (!trimmed.startsWith("import") && !trimmed.startsWith("export") && !trimmed.startsWith("} from")) continue;
        const from = trimmed.lastIndexOf(" from ");
        const spec = from >= 0 ? trimmed.slice(from + 6) : trimmed.startsWith("import ") ? trimmed.slice(7) : "";
        const quote = spec[0];
        if (quote !== '"' && quote !== "'") continue;
        const end = spec.indexOf(quote, 1);
        const module = spec.slice(1, end);
        if (module.startsWith(".")) found.push(module);
    }
    return found;
}

function resolve(from: string, module: string): string | undefined {
    const base = path.join(path.dirname(from), module);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts")])
        if (fs.existsSync(path.join(ROOT, candidate))) return path.normalize(candidate);
    return undefined;
}

const files = ["index.ts", ...SOURCE_DIRS.flatMap(tsFiles)];
const graph = new Map(
    files.map((f) => [
        path.normalize(f),
        relativeImports(fs.readFileSync(path.join(ROOT, f), "utf8"))
            .map((m) => resolve(f, m))
            .filter((m): m is string => m !== undefined),
    ]),
);

function importsOf(prefix: string): [string, string][] {
    return [...graph].filter(([f]) => f.startsWith(prefix)).flatMap(([f, deps]) => deps.map((d) => [f, d] as [string, string]));
}

describe("architecture", () => {
    it("sees the project's modules and their imports", () => {
        assert.ok(graph.size > 50, `${graph.size} files`);
        assert.ok((graph.get(path.normalize("tools/plan.ts")) ?? []).includes(path.normalize("tools/report/model.ts")));
        assert.deepEqual(
            relativeImports('import type { A } from "./a";\nexport { b } from "../b";\nimport "./side";\nimport * as fs from "fs";'),
            ["./a", "../b", "./side"],
        );
    });

    it("components/ holds only ComponentResources", () => {
        const components = tsFiles("components");
        assert.ok(components.length >= 8);
        for (const file of components) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            assert.match(
                text,
                /class \w+ extends pulumi\.ComponentResource\b/,
                `${file} declares no ComponentResource: shared pieces belong in platform/`,
            );
        }
    });

    it("platform/ and stacks/ never import a component; the pack imports nothing of the program", () => {
        for (const layer of ["platform/", "stacks/"]) {
            const bad = importsOf(layer).filter(([, d]) => d.startsWith("components"));
            assert.deepEqual(bad, [], layer);
        }
        const pack = importsOf("policy-pack/").filter(([, d]) => !d.startsWith("policy-pack"));
        assert.deepEqual(pack, []);
        assert.ok(
            importsOf("components/").some(([, d]) => d.startsWith("platform/")),
            "components use platform/",
        );
    });

    it("has no import cycle (tools/analyzer included)", () => {
        const cycles: string[] = [];
        const state = new Map<string, "visiting" | "done">();
        const stack: string[] = [];
        const visit = (file: string): void => {
            state.set(file, "visiting");
            stack.push(file);
            for (const dep of graph.get(file) ?? []) {
                if (state.get(dep) === "visiting") cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(" -> "));
                else if (!state.has(dep)) visit(dep);
            }
            stack.pop();
            state.set(file, "done");
        };
        for (const file of graph.keys()) if (!state.has(file)) visit(file);
        assert.ok([...graph.keys()].filter((f) => f.startsWith(path.normalize("tools/analyzer/"))).length >= 4);
        assert.deepEqual(cycles, []);
    });
});
