// The application before merge (tools/charts/app.ts, the plan's --charts): Helm values as Argo CD passes them,
// each rendered object's verdict (excluded / refused / denied / warned / admitted) per stack, and the same
// verdicts from Gatekeeper's own engine (gator) over the constraints the program deploys.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import { renderConstraintTemplate, renderScopedConstraints } from "../platform/constraint-render";
import { appPolicyPackConfig, appRuleSettings, ruleSettings } from "../platform/policy-settings";
import { appPodSecurityModes, podSecurityFromLabels, podSecurityLabels } from "../platform/pod-security";
import { K8sObject, KUBERNETES_RULES } from "../policy-pack/catalogue";
import { ArgoCdConfig, PolicyEnforcement } from "../stacks/types";
import {
    AppPlan,
    argoCdHelmValues,
    blockingObjects,
    judgeAppObject,
    mergeHelmValues,
    planApp,
    repositoryDirName,
    ruleLevels,
    setHelmParameter,
    typedHelmValue,
} from "../tools/charts/app";
import { renderChart } from "../tools/charts/helm-template";
import { runPlan } from "../tools/plan";
import { requireTool } from "./support/engines";
import { runPsaCheck } from "./support/psa-check";

const CHARTS = path.join(__dirname, "fixtures", "app-chart");
const CHART_DIR = path.join(CHARTS, "league-table");
const NAMESPACE = "league-table";

function appConfig(valueFiles: string[], parameters: { name: string; value: string }[] = []): ArgoCdConfig {
    return {
        appRepoUrl: "https://github.com/acme/league-table.git",
        appPath: ".",
        appRevision: "main",
        appSource: { type: "helm", valueFiles, parameters, releaseName: "league-table" },
        appNamespaces: [NAMESPACE],
        autoSyncPrune: true,
        autoSyncSelfHeal: true,
    };
}

/** The app namespace's Pod Security Admission setting as the program labels it at this app level. */
function appNamespaceLabels(appEnforcement: PolicyEnforcement, namespace = NAMESPACE) {
    return new Map([[namespace, podSecurityFromLabels(podSecurityLabels(appPodSecurityModes(appEnforcement), "v1.33"))]]);
}

const policyFor = (appEnforcement: PolicyEnforcement) => ({
    enforcement: "mandatory" as const,
    appEnforcement,
    allowedRegistries: ["europe-docker.pkg.dev/acme-apps/"],
    publicServiceNamespaces: [],
});

function plan(
    stack: string,
    valueFiles: string[],
    appEnforcement: PolicyEnforcement,
    parameters: { name: string; value: string }[] = [],
): Promise<AppPlan> {
    return planApp({
        stack,
        config: appConfig(valueFiles, parameters),
        appEnforcement,
        appPolicyConfig: appPolicyPackConfig(policyFor(appEnforcement)),
        checkoutDir: CHART_DIR,
        podSecurity: appNamespaceLabels(appEnforcement),
    });
}

const find = (p: AppPlan, kind: string, suffix: string) => {
    const found = p.objects.find((o) => o.kind === kind && o.name.endsWith(suffix));
    assert.ok(found, `${kind} *${suffix} rendered (${p.notEvaluated ?? p.objects.map((o) => `${o.kind}/${o.name}`).join(", ")})`);
    return found;
};

