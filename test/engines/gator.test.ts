// Gatekeeper's verdicts from Gatekeeper itself (gator) against the pack's verdicts over the Analyzer protocol:
// 1. `gator verify` on a suite generated from the catalogue and the corpus (constraint per case parameters);
// 2. `gator test` with the constraint sets the real program renders for dev and prod (recorded under the mock
//    engine), every corpus object against every constraint, compared with the pack configured with
//    policy-config/<stack>.json. Zero disagreements in both.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KUBERNETES_RULES, KubernetesRule } from "../../policy-pack/catalogue";
import { kubernetesTypeToken as kubernetesType, loadCorpus } from "../../policy-pack/test/corpus";
import { PolicyPackAnalyzer } from "../../tools/analyzer/analyzer";
import {
    failedVerifyCases,
    parseGatorTestJson,
    runGator,
    WrittenSuite,
    writeTestInputs,
    writeVerifySuite,
} from "../../tools/engines/gator";
import { PROJECT_ROOT, runProgram } from "../../tools/mock-engine";
import { requireTool } from "../support/engines";

const PARITY_FIXTURES = path.join(__dirname, "..", "fixtures", "gatekeeper", "parity");
const corpus = [...loadCorpus(), ...loadCorpus(PARITY_FIXTURES)];

const ruleByKind = new Map<string, KubernetesRule>(KUBERNETES_RULES.map((r) => [r.gatekeeperKind, r]));
const kubernetesRuleIds = new Set(KUBERNETES_RULES.map((r) => r.id));

