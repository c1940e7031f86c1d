import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
    Falco,
    FALCO_CHART,
    FALCO_RULES_REF,
    FALCO_SERVICE_ACCOUNT,
    JSON_PLUGIN_REF,
    K8SAUDIT_GKE_PLUGIN_REF,
    pubsubSubscriptionId,
    FALCO_RULES_DIR,
    FALCO_TALON_CHART,
    K8S_AUDIT_RULES_FILE,
    PROD_RULES_FILE,
    RUNTIME_RULES_FILE,
    SIDEKICK_SECRET_KEYS,
    TALON_RULES_FILE,
    TALON_SERVICE_ACCOUNT,
    minimumPagerDutyPriority,
} from "../components/falco";
import { NAMESPACE_EXEMPTIONS, PLATFORM_NAMESPACES, podSecurityLevelFor } from "../platform/exemptions";
import { ruleById } from "../policy-pack/catalogue";
import { EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { AuditFields, ConditionEvaluator } from "./support/falco-condition";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

interface AlertFixture {
    slackWebhookUrl: string;
    pagerDutyRoutingKey: string;
    minimumPriority: "warning";
    evidenceBucket: string;
    talonGcpServiceAccountEmail: string;
    k8sAuditGke: { projectId: string; subscription: string; gcpServiceAccountEmail: string };
}
interface DefaultsFixture {
    macros: string[];
    priorities: string[];
    operators: string[];
}
const fixture = (file: string): unknown => parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "falco", file), "utf8"));
const ALERTS = fixture("alerting.yaml") as AlertFixture;
interface PluginFixture {
    initConfigKeys: string[];
    sdkDefaultEventSize: number;
    name: string;
    libraryPath: string;
}
const PLUGIN = fixture("k8saudit-gke-plugin.yaml") as PluginFixture;
const DEFAULTS = fixture("default-macros.yaml") as DefaultsFixture;
const FALCO_CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "falco", "falco-chart-keys.yaml"));
const TALON_CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "falco", "talon-chart-keys.yaml"));

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

interface Options {
    environment: EnvironmentName;
    secrets?: boolean;
    bucket?: boolean;
    audit?: boolean;
    /** Overrides the fixture's subscription (e.g. a full projects/.../subscriptions/... name). */
    subscription?: string;
    webUi?: boolean;
    monitoringNamespace?: string;
}

async function deploy(o: Options): Promise<ProgramRun> {
    return runProgram({
        stack: o.environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            new Falco("falco", {
                provider,
                environment: o.environment,
                alerting: {
                    minimumPriority: ALERTS.minimumPriority,
                    slackWebhookUrl: o.secrets ? pulumi.secret(ALERTS.slackWebhookUrl) : undefined,
                    pagerDutyRoutingKey: o.secrets ? pulumi.secret(ALERTS.pagerDutyRoutingKey) : undefined,
                },
                evidenceBucket: o.bucket ? ALERTS.evidenceBucket : undefined,
                talonGcpServiceAccountEmail: o.bucket ? ALERTS.talonGcpServiceAccountEmail : undefined,
                k8sAuditGke: o.audit
                    ? { ...ALERTS.k8sAuditGke, subscription: o.subscription ?? ALERTS.k8sAuditGke.subscription }
                    : undefined,
                enableWebUi: o.webUi,
                monitoringNamespace: o.monitoringNamespace,
            });
        },
    });
}

const releaseOf = (run: ProgramRun, chart: string): RecordedResource => {
    const found = ofType(run, RELEASE).filter((r) => r.inputs.chart === chart);
    assert.equal(found.length, 1, `one ${chart} release`);
    return found[0];
};
const readRules = (file: string): string => fs.readFileSync(path.join(FALCO_RULES_DIR, file), "utf8");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Falco rule file entries are heterogeneous YAML
type Entry = Record<string, any>;
const parseRules = (file: string): Entry[] => parseYaml(readRules(file)) as Entry[];

