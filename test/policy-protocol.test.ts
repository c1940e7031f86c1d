// The CrossGuard pack over the engine's Analyzer gRPC protocol: the pack runs as its own process, spawned
// the way `pulumi preview --policy-pack policy-pack` spawns it, and every assertion goes through gRPC.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RULES, ruleById } from "../policy-pack/catalogue";
import { evaluate } from "../policy-pack/catalogue/evaluate";
import { Enforcement, KubernetesRule, UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { GATEKEEPER_ACTION, toGatekeeperAction } from "../policy-pack/catalogue/enforcement";
import { CorpusCase, kubernetesTypeToken as kubernetesType, loadCorpus } from "../policy-pack/test/corpus";
import { parseKubernetesType, toK8sObject } from "../policy-pack/pack/kubernetes";
import { applyChanges } from "../policy-pack/pack/remediation";
import { README_PATH, ruleTableMarkdown, tableInReadme } from "../policy-pack/pack/rule-table";
import { plainProps } from "../policy-pack/pack/unknowns";
import {
    AnalyzerResourceInput,
    AnalyzeResult,
    Diagnostic,
    POLICY_PACK_DIR,
    PolicyPackAnalyzer,
    resourceUrn,
} from "../tools/analyzer/analyzer";
import { PolicyPackConfigFile } from "../tools/analyzer/policy-config";
import { resourcesFromProgramRun } from "../tools/analyzer/program-resources";

const FIXTURES = path.join(POLICY_PACK_DIR, "test", "fixtures");
const EXAMPLE_CONFIG = JSON.parse(fs.readFileSync(path.join(FIXTURES, "policy-config.json"), "utf8")) as PolicyPackConfigFile;
const PACK_VERSION = (JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "package.json"), "utf8")) as { version: string }).version;
// @pulumi/policy 1.21 ships "v1.21.0" in package.json and reports "1.21.0".
const SDK_VERSION = (
    JSON.parse(fs.readFileSync(require.resolve("@pulumi/policy/package.json", { paths: [POLICY_PACK_DIR] }), "utf8")) as { version: string }
).version;

/** Replaces the fixture placeholder `UNKNOWN` with the engine's sentinel, at any depth. */
function withUnknowns(value: unknown): unknown {
    if (value === "UNKNOWN") return UNKNOWN_SENTINEL;
    if (Array.isArray(value)) return value.map(withUnknowns);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknowns(v)]));
    return value;
}
const RESOURCES = withUnknowns(parse(fs.readFileSync(path.join(FIXTURES, "protocol-resources.yaml"), "utf8"))) as Record<
    string,
    AnalyzerResourceInput
>;
function fixture(name: string): AnalyzerResourceInput {
    return structuredClone(RESOURCES[name]);
}

