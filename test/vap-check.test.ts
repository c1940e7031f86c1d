// Every ConstraintTemplate the program deploys must be one the API server accepts as the ValidatingAdmissionPolicy
// Gatekeeper generates from it (test/support/vap-check.ts says what is checked and what only the real API server
// checks). gator accepted a template whose variable `namespace` is a CEL reserved word; the API server did not.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { KUBERNETES_RULES } from "../policy-pack/catalogue";
import { ConstraintTemplateObject, renderConstraintTemplate } from "../platform/constraint-render";
import { policiesFromRun } from "../tools/charts/gator";
import { runProgram } from "../tools/mock-engine";
import { MAX_EXPRESSION_CODE_POINTS, vapProblems } from "./support/vap-check";

interface RejectedCase {
    case: string;
    variables?: { name: string; expression: string }[];
    validations: { expression: string; message?: string; messageExpression?: string }[];
    problem: string;
}

const REJECTED = path.join(__dirname, "fixtures", "gatekeeper", "vap", "rejected.yaml");

/** A template around a CEL source, shaped as the renderer shapes them. */
function templateWith(name: string, source: Pick<RejectedCase, "variables" | "validations">): unknown {
    return {
        apiVersion: "templates.gatekeeper.sh/v1",
        kind: "ConstraintTemplate",
        metadata: { name },
        spec: {
            crd: { spec: { names: { kind: name } } },
            targets: [{ target: "admission.k8s.gatekeeper.sh", code: [{ engine: "K8sNativeValidation", source }] }],
        },
    };
}

const sourceOf = (template: ConstraintTemplateObject) => template.spec.targets[0].code[0].source;

describe("Gatekeeper templates: what the API server checks in the generated ValidatingAdmissionPolicy", () => {
    const rejected = parse(fs.readFileSync(REJECTED, "utf8")) as RejectedCase[];

    it("reports each problem of the rejected fixtures, and nothing once it is fixed", () => {
        assert.ok(rejected.length > 0, `${REJECTED} has no cases`);
        for (const c of rejected) {
            const problems = vapProblems(templateWith("fixture", c));
            assert.ok(
                problems.some((p) => p.includes(c.problem)),
                `${c.case}: expected a problem containing ${JSON.stringify(c.problem)}, got ${JSON.stringify(problems)}`,
            );
        }
        // The same check passes a correct source, so the fixtures fail for their one change.
        const valid = {
            variables: [
                { name: "podNamespace", expression: "has(object.metadata.namespace) ? object.metadata.namespace : 'default'" },
                { name: "containers", expression: "has(object.spec.containers) ? object.spec.containers : []" },
            ],
            validations: [
                {
                    expression: "variables.containers.all(c, has(c.image) && c.image.startsWith(variables.podNamespace))",
                    messageExpression: "'pod in ' + variables.podNamespace + ' (' + string(size(variables.containers)) + ' containers)'",
                },
                // Namespaced functions parse as method calls on the namespace.
                {
                    expression:
                        "sets.contains(['default', 'app'], [variables.podNamespace]) || format.dns1123Label().validate('x') == optional.none()",
                },
            ],
        };
        assert.deepEqual(vapProblems(templateWith("valid", valid)), []);
    });

    it("rejects an expression longer than the CEL parser's size limit", () => {
        const long = `object.metadata.name == '${"a".repeat(MAX_EXPRESSION_CODE_POINTS)}'`;
        const problems = vapProblems(templateWith("long", { validations: [{ expression: long }] }));
        assert.match(problems.join("\n"), /validations\[0\]\.expression: \d+ code points, more than the parser's limit of 100000/);
        // Counted in code points, not UTF-16 units: at the limit in code points (over it in units) is no size problem.
        const atLimit = `'${"é😀".repeat((MAX_EXPRESSION_CODE_POINTS - 8) / 2)}' != ''`;
        assert.equal(Array.from(atLimit).length, MAX_EXPRESSION_CODE_POINTS);
        assert.ok(atLimit.length > MAX_EXPRESSION_CODE_POINTS);
        const atLimitProblems = vapProblems(templateWith("at-limit", { validations: [{ expression: atLimit }] }));
        assert.ok(!atLimitProblems.some((p) => p.includes("code points")), JSON.stringify(atLimitProblems));
    });

    it("rejects a template without one target and a K8sNativeValidation source", () => {
        assert.match(vapProblems({ metadata: { name: "t" }, spec: { targets: [] } }).join(), /exactly one target/);
        const rego = {
            metadata: { name: "t" },
            spec: { targets: [{ target: "admission.k8s.gatekeeper.sh", code: [{ engine: "Rego" }] }] },
        };
        assert.match(vapProblems(rego).join(), /no K8sNativeValidation source/);
    });

    it("finds the reserved-word bug in the automount rule's template, at the index the API server reported", () => {
        const rule = KUBERNETES_RULES.find((r) => r.id === "pods-no-automount-service-account-token");
        assert.ok(rule, "the automount rule is in the catalogue");
        const template = renderConstraintTemplate(rule);
        assert.deepEqual(vapProblems(template), []);
        // The rule as it was: its namespace variable named `namespace`.
        const source = sourceOf(template);
        const index = source.variables.findIndex((v) => v.name === "podNamespace");
        assert.ok(index >= 0, "the rule has its podNamespace variable");
        const renamed = (text: string) => text.replace(/variables\.podNamespace\b/g, "variables.namespace");
        const before = {
            variables: source.variables.map((v, i) => ({ name: i === index ? "namespace" : v.name, expression: renamed(v.expression) })),
            validations: source.validations.map((v) => ({ ...v, expression: renamed(v.expression) })),
        };
        const problems = vapProblems(templateWith(template.metadata.name, before));
        assert.ok(
            problems.some((p) => p.includes('(the policy\'s spec.variables[7]).name: "namespace" is a CEL reserved word')),
            JSON.stringify(problems),
        );
    });

    it("accepts every template of the catalogue as rendered", () => {
        assert.ok(KUBERNETES_RULES.length > 0, "the catalogue has no Kubernetes rules");
        for (const rule of KUBERNETES_RULES) assert.deepEqual(vapProblems(renderConstraintTemplate(rule)), [], rule.id);
    });

    for (const stack of ["dev", "staging", "prod"]) {
        it(`accepts every ConstraintTemplate the program declares for ${stack}`, async () => {
            const { templates } = policiesFromRun(await runProgram({ stack }));
            assert.ok(templates.length > 0, `the ${stack} program declares no ConstraintTemplate`);
            assert.equal(templates.length, KUBERNETES_RULES.length, "one template per Kubernetes rule");
            assert.deepEqual(templates.flatMap(vapProblems), []);
        });
    }
});