describe("real engine: Gatekeeper's gator", function () {
    this.timeout(600_000);
    let gator: string;
    let analyzer: PolicyPackAnalyzer | undefined;
    let workDir: string;

    before(async function () {
        gator = requireTool(this, "gator");
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gator-"));
        analyzer = await PolicyPackAnalyzer.start();
    });
    after(async () => {
        if (analyzer) await analyzer.close();
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("gator verify agrees with the corpus and with the pack on every admission-time case", async () => {
        const suite: WrittenSuite = writeVerifySuite(path.join(workDir, "suite"), KUBERNETES_RULES, corpus);
        assert.ok(suite.cases.length > 0, "the suite has no cases");
        for (const rule of KUBERNETES_RULES)
            assert.ok(
                suite.cases.some((c) => c.rule === rule.id),
                `${rule.id}: no case in the gator suite`,
            );

        const run = runGator(gator, ["verify", "-v", suite.dir]);
        const failed = failedVerifyCases(run.stdout + run.stderr, suite);
        // A failing run that names no case is a suite or template error (CEL compile, schema): show it whole.
        if (run.status !== 0) assert.ok(failed.size > 0, `gator verify failed without a failing case:\n${run.stdout}\n${run.stderr}`);

        const disagreements: string[] = [];
        let configured = "";
        for (const c of suite.cases) {
            const gatorVerdict = failed.has(c.caseName) ? (c.expect === "violation" ? "pass" : "violation") : c.expect;
            const key = JSON.stringify([c.rule, c.params]);
            if (key !== configured) {
                await analyzer!.configure({ [c.rule]: c.params });
                configured = key;
            }
            const name = typeof c.object.metadata?.name === "string" ? c.object.metadata.name : "case";
            const diagnostics = (await analyzer!.analyze({ type: kubernetesType(c.object), name, props: c.object })).filter(
                (d) => d.policyName === c.rule,
            );
            const packVerdict = diagnostics.length > 0 ? "violation" : "pass";
            if (packVerdict !== gatorVerdict)
                disagreements.push(`${c.caseName}: gator ${gatorVerdict}, pack ${packVerdict} (corpus ${c.expect})`);
            else if (packVerdict !== c.expect)
                disagreements.push(`${c.caseName}: gator and pack say ${packVerdict}, corpus expects ${c.expect}`);
        }
        process.stdout.write(`      gator verify: ${suite.cases.length} cases, ${disagreements.length} disagreements with the pack\n`);
        assert.deepEqual(disagreements, [], `gator verify output:\n${run.stdout}`);
        assert.equal(run.status, 0, `gator verify exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    });

    for (const stack of ["dev", "prod"]) {
        it(`gator test with the ${stack} constraints the program renders agrees with the pack on policy-config/${stack}.json`, async () => {
            const run = await runProgram({ stack });
            const templates = run.resources
                .filter((r) => r.inputs.kind === "ConstraintTemplate")
                .map((r) => withoutPulumiAnnotations(r.inputs));
            const constraints = run.resources
                .filter((r) => typeof r.inputs.apiVersion === "string" && r.inputs.apiVersion.startsWith("constraints.gatekeeper.sh/"))
                .map((r) => r.inputs);
            assert.equal(templates.length, KUBERNETES_RULES.length, "one template per Kubernetes rule");
            assert.equal(constraints.length, KUBERNETES_RULES.length, "one constraint per Kubernetes rule");

            // Every admission-time corpus object once, renamed so gator's results can be told apart.
            const objects = corpus
                .filter((c) => c.object && !c.unknown)
                .map((c, index) => ({ ...c.object!, metadata: { ...(c.object!.metadata ?? {}), name: `case-${index}` } }));
            assert.ok(objects.length > 0, "no corpus objects");
            const dir = path.join(workDir, `test-${stack}`);
            writeTestInputs(dir, templates, constraints, objects);
            const gatorRun = runGator(gator, ["test", "-f", dir, "-o", "json"]);
            assert.ok(gatorRun.status === 0 || gatorRun.status === 1, `gator test exited ${gatorRun.status}:\n${gatorRun.stderr}`);
            const violations = parseGatorTestJson(gatorRun.stdout);

            // A dryrun constraint is audit-only (the pack's `disabled`): it never blocks, and the pack reports nothing.
            const gatorSays = new Set<string>();
            for (const v of violations) {
                const rule = ruleByKind.get(v.constraintKind);
                assert.ok(rule, `gator reported an unknown constraint kind ${v.constraintKind}`);
                if (v.enforcementAction !== "dryrun") gatorSays.add(`${v.object.name} ${rule.id}`);
            }
            assert.ok(gatorSays.size > 0, "gator found no violation at all: the suite is not exercising the constraints");

            const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy-config", `${stack}.json`), "utf8")) as Record<
                string,
                Record<string, unknown>
            >;
            await analyzer!.configure(config);
            const disagreements: string[] = [];
            let compared = 0;
            for (const object of objects) {
                const name = object.metadata.name;
                const diagnostics = await analyzer!.analyze({
                    type: kubernetesType(object),
                    name,
                    props: object,
                });
                const packSays = new Set(
                    diagnostics.filter((d) => kubernetesRuleIds.has(d.policyName)).map((d) => `${name} ${d.policyName}`),
                );
                for (const rule of KUBERNETES_RULES) {
                    compared++;
                    const key = `${name} ${rule.id}`;
                    if (packSays.has(key) !== gatorSays.has(key))
                        disagreements.push(
                            `${key}: gator ${gatorSays.has(key) ? "violation" : "pass"}, pack ${packSays.has(key) ? "violation" : "pass"}`,
                        );
                }
            }
            process.stdout.write(
                `      gator test (${stack} constraints): ${objects.length} objects x ${KUBERNETES_RULES.length} rules = ${compared} verdicts, ${disagreements.length} disagreements with the pack\n`,
            );
            assert.deepEqual(disagreements, []);
        });
    }
});

/** The program's templates carry Pulumi's await annotation; gator does not need it (it is harmless either way). */
function withoutPulumiAnnotations(template: Record<string, unknown>): Record<string, unknown> {
    const metadata = { ...(template.metadata as Record<string, unknown>) };
    const annotations = { ...(metadata.annotations as Record<string, string>) };
    delete annotations["pulumi.com/waitFor"];
    return { ...template, metadata: { ...metadata, annotations } };
}
