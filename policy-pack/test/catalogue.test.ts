// Unit tests over the whole catalogue: metadata is complete, and every corpus case gets the expected verdict
// from the rule's TypeScript check.
import { strict as assert } from "assert";
import { FRAMEWORKS, RULES, ruleById } from "../catalogue";
import { evaluate } from "../catalogue/evaluate";
import { K8sObject, UNKNOWN_SENTINEL } from "../catalogue/types";
import { CorpusCase, loadCorpus } from "./corpus";
import { findingPathProblem } from "./support/finding-path";

const corpus = loadCorpus();

/** How a Kubernetes finding names its object: `Kind namespace/name` (cluster-scoped: `Kind name`). */
function expectedSubject(object: K8sObject): string {
    const shown = (value: unknown): string => (value === UNKNOWN_SENTINEL ? "(unknown)" : String(value));
    const { namespace, name } = object.metadata ?? {};
    return `${String(object.kind)} ${typeof namespace === "string" ? `${shown(namespace)}/` : ""}${shown(name)}`;
}

const POD_SECURITY_FAMILY = (id: string): boolean => id.startsWith("pss-") || id === "containers-read-only-root-filesystem";
const CONTAINER_KIND: Record<string, string> = {
    containers: "container",
    initContainers: "init container",
    ephemeralContainers: "ephemeral container",
};

/** A violation says which object and container it is about, and points at a place in the checked object. */
function assertFindingNamesItsPlace(c: CorpusCase, finding: { message: string; path: string }): void {
    const problem = findingPathProblem(c.object ?? c.props, finding.path);
    assert.equal(problem, undefined, `path ${finding.path} does not name a place in the object: ${problem}`);
    if (!c.object) return;
    assert.ok(finding.message.startsWith(`${expectedSubject(c.object)}: `), `message does not start with the object: ${finding.message}`);
    for (const match of finding.path.matchAll(/(containers|initContainers|ephemeralContainers)\[name=([^\]]*)\]/g)) {
        // The Pod Security family also says which kind of container: `init container "setup"`.
        const label = POD_SECURITY_FAMILY(c.rule) ? `${CONTAINER_KIND[match[1]]} "${match[2]}"` : `"${match[2]}"`;
        assert.ok(finding.message.includes(label), `message does not name ${label}: ${finding.message}`);
    }
}

describe("rule catalogue", () => {
    it("has unique ids, and every rule has complete metadata", () => {
        const ids = RULES.map((r) => r.id);
        assert.deepEqual(ids, [...new Set(ids)], "duplicate rule ids");
        for (const rule of RULES) {
            assert.match(rule.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${rule.id}: id must be kebab-case`);
            for (const field of ["title", "description", "remediation"] as const)
                assert.ok(rule[field].length > 10, `${rule.id}: ${field} too short`);
            assert.ok(rule.frameworks.length > 0, `${rule.id}: no framework mapping`);
            for (const f of rule.frameworks) assert.ok(FRAMEWORKS.includes(f.framework), `${rule.id}: unknown framework ${f.framework}`);
            if (rule.target === "kubernetes") {
                assert.match(rule.gatekeeperKind, /^[A-Z][A-Za-z0-9]+$/, `${rule.id}: gatekeeperKind must be CamelCase`);
                assert.ok(rule.cel.validations.length > 0, `${rule.id}: no CEL validations`);
                assert.ok(
                    Array.isArray(rule.defaultParams.exemptNamespaces) && Array.isArray(rule.defaultParams.exemptImages),
                    `${rule.id}: missing common params`,
                );
            }
        }
    });

    it("has, for every rule, a compliant case, two non-compliant cases and an unknown-value case", () => {
        for (const rule of RULES) {
            const cases = corpus.filter((c) => c.rule === rule.id);
            assert.ok(cases.filter((c) => c.expect === "pass").length >= 1, `${rule.id}: needs a compliant case`);
            assert.ok(cases.filter((c) => c.expect === "violation").length >= 2, `${rule.id}: needs two non-compliant cases`);
            assert.ok(
                cases.some((c) => c.unknown && c.expect === "pass"),
                `${rule.id}: needs an unknown-value case`,
            );
        }
    });

    for (const c of corpus) {
        it(`${c.rule}: ${c.name} -> ${c.expect}`, () => {
            const findings = evaluate(ruleById(c.rule), c);
            if (c.expect === "pass") assert.deepEqual(findings, [], `unexpected findings`);
            else {
                assert.ok(findings.length > 0, "expected a violation");
                for (const f of findings) {
                    assert.ok(f.message.length > 0 && f.path.length > 0, "finding needs a message and a path");
                    assertFindingNamesItsPlace(c, f);
                }
                if (c.paths)
                    assert.deepEqual(
                        findings.map((f) => f.path),
                        c.paths,
                        "finding paths",
                    );
                (c.messages ?? []).forEach((text, i) =>
                    assert.ok(findings[i]?.message.includes(text), `finding ${i} should say "${text}": ${findings[i]?.message}`),
                );
            }
        });
    }
});
