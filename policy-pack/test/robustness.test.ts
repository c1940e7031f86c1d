// The pack as a gate on hostile input, in-process (the same path as Analyze minus the SDK; the gRPC side is
// test/pack-robustness.test.ts): rules never throw on malformed input, image references parse in linear
// time, findings are capped, an unknown value never adds a finding, and the typed view never calls into
// user data.
import { strict as assert } from "assert";
import { capFindings, effectiveParams, MAX_FINDINGS_PER_RULE } from "../catalogue/evaluate";
import { KUBERNETES_RULES, RULES } from "../catalogue";
import { Finding, UNKNOWN_SENTINEL } from "../catalogue/types";
import { at, hasKey, knownStr, MAX_SHOWN_CHARS, own, setOwn, show, str, strings } from "../catalogue/view";
import { containersOf, isExemptImage } from "../catalogue/workloads";
import { findingsForResource } from "../pack/policies";
import { imagePinIssue, qualifiedImage } from "../lib/image-reference";
import { loadCorpus } from "./corpus";
import {
    corpusResource,
    craftedStrings,
    hostileObjects,
    hostileValue,
    prng,
    replaceAt,
    samplePaths,
    subtreePaths,
} from "./support/hostile";

/** CPU milliseconds `run` takes (user + system), the best of three: the machine is shared. */
function cpuMs(run: () => void): number {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
        const start = process.cpuUsage();
        run();
        const used = process.cpuUsage(start);
        best = Math.min(best, (used.user + used.system) / 1000);
    }
    return best;
}

