// `pulumi up`, a second `up` and `destroy` of the platform on a real control plane (tools/cluster: etcd, the API
// server, controller manager, scheduler and kwok from Go modules), with the real Pulumi CLI, the real Kubernetes
// provider, our Node.js language host, and Gatekeeper's real chart and manager. The `existing` cluster mode points
// at the harness's kubeconfig; charts come from a directory (stack setting chartDirectory): Gatekeeper's chart
// from the tool cache (the install step copies it out of the Gatekeeper module), or every pinned chart from
// $SECURE_GITOPS_E2E_CHARTS when a directory of them is given.
//
// Two configurations run one after the other on one cluster: dev-like (advisory: Gatekeeper warns; the webhook
// fails open) and prod-like (mandatory: Gatekeeper denies; the webhook fails closed). Prod itself also requires
// Falco, Trivy and Fluentd, whose charts CI cannot pull: the prod-like stack is `staging` with prod's admission
// settings (see README, "Real engines").
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { KUBERNETES_RULES } from "../../policy-pack/catalogue";
import { Cluster, HARNESS_TOOLS, startCluster } from "../../tools/cluster/harness";
import { KubeClient, waitFor } from "../../tools/cluster/kube-client";
import { TOOLS_DIR } from "../../tools/engines/locate";
import { PROJECT_ROOT } from "../../tools/mock-engine";
import { requireTool } from "../support/engines";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "cluster");
const GATEKEEPER_NAMESPACE = "gatekeeper-system";
const WORKLOAD_NAMESPACE = "e2e-workloads";
/** Pulumi's own resource types that are not objects in the cluster. */
const NOT_IN_CLUSTER = /^(pulumi:|kubernetes:helm\.sh\/v3:Release$|secure-gitops:)/;
const SKIPPED = new Set([".git", "plan-output", "check-output", ".pulumi", "node_modules"]);

interface CliRun {
    status: number | null;
    output: string;
}

interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    outputs?: Record<string, unknown>;
    protect?: boolean;
}