describe("Falco component", () => {
    it("lets only the monitoring namespace scrape falcosidekick, with a ServiceMonitor, when monitoring is on", async () => {
        const scraped = await deploy({ environment: "dev", monitoringNamespace: "monitoring" });
        const sidekick = (run: ProgramRun) =>
            (releaseOf(run, "falco").inputs.values as { falcosidekick: { serviceMonitor: { enabled: boolean } } }).falcosidekick;
        assert.equal(sidekick(scraped).serviceMonitor.enabled, true, "ServiceMonitor on");
        const policy = ofType(scraped, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.name.endsWith("metrics-ingress"));
        assert.ok(policy, "a metrics ingress policy exists");
        const rule = policy.inputs.spec.ingress[0];
        assert.deepEqual(rule.ports, [{ port: 2801, protocol: "TCP" }], "only the sidekick port");
        assert.deepEqual(
            rule.from[0].namespaceSelector.matchLabels,
            { "kubernetes.io/metadata.name": "monitoring" },
            "only from monitoring",
        );
        assert.deepEqual(
            policy.inputs.spec.podSelector.matchLabels,
            { "app.kubernetes.io/name": "falcosidekick" },
            "only to falcosidekick",
        );

        const unscraped = await deploy({ environment: "dev" });
        assert.equal(sidekick(unscraped).serviceMonitor.enabled, false, "no ServiceMonitor without monitoring");
        assert.ok(
            !ofType(unscraped, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((p) => p.name.endsWith("metrics-ingress")),
            "no metrics hole",
        );
    });

    it("installs the pinned falco and falco-talon charts from the falcosecurity repository", async () => {
        const run = await deploy({ environment: "dev" });
        const falco = releaseOf(run, "falco");
        assert.equal(falco.inputs.version, "9.1.0");
        assert.equal(falco.inputs.repositoryOpts.repo, "https://falcosecurity.github.io/charts");
        assert.equal(falco.inputs.name, "falco");
        assert.equal(falco.inputs.namespace, PLATFORM_NAMESPACES.falco);
        const talon = releaseOf(run, "falco-talon");
        assert.equal(talon.inputs.version, "0.4.1");
        assert.equal(talon.inputs.repositoryOpts.repo, "https://falcosecurity.github.io/charts");
        assert.deepEqual([FALCO_CHART.version, FALCO_TALON_CHART.version], ["9.1.0", "0.4.1"]);
        // The Talon subchart of the falco chart floats (0.3.*): it stays off, the pinned release is used.
        assert.equal(falco.inputs.values.responseActions.enabled, false);
        const component = findResource(run, "secure-gitops:runtime:Falco", "falco");
        assert.equal(falco.parent, component.urn);
    });

    it("sets only value paths verified against the pinned falco (+ falcosidekick) and falco-talon charts", async () => {
        // Every mode that changes the values: each environment bare, and with credentials, evidence bucket,
        // GKE audit source, monitoring and (outside prod) the web UI all on.
        const runs: ProgramRun[] = [];
        for (const environment of ["dev", "staging", "prod"] as const) {
            runs.push(await deploy({ environment }));
            runs.push(
                await deploy({
                    environment,
                    secrets: true,
                    bucket: true,
                    audit: true,
                    monitoringNamespace: "monitoring",
                    webUi: environment !== "prod",
                }),
            );
        }
        assert.deepEqual(
            chartKeyProblems(
                FALCO_CHART_KEYS,
                FALCO_CHART,
                runs.map((r) => releaseOf(r, "falco").inputs.values),
            ),
            [],
        );
        assert.deepEqual(
            chartKeyProblems(
                TALON_CHART_KEYS,
                FALCO_TALON_CHART,
                runs.map((r) => releaseOf(r, "falco-talon").inputs.values),
            ),
            [],
        );
    });

    it("runs the modern eBPF probe least-privileged with JSON output and no TTY", async () => {
        const run = await deploy({ environment: "dev" });
        const v = releaseOf(run, "falco").inputs.values;
        assert.equal(v.driver.kind, "modern_ebpf");
        assert.equal(v.driver.modernEbpf.leastPrivileged, true);
        assert.equal(v.driver.loader.enabled, false);
        assert.equal(v.tty, false);
        assert.equal(v.falco.json_output, true);
        assert.equal(v.falco.json_include_output_property, true);
        assert.equal(v.falco.stdout_output.enabled, true);
        assert.equal(v.falcosidekick.enabled, true);
    });

    it("loads the custom rule files verbatim: runtime everywhere, prod rules in prod, audit rules with a source", async () => {
        const dev = releaseOf(await deploy({ environment: "dev" }), "falco").inputs.values.customRules;
        assert.deepEqual(dev, { [RUNTIME_RULES_FILE]: readRules(RUNTIME_RULES_FILE) });
        const prod = releaseOf(await deploy({ environment: "prod", audit: true }), "falco").inputs.values;
        assert.deepEqual(prod.customRules, {
            [RUNTIME_RULES_FILE]: readRules(RUNTIME_RULES_FILE),
            [PROD_RULES_FILE]: readRules(PROD_RULES_FILE),
            [K8S_AUDIT_RULES_FILE]: readRules(K8S_AUDIT_RULES_FILE),
        });
        // The audit source: k8saudit-gke reading the Pub/Sub subscription, plugins installed by falcoctl.
        assert.deepEqual(prod.falco.load_plugins, ["k8saudit-gke", "json"]);
        assert.equal(prod.falco.plugins[0].open_params, ALERTS.k8sAuditGke.subscription);
        assert.equal(prod.falco.plugins[0].init_config.project_id, ALERTS.k8sAuditGke.projectId);
        assert.ok(prod.falcoctl.config.artifact.install.refs.some((r: string) => r.includes("k8saudit-gke:")));
        assert.equal(prod.serviceAccount.annotations["iam.gke.io/gcp-service-account"], ALERTS.k8sAuditGke.gcpServiceAccountEmail);
    });

    it("configures the k8saudit-gke plugin with the keys the plugin reads and an event size within the SDK buffer", async () => {
        const falco = releaseOf(await deploy({ environment: "dev", audit: true }), "falco").inputs.values.falco;
        const plugin = falco.plugins.find((p: Entry) => p.name === PLUGIN.name);
        assert.ok(plugin, "k8saudit-gke entry");
        assert.equal(plugin.library_path, PLUGIN.libraryPath);
        assert.equal(plugin.open_params, ALERTS.k8sAuditGke.subscription);
        const init = plugin.init_config as Record<string, unknown>;
        for (const key of Object.keys(init))
            assert.ok(PLUGIN.initConfigKeys.includes(key), `init_config.${key} is not a k8saudit-gke setting (silently ignored)`);
        assert.equal(init.project_id, ALERTS.k8sAuditGke.projectId);
        // Above the SDK's buffer an event ends the k8s_audit source (and Falco); at it, the plugin drops the event.
        assert.ok(
            typeof init.max_event_size === "number" && init.max_event_size <= PLUGIN.sdkDefaultEventSize,
            `max_event_size ${String(init.max_event_size)}`,
        );
        assert.equal(init.fetch_cluster_metadata, false, "no Container API calls, no clusterViewer grant");
        assert.equal(init.use_async, false);
        // Every loaded plugin is configured, and both are installed by falcoctl at their pinned versions.
        assert.deepEqual(falco.load_plugins, [PLUGIN.name, "json"]);
        for (const loaded of falco.load_plugins)
            assert.ok(
                falco.plugins.some((p: Entry) => p.name === loaded),
                `${loaded} has no plugins entry`,
            );
        assert.equal(falco.plugins.find((p: Entry) => p.name === "json").library_path, "libjson.so");
    });

    it("installs the pinned plugins with falcoctl next to the default rules and binds Falco's ServiceAccount to the GCP subscriber", async () => {
        const v = releaseOf(await deploy({ environment: "prod", audit: true }), "falco").inputs.values;
        assert.deepEqual(v.falcoctl.config.artifact.install.refs, [FALCO_RULES_REF, K8SAUDIT_GKE_PLUGIN_REF, JSON_PLUGIN_REF]);
        assert.equal(K8SAUDIT_GKE_PLUGIN_REF, "ghcr.io/falcosecurity/plugins/plugin/k8saudit-gke:0.9.0");
        assert.equal(JSON_PLUGIN_REF, "ghcr.io/falcosecurity/plugins/plugin/json:0.7.4");
        assert.deepEqual(v.falcoctl.config.artifact.follow.refs, [FALCO_RULES_REF], "plugins are installed once, only rules are followed");
        assert.ok(v.falcoctl.config.artifact.allowedTypes.includes("plugin"));
        assert.equal(v.serviceAccount.name, FALCO_SERVICE_ACCOUNT);
        assert.equal(FALCO_SERVICE_ACCOUNT, "falco");
        assert.deepEqual(v.serviceAccount.annotations, { "iam.gke.io/gcp-service-account": ALERTS.k8sAuditGke.gcpServiceAccountEmail });
    });

    it("neither loads the audit rules nor configures any plugin without an audit source", async () => {
        const v = releaseOf(await deploy({ environment: "prod", bucket: true }), "falco").inputs.values;
        assert.ok(!(K8S_AUDIT_RULES_FILE in v.customRules));
        assert.equal(v.falco.plugins, undefined);
        assert.equal(v.falco.load_plugins, undefined);
        assert.equal(v.falcoctl.config, undefined, "the chart's falcoctl config (default rules ref) stays untouched");
        assert.deepEqual(v.serviceAccount.annotations, {});
        assert.equal(v.serviceAccount.name, FALCO_SERVICE_ACCOUNT);
    });

    it("passes the bare subscription ID as open_params (the plugin prefixes projects/<project_id>/subscriptions/)", async () => {
        const full = `projects/${ALERTS.k8sAuditGke.projectId}/subscriptions/${ALERTS.k8sAuditGke.subscription}`;
        const v = releaseOf(await deploy({ environment: "dev", audit: true, subscription: full }), "falco").inputs.values;
        assert.equal(v.falco.plugins[0].open_params, ALERTS.k8sAuditGke.subscription);
        assert.equal(pubsubSubscriptionId("p", "projects/p/subscriptions/s"), "s");
        assert.equal(pubsubSubscriptionId("p", "s"), "s");
        assert.throws(() => pubsubSubscriptionId("p", "projects/other/subscriptions/s"), /not in project p/);
        assert.throws(() => pubsubSubscriptionId("p", "topics/s"), /not a Pub\/Sub subscription ID/);
        assert.throws(() => pubsubSubscriptionId("p", ""), /not a Pub\/Sub subscription ID/);
        await assert.rejects(
            deploy({ environment: "dev", audit: true, subscription: "projects/elsewhere/subscriptions/x" }),
            /not in project/,
        );
    });

    it("opens egress to the GKE metadata server only when a pod uses Workload Identity", async () => {
        const metadataPolicies = (run: ProgramRun) =>
            ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => String(p.inputs.metadata.name).includes("metadata"))
                .map((p) => ({ name: p.inputs.metadata.name, egress: p.inputs.spec.egress }));
        const expected = [
            {
                name: "allow-gke-metadata-egress",
                egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80, protocol: "TCP" }] }],
            },
            {
                name: "allow-gke-metadata-legacy-egress",
                egress: [{ to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ port: 988, protocol: "TCP" }] }],
            },
        ];
        assert.deepEqual(metadataPolicies(await deploy({ environment: "dev", audit: true })), expected);
        assert.deepEqual(metadataPolicies(await deploy({ environment: "dev", bucket: true })), expected, "Talon's evidence writer too");
        assert.deepEqual(metadataPolicies(await deploy({ environment: "dev" })), []);
    });

    it("keeps alert credentials in a secret Kubernetes Secret consumed through existingSecret, never in Helm values", async () => {
        const run = await deploy({ environment: "prod", secrets: true, bucket: true });
        const secret = findResource(run, SECRET, "falco-sidekick-alerting");
        assert.equal(secret.inputs.stringData[SIDEKICK_SECRET_KEYS.slackWebhook], ALERTS.slackWebhookUrl);
        assert.equal(secret.inputs.stringData[SIDEKICK_SECRET_KEYS.pagerDutyRoutingKey], ALERTS.pagerDutyRoutingKey);
        assert.deepEqual(SIDEKICK_SECRET_KEYS, { slackWebhook: "SLACK_WEBHOOKURL", pagerDutyRoutingKey: "PAGERDUTY_ROUTINGKEY" });
        for (const key of Object.values(SIDEKICK_SECRET_KEYS)) {
            assert.ok(
                secret.secretPaths.some((p) => p === "stringData" || p === `stringData.${key}`),
                `${key} must be sent as a secret (secret paths: ${secret.secretPaths.join(", ")})`,
            );
        }
        const sidekick = releaseOf(run, "falco").inputs.values.falcosidekick.config;
        assert.equal(sidekick.existingSecret, secret.inputs.metadata.name);
        assert.equal(sidekick.slack.minimumpriority, "warning");
        assert.equal(sidekick.pagerduty.minimumpriority, "critical", "PagerDuty never pages below critical");
        assert.equal(sidekick.talon.address, "http://falco-talon.falco.svc.cluster.local:2803");
        for (const release of ofType(run, RELEASE)) {
            const values = JSON.stringify(release.inputs.values);
            assert.ok(!values.includes(ALERTS.slackWebhookUrl), `${release.name} values leak the Slack webhook`);
            assert.ok(!values.includes(ALERTS.pagerDutyRoutingKey), `${release.name} values leak the PagerDuty key`);
            assert.ok(!values.includes("hooks.slack.com"), `${release.name} values mention a Slack webhook`);
        }
    });

    it("creates no alert Secret and no existingSecret reference without credentials", async () => {
        const run = await deploy({ environment: "dev" });
        assert.equal(ofType(run, SECRET).length, 0);
        assert.equal(releaseOf(run, "falco").inputs.values.falcosidekick.config.existingSecret, undefined);
    });

    it("caps PagerDuty at critical while Slack follows the configured minimum", () => {
        assert.equal(minimumPagerDutyPriority("notice"), "critical");
        assert.equal(minimumPagerDutyPriority("alert"), "alert");
        assert.equal(minimumPagerDutyPriority("emergency"), "emergency");
    });

    it("keeps the falcosidekick web UI off by default, refuses it in prod, guards it with generated credentials elsewhere", async () => {
        const prodRun = await deploy({ environment: "prod" });
        assert.equal(releaseOf(prodRun, "falco").inputs.values.falcosidekick.webui.enabled, false);
        await assert.rejects(deploy({ environment: "prod", webUi: true }), /web UI is not allowed in prod/);
        const dev = await deploy({ environment: "dev", webUi: true });
        const ui = releaseOf(dev, "falco").inputs.values.falcosidekick.webui;
        assert.equal(ui.enabled, true);
        const auth = findResource(dev, SECRET, "falco-ui-auth");
        assert.equal(ui.existingSecret, auth.inputs.metadata.name);
        assert.equal(ui.user, "", "no default admin:admin user in values");
        assert.match(auth.inputs.stringData.FALCOSIDEKICK_UI_USER, /^admin:mock-password-/);
        assert.ok(auth.secretPaths.some((p) => p.startsWith("stringData")));
    });

    it("sizes Falco, falcosidekick and Talon per environment", async () => {
        const dev = await deploy({ environment: "dev" });
        const prod = await deploy({ environment: "prod" });
        const dv = releaseOf(dev, "falco").inputs.values;
        const pv = releaseOf(prod, "falco").inputs.values;
        assert.deepEqual(dv.resources.limits, { cpu: "500m", memory: "512Mi" });
        assert.deepEqual(pv.resources.limits, { cpu: "1000m", memory: "1024Mi" });
        assert.equal(dv.falcosidekick.replicaCount, 1);
        assert.equal(pv.falcosidekick.replicaCount, 2);
        assert.equal(releaseOf(dev, "falco-talon").inputs.values.replicaCount, 1);
        assert.equal(releaseOf(prod, "falco-talon").inputs.values.replicaCount, 2);
        assert.ok(pv.falcosidekick.resources.limits.memory, "sidekick has limits");
        assert.equal(pv.falcosidekick.securityContext.readOnlyRootFilesystem, true);
    });

    it("gives Talon a Workload Identity service account (the name the chart's Deployment uses)", async () => {
        const run = await deploy({ environment: "prod", bucket: true });
        const sa = findResource(run, "kubernetes:core/v1:ServiceAccount", "falco-talon-sa");
        assert.equal(sa.inputs.metadata.name, TALON_SERVICE_ACCOUNT);
        assert.equal(sa.inputs.metadata.annotations["iam.gke.io/gcp-service-account"], ALERTS.talonGcpServiceAccountEmail);
        const rbac = releaseOf(run, "falco-talon").inputs.values.rbac.serviceAccount;
        assert.deepEqual(rbac, { create: false, name: TALON_SERVICE_ACCOUNT });
    });

    it("configures Talon to quarantine, isolate and collect evidence to the GCS bucket on Critical+ events", async () => {
        const run = await deploy({ environment: "prod", bucket: true });
        const rules = parseYaml(releaseOf(run, "falco-talon").inputs.values.config.rulesOverride) as Entry[];
        const actions = rules.filter((e) => e.action !== undefined);
        const byActionner = (a: string) => actions.filter((x) => x.actionner === a);
        assert.deepEqual(byActionner("kubernetes:label")[0].parameters.labels, { quarantine: "true" });
        assert.equal(byActionner("kubernetes:networkpolicy").length, 1);
        assert.equal(byActionner("kubernetes:terminate").length, 0, "evidence is kept: no terminate");
        const evidence = actions.filter((a) => ["kubernetes:log", "kubernetes:download", "kubernetes:tcpdump"].includes(a.actionner));
        assert.ok(evidence.length >= 2);
        for (const a of evidence) {
            assert.equal(a.output.target, "gcp:gcs");
            assert.equal(a.output.parameters.bucket, ALERTS.evidenceBucket);
        }
        const containment = rules.find((e) => e.rule === "Contain critical runtime threats");
        assert.ok(containment);
        assert.equal(containment.match.priority, ">=Critical");
        assert.deepEqual(
            containment.actions.map((a: Entry) => a.action),
            ["Label pod as quarantined", "Isolate pod network", "Collect pod logs as evidence"],
        );
        assert.match(containment.match.output_fields[0], /k8s\.ns\.name!=falco/);
    });

    it("drops evidence actions (not half-configured outputs) without an evidence bucket", async () => {
        const run = await deploy({ environment: "dev" });
        const text = releaseOf(run, "falco-talon").inputs.values.config.rulesOverride as string;
        const rules = parseYaml(text) as Entry[];
        assert.ok(!text.includes("gcp:gcs"));
        assert.ok(rules.every((e) => !["kubernetes:log", "kubernetes:download"].includes(e.actionner)));
        const containment = rules.find((e) => e.rule === "Contain critical runtime threats");
        assert.deepEqual(
            containment?.actions.map((a: Entry) => a.action),
            ["Label pod as quarantined", "Isolate pod network"],
        );
        assert.ok(!rules.some((e) => e.rule === "Evidence of container drift"), "a rule with only evidence actions is dropped");
    });

    it("installs Falco and Talon only after the resources the component depends on", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                const gate = new k8s.core.v1.ConfigMap("gate", { data: {} }, { provider });
                new Falco("falco", { provider, environment: "dev", alerting: { minimumPriority: "warning" } }, { dependsOn: [gate] });
            },
        });
        const gate = findResource(run, "kubernetes:core/v1:ConfigMap", "gate").urn;
        for (const chart of ["falco", "falco-talon"]) assert.ok(releaseOf(run, chart).dependencies.includes(gate), chart);
    });

    it("declares the falco namespace's exemptions with existing catalogue rule ids and a privileged level", () => {
        const entries = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === PLATFORM_NAMESPACES.falco);
        assert.equal(entries.length, 1);
        for (const id of entries[0].rules) assert.equal(ruleById(id).id, id);
        assert.ok(entries[0].reason.length > 40);
        assert.equal(podSecurityLevelFor(PLATFORM_NAMESPACES.falco), "privileged");
        // least-privileged mode: no privileged container and no host namespaces to exempt
        assert.ok(!entries[0].rules.includes("pss-baseline-privileged"));
        assert.ok(!entries[0].rules.includes("pss-baseline-host-namespaces"));
    });
});

