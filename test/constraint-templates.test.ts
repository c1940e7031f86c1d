// What the Gatekeeper side needs before any engine runs: corpus cases on both sides of every Kubernetes rule,
// parity fixtures only for known rules, and constraint CRD schemas the API server accepts. The verdicts
// themselves are compared by Gatekeeper's own gator against the pack in test/engines/gator.test.ts.
import { strict as assert } from "assert";
import * as path from "path";
import { KUBERNETES_RULES } from "../policy-pack/catalogue";
import { loadCorpus } from "../policy-pack/test/corpus";
import { OpenApiSchema, renderConstraintTemplate } from "../platform/constraint-render";

/** Parity-specific edge cases (namespace exemptions, kinds outside the match) in the corpus format. */
const PARITY_FIXTURES = path.join(__dirname, "fixtures", "gatekeeper", "parity");
const fixtures = loadCorpus(PARITY_FIXTURES);
const corpus = [...loadCorpus(), ...fixtures];

describe("Gatekeeper templates: corpus and schemas", () => {
    it("has admission-time corpus cases for every Kubernetes rule", () => {
        assert.ok(KUBERNETES_RULES.length > 0, "the catalogue has no Kubernetes rules yet");
        for (const rule of KUBERNETES_RULES) {
            const cases = corpus.filter((c) => c.rule === rule.id && !c.unknown);
            assert.ok(
                cases.some((c) => c.expect === "pass"),
                `${rule.id}: no compliant corpus case to compare`,
            );
            assert.ok(
                cases.some((c) => c.expect === "violation"),
                `${rule.id}: no violating corpus case to compare`,
            );
        }
    });

    it("renders parameter schemas the API server accepts as structural CRD schemas", () => {
        // Gatekeeper turns the template's openAPIV3Schema into the constraint CRD; a schema the API server
        // rejects leaves the template without a CRD, so the rule never enforces (and pulumi waits forever).
        function problems(schema: OpenApiSchema, at: string): string[] {
            const found: string[] = [];
            if (!schema.type) found.push(`${at}: no type`);
            if (schema.properties && schema.additionalProperties !== undefined)
                found.push(`${at}: additionalProperties next to properties`);
            if (schema.properties && schema.type !== "object") found.push(`${at}: properties on a ${schema.type}`);
            if (schema.items && schema.type !== "array") found.push(`${at}: items on a ${schema.type}`);
            if (schema.type === "array" && !schema.items) found.push(`${at}: array without items`);
            if ("default" in schema) found.push(`${at}: default`);
            for (const [key, child] of Object.entries(schema.properties ?? {})) found.push(...problems(child, `${at}.properties.${key}`));
            if (schema.items) found.push(...problems(schema.items, `${at}.items`));
            if (typeof schema.additionalProperties === "object")
                found.push(...problems(schema.additionalProperties, `${at}.additionalProperties`));
            return found;
        }
        for (const rule of KUBERNETES_RULES) {
            const schema = renderConstraintTemplate(rule).spec.crd.spec.validation.openAPIV3Schema;
            assert.deepEqual(problems(schema, "openAPIV3Schema"), [], `${rule.id}: not a structural schema`);
        }
    });

    it("has parity fixtures only for rules in the catalogue", () => {
        const ids = new Set(KUBERNETES_RULES.map((r) => r.id));
        for (const c of fixtures) assert.ok(ids.has(c.rule), `${c.file}: unknown kubernetes rule ${c.rule}`);
    });
});