// The definitions the linear parser replaces (and the CEL still uses, in RE2): kept here as the oracle.
const TAG_RE = /:[^/]+$/;
const REGISTRY_HOST_RE = /^(localhost|[^/]*[.:][^/]*)\//;
function oracleIssue(image: string, requireDigest: boolean): string | undefined {
    if (image.includes("@")) return undefined;
    if (requireDigest) return "no-digest";
    if (!TAG_RE.test(image)) return "untagged";
    return image.endsWith(":latest") ? "latest" : undefined;
}
function oracleQualified(image: string): string {
    if (REGISTRY_HOST_RE.test(image)) return image;
    return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

describe("image references: linear-time parsing", () => {
    it("agrees with the regular-expression definitions on every short reference over a hostile alphabet", () => {
        // Every string up to 5 characters over the characters the grammar cares about: 5^0 + ... + 5^5.
        const alphabet = ["a", ":", "/", ".", "@"];
        let images = [""];
        const all: string[] = [""];
        for (let length = 1; length <= 5; length++) {
            images = images.flatMap((prefix) => alphabet.map((c) => prefix + c));
            all.push(...images);
        }
        const named = [
            "nginx",
            "nginx:latest",
            "registry:5000/app",
            "localhost/app",
            "localhost:5000/app:1",
            "gcr.io/p/app:1@sha256:ab",
            "a/b/c:latest",
            "app:",
            "LOCALHOST/app",
        ];
        all.push(...named);
        assert.equal(all.length, 3906 + named.length);
        for (const image of all) {
            for (const requireDigest of [false, true])
                assert.equal(
                    imagePinIssue(image, requireDigest),
                    oracleIssue(image, requireDigest),
                    `${JSON.stringify(image)} requireDigest=${requireDigest}`,
                );
            assert.equal(qualifiedImage(image), oracleQualified(image), JSON.stringify(image));
        }
    });

    it("parses a 1 MB crafted reference in under 50 ms of CPU (each shape that made the old regexes quadratic)", () => {
        const shapes = Object.entries(craftedStrings(1024 * 1024));
        assert.equal(shapes.length, 5);
        for (const [shape, image] of shapes) {
            assert.equal(image.length, 1024 * 1024, shape);
            const ms = cpuMs(() => {
                imagePinIssue(image, false);
                imagePinIssue(image, true);
                qualifiedImage(image);
            });
            assert.ok(ms < 50, `${shape}: ${ms.toFixed(1)} ms`);
        }
    });

    it("checks a Pod whose image is a 1 MB crafted string in under 50 ms of CPU per image rule, with a bounded message", () => {
        const image = craftedStrings(1024 * 1024).colons;
        const props = { metadata: { name: "p", namespace: "apps" }, spec: { containers: [{ name: "app", image }] } };
        for (const id of ["images-disallow-latest", "images-allowed-registries"]) {
            const rule = RULES.find((r) => r.id === id)!;
            const config = id === "images-allowed-registries" ? { allowedRegistries: ["gcr.io/acme/"] } : {};
            let findings: Finding[] = [];
            const ms = cpuMs(() => (findings = findingsForResource(rule, "kubernetes:core/v1:Pod", props, config)));
            assert.ok(ms < 50, `${id}: ${ms.toFixed(1)} ms`);
            assert.equal(findings.length, 1, id);
            assert.ok(findings[0].message.length < 2100, `${id}: message of ${findings[0].message.length} characters`);
        }
    });
});

describe("typed view over user data", () => {
    it("reads own properties only: inherited keys and a polluted prototype are not fields", () => {
        const polluted = JSON.parse('{"__proto__": {"spec": {"x": 1}}}') as Record<string, unknown>;
        const viaAssignment: Record<string, unknown> = {};
        Object.setPrototypeOf(viaAssignment, { spec: { x: 1 } });
        assert.deepEqual(own(polluted, "__proto__"), { spec: { x: 1 } }, "an own __proto__ key is data");
        assert.equal(own(viaAssignment, "spec"), undefined, "an inherited spec is not a field");
        assert.equal(own({}, "toString"), undefined);
        assert.equal(own({}, "constructor"), undefined);
        assert.equal(at({ a: { b: 1 } }, "a.b"), 1);
        assert.equal(at({ a: UNKNOWN_SENTINEL }, "a.b.c"), UNKNOWN_SENTINEL, "an unknown step is reported as unknown");
        assert.equal(at({ a: "text" }, "a.b"), undefined, "a wrong-typed step is not set");
    });

    it("shows values without calling anything on them, bounded", () => {
        const trap = {
            get toString(): never {
                throw new Error("toString was read");
            },
            get valueOf(): never {
                throw new Error("valueOf was read");
            },
        };
        assert.equal(show(trap), "(an object)");
        assert.equal(show([trap]), "(a list)");
        assert.equal(show({ toString: { a: 1 } }), "(an object)");
        assert.equal(show(UNKNOWN_SENTINEL), "(unknown)");
        assert.equal(show(3), "3");
        assert.equal(show(null), "null");
        const long = show("x".repeat(10000));
        assert.ok(long.length < 300 && long.endsWith("(9800 more characters)"), long.slice(-40));
        assert.deepEqual(strings(["a", 1, { toString: "b" }, "c"]), ["a", "c"]);
        assert.deepEqual(strings("a"), [], "not a list: no entries");
        assert.equal(show(undefined), "(not set)");
        assert.equal(show(true), "true");
        assert.equal(show("y".repeat(MAX_SHOWN_CHARS)), "y".repeat(MAX_SHOWN_CHARS), "exactly the limit: not cut");
        assert.equal(str(5), undefined);
        assert.equal(str(UNKNOWN_SENTINEL), UNKNOWN_SENTINEL);
        assert.equal(knownStr(UNKNOWN_SENTINEL), undefined);
        assert.equal(knownStr("a"), "a");
        assert.equal(hasKey({ a: undefined }, "a"), true);
        assert.equal(hasKey({}, "toString"), false);
    });

    it("copies a __proto__ key as an own, enumerable, writable data property, never as the prototype", () => {
        const target: Record<string, unknown> = {};
        setOwn(target, "__proto__", { spec: 1 });
        setOwn(target, "name", "n");
        assert.equal(Object.getPrototypeOf(target), Object.prototype);
        assert.deepEqual(Object.keys(target), ["__proto__", "name"]);
        assert.deepEqual(own(target, "__proto__"), { spec: 1 });
        assert.equal((target as { spec?: unknown }).spec, undefined, "nothing inherited");
        target.name = "m";
        target.__proto__ = 3;
        assert.equal(own(target, "__proto__"), 3, "writable");
        Object.defineProperty(target, "__proto__", { value: 2 });
        assert.equal(own(target, "__proto__"), 2, "configurable");
        assert.equal(JSON.stringify(target), '{"__proto__":2,"name":"m"}');
    });
});

describe("exempt images", () => {
    it("match by prefix, with or without a trailing *; a lone * or an empty entry exempts nothing", () => {
        assert.equal(isExemptImage("docker.io/falcosecurity/falco:0.41.0", ["docker.io/falcosecurity/*"]), true);
        assert.equal(isExemptImage("docker.io/falcosecurity/falco:0.41.0", ["docker.io/falcosecurity/"]), true);
        assert.equal(isExemptImage("docker.io/falcosecurity-evil/x:1", ["docker.io/falcosecurity/*"]), false);
        assert.equal(isExemptImage("nginx:1.27", ["*"]), false);
        assert.equal(isExemptImage("nginx:1.27", [""]), false);
        assert.equal(isExemptImage(UNKNOWN_SENTINEL, ["docker.io/"]), false);
        assert.equal(isExemptImage({ toString: {} }, ["docker.io/"]), false);
    });

    it("skip a container whose image is unknown while exemptions exist (it may be exempt), not otherwise", () => {
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p" },
            spec: {
                containers: [
                    { name: "a", image: UNKNOWN_SENTINEL },
                    { name: "b", image: "nginx:1" },
                ],
            },
        };
        assert.deepEqual(
            containersOf(pod, ["gcr.io/x/"]).map((c) => c.name),
            ["b"],
        );
        assert.deepEqual(
            containersOf(pod, []).map((c) => c.name),
            ["a", "b"],
        );
    });
});

