// Chart workloads in the plan: `helm template` with the Release's exact values, every rendered object
// judged by the pack over the Analyzer protocol and by gator with the stack's constraints. Proven on small
// charts of our own (test/fixtures/charts): one compliant, one with each kind of denial, one with hooks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { KubernetesRule, RULES } from "../policy-pack/catalogue";
import { renderConstraint, renderConstraintTemplate } from "../platform/constraint-render";
import { policyPackConfig, ruleSettings, StackPolicy } from "../platform/policy-settings";
import { AnalyzerHarness, startPolicyPack } from "../tools/analyzer/analyzer";
import { analyzerResourcesFor, ChartWorkloads, disagreements, renderChartWorkloads } from "../tools/charts/chart-workloads";
import { HelmError, pullChart, renderChart } from "../tools/charts/helm-template";
import { RELEASE_TYPE } from "../tools/charts/releases";
import type { ProgramRun, RecordedResource } from "../tools/mock-engine";
import { requireTool } from "./support/engines";

const CHARTS = path.join(__dirname, "fixtures", "charts");
const EXPECTED = parseYaml(fs.readFileSync(path.join(CHARTS, "denials-expected.yaml"), "utf8")) as Record<string, string[]>;
/** A namespace no exemption covers, so every rule applies. */
const NAMESPACE = "fixture-apps";
const POLICY: StackPolicy = { enforcement: "mandatory", publicServiceNamespaces: [], allowedRegistries: ["registry.example.com/"] };
const RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

