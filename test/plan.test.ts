// The offline plan end to end: the real program per stack, through the pack over the Analyzer protocol.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KUBERNETES_RULES, RULES } from "../policy-pack/catalogue";
import { NAMESPACE_EXEMPTIONS } from "../platform/exemptions";
import { diffPlans, readBaseline } from "../tools/report/diff";
import { mandatoryViolations, Report, ReportResource, VERDICTS } from "../tools/report/model";
import { appliedNamespaceExemptions, PlanResult, runPlan, secretPathsOf, verdictFor } from "../tools/plan";
import { exemptionCounts } from "../tools/report/exemptions";
import { UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { ruleById } from "../policy-pack/catalogue";
import { containsUnknown } from "../tools/report/inputs";
import { maskSecrets } from "../tools/report/inputs";
import { sarifSchemaErrors } from "./support/sarif";

const ROOT = path.join(__dirname, "..");
interface ExpectedCountsFile {
    /** Resources a component declares per Kubernetes rule of the catalogue (a template and a constraint each). */
    perKubernetesRule: Record<string, number>;
    /** Per stack: resources per component, not counting the per-rule ones. */
    [stack: string]: Record<string, number>;
}
const EXPECTED_COUNTS_FILE = JSON.parse(
    fs.readFileSync(path.join(__dirname, "fixtures", "plan", "expected-counts.json"), "utf8"),
) as ExpectedCountsFile;
/** The fixture's counts with the per-rule resources added from the catalogue, so adding a rule needs no fixture edit. */
function expectedCounts(stack: string): Record<string, number> {
    const counts = { ...EXPECTED_COUNTS_FILE[stack] };
    for (const [component, perRule] of Object.entries(EXPECTED_COUNTS_FILE.perKubernetesRule))
        counts[component] = (counts[component] ?? 0) + perRule * KUBERNETES_RULES.length;
    return counts;
}
/** A stack change that opens the control plane to the internet (allowed by config validation outside prod with the named opt-out). */
const PUBLIC_CONTROL_PLANE = {
    "secure-gitops:allowPublicControlPlane": "true",
    "secure-gitops:masterAuthorizedNetworks": JSON.stringify([{ cidrBlock: "0.0.0.0/0", displayName: "anywhere" }]),
};

describe("offline plan", function () {
    // Four program runs through the pack, on a shared 2-core machine.
    this.timeout(600000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    const plans: Record<string, PlanResult> = {};

    before(async () => {
        for (const stack of ["dev", "prod", "staging"]) plans[stack] = await runPlan({ stack, outRoot: out });
        plans.violating = await runPlan({ stack: "staging", outRoot: path.join(out, "violating"), configOverrides: PUBLIC_CONTROL_PLANE });
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: declares the expected resources per component`, () => {
            assert.ok(KUBERNETES_RULES.length > 0);
            assert.deepEqual(plans[stack].countsByComponent, expectedCounts(stack));
            assert.equal(plans[stack].tree.length, plans[stack].report.resources.length);
        });

        it(`${stack}: has zero mandatory violations; controls only workload rules cover are not evaluated, never passed`, () => {
            assert.deepEqual(
                mandatoryViolations(plans[stack].report).map((v) => `${v.ruleId} ${v.resource.name}: ${v.message}`),
                [],
            );
            const byFramework = Object.fromEntries(plans[stack].report.compliance.map((s) => [s.framework, s]));
            for (const score of plans[stack].report.compliance) {
                assert.ok(score.total > 0, `${score.framework} has no controls`);
                assert.deepEqual(score.failing, [], score.framework);
                assert.equal(score.passed + score.notEvaluated.length, score.total, score.framework);
            }
            // Every workload is inside a Helm Release: the pod-security controls cannot pass at preview.
            const cisK8s = byFramework["CIS-Kubernetes"];
            assert.ok(
                cisK8s.notEvaluated.some((c) => c.control === "5.2.2" && c.reason === "no applicable resource was evaluated"),
                JSON.stringify(cisK8s.notEvaluated),
            );
            assert.ok(cisK8s.passed < cisK8s.total, "CIS Kubernetes must not read 100% when no pod was evaluated");
            assert.equal(
                byFramework["CIS-GKE"].passed,
                byFramework["CIS-GKE"].total,
                "the GKE controls are evaluated on the cluster resources",
            );
        });

        it(`${stack}: every resource carries masked inputs, its verdict per enabled rule, and whether the pack evaluated it`, () => {
            const { report } = plans[stack];
            const enabled = report.rules.map((r) => r.id);
            assert.ok(enabled.length > 0 && report.resources.length > 0);
            for (const r of report.resources) {
                assert.ok(r.inputs && typeof r.inputs === "object", `${r.urn} has no inputs`);
                assert.ok(r.evaluation, `${r.urn} has no evaluation`);
                if (r.evaluation.evaluated) {
                    assert.deepEqual(Object.keys(r.verdicts ?? {}).sort(), [...enabled].sort(), r.urn);
                    assert.ok(Object.values(r.verdicts ?? {}).every((v) => VERDICTS.includes(v)));
                    assert.ok(
                        Object.values(r.verdicts ?? {}).some((v) => v === "passed" || v === "violation"),
                        r.urn,
                    );
                } else assert.ok(r.evaluation.reason, `${r.urn} not evaluated without a reason`);
            }
            const releases = report.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(releases.length >= 5);
            for (const r of releases) {
                assert.equal(r.evaluation?.evaluated, false);
                assert.match(r.evaluation?.reason ?? "", /chart workloads are checked at admission/);
            }
            const cluster = report.resources.find((r) => r.type === "gcp:container/cluster:Cluster");
            assert.equal(cluster?.evaluation?.evaluated, true);
            assert.equal(cluster?.verdicts?.["gke-master-authorized-networks"], "passed");
            assert.equal(cluster?.verdicts?.["pss-baseline-privileged"], "not-applicable");
        });
    }

    it("plan.json masks every secret input and never contains the secret values", () => {
        for (const stack of ["dev", "prod"]) {
            const text = fs.readFileSync(plans[stack].written?.json ?? "", "utf8");
            assert.ok(text.includes('"[secret]"'), `${stack}: no masked input`);
            assert.doesNotMatch(text, /offline-placeholder-for-|mock-password-/, stack);
        }
    });

    it("derives each rule's verdict from the pack's answer: violation, not applicable, exempt, unknown at preview, passed", () => {
        const rule = ruleById("pss-baseline-privileged");
        const pod = (metadata: Record<string, unknown>, spec: Record<string, unknown> = { containers: [{ name: "c", image: "i" }] }) => ({
            urn: "u",
            type: "kubernetes:core/v1:Pod",
            name: "p",
            custom: true,
            inputs: { metadata, spec },
            secretPaths: [],
            dependencies: [],
            protect: false,
            ignoreChanges: [],
            deleteBeforeReplace: false,
        });
        const none = { diagnostics: [], notApplicable: [] };
        const params = { exemptNamespaces: ["falco"] };
        const verdict = (r: ReturnType<typeof pod>, answer = none as Parameters<typeof verdictFor>[2]) =>
            verdictFor(rule, r, answer, params, containsUnknown(r.inputs));
        assert.equal(verdict(pod({ namespace: "shop" })), "passed");
        assert.equal(verdict(pod({ namespace: "falco" })), "exempt");
        assert.equal(verdict(pod({ namespace: UNKNOWN_SENTINEL })), "unknown");
        assert.equal(verdict(pod({ namespace: "shop" }, { containers: [{ name: "c", image: UNKNOWN_SENTINEL }] })), "unknown");
        const diagnostic = {
            policyName: rule.id,
            policyPackName: "p",
            policyPackVersion: "1",
            description: "",
            message: "m",
            enforcementLevel: "mandatory" as const,
            urn: "u",
        };
        assert.equal(verdict(pod({ namespace: "shop" }), { diagnostics: [diagnostic], notApplicable: [] }), "violation");
        assert.equal(
            verdict(pod({ namespace: "shop" }), { diagnostics: [], notApplicable: [{ policyName: rule.id, reason: "r" }] }),
            "not-applicable",
        );
    });

    it("masks a Secret's payload even when the program did not mark it secret", () => {
        const secrets = plans.prod.report.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
        assert.ok(secrets.length > 0);
        for (const r of secrets)
            for (const key of ["data", "stringData"])
                if (r.inputs && key in r.inputs) assert.equal(r.inputs[key], "[secret]", `${r.name}.${key}`);
        const unmarked = {
            urn: "u",
            type: "kubernetes:core/v1:Secret",
            name: "s",
            custom: true,
            inputs: { data: { token: "dG9rZW4=" }, metadata: { name: "s" } },
            secretPaths: [],
            dependencies: [],
            protect: false,
            ignoreChanges: [],
            deleteBeforeReplace: false,
        };
        assert.deepEqual(maskSecrets(unmarked.inputs, secretPathsOf(unmarked)), { data: "[secret]", metadata: { name: "s" } });
    });

    it("shows the exemptions with their reasons in plan.json and plan.md", () => {
        const { written } = plans.prod;
        const json = JSON.parse(fs.readFileSync(written?.json ?? "", "utf8")) as Report;
        const falco = NAMESPACE_EXEMPTIONS.find((e) => e.namespace === "falco");
        assert.ok(falco);
        const shown = json.exemptions.find((e) => e.target === "falco");
        assert.equal(shown?.reason, falco.reason);
        assert.deepEqual(shown?.rules, [...falco.rules].sort());
        assert.ok(json.exemptions.some((e) => e.target.includes("kube-system")));
        const md = fs.readFileSync(written?.markdown ?? "", "utf8");
        assert.match(md, /Exemptions \(\d+\) and their reasons/);
        assert.ok(md.includes(falco.reason.slice(0, 60)));
        assert.match(md, /#### Not evaluated \(\d+\)/);
        assert.match(md, /Helm Release: chart workloads are checked at admission/);
    });

    it("a plan diff names the changed property and the new violation; the reverse diff the fixed one", () => {
        const diff = diffPlans(plans.staging.report, plans.violating.report);
        assert.deepEqual(diff.added, []);
        assert.deepEqual(diff.removed, []);
        const cluster = diff.changed.find((r) => r.type === "gcp:container/cluster:Cluster");
        assert.ok(cluster, JSON.stringify(diff.changed.map((c) => c.type)));
        assert.ok(
            cluster.changes.some((c) => c.path.startsWith("masterAuthorizedNetworksConfig") && c.after?.includes("0.0.0.0/0")),
            JSON.stringify(cluster.changes),
        );
        assert.deepEqual([...new Set(diff.newViolations.map((v) => v.ruleId))], ["gke-master-authorized-networks"]);
        assert.deepEqual(diff.fixedViolations, []);
        const reverse = diffPlans(plans.violating.report, plans.staging.report);
        assert.deepEqual([...new Set(reverse.fixedViolations.map((v) => v.ruleId))], ["gke-master-authorized-networks"]);
        assert.deepEqual(diffPlans(plans.staging.report, plans.staging.report).changed, [], "a plan has no diff against itself");
        const dropped = { ...plans.staging.report, resources: plans.staging.report.resources.slice(0, -1) };
        assert.deepEqual(
            diffPlans(dropped, plans.staging.report).added.map((r) => r.urn),
            [plans.staging.report.resources.at(-1)?.urn],
        );
    });

    it("prod evaluates every rule as mandatory-capable; dev only advises", () => {
        assert.equal(plans.prod.report.rules.length, RULES.filter((r) => r.defaultEnforcement !== "disabled").length);
        assert.ok(plans.prod.report.rules.some((r) => r.enforcement === "mandatory"));
        assert.ok(plans.dev.report.rules.every((r) => r.enforcement !== "mandatory"));
    });

    it("a violating stack change is named in plan.json, plan.md and plan.sarif, with failing controls critical first", () => {
        const { report, written } = plans.violating;
        const mandatory = mandatoryViolations(report);
        assert.deepEqual([...new Set(mandatory.map((v) => v.ruleId))], ["gke-master-authorized-networks"]);
        assert.ok(written);
        const json = JSON.parse(fs.readFileSync(written.json, "utf8")) as { violations: { ruleId: string }[] };
        assert.ok(json.violations.some((v) => v.ruleId === "gke-master-authorized-networks"));
        const md = fs.readFileSync(written.markdown, "utf8");
        assert.match(md, /mandatory violation/);
        assert.match(md, /gke-master-authorized-networks/);
        assert.match(md, /checked by the same rules at admission \(Gatekeeper\)/, "the comment says where chart workloads are checked");
        const sarif = JSON.parse(fs.readFileSync(written.sarif, "utf8")) as { runs: { results: { ruleId: string; level: string }[] }[] };
        assert.deepEqual(sarifSchemaErrors(sarif), []);
        assert.ok(sarif.runs[0].results.some((r) => r.ruleId === "gke-master-authorized-networks" && r.level === "error"));
        const gke = report.compliance.find((s) => s.framework === "CIS-GKE");
        assert.ok(gke && gke.passed < gke.total);
        assert.equal(gke.failing[0].severity, "critical");
    });

    it("writes SARIF that validates against the SARIF 2.1.0 schema for a clean stack too", () => {
        const sarif = JSON.parse(fs.readFileSync(plans.prod.written?.sarif ?? "", "utf8")) as unknown;
        assert.deepEqual(sarifSchemaErrors(sarif), []);
    });

    it("without --charts every Helm release is listed as not evaluated, with the reason, and nothing rendered is scored", () => {
        const charts = plans.prod.report.charts;
        assert.ok(charts && charts.releases.length >= 8, `releases: ${charts?.releases.length}`);
        for (const r of charts.releases) {
            assert.equal(r.status, "not evaluated", r.urn);
            assert.match(r.reason ?? "", /no charts given/);
        }
        assert.deepEqual(charts.objects, []);
        // Operator-created pods are described with their Release even when nothing is rendered.
        assert.ok(
            charts.releases.find((r) => r.chart === "trivy-operator")?.operatorWorkloads.some((w) => w.workload.includes("node-collector")),
        );
        const md = fs.readFileSync(plans.prod.written?.markdown ?? "", "utf8");
        assert.match(md, new RegExp(`Helm releases not evaluated \\(${charts.releases.length}\\)`));
    });

    it("--charts with something that is not a directory is a one-line usage error (exit 2)", () => {
        const result = spawnSync(
            process.execPath,
            ["--require", "tsx/cjs", path.join(ROOT, "tools", "plan.ts"), "--stack", "prod", "--charts", path.join(out, "missing-dir")],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(result.status, 2, result.stderr);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /^plan: --charts: ".*missing-dir" is not a directory/);
    });

    it("the CLI exits 1 on mandatory violations, prints a progress line, and with --baseline/--out comments the diff", () => {
        const stable = path.join(out, "cli-stable");
        const args = [
            "--require",
            "tsx/cjs",
            path.join(ROOT, "tools", "plan.ts"),
            "--stack",
            "staging",
            "--out",
            stable,
            "--baseline",
            plans.staging.written?.json ?? "",
        ];
        for (const [key, value] of Object.entries(PUBLIC_CONTROL_PLANE)) args.push("--set", `${key}=${value}`);
        const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, /\[plan\] analyzing \d+\/\d+/);
        assert.match(result.stdout, /MANDATORY .*gke-master-authorized-networks/);
        assert.match(result.stdout, /CIS-GKE\s+\d+\/\d+/);
        assert.match(result.stdout, /^ {2}~ gcp:container\/cluster:Cluster /m);
        assert.match(result.stdout, /^ {2}NEW +\[gke-master-authorized-networks\]/m);
        const md = fs.readFileSync(path.join(stable, "plan.md"), "utf8");
        assert.match(md, /#### Changes against the base plan/);
        assert.match(md, /\| new \| mandatory \| critical \| `gke-master-authorized-networks`/);
        assert.ok(readBaseline(path.join(stable, "plan.json")).resources.length > 0, "the written plan is a valid baseline");
    });

    it("the CLI: --help exits 0; a bad --baseline or option is one line and exit 2, before running anything", () => {
        const run = (args: string[]) =>
            spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(ROOT, "tools", "plan.ts"), ...args], {
                cwd: ROOT,
                encoding: "utf8",
            });
        const help = run(["--help"]);
        assert.equal(help.status, 0);
        for (const option of ["--stack", "--out", "--out-root", "--baseline", "--set", "--help"])
            assert.ok(help.stdout.includes(option), option);
        const notJson = path.join(out, "not-a-plan.json");
        fs.writeFileSync(notJson, "{}");
        const old = path.join(out, "old-plan.json");
        fs.writeFileSync(old, JSON.stringify({ tool: "plan", resources: [], violations: [] }));
        for (const [args, message] of [
            [["--stack", "dev", "--baseline", notJson], /not a plan\.json/],
            [["--stack", "dev", "--baseline", old], /plan format .* regenerate the baseline/],
            [["--stack", "dev", "--baseline", path.join(out, "missing.json")], /cannot read it \(ENOENT\)/],
            [["--stack", "dev", "--baseline", plans.prod.written?.json ?? ""], /is a plan of stack prod, not dev/],
            [["--stack", "qa"], /no Pulumi\.qa\.yaml/],
            [["--stakc", "dev"], /Unknown option/],
            [[], /--stack is required/],
        ] as const) {
            const result = run([...args]);
            assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
            assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
            assert.match(result.stderr, message);
        }
    });
});

describe("offline plan: exemptions applied to resources", () => {
    const recorded = (urn: string, namespace: string, secretPaths: string[] = []) => ({
        urn,
        type: "kubernetes:apps/v1:DaemonSet",
        name: "fluentd",
        custom: true,
        inputs: { metadata: { name: "fluentd", namespace } },
        secretPaths,
        dependencies: [],
        protect: false,
        ignoreChanges: [],
        deleteBeforeReplace: false,
    });

    it("lists every resource a namespace exemption skipped, with the platform's reason; others are not listed", () => {
        const logging = NAMESPACE_EXEMPTIONS.find((e) => e.namespace === "logging");
        assert.ok(logging);
        const exempt = recorded("urn:a", "logging");
        const checked = recorded("urn:b", "apps");
        const verdicts = Object.fromEntries(logging.rules.map((id) => [id, "exempt" as const]));
        const resources: ReportResource[] = [
            {
                type: exempt.type,
                name: exempt.name,
                urn: exempt.urn,
                verdicts: { ...verdicts, "images-disallow-latest": "passed" as const },
            },
            { type: checked.type, name: checked.name, urn: checked.urn, verdicts: { "pss-baseline-host-path": "violation" as const } },
        ];
        const applied = appliedNamespaceExemptions([exempt, checked], resources);
        assert.equal(applied.length, 1);
        assert.equal(applied[0].target, "DaemonSet logging/fluentd");
        assert.equal(applied[0].reason, logging.reason);
        assert.deepEqual([...applied[0].rules].sort(), [...logging.rules].sort());
        assert.equal(applied[0].resource?.urn, "urn:a");
        assert.deepEqual(exemptionCounts({ exemptions: applied }), { objects: 1, rules: logging.rules.length });
        // A secret namespace is judged by its value but never shown.
        const secret = appliedNamespaceExemptions([recorded("urn:a", "logging", ["metadata.namespace"])], resources.slice(0, 1));
        assert.equal(secret[0].target, "DaemonSet [secret]/fluentd");
        assert.equal(secret[0].reason, logging.reason);
    });
});

describe("offline plan: exemptions of chart objects", () => {
    it("names a chart object (already <namespace>/<name>) once", () => {
        const recorded = {
            urn: "urn:c",
            type: "kubernetes:apps/v1:Deployment",
            name: "argocd/argocd-server",
            custom: true,
            inputs: { metadata: { name: "argocd-server", namespace: "argocd" } },
            secretPaths: [],
            dependencies: [],
            protect: false,
            ignoreChanges: [],
            deleteBeforeReplace: false,
        };
        const resource: ReportResource = {
            type: recorded.type,
            name: recorded.name,
            urn: recorded.urn,
            verdicts: { "pods-no-automount-service-account-token": "exempt" },
        };
        const [applied] = appliedNamespaceExemptions([recorded], [resource]);
        assert.equal(applied.target, "Deployment argocd/argocd-server");
        assert.match(applied.reason, /Argo CD/);
    });
});