/** A secret value as the engine marshals it (the SDK's secret signature). */
function SECRET(value: unknown): Record<string, unknown> {
    return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

function corpusResource(c: CorpusCase, index: number): AnalyzerResourceInput {
    if (c.object) {
        const name = typeof c.object.metadata?.name === "string" ? c.object.metadata.name : `case-${index}`;
        return { type: kubernetesType(c.object), name, props: c.object };
    }
    return { type: String(c.resourceType), name: `case-${index}`, props: c.props ?? {} };
}

/** The level Analyze reports: remediate is reported as mandatory (the fix did not happen or did not help). */
function reportedLevel(level: Enforcement): Enforcement {
    return level === "remediate" ? "mandatory" : level;
}

function of(result: AnalyzeResult | Diagnostic[], policy: string): Diagnostic[] {
    return (Array.isArray(result) ? result : result.diagnostics).filter((d) => d.policyName === policy);
}

/** The SDK's own diagnostic when a policy reads an unknown value through its proxy. */
function unknownDiagnostics(result: AnalyzeResult | Diagnostic[]): Diagnostic[] {
    return (Array.isArray(result) ? result : result.diagnostics).filter((d) => d.message.includes("can't run"));
}

describe("CrossGuard pack over the Analyzer gRPC protocol", function () {
    this.timeout(120000);
    let analyzer: PolicyPackAnalyzer;

    before(async () => {
        analyzer = await PolicyPackAnalyzer.start();
        // The engine always sends the reconciled config, defaults included, before the first Analyze.
        await analyzer.configure({});
    });
    after(async () => {
        if (analyzer) await analyzer.close();
    });

    describe("plugin and analyzer info", () => {
        it("reports the @pulumi/policy version as the plugin version", async () => {
            assert.equal((await analyzer.getPluginInfo()).version, SDK_VERSION.replace(/^v/, ""));
        });

        it("names the pack, takes its version from package.json and supports config", async () => {
            const info = await analyzer.getAnalyzerInfo();
            assert.equal(info.name, "secure-gitops");
            assert.equal(info.version, PACK_VERSION);
            assert.equal(info.supportsConfig, true);
        });

        it("lists every catalogue rule once, with its level, texts, severity, frameworks and config schema", async () => {
            const info = await analyzer.getAnalyzerInfo();
            assert.deepEqual(info.policies.map((p) => p.name).sort(), RULES.map((r) => r.id).sort());
            for (const rule of RULES) {
                const p = info.policies.find((x) => x.name === rule.id)!;
                assert.equal(p.enforcementLevel, rule.defaultEnforcement, `${rule.id}: level`);
                assert.equal(p.description, rule.description, `${rule.id}: description`);
                assert.equal(p.displayName, rule.title, `${rule.id}: displayName`);
                assert.equal(p.severity, rule.severity, `${rule.id}: severity`);
                assert.equal(p.remediationSteps, rule.remediation, `${rule.id}: remediationSteps`);
                assert.ok(
                    p.framework && rule.frameworks.some((f) => f.control === p.framework!.reference),
                    `${rule.id}: framework is one of its mappings`,
                );
                for (const f of rule.frameworks)
                    assert.ok(p.tags.includes(`${f.framework}:${f.control}`), `${rule.id}: tag ${f.framework}:${f.control}`);
                const schema = p.configSchema?.properties ?? {};
                const expectedKeys = [
                    ...(rule.target === "kubernetes" ? ["exemptNamespaces", "exemptImages"] : []),
                    ...Object.keys(rule.paramsSchema),
                ];
                assert.deepEqual(Object.keys(schema).sort(), [...new Set(expectedKeys)].sort(), `${rule.id}: config schema keys`);
                for (const key of Object.keys(schema)) {
                    assert.deepEqual(
                        schema[key].default,
                        (rule.defaultParams as Record<string, unknown>)[key],
                        `${rule.id}.${key}: default`,
                    );
                }
                if (rule.target === "kubernetes")
                    assert.deepEqual(schema.exemptNamespaces.items, { type: "string" }, `${rule.id}: exemptNamespaces is a string array`);
            }
        });

        it("takes the primary framework from the platform's CIS benchmark when the rule maps to it", async () => {
            const info = await analyzer.getAnalyzerInfo();
            for (const rule of RULES) {
                const preferred = rule.frameworks.find(
                    (f) => f.framework === (rule.target === "kubernetes" ? "CIS-Kubernetes" : "CIS-GKE"),
                );
                if (!preferred) continue;
                const p = info.policies.find((x) => x.name === rule.id)!;
                assert.equal(p.framework?.reference, preferred.control, rule.id);
                assert.match(p.framework?.name ?? "", /^CIS /, rule.id);
            }
        });
    });

    describe("rule corpus (default config)", () => {
        const corpus = loadCorpus();
        let lastParams = "";

        // Sets the case's parameter overrides (or the defaults back) only when they change.
        async function useParams(c: CorpusCase): Promise<void> {
            const key = c.params ? JSON.stringify([c.rule, c.params]) : "";
            if (key === lastParams) return;
            await analyzer.configure(c.params ? { [c.rule]: c.params } : {});
            lastParams = key;
        }
        after(async () => {
            if (lastParams !== "") await analyzer.configure({});
        });

        corpus.forEach((c, index) => {
            it(`${c.rule}: ${c.name} -> ${c.expect}${c.unknown ? " (unknown value)" : ""}`, async () => {
                await useParams(c);
                const rule = ruleById(c.rule);
                const result = await analyzer.analyze(corpusResource(c, index));
                const diags = of(result, c.rule);
                assert.deepEqual(unknownDiagnostics(result), [], "no policy may trip over an unknown value");
                if (c.expect === "pass") {
                    assert.deepEqual(diags, [], "unexpected diagnostics");
                    return;
                }
                const findings = evaluate(rule, c);
                assert.equal(diags.length, findings.length, "one diagnostic per finding of the rule");
                for (const d of diags) assert.equal(d.enforcementLevel, reportedLevel(rule.defaultEnforcement), "enforcement level");
                // The message is the finding alone (no description prefix); the description field is the title.
                assert.deepEqual(
                    diags.map((d) => d.message).sort(),
                    findings.map((f) => `${rule.title}: ${f.message} (field ${f.path})`).sort(),
                    "one message per finding, naming its field",
                );
                for (const d of diags) assert.equal(d.description, rule.title, "diagnostic description");
            });
        });
    });

    describe("applicability", () => {
        it("declares each policy not applicable to resource types it does not check", async () => {
            const pod = await analyzer.analyzeResponse(fixture("compliantPod"));
            const podNa = pod.notApplicable.map((n) => n.policyName);
            for (const rule of RULES) {
                const applies = rule.target === "kubernetes" && rule.match.some((m) => m.kinds.includes("Pod"));
                assert.equal(podNa.includes(rule.id), !applies, `${rule.id} on a Pod`);
            }
            const bucket = await analyzer.analyzeResponse({
                type: "gcp:storage/bucket:Bucket",
                name: "b",
                props: { name: "b", location: "EU" },
            });
            const bucketNa = bucket.notApplicable.map((n) => n.policyName);
            for (const rule of RULES) {
                const applies = rule.target === "gcp" && rule.resourceTypes.includes("gcp:storage/bucket:Bucket");
                assert.equal(bucketNa.includes(rule.id), !applies, `${rule.id} on a Bucket`);
            }
            // No reason from the pack (the engine keeps only names); the SDK's own type filter sends its reason.
            const reasons = new Map(bucket.notApplicable.map((n) => [n.policyName, n.reason]));
            const podReasons = new Map(pod.notApplicable.map((n) => [n.policyName, n.reason]));
            for (const id of ["pss-baseline-privileged", "metadata-required-labels", "services-no-public-loadbalancer"])
                assert.equal(reasons.get(id), "", id);
            assert.equal(podReasons.get("gke-private-nodes"), "", "a rule of two types is filtered by the pack");
            assert.equal(podReasons.get("gke-release-channel"), "Policy only applies to resources of type 'gcp:container/cluster:Cluster'");
            assert.equal(reasons.get("gke-boot-disk-cmek"), "Policy only applies to resources of type 'gcp:container/nodePool:NodePool'");
        });

        it("does not check Helm releases or Patch resources (partial or unseen objects)", async () => {
            const pod = fixture("latestPod");
            for (const type of ["kubernetes:helm.sh/v3:Release", "kubernetes:core/v1:PodPatch"]) {
                const result = await analyzer.analyzeResponse({ ...pod, type });
                assert.deepEqual(result.diagnostics, [], type);
            }
        });
    });

    describe("unknown values", () => {
        it("reports the known-bad container and ignores the one whose image is unknown", async () => {
            const result = await analyzer.analyze(fixture("mixedUnknownDeployment"));
            const diags = of(result, "images-disallow-latest");
            assert.equal(diags.length, 1, diags.map((d) => d.message).join("\n"));
            assert.match(diags[0].message, /containers\[name=known-bad\]\.image/);
            assert.doesNotMatch(diags[0].message, /not-yet-known/);
            assert.deepEqual(unknownDiagnostics(result), []);
        });

        it("reports nothing, and no SDK 'can't run' advisory, when the whole pod spec is unknown", async () => {
            const result = await analyzer.analyze(fixture("unknownSpecDeployment"));
            // metadata.labels is known (and missing), so a label rule may still report; nothing may point into the spec.
            assert.deepEqual(
                result.filter((d) => d.message.includes("(field spec")),
                [],
            );
            assert.deepEqual(unknownDiagnostics(result), []);
        });

        it("does not report in an unknown namespace while exemptions exist, and does when none are configured", async () => {
            await analyzer.configure({ "images-disallow-latest": { exemptNamespaces: ["sandbox"] } });
            try {
                assert.deepEqual(of(await analyzer.analyze(fixture("unknownNamespacePod")), "images-disallow-latest"), []);
            } finally {
                await analyzer.configure({});
            }
            assert.equal(of(await analyzer.analyze(fixture("unknownNamespacePod")), "images-disallow-latest").length, 1);
        });
    });

    describe("Configure (stack policy config)", () => {
        afterEach(async () => {
            await analyzer.configure({});
        });

        it("disables a rule, leaving the others on", async () => {
            const pod = fixture("latestPod");
            assert.equal(of(await analyzer.analyze(pod), "images-disallow-latest").length, 1);
            await analyzer.configure({ "images-disallow-latest": "disabled" });
            const result = await analyzer.analyze(pod);
            assert.deepEqual(of(result, "images-disallow-latest"), []);
            assert.ok(result.length > 0, "other rules still report on this pod");
        });

        it("changes a rule's enforcement level, and `all` changes every level", async () => {
            await analyzer.configure({ "images-disallow-latest": "advisory" });
            assert.deepEqual(
                of(await analyzer.analyze(fixture("latestPod")), "images-disallow-latest").map((d) => d.enforcementLevel),
                ["advisory"],
            );
            await analyzer.configure({ all: "mandatory" });
            const result = await analyzer.analyze(fixture("latestPod"));
            assert.ok(result.length > 1);
            for (const d of result) assert.equal(d.enforcementLevel, "mandatory", d.policyName);
        });

        it("passes rule parameters through", async () => {
            const pod = fixture("compliantPod");
            pod.props = { ...pod.props, spec: { containers: [{ name: "api", image: "docker.io/library/nginx:1.27.3" }] } };
            assert.deepEqual(of(await analyzer.analyze(pod), "images-allowed-registries"), [], "default: any registry");
            await analyzer.configure({ "images-allowed-registries": { allowedRegistries: ["europe-docker.pkg.dev/acme-platform/"] } });
            const diags = of(await analyzer.analyze(pod), "images-allowed-registries");
            assert.equal(diags.length, 1);
            assert.match(diags[0].message, /\(field spec\.containers\[name=api\]\.image\)/);
        });

        it("skips exempt namespaces, including the provider's default namespace", async () => {
            await analyzer.configure({ "images-disallow-latest": { exemptNamespaces: ["sandbox"] } });
            const inSandbox = fixture("latestPod");
            (inSandbox.props.metadata as Record<string, unknown>).namespace = "sandbox";
            assert.deepEqual(of(await analyzer.analyze(inSandbox), "images-disallow-latest"), []);
            assert.equal(of(await analyzer.analyze(fixture("latestPod")), "images-disallow-latest").length, 1, "apps is not exempt");

            const viaProvider = fixture("latestPod");
            delete (viaProvider.props.metadata as Record<string, unknown>).namespace;
            viaProvider.provider = fixture("kubernetesProvider") as Required<AnalyzerResourceInput>["provider"];
            assert.deepEqual(of(await analyzer.analyze(viaProvider), "images-disallow-latest"), [], "provider namespace sandbox is exempt");
            viaProvider.provider.props = { namespace: "apps" };
            assert.equal(of(await analyzer.analyze(viaProvider), "images-disallow-latest").length, 1);
        });

        it("applies the example config (policy-pack/test/fixtures/policy-config.json)", async () => {
            const sent = await analyzer.configure(EXAMPLE_CONFIG);
            assert.equal(sent["gke-binary-authorization"].enforcementLevel, "disabled");
            assert.deepEqual(
                sent["images-disallow-latest"].properties?.requireDigest,
                false,
                "schema defaults are filled in, as by the engine",
            );
            const clean = await analyzer.analyze(fixture("compliantPod"));
            assert.deepEqual(clean, [], clean.map((d) => d.message).join("\n"));
            const bad = fixture("latestPod");
            const result = await analyzer.analyze(bad);
            assert.equal(of(result, "images-allowed-registries").length, 1);
            assert.equal(of(result, "metadata-required-labels")[0]?.enforcementLevel, "mandatory");
            (bad.props.metadata as Record<string, unknown>).namespace = "sandbox";
            assert.deepEqual(
                of(await analyzer.analyze(bad), "images-disallow-latest"),
                [],
                "sandbox is exempt from images-disallow-latest",
            );
        });

        it("accepts every generated per-stack policy config (policy-config/<stack>.json)", async () => {
            const dir = path.resolve(__dirname, "../policy-config");
            const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
            for (const file of files) {
                const config = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as PolicyPackConfigFile;
                const sent = await analyzer.configure(config);
                for (const [id, entry] of Object.entries(config)) {
                    const level = typeof entry === "string" ? entry : entry.enforcementLevel;
                    if (level) assert.equal(sent[id]?.enforcementLevel, level, `${file}: ${id}`);
                }
            }
        });

        it("rejects a config that does not match a rule's schema, as the engine does", () => {
            return assert.rejects(
                analyzer.configure({ "images-allowed-registries": { allowedRegistries: "gcr.io/" } }),
                /allowedRegistries: Invalid type/,
            );
        });
    });

    describe("Remediate", () => {
        const remediable = RULES.filter((r): r is KubernetesRule => r.target === "kubernetes" && typeof r.remediate === "function");

        afterEach(async () => {
            await analyzer.configure({});
        });

        it("fixes a violating corpus object when the level is remediate; Analyze then passes", async function () {
            if (remediable.length === 0) this.skip();
            for (const rule of remediable) {
                const c = loadCorpus().find((x) => x.rule === rule.id && x.expect === "violation" && !x.params && x.object);
                if (!c) continue;
                await analyzer.configure({ [rule.id]: "remediate" });
                const resource = corpusResource(c, 0);
                // A secret elsewhere in the object must come back still marked secret.
                resource.props = {
                    ...resource.props,
                    metadata: { ...(resource.props.metadata as object), annotations: { token: SECRET("s3cret") } },
                };
                const remediations = (await analyzer.remediate(resource)).filter((r) => r.policyName === rule.id);
                assert.equal(remediations.length, 1, `${rule.id}: one remediation`);
                const fixedProps = remediations[0].properties ?? {};
                assert.deepEqual(
                    (fixedProps.metadata as { annotations?: unknown }).annotations,
                    { token: SECRET("s3cret") },
                    `${rule.id}: secret kept secret`,
                );
                const fixed = { ...resource, props: fixedProps };
                assert.deepEqual(of(await analyzer.analyze(fixed), rule.id), [], `${rule.id}: fixed object passes`);
                assert.deepEqual(
                    of(await analyzer.analyze(resource), rule.id)
                        .map((d) => d.enforcementLevel)
                        .slice(0, 1),
                    ["mandatory"],
                    `${rule.id}: unfixed is mandatory`,
                );
            }
        });

        it("does not remediate at the default levels", async () => {
            const resource = fixture("latestPod");
            assert.deepEqual(await analyzer.remediate(resource), []);
        });
    });

    describe("AnalyzeStack", () => {
        it("accepts a mixed stack (parents, providers, unknowns) and reports nothing twice: all policies are per-resource", async () => {
            const provider = fixture("kubernetesProvider");
            const parent = resourceUrn("secure-gitops:apps:Workloads", "apps");
            const resources: AnalyzerResourceInput[] = [
                { ...provider, provider: undefined },
                { ...fixture("latestPod"), parent, dependencies: [provider.urn!] },
                { ...fixture("mixedUnknownDeployment"), parent },
                ...loadCorpus()
                    .filter((c) => c.props)
                    .slice(0, 5)
                    .map((c, i) => corpusResource(c, i)),
            ];
            const result = await analyzer.analyzeStack(resources);
            assert.deepEqual(result, []);
        });
    });

    describe("a program run (tools/mock-engine) through the analyzer", () => {
        it("analyzes the custom resources a program registers, with their provider", async () => {
            // Loaded lazily: the mock engine pulls in the Pulumi runtime and the Kubernetes SDK.
            /* eslint-disable @typescript-eslint/no-require-imports -- loaded lazily, see above */
            const { runProgram } = require("../tools/mock-engine") as typeof import("../tools/mock-engine");
            const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
            /* eslint-enable @typescript-eslint/no-require-imports */
            const run = await runProgram({
                stack: "dev",
                config: {},
                program: () => {
                    const provider = new k8s.Provider("cluster", { namespace: "apps", kubeconfig: "{}" });
                    new k8s.core.v1.Pod(
                        "web",
                        { metadata: { name: "web" }, spec: { containers: [{ name: "app", image: "nginx:latest" }] } },
                        { provider },
                    );
                },
            });
            const resources = resourcesFromProgramRun(run);
            assert.deepEqual(resources.map((r) => r.type).sort(), ["kubernetes:core/v1:Pod", "pulumi:providers:kubernetes"]);
            const pod = resources.find((r) => r.type === "kubernetes:core/v1:Pod")!;
            assert.equal(pod.provider?.type, "pulumi:providers:kubernetes");
            const diags = of(await analyzer.analyze(pod), "images-disallow-latest");
            assert.equal(diags.length, 1);
            assert.match(diags[0].message, /Pod apps\/web/, "the provider's namespace is the pod's namespace");
            assert.deepEqual(await analyzer.analyzeStack(resources), []);
        });
    });

    // Defined last so it runs after every other suite above.
    describe("after all requests", () => {
        it("left nothing on the pack's stderr", () => {
            assert.equal(analyzer.stderr.trim(), "");
        });
    });
});

// The SDK's internal proxies (not in its typings): the exact wrappers a policy receives its props in.
interface SdkInternals {
    unknownCheckingProxy(props: object): Record<string, unknown>;
    secretsPreservingProxy(props: object): Record<string, unknown>;
    Secret: new (value: unknown) => { value: unknown };
    serializeProperties(props: object): Promise<Record<string, unknown>>;
}
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's internal modules, resolved from the pack folder as the engine does */
const sdk: SdkInternals = {
    unknownCheckingProxy: require(require.resolve("@pulumi/policy/proxy", { paths: [POLICY_PACK_DIR] })).unknownCheckingProxy,
    secretsPreservingProxy: require(require.resolve("@pulumi/policy/secret", { paths: [POLICY_PACK_DIR] })).secretsPreservingProxy,
    Secret: require(require.resolve("@pulumi/policy/policy", { paths: [POLICY_PACK_DIR] })).Secret,
    serializeProperties: require(require.resolve("@pulumi/policy/deserialize", { paths: [POLICY_PACK_DIR] })).serializeProperties,
};
/* eslint-enable @typescript-eslint/no-require-imports */

describe("policy-pack/README.md", () => {
    it("lists every rule in the generated table, up to date (npx tsx policy-pack/pack/rule-table.ts --write)", () => {
        const readme = fs.readFileSync(README_PATH, "utf8");
        assert.equal(tableInReadme(readme), ruleTableMarkdown(RULES));
        for (const rule of RULES) assert.ok(readme.includes(`\`${rule.id}\``), rule.id);
    });
});

describe("pack helpers (in-process, on the SDK's own proxies)", () => {
    it("copies props out of the unknown-checking proxy, unknowns (of any kind) as the sentinel", () => {
        const unknownBool = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
        const proxied = sdk.unknownCheckingProxy({ a: { b: [1, UNKNOWN_SENTINEL, { c: unknownBool }] }, d: UNKNOWN_SENTINEL, e: "x" });
        assert.throws(() => proxied.d, /can't be known during preview/, "the SDK throws on direct access");
        assert.deepEqual(plainProps(proxied), { a: { b: [1, UNKNOWN_SENTINEL, { c: UNKNOWN_SENTINEL }] }, d: UNKNOWN_SENTINEL, e: "x" });
    });

    it("writes a remediation back field by field, keeping untouched secrets secret", async () => {
        const raw = {
            metadata: { name: "a", annotations: { token: new sdk.Secret("s3cret") } },
            spec: { containers: [{ name: "c", image: "x" }], extra: 1 },
        };
        const props = sdk.unknownCheckingProxy(sdk.secretsPreservingProxy(raw));
        const before = plainProps(props);
        const after = structuredClone(before) as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
        after.spec.containers[0].securityContext = { readOnlyRootFilesystem: true };
        delete after.spec.extra;
        applyChanges(props, before, after);
        const serialized = await sdk.serializeProperties(props);
        assert.deepEqual(serialized, {
            metadata: { name: "a", annotations: { token: SECRET("s3cret") } },
            spec: { containers: [{ name: "c", image: "x", securityContext: { readOnlyRootFilesystem: true } }] },
        });
    });

    it("maps type tokens to apiVersion/kind and skips non-objects", () => {
        assert.deepEqual(parseKubernetesType("kubernetes:core/v1:Pod"), { group: "", kind: "Pod", apiVersion: "v1" });
        assert.deepEqual(parseKubernetesType("kubernetes:batch/v1:CronJob"), { group: "batch", kind: "CronJob", apiVersion: "batch/v1" });
        assert.deepEqual(parseKubernetesType("kubernetes:networking.k8s.io/v1:NetworkPolicy")?.apiVersion, "networking.k8s.io/v1");
        for (const t of [
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:apps/v1:DeploymentPatch",
            "kubernetes:core/v1:PodList",
            "kubernetes:yaml/v2:ConfigGroup",
            "gcp:storage/bucket:Bucket",
        ]) {
            assert.equal(parseKubernetesType(t), undefined, t);
        }
    });

    it("puts namespaced objects without a namespace in the provider's namespace, never cluster-scoped ones", () => {
        const pod = toK8sObject(parseKubernetesType("kubernetes:core/v1:Pod")!, { metadata: { name: "p" } }, "apps");
        assert.equal(pod.metadata?.namespace, "apps");
        const ns = toK8sObject(parseKubernetesType("kubernetes:core/v1:Namespace")!, { metadata: { name: "n" } }, "apps");
        assert.equal(ns.metadata?.namespace, undefined);
        const explicit = toK8sObject(parseKubernetesType("kubernetes:core/v1:Pod")!, { metadata: { name: "p", namespace: "web" } }, "apps");
        assert.equal(explicit.metadata?.namespace, "web");
    });

    it("maps CrossGuard levels to Gatekeeper actions", () => {
        assert.deepEqual(GATEKEEPER_ACTION, { mandatory: "deny", advisory: "warn", disabled: "dryrun", remediate: "deny" });
        assert.equal(toGatekeeperAction("disabled"), "dryrun");
        assert.throws(() => toGatekeeperAction("bogus" as Enforcement), /unknown enforcement level/);
    });
});