describe("Falco rule files", () => {
    const syscallFiles = [RUNTIME_RULES_FILE, PROD_RULES_FILE];
    const ruleFiles = [...syscallFiles, K8S_AUDIT_RULES_FILE];
    const all: Entry[] = ruleFiles.flatMap((f) => parseRules(f).map((e): Entry => ({ ...e, file: f })));
    const rules = all.filter((e) => e.rule !== undefined);
    const defined = new Set([
        ...all.filter((e) => e.macro !== undefined).map((e) => e.macro),
        ...all.filter((e) => e.list !== undefined).map((e) => e.list),
    ]);

    it("parse as YAML lists of rule, macro and list entries", () => {
        for (const f of ruleFiles) {
            const entries = parseRules(f);
            assert.ok(Array.isArray(entries) && entries.length > 0, f);
            for (const e of entries)
                assert.ok(
                    e.rule !== undefined || e.macro !== undefined || e.list !== undefined,
                    `${f}: unknown entry ${JSON.stringify(e)}`,
                );
        }
    });

    it("give every rule desc, condition, output, a valid priority and tags", () => {
        for (const r of rules) {
            for (const field of ["rule", "desc", "condition", "output", "priority", "tags"])
                assert.ok(r[field], `${r.rule}: missing ${field}`);
            assert.ok(DEFAULTS.priorities.includes(String(r.priority).toUpperCase()), `${r.rule}: priority ${r.priority}`);
            assert.ok(Array.isArray(r.tags) && r.tags.includes("secure_gitops"), `${r.rule}: tags`);
            assert.match(r.rule, /^SG /, "prefixed so they never collide with (and silently replace) default rules");
        }
        assert.equal(new Set(rules.map((r) => r.rule)).size, rules.length, "rule names are unique");
    });

    it("mark the Kubernetes audit rules with source k8s_audit and only those", () => {
        for (const r of rules) assert.equal(r.source, r.file === K8S_AUDIT_RULES_FILE ? "k8s_audit" : undefined, r.rule);
        for (const r of rules.filter((x) => x.source === "k8s_audit"))
            assert.ok(!/\b(proc|fd|container|evt)\./.test(r.condition), `${r.rule} uses syscall fields`);
    });

    it("reference only macros and lists defined in our files or in the default ruleset", () => {
        const operators = new Set(DEFAULTS.operators);
        const conditions = [
            ...rules.map((r) => [r.rule, r.condition]),
            ...all.filter((e) => e.macro !== undefined).map((m) => [m.macro, m.condition]),
        ];
        for (const [name, condition] of conditions as [string, string][]) {
            const bare = condition
                .replace(/"[^"]*"|'[^']*'/g, " ") // quoted values
                .replace(/(!=|<=|>=|=|<|>)\s*[^\s()]+/g, " ") // comparison values
                .replace(/\b[a-z_]+\.[\w.]+(\[[^\]]*\])?/g, " ") // fields (proc.name, ka.user.name, proc.aname[2])
                .replace(/\b\d+\b/g, " ");
            for (const token of bare.match(/[A-Za-z_][\w-]*/g) ?? []) {
                if (operators.has(token)) continue;
                assert.ok(
                    defined.has(token) || DEFAULTS.macros.includes(token),
                    `${name}: "${token}" is neither defined in falco-rules/ nor a default macro`,
                );
            }
        }
    });

    it("put k8s.ns.name and k8s.pod.name in every syscall rule's output (Talon's actionners need both)", () => {
        for (const r of rules.filter((x) => x.source === undefined)) {
            assert.match(r.output, /%k8s\.ns\.name/, r.rule);
            assert.match(r.output, /%k8s\.pod\.name/, r.rule);
        }
    });

    it("cover the required detections", () => {
        const conditions = [
            ...rules.map((r) => r.condition as string),
            ...all.filter((e) => e.macro !== undefined).map((m) => m.condition as string),
        ].join("\n");
        assert.match(conditions, /proc\.is_exe_upper_layer=true/, "container drift");
        const lists = Object.fromEntries(all.filter((e) => e.list !== undefined).map((l) => [l.list, (l.items as string[]).map(String)]));
        for (const pm of ["apt", "apk", "yum", "dnf", "pip", "npm"]) assert.ok(lists.sg_package_manager_binaries.includes(pm), pm);
        for (const tool of ["nc", "ncat", "nmap", "socat", "tcpdump"]) assert.ok(lists.sg_network_tool_binaries.includes(tool), tool);
        for (const file of ["/etc/shadow", "/etc/sudoers"]) assert.ok(lists.sg_sensitive_files.includes(file), file);
        assert.match(conditions, /\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/);
        assert.match(conditions, /ka\.target\.resource=secrets/);
        assert.match(conditions, /ka\.req\.binding\.role=cluster-admin/);
        assert.ok(lists.sg_anonymous_identities.includes('"system:anonymous"'));
        assert.match(conditions, /container\.privileged=true/);
    });

    it("match Talon rules only to Falco rules that exist in our files", () => {
        const names = new Set(rules.map((r) => r.rule));
        const talon = parseRules(TALON_RULES_FILE);
        const actionNames = new Set(talon.filter((e) => e.action !== undefined).map((a) => a.action));
        for (const r of talon.filter((e) => e.rule !== undefined)) {
            for (const falcoRule of r.match.rules ?? [])
                assert.ok(names.has(falcoRule), `${r.rule} matches unknown Falco rule ${falcoRule}`);
            for (const a of r.actions) assert.ok(actionNames.has(a.action), `${r.rule} uses undefined action ${a.action}`);
        }
    });
});