describe("findings cap", () => {
    it("keeps the first findings and counts the rest", () => {
        const findings = Array.from({ length: 5000 }, (_, i) => ({ message: `m${i}`, path: `p${i}` }));
        const capped = capFindings(findings);
        assert.equal(capped.length, MAX_FINDINGS_PER_RULE + 1);
        assert.deepEqual(capped.slice(0, 2), [
            { message: "m0", path: "p0" },
            { message: "m1", path: "p1" },
        ]);
        assert.match(capped[MAX_FINDINGS_PER_RULE].message, /^4980 more finding\(s\).*5000 in total/);
        assert.deepEqual(
            capFindings(findings.slice(0, MAX_FINDINGS_PER_RULE)).length,
            MAX_FINDINGS_PER_RULE,
            "exactly the cap: no count line",
        );
    });

    it("caps every rule on a Pod with 5,000 :latest containers", () => {
        const containers = Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: "nginx:latest" }));
        const props = { metadata: { name: "big", namespace: "apps" }, spec: { containers } };
        const rule = RULES.find((r) => r.id === "images-disallow-latest")!;
        const findings = findingsForResource(rule, "kubernetes:core/v1:Pod", props);
        assert.equal(findings.length, MAX_FINDINGS_PER_RULE + 1);
        assert.match(findings[MAX_FINDINGS_PER_RULE].message, /4980 more/);
        const kubernetesRules = KUBERNETES_RULES.filter((r) => r.match.some((m) => m.kinds.includes("Pod")));
        assert.ok(kubernetesRules.length > 10);
        for (const r of kubernetesRules)
            assert.ok(findingsForResource(r, "kubernetes:core/v1:Pod", props).length <= MAX_FINDINGS_PER_RULE + 1, r.id);
    });
});

describe("rules on hostile input (seeded, bounded)", () => {
    const corpus = loadCorpus();

    it("no rule's own check throws when any subtree of a corpus object holds a hostile value", () => {
        const rng = prng(20261130);
        let evaluations = 0;
        for (const c of corpus) {
            const { props } = corpusResource(c);
            for (const path of samplePaths(subtreePaths(props), 12, rng)) {
                const mutated = replaceAt(props, path, hostileValue(rng));
                for (const rule of RULES) {
                    // rule.check directly, not through the guard: the rules themselves must not throw.
                    const overrides = rule.id === c.rule ? c.params : undefined;
                    try {
                        if (rule.target === "kubernetes") {
                            rule.check(
                                { ...mutated, apiVersion: c.object?.apiVersion, kind: c.object?.kind },
                                effectiveParams(rule, overrides),
                            );
                        } else rule.check(mutated, effectiveParams(rule, overrides), String(c.resourceType));
                    } catch (error) {
                        assert.fail(
                            `${rule.id} threw ${(error as Error).message} on ${c.file} / ${c.name} with ${JSON.stringify(path)} replaced`,
                        );
                    }
                    evaluations++;
                }
            }
        }
        assert.ok(evaluations > 50000, `only ${evaluations} evaluations`);
    });

    it("every hostile object at every level of a Pod leaves every rule running", () => {
        const base = {
            metadata: { name: "p", namespace: "apps", labels: { a: "b" } },
            spec: { containers: [{ name: "c", image: "nginx:1.27", securityContext: {}, resources: {} }] },
        };
        const paths = subtreePaths(base);
        assert.ok(paths.length > 8);
        for (const hostile of hostileObjects()) {
            for (const path of paths) {
                const props = replaceAt(base, path, hostile);
                for (const rule of KUBERNETES_RULES) {
                    const params = effectiveParams(rule, {});
                    assert.doesNotThrow(
                        () => rule.check({ ...props, apiVersion: "v1", kind: "Pod" }, params),
                        `${rule.id} at ${JSON.stringify(path)}`,
                    );
                }
            }
        }
    });
});

describe("unknown values never add a finding (property, seeded, bounded, every rule)", () => {
    it("replacing any subtree of a compliant corpus object by the unknown sentinel adds no finding from any rule", () => {
        const rng = prng(42);
        const compliant = loadCorpus().filter((c) => c.expect === "pass");
        assert.ok(compliant.length > 100, `${compliant.length} compliant cases`);
        let replacements = 0;
        for (const c of compliant) {
            const { type, props } = corpusResource(c);
            const configFor = (id: string): Record<string, unknown> => (id === c.rule && c.params ? c.params : {});
            // Per rule, the number of findings (a path may change with the replacement: an unknown container
            // name reads as its index, so the count is what must not grow).
            const keys = (p: Record<string, unknown>): Map<string, number> => {
                const counts = new Map<string, number>();
                for (const rule of RULES) counts.set(rule.id, findingsForResource(rule, type, p, configFor(rule.id)).length);
                return counts;
            };
            const baseline = keys(props);
            for (const path of samplePaths(subtreePaths(props), 40, rng)) {
                const after = keys(replaceAt(props, path, UNKNOWN_SENTINEL));
                for (const [key, count] of after) {
                    assert.ok(
                        count <= (baseline.get(key) ?? 0),
                        `${c.file} / ${c.name}: ${JSON.stringify(path)} unknown adds a finding of ${key}`,
                    );
                }
                replacements++;
            }
        }
        assert.ok(replacements > 1000, `only ${replacements} replacements`);
    });
});
