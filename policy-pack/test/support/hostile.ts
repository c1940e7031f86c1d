// Seeded generators of hostile input for the robustness and fuzz tests: subtrees of corpus objects
// replaced by wrong types, objects with their own toString/valueOf/__proto__ keys, unknowns, secrets and
// long crafted strings. Everything is derived from a seed, so a failure names a case that replays.
import { UNKNOWN_SENTINEL } from "../../catalogue/types";
import { CorpusCase, kubernetesTypeToken } from "../corpus";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../pack/secrets";

export type Path = (string | number)[];

/** A small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
    return items[Math.floor(rng() * items.length)];
}

/** Every path to a value inside `value` (the root excluded), depth first. */
export function subtreePaths(value: unknown, prefix: Path = []): Path[] {
    const paths: Path[] = [];
    if (Array.isArray(value)) {
        value.forEach((v, i) => {
            paths.push([...prefix, i], ...subtreePaths(v, [...prefix, i]));
        });
    } else if (value !== null && typeof value === "object") {
        for (const key of Object.keys(value)) {
            const child = (value as Record<string, unknown>)[key];
            paths.push([...prefix, key], ...subtreePaths(child, [...prefix, key]));
        }
    }
    return paths;
}

/** Up to `max` of the paths, chosen by the seed (all of them when there are fewer). */
export function samplePaths(paths: readonly Path[], max: number, rng: () => number): Path[] {
    if (paths.length <= max) return [...paths];
    const pool = [...paths];
    const chosen: Path[] = [];
    while (chosen.length < max) chosen.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
    return chosen;
}

/** A deep copy of `value` with the node at `path` replaced. */
export function replaceAt<T>(value: T, path: Path, replacement: unknown): T {
    const copy = structuredClone(value) as unknown;
    let node = copy as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]] = replacement;
    return copy as T;
}

/** The engine's wire format of a secret. */
export function secret(value: unknown): Record<string, unknown> {
    return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** Crafted strings that made backtracking regular expressions quadratic, `length` characters long. */
export function craftedStrings(length: number): Record<string, string> {
    return {
        colons: ":".repeat(length - 1) + "/",
        dots: ".".repeat(length),
        colonDots: ".:".repeat(length / 2),
        tagLike: "a".repeat(length - 8) + ":latest/",
        registryLike: "a.".repeat(length / 2 - 1) + "b/",
    };
}

/** Objects that break naive code: own toString/valueOf/constructor keys and a real own `__proto__` key. */
export function hostileObjects(): unknown[] {
    return [
        { toString: { a: 1 } },
        { valueOf: { a: 1 }, toString: { b: 2 } },
        { toString: "x", valueOf: 1, toJSON: "y" },
        { constructor: { prototype: {} }, hasOwnProperty: "no" },
        JSON.parse('{"__proto__": {"spec": {"hostNetwork": true}, "toString": {}}}') as unknown,
        [{ toString: {} }, null, 7, "x"],
    ];
}

/** One hostile replacement value, chosen by the seed. */
export function hostileValue(rng: () => number): unknown {
    const choices: (() => unknown)[] = [
        () => pick(rng, hostileObjects()),
        () => UNKNOWN_SENTINEL,
        () => pick(rng, [null, true, false, 0, -1, 1e308, 65536, 3.5]),
        () => pick(rng, [[], {}, [[]], [{}], "", " "]),
        () => pick(rng, Object.values(craftedStrings(20000))),
        () => secret(pick(rng, ["hunter2-secret-value", { nested: "hunter2-secret-value" }, ["hunter2-secret-value"]])),
        () => pick(rng, ["toString", "__proto__", "valueOf", "constructor", "hasOwnProperty"]),
    ];
    return pick(rng, choices)();
}

/** A corpus case's resource as the engine presents it: type token and props. */
export function corpusResource(c: CorpusCase): { type: string; props: Record<string, unknown> } {
    if (c.object) return { type: kubernetesTypeToken(c.object), props: c.object };
    return { type: String(c.resourceType), props: c.props ?? {} };
}
