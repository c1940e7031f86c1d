// The two forms of every Kubernetes rule agree: for each corpus case (except unknown-value ones, which only
// exist at preview), the CEL that Gatekeeper runs, the TypeScript check CrossGuard runs and the corpus
// expectation give the same verdict.
import { strict as assert } from "assert";
import { KUBERNETES_RULES } from "../catalogue";
import { effectiveParams, evaluateKubernetes, matchesKind } from "../catalogue/evaluate";
import { CommonK8sParams, K8sObject, KubernetesRule } from "../catalogue/types";
import { loadCorpus } from "./corpus";
import { compileCel, evaluateCel } from "./gatekeeper-cel";

const corpus = loadCorpus();

/**
 * Gatekeeper's verdict: the constraint only sees objects its match selects (kinds, minus
 * match.excludedNamespaces = exemptNamespaces); the rest of the parameters are spec.parameters.
 */
function gatekeeperVerdict(rule: KubernetesRule, object: K8sObject, overrides?: Record<string, unknown>) {
    const { exemptNamespaces, ...parameters }: CommonK8sParams & Record<string, unknown> = { ...effectiveParams(rule, overrides) };
    const namespace = object.kind === "Namespace" ? object.metadata?.name : object.metadata?.namespace;
    if (
        !matchesKind(rule, object, effectiveParams(rule, overrides)) ||
        (typeof namespace === "string" && exemptNamespaces.includes(namespace))
    ) {
        return { allowed: true, messages: [], errors: [] };
    }
    return evaluateCel(rule.cel, object, parameters);
}

describe("CEL and TypeScript agree on every Kubernetes rule", () => {
    it("covers every Kubernetes rule with corpus cases", () => {
        for (const rule of KUBERNETES_RULES) {
            assert.ok(
                corpus.some((c) => c.rule === rule.id && !c.unknown),
                `${rule.id}: no corpus case to compare CEL against`,
            );
        }
    });

    for (const rule of KUBERNETES_RULES) {
        describe(rule.id, () => {
            it("compiles (variables and validations parse)", () => {
                assert.doesNotThrow(() => compileCel(rule.cel));
            });

            for (const c of corpus.filter((k) => k.rule === rule.id && !k.unknown && k.object)) {
                it(`${c.name} -> ${c.expect}`, () => {
                    const object = c.object as K8sObject;
                    const verdict = gatekeeperVerdict(rule, object, c.params);
                    assert.deepEqual(verdict.errors, [], "CEL evaluation errors");
                    const checkAllowed = evaluateKubernetes(rule, object, c.params).length === 0;
                    assert.equal(checkAllowed, c.expect === "pass", "TypeScript check disagrees with the corpus");
                    assert.equal(
                        verdict.allowed,
                        c.expect === "pass",
                        `CEL disagrees with the corpus (messages: ${verdict.messages.join(" | ")})`,
                    );
                    if (!verdict.allowed) {
                        assert.ok(verdict.messages.length > 0, "a denial needs a message");
                        for (const m of verdict.messages) assert.ok(m.trim().length > 0, "empty denial message");
                    }
                });
            }
        });
    }
});
