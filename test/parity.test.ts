// Verdict parity: for every Kubernetes rule and every corpus case, Gatekeeper (the rendered template's CEL,
// evaluated as the admission webhook would) and CrossGuard (the real pack, driven over the Analyzer gRPC protocol) must agree.
// Cases holding the unknown-value sentinel are preview-only and skipped: the API server never sees them.
import { strict as assert } from "assert";
import * as path from "path";
import { KUBERNETES_RULES, KubernetesRule } from "../policy-pack/catalogue";
import { effectiveParams } from "../policy-pack/catalogue/evaluate";
import { CorpusCase, loadCorpus } from "../policy-pack/test/corpus";
import { OpenApiSchema, renderConstraint, renderConstraintTemplate } from "../platform/constraint-render";
import { exemptNamespacesFor } from "../platform/exemptions";
import { evaluateGatekeeper, isViolation } from "./gatekeeper-emulator";
import { Diagnostic, PolicyPackAnalyzer } from "../tools/analyzer/analyzer";

/** Parity-specific edge cases (namespace exemptions, kinds outside the match) in the corpus format. */
const PARITY_FIXTURES = path.join(__dirname, "fixtures", "gatekeeper", "parity");
const fixtures = loadCorpus(PARITY_FIXTURES);
const corpus = [...loadCorpus(), ...fixtures];

/** The parameters both engines get for a case: defaults, the case's overrides and the platform exemptions. */
function paramsFor(rule: KubernetesRule, c: CorpusCase): Record<string, unknown> {
    const params: Record<string, unknown> = { ...effectiveParams(rule, c.params) };
    const declared = Array.isArray(params.exemptNamespaces) ? (params.exemptNamespaces as string[]) : [];
    return { ...params, exemptNamespaces: [...new Set([...declared, ...exemptNamespacesFor(rule.id)])].sort() };
}

/** The Pulumi type token the Kubernetes provider registers an object under, e.g. `kubernetes:apps/v1:Deployment`. */
function kubernetesType(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
    return `kubernetes:${group}/${version}:${kind}`;
}

function verdictName(violation: boolean): string {
    return violation ? "violation" : "pass";
}

describe("Gatekeeper / CrossGuard verdict parity", function () {
    this.timeout(120000);
    // CrossGuard's verdict comes from the real pack over the Analyzer gRPC protocol, configured per case
    // the way the engine would be for a stack with these parameters.
    let analyzer: PolicyPackAnalyzer;
    let configured = "";
    before(async () => {
        analyzer = await PolicyPackAnalyzer.start();
    });
    after(async () => {
        if (analyzer) await analyzer.close();
    });
    async function crossGuard(rule: KubernetesRule, c: CorpusCase, params: Record<string, unknown>, index: number): Promise<Diagnostic[]> {
        const key = JSON.stringify([rule.id, params]);
        if (key !== configured) {
            await analyzer.configure({ [rule.id]: params });
            configured = key;
        }
        const object = c.object ?? {};
        const name = typeof object.metadata?.name === "string" ? object.metadata.name : `case-${index}`;
        const diagnostics = await analyzer.analyze({ type: kubernetesType(String(object.apiVersion), String(object.kind)), name, props: object as Record<string, unknown> });
        return diagnostics.filter((d) => d.policyName === rule.id);
    }

    it("has admission-time corpus cases for every Kubernetes rule", () => {
        assert.ok(KUBERNETES_RULES.length > 0, "the catalogue has no Kubernetes rules yet");
        for (const rule of KUBERNETES_RULES) {
            const cases = corpus.filter((c) => c.rule === rule.id && !c.unknown);
            assert.ok(cases.some((c) => c.expect === "pass"), `${rule.id}: no compliant corpus case to compare`);
            assert.ok(cases.some((c) => c.expect === "violation"), `${rule.id}: no violating corpus case to compare`);
        }
    });

    it("renders parameter schemas the API server accepts as structural CRD schemas", () => {
        // Gatekeeper turns the template's openAPIV3Schema into the constraint CRD; a schema the API server
        // rejects leaves the template without a CRD, so the rule never enforces (and pulumi waits forever).
        function problems(schema: OpenApiSchema, at: string): string[] {
            const found: string[] = [];
            if (!schema.type) found.push(`${at}: no type`);
            if (schema.properties && schema.additionalProperties !== undefined) found.push(`${at}: additionalProperties next to properties`);
            if (schema.properties && schema.type !== "object") found.push(`${at}: properties on a ${schema.type}`);
            if (schema.items && schema.type !== "array") found.push(`${at}: items on a ${schema.type}`);
            if (schema.type === "array" && !schema.items) found.push(`${at}: array without items`);
            if ("default" in schema) found.push(`${at}: default`);
            for (const [key, child] of Object.entries(schema.properties ?? {})) found.push(...problems(child, `${at}.properties.${key}`));
            if (schema.items) found.push(...problems(schema.items, `${at}.items`));
            if (typeof schema.additionalProperties === "object") found.push(...problems(schema.additionalProperties, `${at}.additionalProperties`));
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

    for (const rule of KUBERNETES_RULES) {
        describe(rule.id, () => {
            const template = renderConstraintTemplate(rule);
            corpus.forEach((c, index) => {
                if (c.rule !== rule.id || c.unknown) return;
                it(`${c.name} (expect ${c.expect})`, async () => {
                    const object = c.object;
                    assert.ok(object, `${rule.id} / ${c.name}: kubernetes case without object`);
                    const params = paramsFor(rule, c);
                    const constraint = renderConstraint(rule, { enforcement: rule.defaultEnforcement, params });
                    const gatekeeper = evaluateGatekeeper(template, constraint, object);
                    const crossguard = await crossGuard(rule, c, params, index);

                    const gk = isViolation(gatekeeper);
                    const cg = crossguard.length > 0;
                    assert.equal(
                        gk,
                        cg,
                        `${rule.id} / ${c.name}: Gatekeeper says ${verdictName(gk)}, CrossGuard says ${verdictName(cg)} (corpus expects ${c.expect})\n` +
                            `  Gatekeeper: matched=${gatekeeper.matched} violations=${JSON.stringify(gatekeeper.violations)} errors=${JSON.stringify(gatekeeper.errors)}\n` +
                            `  CrossGuard: ${JSON.stringify(crossguard.map((d) => d.message))}`,
                    );
                    assert.equal(verdictName(gk), c.expect, `${rule.id} / ${c.name}: both engines say ${verdictName(gk)}, corpus expects ${c.expect}`);
                    if (gk) assert.ok(gatekeeper.errors.length > 0 || gatekeeper.violations.every((m) => m.length > 0), "a denial needs a message");
                });
            });
        });
    }
});
