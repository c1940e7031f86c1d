// Pod Security rules beyond the shared corpus tests: the automatic fixes (fixtures/pod-security-remediate.yaml)
// and the CEL verdict on the unknown-value corpus cases, which the agreement test skips because Gatekeeper
// never sees them - but the same CEL must not deny a preview-time object the pack would admit.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ruleById } from "../catalogue";
import { effectiveParams, evaluateKubernetes } from "../catalogue/evaluate";
import { K8sObject, KubernetesRule } from "../catalogue/types";
import { podSecurityRules } from "../rules/pod-security";
import { loadCorpus } from "./corpus";
import { evaluateCel } from "./gatekeeper-cel";

interface RemediationCase {
    name: string;
    rule: string;
    params?: Record<string, unknown>;
    object: K8sObject;
    expected?: K8sObject;
    unchanged?: boolean;
    stillViolates?: boolean;
}

const remediationCases = (parse(fs.readFileSync(path.join(__dirname, "fixtures", "pod-security-remediate.yaml"), "utf8")) as { cases: RemediationCase[] }).cases;

describe("Pod Security remediation", () => {
    it("is defined exactly for the rules with a safe fix", () => {
        const withFix = podSecurityRules.filter((r) => r.target === "kubernetes" && r.remediate).map((r) => r.id);
        assert.deepEqual(withFix.sort(), ["pss-restricted-privilege-escalation", "pss-restricted-seccomp"]);
    });

    for (const c of remediationCases) {
        it(`${c.rule}: ${c.name}`, () => {
            const rule = ruleById(c.rule) as KubernetesRule;
            assert.ok(rule.remediate, `${c.rule} has no remediate`);
            const input = structuredClone(c.object);
            const fixed = rule.remediate(input, effectiveParams(rule, c.params));
            assert.deepEqual(input, c.object, "remediate must not mutate its input");
            assert.deepEqual(fixed, c.unchanged ? c.object : c.expected);
            const remaining = evaluateKubernetes(rule, fixed, c.params);
            if (c.stillViolates) assert.ok(remaining.length > 0, "the explicit choice left for a human should still be reported");
            else assert.deepEqual(remaining, [], "the fixed object should pass the rule");
        });
    }
});

describe("Pod Security CEL on preview-time (unknown) values", () => {
    for (const c of loadCorpus().filter((k) => k.unknown && podSecurityRules.some((r) => r.id === k.rule))) {
        it(`${c.rule}: ${c.name}`, () => {
            const rule = ruleById(c.rule) as KubernetesRule;
            // Gatekeeper gets exemptNamespaces as match.excludedNamespaces, not as a parameter.
            const { exemptNamespaces, ...parameters }: Record<string, unknown> = { ...effectiveParams(rule, c.params) };
            assert.ok(Array.isArray(exemptNamespaces));
            const verdict = evaluateCel(rule.cel, c.object, parameters);
            assert.deepEqual(verdict.errors, []);
            assert.equal(verdict.allowed, c.expect === "pass", verdict.messages.join(" | "));
        });
    }
});