function fixture(name: string): Record<string, unknown> {
    return parseYaml(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as Record<string, unknown>;
}

/** API path of an object, from discovery: `/api/v1/namespaces/ns/pods/name` and the like. */
class Discovery {
    private readonly resources = new Map<string, { plural: string; namespaced: boolean }>();
    constructor(private readonly client: KubeClient) {}

    async load(): Promise<void> {
        const groupVersions = ["v1"];
        const groups = (await this.client.get("/apis")).body as { groups?: { versions: { groupVersion: string }[] }[] };
        for (const g of groups.groups ?? []) for (const v of g.versions) groupVersions.push(v.groupVersion);
        for (const gv of groupVersions) {
            const res = await this.client.get(gv === "v1" ? "/api/v1" : `/apis/${gv}`);
            const list = res.body as { resources?: { name: string; kind: string; namespaced: boolean }[] } | undefined;
            for (const r of list?.resources ?? [])
                if (!r.name.includes("/")) this.resources.set(`${gv}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
        }
    }

    path(apiVersion: string, kind: string, name: string, namespace?: string): string | undefined {
        const r = this.resources.get(`${apiVersion}/${kind}`);
        if (!r) return undefined;
        const base = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
        return r.namespaced ? `${base}/namespaces/${namespace ?? "default"}/${r.plural}/${name}` : `${base}/${r.plural}/${name}`;
    }
}

describe("real engine: pulumi up on a real control plane (harness, real Kubernetes provider, real Gatekeeper)", function () {
    this.timeout(3_600_000);
    let cluster: Cluster;
    let client: KubeClient;
    let pulumi: string;
    let tmp: string;
    let project: string;
    let env: NodeJS.ProcessEnv;
    let chartsDir: string;
    /** What the closing lines report; each is set only by the assertion that proved it. */
    const summary = { objects: 0, secondUpChanges: -1, left: -1 };
    const admission = { prodDenied: false, devWarned: false, psaEnforced: false, prodClosed: false, devOpen: false };

    function cli(args: string[], timeoutMs = 1_500_000): CliRun {
        const result = spawnSync(pulumi, args, { cwd: project, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
        if (result.error) throw new Error(`pulumi ${args.join(" ")}: ${result.error.message}`);
        return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
    }

    function writeStack(stack: string, config: Record<string, unknown>): void {
        const lines = Object.entries(config).map(([k, v]) => `  secure-gitops:${k}: ${JSON.stringify(v)}`);
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), `config:\n${lines.join("\n")}\n`);
    }

    function exportState(stack: string): StateResource[] {
        const run = cli(["stack", "export", "--stack", stack]);
        assert.equal(run.status, 0, run.output);
        const state = JSON.parse(run.output.slice(0, run.output.lastIndexOf("}") + 1)) as { deployment?: { resources?: StateResource[] } };
        return state.deployment?.resources ?? [];
    }

    /** Every Kubernetes object the stack's state holds, as API paths (Releases' objects are checked by Helm's record). */
    async function declaredObjects(stack: string): Promise<{ path: string; urn: string; created?: string }[]> {
        const discovery = new Discovery(client);
        await discovery.load();
        const objects = [];
        for (const r of exportState(stack)) {
            if (!r.custom || NOT_IN_CLUSTER.test(r.type) || !r.type.startsWith("kubernetes:")) continue;
            const o = r.outputs ?? {};
            const metadata = (o.metadata ?? {}) as { name?: string; namespace?: string };
            const apiPath =
                typeof o.apiVersion === "string" && typeof o.kind === "string" && metadata.name
                    ? discovery.path(o.apiVersion, o.kind, metadata.name, metadata.namespace)
                    : undefined;
            assert.ok(apiPath, `no API path for ${r.urn} (${String(o.apiVersion)} ${String(o.kind)})`);
            objects.push({ path: apiPath, urn: r.urn });
        }
        return objects;
    }

    before(async function () {
        pulumi = requireTool(this, "pulumi");
        const languageHost = requireTool(this, "pulumi-language-nodejs");
        const provider = requireTool(this, "pulumi-resource-kubernetes");
        for (const tool of HARNESS_TOOLS) requireTool(this, tool);
        chartsDir = process.env.SECURE_GITOPS_E2E_CHARTS ?? path.join(TOOLS_DIR, "charts");
        if (
            !fs.existsSync(path.join(chartsDir, "gatekeeper", "Chart.yaml")) &&
            !fs.readdirSync(chartsDir).some((f) => f.startsWith("gatekeeper-"))
        )
            throw new Error(`no Gatekeeper chart in ${chartsDir}: run \`bash tools/install-tools.sh\``);

        cluster = await startCluster({ nodes: 2, gatekeeperNamespace: GATEKEEPER_NAMESPACE });
        client = cluster.client;
        process.stdout.write(`      cluster ready in ${cluster.readySeconds.toFixed(1)} s (${cluster.dir})\n`);

        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-up-e2e-"));
        project = path.join(tmp, "project");
        fs.mkdirSync(project);
        for (const entry of fs.readdirSync(PROJECT_ROOT)) {
            if (SKIPPED.has(entry) || entry.startsWith("Pulumi.")) continue;
            fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
        }
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(project, "node_modules"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        const baseEnv: NodeJS.ProcessEnv = { ...process.env };
        delete baseEnv.NODE_OPTIONS; // the test runner's TypeScript loader is not the CLI's
        delete baseEnv.KUBECONFIG; // the stack's kubeconfigPath is the only cluster
        env = {
            ...baseEnv,
            PATH: [path.dirname(languageHost), path.dirname(provider), process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: path.join(tmp, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "end-to-end-test-only",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
        fs.mkdirSync(path.join(tmp, "state"));
        const ns = await client.request("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: WORKLOAD_NAMESPACE },
        });
        assert.equal(ns.status, 201, JSON.stringify(ns.body));
    });

    after(async () => {
        if (cluster) await cluster.stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        if (summary.objects > 0 && summary.secondUpChanges === 0 && summary.left === 0)
            process.stdout.write(`cluster up: ${summary.objects} objects created, second up: 0 changes, destroy: 0 left\n`);
        if (Object.values(admission).every(Boolean))
            process.stdout.write("admission: prod denied, dev warned, PSA enforced, webhook down: prod closed, dev open\n");
    });

    const configurations = [
        {
            stack: "harness-dev",
            label: "dev",
            environment: "dev",
            policyEnforcement: "advisory",
            webhookFailurePolicy: "Ignore",
        },
        {
            stack: "harness-prod",
            label: "prod",
            environment: "staging",
            policyEnforcement: "mandatory",
            webhookFailurePolicy: "Fail",
        },
    ] as const;

    for (const c of configurations) {
        describe(`${c.label}-like (${c.policyEnforcement}, webhook ${c.webhookFailurePolicy})`, () => {
            it("pulumi up creates every declared object, in the documented order", async () => {
                writeStack(c.stack, {
                    environment: c.environment,
                    clusterMode: "existing",
                    kubeconfigPath: cluster.kubeconfig,
                    apiServerCidrs: ["127.0.0.1/32"],
                    features: JSON.stringify({
                        argocd: false,
                        falco: false,
                        trivy: false,
                        auditLogging: false,
                        monitoring: false,
                        grafana: false,
                    }),
                    policyEnforcement: c.policyEnforcement,
                    webhookFailurePolicy: c.webhookFailurePolicy,
                    chartDirectory: chartsDir,
                });
                assert.equal(cli(["stack", "init", c.stack, "--non-interactive"]).status, 0);
                const up = cli(["up", "--stack", c.stack, "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
                assert.equal(up.status, 0, `pulumi up failed:\n${up.output.slice(-8000)}`);
                const created = Number(/(\d+) created/.exec(up.output)?.[1] ?? 0);
                assert.ok(created > 0, up.output.slice(-3000));

                const objects = await declaredObjects(c.stack);
                assert.ok(objects.length > KUBERNETES_RULES.length, `only ${objects.length} objects in the state`);
                const missing: string[] = [];
                const timestamps = new Map<string, number>();
                for (const o of objects) {
                    const res = await client.get(o.path);
                    if (res.status !== 200) missing.push(`${o.path} (HTTP ${res.status})`);
                    else
                        timestamps.set(
                            o.path,
                            Date.parse((res.body as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp),
                        );
                }
                assert.deepEqual(missing, [], "declared objects absent from the API server");

                // Order (README "Ordering on pulumi up"): namespace -> chart -> templates -> constraints.
                const when = (re: RegExp) => [...timestamps].filter(([p]) => re.test(p)).map(([, t]) => t);
                const namespace = when(new RegExp(`/namespaces/${GATEKEEPER_NAMESPACE}$`));
                const templates = when(/constrainttemplates\//);
                const constraints = when(/\/apis\/constraints\.gatekeeper\.sh\//);
                const chart = await client.get(
                    `/apis/apps/v1/namespaces/${GATEKEEPER_NAMESPACE}/deployments/gatekeeper-controller-manager`,
                );
                assert.equal(chart.status, 200, "the chart's controller-manager Deployment is missing");
                const chartCreated = Date.parse((chart.body as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp);
                assert.equal(namespace.length, 1);
                assert.ok(templates.length >= KUBERNETES_RULES.length && constraints.length >= KUBERNETES_RULES.length);
                assert.ok(namespace[0] <= chartCreated, "the chart was installed before its namespace");
                assert.ok(Math.min(...templates) >= chartCreated, "a ConstraintTemplate was created before the chart");
                assert.ok(Math.min(...constraints) >= Math.min(...templates), "a Constraint came before the templates");
                if (c.label === "prod") summary.objects = objects.length;
            });

            it("a second pulumi up changes nothing and preview --diff is empty", () => {
                const up = cli([
                    "up",
                    "--stack",
                    c.stack,
                    "--yes",
                    "--skip-preview",
                    "--expect-no-changes",
                    "--non-interactive",
                    "--color",
                    "never",
                ]);
                assert.equal(up.status, 0, `the second up has changes:\n${up.output.slice(-6000)}`);
                const changes = /[+~-]\s*\d+ to (create|update|delete|replace)|(\d+) (created|updated|deleted|replaced)/.exec(up.output);
                assert.equal(changes, null, up.output.slice(-3000));
                const preview = cli([
                    "preview",
                    "--stack",
                    c.stack,
                    "--diff",
                    "--expect-no-changes",
                    "--non-interactive",
                    "--color",
                    "never",
                ]);
                assert.equal(preview.status, 0, preview.output.slice(-6000));
                if (c.label === "prod") summary.secondUpChanges = 0;
            });

            it(`the webhook ${c.label === "prod" ? "denies" : "warns on"} a privileged Deployment with the rule's constraint; PSA rejects what the labels forbid`, async () => {
                const deployment = fixture("privileged-deployment.yaml");
                const url = `/apis/apps/v1/namespaces/${WORKLOAD_NAMESPACE}/deployments`;
                // Gatekeeper's constraint cache fills right after the constraints are created: retry for a little while.
                const res = await waitFor("Gatekeeper's verdict on the privileged Deployment", 120_000, async () => {
                    const r = await client.request("POST", `${url}?dryRun=All`, deployment);
                    const text = JSON.stringify(r.body) + r.warnings.join(" ");
                    return text.includes("pss-baseline-privileged") ? r : undefined;
                });
                const message = JSON.stringify(res.body);
                if (c.label === "prod") {
                    assert.equal(res.status, 403, message);
                    assert.match(message, /denied the request/);
                    assert.match(message, /pss-baseline-privileged/);
                    admission.prodDenied = true;
                } else {
                    assert.equal(res.status, 201, message);
                    assert.ok(
                        res.warnings.some((w) => w.includes("pss-baseline-privileged")),
                        res.warnings.join("\n"),
                    );
                    admission.devWarned = true;
                }
                const labels = (
                    (await client.get(`/api/v1/namespaces/${GATEKEEPER_NAMESPACE}`)).body as {
                        metadata: { labels: Record<string, string> };
                    }
                ).metadata.labels;
                assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted", JSON.stringify(labels));
                const pod = await client.request(
                    "POST",
                    `/api/v1/namespaces/${GATEKEEPER_NAMESPACE}/pods?dryRun=All`,
                    fixture("privileged-pod.yaml"),
                );
                assert.equal(pod.status, 403, JSON.stringify(pod.body));
                assert.match((pod.body as { message?: string }).message ?? "", /violates PodSecurity "restricted:/);
                if (c.label === "prod") admission.psaEnforced = true;
            });

            it(`with Gatekeeper's manager stopped, admission fails ${c.webhookFailurePolicy === "Fail" ? "closed" : "open"}`, async () => {
                await cluster.stopGatekeeper();
                const url = `/apis/apps/v1/namespaces/${WORKLOAD_NAMESPACE}/deployments?dryRun=All`;
                const res = await client.request("POST", url, fixture("compliant-deployment.yaml"));
                if (c.webhookFailurePolicy === "Fail") {
                    assert.equal(res.status, 500, JSON.stringify(res.body));
                    assert.match(JSON.stringify(res.body), /failed calling webhook/);
                } else {
                    assert.equal(res.status, 201, JSON.stringify(res.body));
                }
                if (c.label === "prod") admission.prodClosed = true;
                else admission.devOpen = true;
                await cluster.startGatekeeper();
            });

            it("pulumi destroy leaves no object of the stack", async () => {
                const objects = await declaredObjects(c.stack);
                const destroy = cli(["destroy", "--stack", c.stack, "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
                assert.equal(destroy.status, 0, `pulumi destroy failed:\n${destroy.output.slice(-6000)}`);
                const left: string[] = [];
                await waitFor("every object of the stack deleted", 300_000, async () => {
                    left.length = 0;
                    for (const o of objects) if ((await client.get(o.path)).status !== 404) left.push(o.path);
                    return left.length === 0 ? true : undefined;
                }).catch(() => undefined);
                assert.deepEqual(left, [], "objects left after destroy");
                const release = await client.list(`/api/v1/namespaces/${GATEKEEPER_NAMESPACE}/secrets?labelSelector=owner%3Dhelm`);
                assert.equal(release.length, 0, "Helm's release record is left");
                if (c.label === "prod") summary.left = left.length;
                assert.equal(cli(["stack", "rm", c.stack, "--yes", "--non-interactive"]).status, 0);
            });
        });
    }
});