describe("the application before merge (plan --charts)", () => {
    describe("Helm values as Argo CD passes them", () => {
        it("merges value files in order: maps key by key, lists and scalars replaced", () => {
            const merged = mergeHelmValues({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3], e: true }, d: null });
            assert.deepEqual(merged, { a: { b: 1, c: [3], e: true }, d: null });
        });

        it("types parameters as helm --set does", () => {
            assert.equal(typedHelmValue("false"), false);
            assert.equal(typedHelmValue("TRUE"), true);
            assert.equal(typedHelmValue("null"), null);
            assert.equal(typedHelmValue("0"), 0);
            assert.equal(typedHelmValue("12"), 12);
            // A leading zero or a fraction stays a string (helm parses base-10 integers only).
            assert.equal(typedHelmValue("012"), "012");
            assert.equal(typedHelmValue("1.5"), "1.5");
            assert.equal(typedHelmValue("bfcfcb0"), "bfcfcb0");
            assert.deepEqual(setHelmParameter({ ingress: { enabled: true, hosts: ["a"] } }, { name: "ingress.enabled", value: "false" }), {
                ingress: { enabled: false, hosts: ["a"] },
            });
            assert.deepEqual(setHelmParameter({ web: "scalar" }, { name: "web.replicas", value: "3" }), { web: { replicas: 3 } });
        });

        it("reads the value files from the chart and applies parameters last", () => {
            const values = argoCdHelmValues(CHART_DIR, ["values-dev.yaml"], [{ name: "web.replicas", value: "4" }]);
            assert.equal(values.createNamespace, true);
            assert.deepEqual(values.web, { replicas: 4 });
        });

        it("fails like Argo CD on a value file missing from the chart", () => {
            assert.throws(
                () => argoCdHelmValues(CHART_DIR, ["values-staging.yaml"], []),
                /values-staging.yaml is not in .*ignoreMissingValueFiles: false/,
            );
        });

        it("finds the checkout by repository name", () => {
            assert.equal(repositoryDirName("https://github.com/silverbeer/missing-table"), "missing-table");
            assert.equal(repositoryDirName("https://github.com/acme/league-table.git"), "league-table");
            assert.equal(repositoryDirName("git@github.com:acme/league-table.git"), "league-table");
        });
    });

    describe("verdicts from the AppProject and Argo CD's resource filter", () => {
        const config = appConfig([]);
        const levels = ruleLevels(appPolicyPackConfig(policyFor("mandatory")));
        const judge = (object: K8sObject) => judgeAppObject(object, config, levels);

        it("excludes the app's own Namespace: the platform's SecureNamespace is the namespace", () => {
            const verdict = judge({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
            assert.equal(verdict.verdict, "excluded");
            assert.match(verdict.reasons[0], /resource.exclusions.*platform creates league-table itself/);
            assert.equal(judge({ apiVersion: "v1", kind: "Namespace", metadata: { name: "scratch" } }).verdict, "excluded");
        });

        it("excludes the app's own ResourceQuota and LimitRange: guardrails stay the platform's without failing the sync", () => {
            for (const kind of ["ResourceQuota", "LimitRange"]) {
                const verdict = judge({ apiVersion: "v1", kind, metadata: { name: "q", namespace: NAMESPACE } });
                assert.equal(verdict.verdict, "excluded", kind);
                assert.match(verdict.reasons[0], /guardrails are the platform's/);
            }
        });

        it("refuses every other cluster-scoped kind and foreign namespaces", () => {
            assert.equal(
                judge({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "x" } }).verdict,
                "refused",
            );
            assert.equal(judge({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" } }).verdict, "refused");
            const foreign = judge({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "argocd" } });
            assert.equal(foreign.verdict, "refused");
            assert.match(foreign.reasons[0], /namespace argocd is not a destination/);
        });

        it("puts an object without a namespace into the destination namespace, and says when no rule covers its kind", () => {
            const configMap = judge({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" } });
            assert.equal(configMap.namespace, NAMESPACE);
            assert.equal(configMap.verdict, "admitted");
            assert.equal(configMap.rulesApplied, 0);
            assert.match(configMap.reasons.join(" "), /no rule covers ConfigMap/);
        });

        it("reads malformed objects as data, never throwing", () => {
            const odd = judge({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "odd" },
                spec: { template: { spec: { containers: "not-a-list" } } },
            });
            assert.ok(["denied", "warned", "admitted"].includes(odd.verdict));
        });

        it("never reports a pass for a source it could not render", async () => {
            const missing = await planApp({
                stack: "dev",
                config: { ...appConfig([]), appRepoUrl: "https://github.com/acme/not-checked-out" },
                appEnforcement: "advisory",
                appPolicyConfig: {},
                checkoutDir: path.join(CHARTS, "not-checked-out"),
                podSecurity: appNamespaceLabels("advisory"),
            });
            assert.match(missing.notEvaluated ?? "", /not a directory/);
            assert.doesNotMatch(missing.notEvaluated ?? "", new RegExp(CHARTS), "no local path in the report");
            assert.equal(missing.objects.length, 0);
            const kustomize = await planApp({
                stack: "dev",
                config: { ...appConfig([]), appSource: { type: "kustomize" } },
                appEnforcement: "advisory",
                appPolicyConfig: {},
                checkoutDir: CHART_DIR,
                podSecurity: appNamespaceLabels("advisory"),
            });
            assert.match(kustomize.notEvaluated ?? "", /kustomize/);
            const noApp = await planApp({
                stack: "dev",
                config: { ...appConfig([]), appNamespaces: [] },
                appEnforcement: "advisory",
                appPolicyConfig: {},
                checkoutDir: CHART_DIR,
                podSecurity: appNamespaceLabels("advisory"),
            });
            assert.match(noApp.notEvaluated ?? "", /no application/);
        });
    });

    describe("a plain directory source", () => {
        it("reads the top-level manifests (List items one by one) and judges them like a chart's objects", async () => {
            const config: ArgoCdConfig = {
                ...appConfig([]),
                appRepoUrl: "https://github.com/acme/manifests.git",
                appPath: "app",
                appSource: { type: "directory" },
                appNamespaces: ["missing-table"],
            };
            const result = await planApp({
                stack: "prod",
                config,
                appEnforcement: "mandatory",
                appPolicyConfig: appPolicyPackConfig(policyFor("mandatory")),
                checkoutDir: path.join(__dirname, "fixtures", "manifests"),
                podSecurity: appNamespaceLabels("mandatory", "missing-table"),
            });
            assert.equal(result.notEvaluated, undefined);
            assert.deepEqual(result.objects.map((o) => `${o.kind}/${o.name}`).sort(), [
                "Deployment/legacy-worker",
                "Deployment/web",
                "Service/internal-web",
                "Service/public-web",
            ]);
            assert.equal(find(result, "Deployment", "legacy-worker").verdict, "denied");
        });
    });

    describe("the league-table chart (rendered with helm)", function () {
        before(function () {
            requireTool(this, "helm");
        });

        it("dev values, app advisory: own Namespace and quota excluded, workloads and the hook warned, nothing denied or refused", async () => {
            const dev = await plan("dev", ["values-dev.yaml"], "advisory");
            assert.equal(dev.notEvaluated, undefined);
            assert.equal(find(dev, "Namespace", NAMESPACE).verdict, "excluded");
            assert.equal(find(dev, "ResourceQuota", "-quota").verdict, "excluded");
            const hook = find(dev, "Job", "-cache-flush");
            assert.equal(hook.hook, "PostSync");
            for (const workload of [find(dev, "Deployment", "-web"), find(dev, "Deployment", "-redis"), hook]) {
                assert.equal(workload.verdict, "warned", `${workload.name}: ${workload.reasons.join("; ")}`);
                assert.ok(
                    workload.findings.some((f) => f.ruleId === "pss-restricted-seccomp" && f.action === "warn"),
                    `${workload.name} warned for seccomp`,
                );
            }
            assert.equal(dev.counts.denied, 0);
            assert.deepEqual(blockingObjects(dev), [], "dev runs the app: a migration path, not a wall");
            // Kubernetes' own admission agrees: enforce baseline admits the pods, warn/audit restricted report them.
            for (const workload of [find(dev, "Deployment", "-web"), find(dev, "Deployment", "-redis"), hook]) {
                assert.equal(workload.gatekeeper, "warned");
                assert.equal(workload.podSecurity?.outcome, "warned", workload.name);
                assert.ok(workload.podSecurity?.enforce.allowed);
                assert.match(
                    workload.podSecurity?.summary ?? "",
                    /^warned \(Pod Security Admission: enforce baseline v1\.33 admits; warn restricted v1\.33/,
                );
            }
            // Located in the chart's template files (helm's # Source:), at the line of the object's kind.
            assert.equal(find(dev, "Deployment", "-web").template, "templates/web.yaml");
            assert.equal(find(dev, "Deployment", "-web").line, 2, "the line of its kind");
            assert.equal(find(dev, "Service", "-web").template, "templates/web.yaml");
            assert.ok((find(dev, "Service", "-web").line ?? 0) > 1);
            assert.equal(hook.template, "templates/cache-flush-hook.yaml");
        });

        it("the same values under prod's level: every workload, the hook included, is denied", async () => {
            const prodInsecure = await plan("prod", ["values-dev.yaml"], "mandatory");
            for (const suffix of ["-web", "-redis"]) assert.equal(find(prodInsecure, "Deployment", suffix).verdict, "denied");
            const hook = find(prodInsecure, "Job", "-cache-flush");
            assert.equal(hook.verdict, "denied");
            const denyRules = new Set(hook.findings.filter((f) => f.action === "deny").map((f) => f.ruleId));
            for (const rule of [
                "pss-restricted-run-as-non-root",
                "pss-restricted-seccomp",
                "pss-restricted-capabilities",
                "pss-restricted-privilege-escalation",
                "containers-read-only-root-filesystem",
            ]) {
                assert.ok(denyRules.has(rule), `hook denied by ${rule}`);
            }
            assert.deepEqual(
                blockingObjects(prodInsecure)
                    .map((o) => o.kind)
                    .sort(),
                ["Deployment", "Deployment", "Job"],
            );
            // Both layers deny, each reported on its own.
            for (const o of blockingObjects(prodInsecure)) {
                assert.equal(o.gatekeeper, "denied");
                assert.equal(o.podSecurity?.summary, "denied (Pod Security Admission: restricted v1.33)", o.name);
            }
        });

        it("prod values (the README's securityContext changes): every object admitted by both layers, the Ingress included", async () => {
            const prod = await plan("prod", ["values-prod.yaml"], "mandatory");
            assert.equal(prod.notEvaluated, undefined);
            assert.ok(prod.objects.length >= 5, "web, service, redis, the hook and the Ingress");
            const ingress = find(prod, "Ingress", "");
            assert.equal(ingress.template, "templates/ingress.yaml");
            for (const suffix of ["-web", "-redis"])
                assert.equal(find(prod, "Deployment", suffix).podSecurity?.summary, "admitted (Pod Security Admission: restricted v1.33)");
            assert.ok(!prod.objects.some((o) => o.kind === "Namespace" || o.kind === "ResourceQuota"));
            for (const o of prod.objects)
                assert.equal(
                    o.verdict,
                    "admitted",
                    `${o.kind}/${o.name}: ${o.reasons.join("; ")} ${o.findings.map((f) => f.message).join(" | ")}`,
                );
        });

        it("renders for the stack's cluster (kubeVersion and API versions), as Argo CD does", async function () {
            // A chart that requires a cluster version: helm's built-in default (v1.20) would refuse it.
            const copy = fs.mkdtempSync(path.join(os.tmpdir(), "league-table-"));
            try {
                fs.cpSync(CHART_DIR, copy, { recursive: true });
                const chartYaml = path.join(copy, "Chart.yaml");
                fs.writeFileSync(chartYaml, `${fs.readFileSync(chartYaml, "utf8")}kubeVersion: ">=1.25.0-0"\n`);
                fs.writeFileSync(
                    path.join(copy, "templates", "monitor.yaml"),
                    '{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\n{{- end }}\n',
                );
                const base = {
                    stack: "prod",
                    config: appConfig(["values-prod.yaml"]),
                    appEnforcement: "mandatory" as const,
                    appPolicyConfig: appPolicyPackConfig(policyFor("mandatory")),
                    checkoutDir: copy,
                    podSecurity: appNamespaceLabels("mandatory"),
                };
                const without = await planApp(base);
                assert.match(without.notEvaluated ?? "", /kubeVersion|incompatible with Kubernetes/);
                assert.ok(!without.notEvaluated?.includes(copy), "no local path");
                const withCluster = await planApp({
                    ...base,
                    capabilities: { kubeVersion: "1.33", apiVersions: ["monitoring.coreos.com/v1"] },
                });
                assert.equal(withCluster.notEvaluated, undefined);
                assert.equal(withCluster.kubeVersion, "1.33");
                assert.ok(
                    withCluster.objects.some((o) => o.kind === "ServiceMonitor"),
                    "the cluster's API versions reach .Capabilities",
                );
            } finally {
                fs.rmSync(copy, { recursive: true, force: true });
            }
        });

        it("its Pod Security Admission verdicts agree with Kubernetes' own (psa-check) on the rendered workloads", async function () {
            const tool = requireTool(this, "psa-check");
            let compared = 0;
            for (const [valueFiles, enforcement] of [
                [["values-dev.yaml"], "advisory"],
                [["values-dev.yaml"], "mandatory"],
                [["values-prod.yaml"], "mandatory"],
            ] as const) {
                const ours = await plan("x", [...valueFiles], enforcement);
                const objects = (
                    await renderChart({
                        chartDir: CHART_DIR,
                        releaseName: "league-table",
                        namespace: NAMESPACE,
                        values: argoCdHelmValues(CHART_DIR, [...valueFiles], []),
                        includeCrds: true,
                    })
                ).filter((o) => ours.objects.some((j) => j.podSecurity && j.kind === o.kind && j.name === o.metadata?.name));
                assert.ok(objects.length >= 3, "web, redis, the hook");
                const results = runPsaCheck(
                    tool,
                    objects.map((object, i) => ({ id: String(i), version: "v1.33", object })),
                );
                results.forEach((r, i) => {
                    const mine = ours.objects.find((j) => j.kind === objects[i].kind && j.name === objects[i].metadata?.name)?.podSecurity;
                    const level = enforcement === "mandatory" ? "restricted" : "baseline";
                    assert.equal(
                        mine?.enforce.allowed,
                        r[level]?.allowed,
                        `${valueFiles.join()} ${enforcement} ${objects[i].kind}: PSA ${(r[level]?.forbidden ?? []).join("; ")}`,
                    );
                    if (enforcement === "advisory") assert.equal(mine?.warn.allowed, r.restricted?.allowed);
                    compared++;
                });
            }
            assert.ok(compared >= 9);
        });

        it("parameters reach the render: redis off removes redis and its hook", async () => {
            const withoutRedis = await plan("prod", ["values-prod.yaml"], "mandatory", [{ name: "redis.enabled", value: "false" }]);
            assert.ok(withoutRedis.objects.length > 0);
            assert.ok(!withoutRedis.objects.some((o) => o.name.endsWith("-redis") || o.name.endsWith("-cache-flush")));
        });

        it("agrees with Gatekeeper's own engine (gator) on which objects are denied and warned", async function () {
            const gator = requireTool(this, "gator");
            // staging-shaped: platform mandatory, app advisory -> split constraints; and prod: one deny constraint per rule.
            for (const appEnforcement of ["advisory", "mandatory"] as const) {
                const ours = await plan("x", ["values-dev.yaml"], appEnforcement);
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gator-app-"));
                try {
                    const policy = policyFor(appEnforcement);
                    const platform = ruleSettings(policy, KUBERNETES_RULES);
                    const app = appRuleSettings(policy, KUBERNETES_RULES);
                    const docs: unknown[] = [];
                    for (const rule of KUBERNETES_RULES) {
                        docs.push(renderConstraintTemplate(rule));
                        docs.push(...renderScopedConstraints(rule, platform.get(rule.id)!, app.get(rule.id)!, [NAMESPACE]));
                    }
                    const judged = ours.objects.filter((o) => o.verdict !== "excluded" && o.verdict !== "refused");
                    assert.ok(judged.length >= 4);
                    const objects = (
                        await renderChart({
                            chartDir: CHART_DIR,
                            releaseName: "league-table",
                            namespace: NAMESPACE,
                            values: argoCdHelmValues(CHART_DIR, ["values-dev.yaml"], []),
                            includeCrds: true,
                        })
                    ).filter((o) => judged.some((j) => j.kind === o.kind && j.name === o.metadata?.name));
                    fs.writeFileSync(path.join(dir, "policy.yaml"), docs.map((d) => stringifyYaml(d)).join("---\n"));
                    fs.writeFileSync(path.join(dir, "objects.yaml"), objects.map((d) => stringifyYaml(d)).join("---\n"));
                    let out = "";
                    try {
                        out = execFileSync(gator, ["test", "--filename", dir, "--output", "json"], { encoding: "utf8" });
                    } catch (error) {
                        // gator exits 1 when a deny violation exists; its JSON is still on stdout.
                        out = (error as { stdout?: string }).stdout ?? "";
                    }
                    const results = JSON.parse(out || "[]") as {
                        constraint?: { metadata?: { name?: string } };
                        enforcementAction?: string;
                        violatingObject?: { kind?: string; metadata?: { name?: string } };
                    }[];
                    const gatorActions = new Map<string, Set<string>>();
                    for (const r of results) {
                        const key = `${r.violatingObject?.kind}/${r.violatingObject?.metadata?.name}`;
                        gatorActions.set(key, new Set([...(gatorActions.get(key) ?? []), String(r.enforcementAction)]));
                    }
                    for (const o of judged) {
                        const actions = gatorActions.get(`${o.kind}/${o.name}`) ?? new Set<string>();
                        const expected = o.verdict === "denied" ? "deny" : o.verdict === "warned" ? "warn" : undefined;
                        const gatorVerdict = actions.has("deny") ? "deny" : actions.has("warn") ? "warn" : undefined;
                        assert.equal(
                            gatorVerdict,
                            expected,
                            `${appEnforcement}: ${o.kind}/${o.name} gator ${[...actions].join(",")} vs ours ${o.verdict}`,
                        );
                    }
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            }
        });
    });

    describe("npm run plan --charts", function () {
        it("refuses a --charts that is not a directory with one line and exit 2", () => {
            const result = spawnSync(
                process.execPath,
                [
                    "--require",
                    "tsx/cjs",
                    path.join(__dirname, "..", "tools", "plan.ts"),
                    "--stack",
                    "dev",
                    "--charts",
                    path.join(CHARTS, "README.md"),
                ],
                { encoding: "utf8" },
            );
            assert.equal(result.status, 2);
            assert.match(result.stderr, /^plan: --charts: ".*README.md" is not a directory \(give a directory holding .*\)\n$/);
            assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, "no stack trace");
        });

        it("renders the stack's app source with the program's app constraints and writes app.json next to the plan", async function () {
            requireTool(this, "helm");
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-app-"));
            try {
                const result = await runPlan({
                    stack: "prod",
                    outRoot: out,
                    app: { kind: "checkout", dir: CHART_DIR },
                    configOverrides: {
                        "secure-gitops:appRepoUrl": "https://github.com/acme/league-table.git",
                        "secure-gitops:appPath": ".",
                        "secure-gitops:appNamespaces": JSON.stringify([NAMESPACE]),
                        "secure-gitops:appHelmValueFiles": JSON.stringify(["values-dev.yaml"]),
                        "secure-gitops:appHelmReleaseName": "league-table",
                    },
                });
                const app = result.app;
                assert.ok(app, "app plan present");
                assert.equal(app.notEvaluated, undefined);
                assert.equal(app.appEnforcement, "mandatory");
                assert.equal(find(app, "Deployment", "-web").verdict, "denied");
                assert.equal(find(app, "Namespace", NAMESPACE).verdict, "excluded");
                assert.ok(result.written?.app && fs.existsSync(result.written.app));
                const written = JSON.parse(fs.readFileSync(result.written.app, "utf8")) as AppPlan;
                assert.deepEqual(written.counts, app.counts);
                // The program's own labels: prod's app namespace enforces restricted at the stack's version.
                assert.equal(find(app, "Deployment", "-web").podSecurity?.summary, "denied (Pod Security Admission: restricted v1.33)");
                const md = fs.readFileSync(result.written.markdown, "utf8");
                assert.match(md.split("#### ")[0], /The application `league-table` does not run in this stack/);
                const sarif = fs.readFileSync(result.written.sarif, "utf8");
                assert.match(sarif, /"uri": "templates\/web.yaml",\s*"uriBaseId": "APPROOT"/);
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });
    });
});