describe("Kubernetes audit rules on GKE (k8saudit-gke)", () => {
    interface FieldsFixture {
        extractedFields: string[];
        notFilledOnGke: Record<string, string>;
        brokenUpstream: string[];
        jsonPluginFields: string[];
    }
    interface EventsFixture {
        gkeSystemIdentities: string[];
        platformIdentities: string[];
        otherIdentities: string[];
        events: { name: string; fields: AuditFields; fires: string[] }[];
    }
    const FIELDS = fixture("k8saudit-gke-fields.yaml") as FieldsFixture;
    const EVENTS = fixture("k8s-audit-gke-events.yaml") as EventsFixture;
    const entries = parseRules(K8S_AUDIT_RULES_FILE);
    const rules = entries.filter((e) => e.rule !== undefined);
    const macros: Record<string, string> = Object.fromEntries(
        entries.filter((e) => e.macro !== undefined).map((m) => [m.macro, m.condition]),
    );
    const lists: Record<string, unknown[]> = Object.fromEntries(entries.filter((e) => e.list !== undefined).map((l) => [l.list, l.items]));
    const evaluator = new ConditionEvaluator({ macros, lists, fields: new Set(FIELDS.extractedFields) });
    const ruleNamed = (name: string): Entry => {
        const rule = rules.find((r) => r.rule === name);
        assert.ok(rule, `rule ${name} exists`);
        return rule;
    };
    const user = (name: string): AuditFields => ({ "ka.user.name": name });
    // Every field in a condition (after dropping quoted values) or an output (%field).
    const conditionFields = (condition: string): string[] =>
        condition.replace(/"[^"]*"|'[^']*'/g, " ").match(/\b[a-z]+\.[a-z_.]+[a-z_]/g) ?? [];
    const outputFields = (output: string): string[] => (output.match(/%([a-z]+\.[\w.]+)/g) ?? []).map((f) => f.slice(1));

    it("are all k8s_audit rules with a priority, tags and a condition the evaluator parses", () => {
        assert.deepEqual(
            rules.map((r) => r.rule),
            [
                "SG Secret Access By Non-System User",
                "SG Cluster-Admin Binding Created",
                "SG Cluster-Admin Privileges Used",
                "SG Anonymous API Request Allowed",
            ],
        );
        for (const r of rules) {
            assert.equal(r.source, "k8s_audit", r.rule);
            assert.ok(DEFAULTS.priorities.includes(String(r.priority).toUpperCase()), `${r.rule}: priority`);
            assert.ok(
                Array.isArray(r.tags) && r.tags.includes("k8s_audit") && r.tags.some((t: string) => /^TA\d{4}$/.test(t)),
                `${r.rule}: tags`,
            );
            assert.doesNotThrow(() => evaluator.compile(r.condition), r.rule);
        }
        for (const [name, condition] of Object.entries(macros)) assert.doesNotThrow(() => evaluator.compile(condition), name);
    });

    it("reference only macros and lists of k8s-audit.yaml itself: no k8saudit rules file is installed", async () => {
        // The evaluator throws on a macro it does not know; the syscall files' and default ruleset's macros are
        // not offered to it, and a list reference must resolve inside this file too.
        for (const r of rules) {
            for (const match of r.condition.replace(/"[^"]*"|'[^']*'/g, " ").matchAll(/\bin \(([^)]*)\)/g)) {
                for (const item of match[1].split(",").map((s: string) => s.trim())) {
                    if (item.startsWith("sg_"))
                        assert.ok(item in lists, `${r.rule}: list ${item} is not defined in ${K8S_AUDIT_RULES_FILE}`);
                }
            }
        }
        const v = releaseOf(await deploy({ environment: "prod", audit: true }), "falco").inputs.values;
        assert.ok(
            !v.falcoctl.config.artifact.install.refs.some((r: string) => r.includes("k8saudit-rules")),
            "the plugin's rules are not installed",
        );
        assert.deepEqual(
            Object.keys(v.customRules).filter((f) => f === K8S_AUDIT_RULES_FILE),
            [K8S_AUDIT_RULES_FILE],
        );
    });

    it("use only fields k8saudit-gke extracts, never in conditions the ones GKE events leave empty", () => {
        const notFilled = Object.keys(FIELDS.notFilledOnGke);
        for (const e of entries.filter((x) => x.rule !== undefined || x.macro !== undefined)) {
            const name = e.rule ?? e.macro;
            for (const field of conditionFields(e.condition)) {
                assert.ok(FIELDS.extractedFields.includes(field), `${name}: ${field} is not a k8saudit field`);
                assert.ok(!notFilled.includes(field), `${name}: ${field} is never set on GKE (${FIELDS.notFilledOnGke[field]})`);
            }
        }
        for (const r of rules) {
            for (const field of outputFields(r.output)) {
                assert.ok(
                    FIELDS.extractedFields.includes(field) || FIELDS.jsonPluginFields.includes(field),
                    `${r.rule}: output field ${field}`,
                );
                assert.ok(!FIELDS.brokenUpstream.includes(field), `${r.rule}: ${field} does not extract what its name says`);
            }
            assert.match(r.output, /%ka\.user\.name\b/, `${r.rule}: who`);
            assert.match(r.output, /%jevt\.value\[\/sourceIPs\/0\]/, `${r.rule}: from where`);
        }
    });

    it("base the cluster-admin rules on fields GKE fills: the binding's roleRef, its name, and the authorizer's reason", () => {
        const binding = ruleNamed("SG Cluster-Admin Binding Created").condition as string;
        assert.match(binding, /ka\.req\.binding\.role=cluster-admin/);
        assert.match(binding, /ka\.target\.resource in \(sg_binding_resources\)/);
        assert.match(binding, /ka\.target\.name in \(sg_cluster_admin_bindings\)/);
        assert.deepEqual(lists.sg_binding_resources, ["clusterrolebindings", "rolebindings"]);
        assert.deepEqual(lists.sg_binding_write_verbs, ["create", "update", "patch"]);
        const used = ruleNamed("SG Cluster-Admin Privileges Used").condition as string;
        assert.match(used, /ka\.auth\.reason contains 'of ClusterRole "cluster-admin"'/);
    });

    it("exempt GKE's own identities (robot, control plane, nodes, kube-system and gke-* service accounts) from both detections", () => {
        for (const name of EVENTS.gkeSystemIdentities) {
            assert.equal(evaluator.evaluate("sg_gke_system_user", user(name)), true, `${name} is GKE`);
            assert.equal(evaluator.evaluate("sg_system_user", user(name)), true, `${name} may read secrets`);
        }
        for (const name of EVENTS.platformIdentities) {
            assert.equal(evaluator.evaluate("sg_system_user", user(name)), true, `${name} may read secrets`);
            assert.equal(evaluator.evaluate("sg_gke_system_user", user(name)), false, `${name} may not grant cluster-admin unseen`);
        }
        for (const name of EVENTS.otherIdentities)
            assert.equal(evaluator.evaluate("sg_system_user", user(name)), false, `${name} is not exempt`);
        for (const rule of ["SG Cluster-Admin Binding Created", "SG Cluster-Admin Privileges Used"]) {
            assert.match(ruleNamed(rule).condition, /not sg_gke_system_user/, rule);
        }
        assert.match(ruleNamed("SG Secret Access By Non-System User").condition, /not sg_system_user/);
    });

    it("exempt exactly the platform's namespaces that read Secrets, by their real names", () => {
        const namespaces = [...macros.sg_platform_controller.matchAll(/"system:serviceaccount:([^:"]+):"/g)].map((m) => m[1]);
        const platform: string[] = Object.values(PLATFORM_NAMESPACES);
        for (const ns of namespaces) assert.ok(platform.includes(ns), `${ns} is not a platform namespace`);
        assert.ok(!namespaces.includes(PLATFORM_NAMESPACES.logging), "Fluentd reads no Secrets");
    });

    it("fire exactly the expected rules on GKE-shaped audit events", () => {
        for (const event of EVENTS.events) {
            const fired = rules.filter((r) => evaluator.evaluate(r.condition, event.fields)).map((r) => r.rule);
            assert.deepEqual(fired, event.fires, event.name);
        }
        // Every rule is exercised both ways.
        for (const r of rules) {
            assert.ok(
                EVENTS.events.some((e) => e.fires.includes(r.rule)),
                `${r.rule} fires on some event`,
            );
            assert.ok(EVENTS.events.filter((e) => !e.fires.includes(r.rule)).length >= 3, `${r.rule} stays quiet on others`);
        }
    });
});