function recorded(type: string, name: string, inputs: Record<string, unknown>, parent?: string): RecordedResource {
    return {
        urn: `urn:pulumi:prod::secure-gitops::${parent ? `${parent}$` : ""}${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        secretPaths: [],
        dependencies: [],
        protect: false,
        ignoreChanges: [],
        deleteBeforeReplace: false,
    };
}

function release(chart: string, values: Record<string, unknown>, extra: Record<string, unknown> = {}): RecordedResource {
    return recorded(
        RELEASE_TYPE,
        `${chart}-release`,
        {
            name: chart,
            namespace: NAMESPACE,
            chart,
            version: "1.0.0",
            repositoryOpts: { repo: "https://charts.invalid" },
            values,
            ...extra,
        },
        "secure-gitops:test:Fixture",
    );
}

/** A run like the program's: the Releases plus the stack's ConstraintTemplates and Constraints (rendered as components/gatekeeper.ts does). */
function fixtureRun(releases: RecordedResource[]): ProgramRun {
    const settings = ruleSettings(POLICY);
    const gatekeeper = RULES.filter((r): r is KubernetesRule => r.target === "kubernetes").flatMap((rule) => {
        const template = renderConstraintTemplate(rule);
        const constraint = renderConstraint(rule, settings.get(rule.id)!);
        return [
            recorded(`kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate`, `template-${rule.id}`, { ...template }),
            recorded(`kubernetes:constraints.gatekeeper.sh/v1beta1:${constraint.kind}`, `constraint-${rule.id}`, { ...constraint }),
        ];
    });
    return { resources: [...releases, ...gatekeeper], outputs: {} };
}

function key(o: { object: { kind?: string; metadata?: { name?: string } } }): string {
    return `${o.object.kind}/${o.object.metadata?.name}`;
}

describe("chart workloads: helm template", function () {
    this.timeout(120000);
    before(function () {
        requireTool(this, "helm");
    });

    it("renders with exactly the given values, in the release namespace's terms", async () => {
        const objects = await renderChart({
            chartDir: path.join(CHARTS, "compliant"),
            releaseName: "shop",
            namespace: NAMESPACE,
            values: { resources: RESOURCES, replicas: 3 },
            includeCrds: false,
        });
        assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort(), [
            "ConfigMap/shop-config",
            "Deployment/shop-app",
            "Service/shop-app",
            "ServiceAccount/shop-app",
        ]);
        const deployment = objects.find((o) => o.kind === "Deployment") as {
            spec: { replicas: number; template: { spec: { containers: { resources: unknown }[] } } };
        };
        assert.equal(deployment.spec.replicas, 3);
        assert.deepEqual(deployment.spec.template.spec.containers[0].resources, RESOURCES);
    });

    it("includes hook objects and leaves chart tests out (install never creates them)", async () => {
        const objects = await renderChart({
            chartDir: path.join(CHARTS, "hooks"),
            releaseName: "hooks",
            namespace: NAMESPACE,
            values: {},
            includeCrds: false,
        });
        assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort(), [
            "ConfigMap/hooks-settings",
            "Job/migrate",
            "Job/post-install-notify",
        ]);
        assert.equal(
            objects.find((o) => o.metadata?.name === "migrate")?.metadata?.annotations?.["helm.sh/hook"],
            "pre-install,pre-upgrade",
        );
    });

    it("fails with helm's reason when the chart cannot be rendered", async () => {
        await assert.rejects(
            renderChart({
                chartDir: path.join(CHARTS, "no-such-chart"),
                releaseName: "x",
                namespace: NAMESPACE,
                values: {},
                includeCrds: false,
            }),
            (e: unknown) => e instanceof HelmError && /helm template x .*failed: .*no-such-chart/s.test(e.message),
        );
    });

    it("`helm pull` that cannot reach the repository fails with one clear error", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pull-test-"));
        try {
            await assert.rejects(
                pullChart({ chart: "falco", version: "9.1.0", repo: "http://127.0.0.1:9/charts" }, dir),
                (e: unknown) =>
                    e instanceof HelmError &&
                    e.message.startsWith("helm pull falco 9.1.0 from http://127.0.0.1:9/charts failed") &&
                    !e.message.includes("\n"),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("chart workloads: the pack and Gatekeeper judge every rendered object", function () {
    this.timeout(300000);
    let workloads: ChartWorkloads;
    let pack: AnalyzerHarness | undefined;
    const packRules = new Map<string, Set<string>>();

    before(async function () {
        requireTool(this, "helm");
        requireTool(this, "gator");
        const run = fixtureRun([
            release("compliant", { resources: RESOURCES }),
            release("denials", {}),
            release("hooks", {}),
            release("absent", {}),
        ]);
        workloads = await renderChartWorkloads(run, { kubeVersion: "1.33", source: { kind: "dir", dir: CHARTS } });
        pack = await startPolicyPack();
        await pack.configure(policyPackConfig(POLICY));
        for (const resource of analyzerResourcesFor(workloads)) {
            for (const d of await pack.analyze(resource))
                packRules.set(resource.urn!, new Set([...(packRules.get(resource.urn!) ?? []), d.policyName]));
        }
    });
    after(async () => {
        await pack?.close();
    });

    it("adds every rendered object as a child of its Release, namespaced as Helm installs it", () => {
        const releaseUrns = new Set(workloads.releases.map((r) => r.urn));
        assert.ok(workloads.objects.length >= 30, `rendered ${workloads.objects.length}`);
        for (const o of workloads.objects) {
            assert.ok(releaseUrns.has(o.releaseUrn));
            assert.ok(o.urn.startsWith(`${o.releaseUrn.split("::").slice(0, 3).join("::")}$${o.type}::`), o.urn);
            assert.equal(o.object.metadata?.namespace, NAMESPACE, key(o));
        }
    });

    it("the denials chart: each workload breaks exactly its rules, in the pack and in Gatekeeper", () => {
        const denials = workloads.objects.filter((o) => o.releaseUrn.endsWith("::denials-release"));
        const expectedKeys = Object.keys(EXPECTED);
        assert.ok(expectedKeys.length > 20);
        for (const k of expectedKeys)
            assert.ok(
                denials.some((o) => key(o) === k),
                `${k} was not rendered`,
            );
        for (const o of denials) {
            const expected = [...(EXPECTED[key(o)] ?? [])].sort();
            assert.deepEqual([...(packRules.get(o.urn) ?? [])].sort(), expected, `pack on ${key(o)}`);
            assert.ok(o.gatekeeper, `gator reviewed ${key(o)}`);
            assert.deepEqual(o.gatekeeper.map((v) => v.ruleId).sort(), expected, `gatekeeper on ${key(o)}`);
            for (const v of o.gatekeeper) {
                const level = RULES.find((r) => r.id === v.ruleId)?.defaultEnforcement;
                assert.equal(v.enforcementAction, level === "mandatory" ? "deny" : "warn", `${v.ruleId} on ${key(o)}`);
            }
        }
    });

    it("the compliant chart passes every rule in both engines", () => {
        const compliant = workloads.objects.filter((o) => o.releaseUrn.endsWith("::compliant-release"));
        assert.equal(compliant.length, 4);
        for (const o of compliant) assert.deepEqual([...(packRules.get(o.urn) ?? [])], [], key(o));
        const reviewed = compliant
            .filter((o) => o.gatekeeper !== undefined)
            .map(key)
            .sort();
        assert.deepEqual(
            reviewed,
            // The ServiceAccount is judged by rbac-default-service-account (only `default` can fail it).
            ["Deployment/compliant-app", "Service/compliant-app", "ServiceAccount/compliant-app"],
            "gator reviews the kinds constraints match, not ConfigMaps",
        );
        for (const o of compliant) assert.deepEqual(o.gatekeeper ?? [], [], key(o));
    });

    it("hook Jobs are judged like any object; the chart test Pod is not there to judge", () => {
        const hooks = workloads.objects.filter((o) => o.releaseUrn.endsWith("::hooks-release"));
        assert.deepEqual(
            hooks
                .filter((o) => o.hook)
                .map(key)
                .sort(),
            ["Job/migrate", "Job/post-install-notify"],
        );
        const notify = hooks.find((o) => key(o) === "Job/post-install-notify")!;
        assert.deepEqual([...(packRules.get(notify.urn) ?? [])], ["resources-requests-limits"]);
        assert.deepEqual(
            notify.gatekeeper?.map((v) => `${v.enforcementAction}:${v.ruleId}`),
            ["deny:resources-requests-limits"],
        );
        assert.deepEqual([...(packRules.get(hooks.find((o) => key(o) === "Job/migrate")!.urn) ?? [])], []);
        const release = workloads.releases.find((r) => r.urn.endsWith("::hooks-release"));
        assert.deepEqual([release?.status, release?.objects, release?.hooks], ["evaluated", 3, 2]);
    });

    it("no enabled rule gets different verdicts from the two engines", () => {
        const enabled = new Set(RULES.filter((r) => r.target === "kubernetes").map((r) => r.id));
        assert.deepEqual(disagreements(workloads, packRules, enabled), []);
        // The check itself can fail: drop one pack verdict and it reports exactly that one.
        const tampered = new Map(packRules);
        const privileged = workloads.objects.find((o) => key(o) === "Deployment/privileged")!;
        tampered.set(privileged.urn, new Set());
        assert.deepEqual(disagreements(workloads, tampered, enabled), [
            { urn: privileged.urn, ruleId: "pss-baseline-privileged", pack: false, gatekeeper: true },
        ]);
    });

    it("a Release whose chart is not in the directory stays not evaluated, with the reason", () => {
        const absent = workloads.releases.find((r) => r.urn.endsWith("::absent-release"));
        assert.equal(absent?.status, "not evaluated");
        assert.match(absent?.reason ?? "", /neither absent-1\.0\.0\.tgz nor absent\/ in /);
        assert.equal(workloads.objects.filter((o) => o.releaseUrn === absent?.urn).length, 0);
    });
});

describe("chart workloads: without charts", () => {
    it("every Release is marked not evaluated and nothing is rendered", async () => {
        const workloads = await renderChartWorkloads(fixtureRun([release("compliant", {}), release("hooks", {})]), { kubeVersion: "1.33" });
        assert.equal(workloads.objects.length, 0);
        assert.deepEqual(
            workloads.releases.map((r) => r.status),
            ["not evaluated", "not evaluated"],
        );
        for (const r of workloads.releases) assert.match(r.reason ?? "", /no charts given/);
    });

    it("an unpacked chart at another version is not rendered in place of the pinned one", async () => {
        const run = fixtureRun([release("compliant", {}, { version: "2.0.0" })]);
        const workloads = await renderChartWorkloads(run, { kubeVersion: "1.33", source: { kind: "dir", dir: CHARTS }, gatekeeper: false });
        assert.equal(workloads.releases[0].status, "not evaluated");
        assert.match(workloads.releases[0].reason ?? "", /is chart version 1\.0\.0, the program pins 2\.0\.0/);
    });
});
