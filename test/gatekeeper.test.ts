// The Gatekeeper component under Pulumi mocks: pinned official chart, hardened values per environment, one
// template and one constraint per Kubernetes rule with the right enforcement, exemptions and ordering, and
// the alert rules.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { KUBERNETES_RULES } from "../policy-pack/catalogue";
import { toGatekeeperAction } from "../policy-pack/catalogue/enforcement";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import {
    Gatekeeper,
    gatekeeperAlertRules,
    GATEKEEPER_CHART,
    GatekeeperArgs,
    gatekeeperValues,
    TEMPLATE_WAIT_FOR,
} from "../components/gatekeeper";
import { exemptNamespacesFor } from "../platform/exemptions";
import { enforcementFor } from "../platform/policy-settings";
import { EnvironmentName } from "../stacks/types";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

const FIXTURES = path.join(__dirname, "fixtures", "gatekeeper");
/** CustomResources are registered with the type token `kubernetes:<apiVersion>:<kind>`. */
const isCustomResource = (r: RecordedResource) =>
    /^kubernetes:[a-z0-9.-]+\.[a-z]+\/v[0-9a-z]+:/.test(r.type) && !r.type.startsWith("kubernetes:helm.sh");
const API_SERVER = ["172.16.0.0/28"];
const CHART_KEYS = readChartKeys(path.join(FIXTURES, "chart-keys.yaml"));

function loadFixture(file: string): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as Record<string, unknown>;
}

/** Asserts every key of `expected` is present with the same value in `actual` (deep subset). */
function assertSubset(actual: unknown, expected: unknown, where: string): void {
    if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
        assert.ok(actual !== null && typeof actual === "object", `${where}: expected an object, got ${JSON.stringify(actual)}`);
        for (const [k, v] of Object.entries(expected as Record<string, unknown>))
            assertSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    } else assert.deepEqual(actual, expected, where);
}

async function deploy(environment: EnvironmentName, extra: Partial<GatekeeperArgs> = {}): Promise<ProgramRun> {
    return runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            new Gatekeeper("gatekeeper", {
                provider,
                environment,
                enforcement: environment === "dev" ? "advisory" : "mandatory",
                webhookFailurePolicy: environment === "dev" ? "Ignore" : "Fail",
                allowedRegistries: ["europe-docker.pkg.dev/acme/"],
                publicServiceNamespaces: ["ingress"],
                apiServerCidrs: API_SERVER,
                ...extra,
            });
        },
    });
}

const customResources = (run: ProgramRun) => run.resources.filter(isCustomResource);
const templatesOf = (run: ProgramRun) => ofType(run, "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate");
const constraintsOf = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("kubernetes:constraints.gatekeeper.sh/v1beta1:"));
const byKind = (run: ProgramRun, kind: string): RecordedResource => {
    const found = customResources(run).filter((r) => r.inputs.kind === kind);
    assert.equal(found.length, 1, `expected one ${kind}`);
    return found[0];
};

describe("Gatekeeper component", () => {
    let prod: ProgramRun;
    let dev: ProgramRun;
    before(async () => {
        prod = await deploy("prod");
        dev = await deploy("dev");
    });

    it("installs the official chart at a pinned version into gatekeeper-system", () => {
        const release = findResource(prod, "kubernetes:helm.sh/v3:Release");
        assert.equal(release.inputs.chart, "gatekeeper");
        assert.equal(release.inputs.version, "3.23.0");
        assert.equal(release.inputs.repositoryOpts.repo, "https://open-policy-agent.github.io/gatekeeper/charts");
        assert.equal(release.inputs.namespace, "gatekeeper-system");
        assert.equal(release.inputs.createNamespace, false);
        assert.equal(release.inputs.atomic, true);
        const gatekeeper = findResource(prod, "secure-gitops:policy:Gatekeeper");
        assert.equal(release.parent, gatekeeper.urn);
        assert.ok(release.provider?.includes("pulumi:providers:kubernetes::k8s"), `release provider: ${release.provider}`);
        const ns = findResource(prod, "kubernetes:core/v1:Namespace");
        assert.equal(ns.inputs.metadata.name, "gatekeeper-system");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(ns.inputs.metadata.labels["admission.gatekeeper.sh/ignore"], "no-self-managing");
        // Depending on the SecureNamespace component means depending on all its children.
        for (const child of [ns, ...ofType(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy")]) {
            assert.ok(release.dependencies.includes(child.urn), `the chart waits for the namespace baseline (${child.name})`);
        }
    });

    it("hardens the chart values per environment", () => {
        assertSubset(findResource(prod, "kubernetes:helm.sh/v3:Release").inputs.values, loadFixture("values-prod.yaml"), "prod values");
        assertSubset(findResource(dev, "kubernetes:helm.sh/v3:Release").inputs.values, loadFixture("values-dev.yaml"), "dev values");
    });

    it("sets only value paths verified against the pinned chart's values.yaml and templates", () => {
        const runs = [
            findResource(dev, "kubernetes:helm.sh/v3:Release").inputs.values,
            findResource(prod, "kubernetes:helm.sh/v3:Release").inputs.values,
            gatekeeperValues({ environment: "staging", webhookFailurePolicy: "Fail", replicas: 3 }),
        ];
        assert.deepEqual(chartKeyProblems(CHART_KEYS, GATEKEEPER_CHART, runs), []);
    });

    it("lets gatekeeper-system talk only to the API server, and be called by it and scraped by monitoring", () => {
        const policies = ofType(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const named = (n: string) => {
            const p = policies.find((x) => x.inputs.metadata.name === n);
            assert.ok(p, `missing NetworkPolicy ${n}; have ${policies.map((x) => x.inputs.metadata.name).join(", ")}`);
            return p.inputs.spec;
        };
        const webhook = named("allow-webhook-ingress");
        assert.deepEqual(webhook.ingress, [{ from: [{ ipBlock: { cidr: API_SERVER[0] } }], ports: [{ port: 8443, protocol: "TCP" }] }]);
        assert.deepEqual(webhook.podSelector.matchLabels, { "gatekeeper.sh/operation": "webhook" });
        assert.deepEqual(named("allow-apiserver-egress").egress, [
            { to: [{ ipBlock: { cidr: API_SERVER[0] } }], ports: [{ port: 443, protocol: "TCP" }] },
        ]);
        assert.deepEqual(named("allow-metrics-ingress").ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ]);
        assert.ok(named("default-deny-all"));
    });

    it("refuses a fail-open webhook in prod", async () => {
        await assert.rejects(deploy("prod", { webhookFailurePolicy: "Ignore" }), /must be Fail in prod/);
    });

    it("renders one ConstraintTemplate and one Constraint per Kubernetes rule", () => {
        assert.ok(KUBERNETES_RULES.length > 0, "catalogue has no Kubernetes rules");
        const templates = templatesOf(prod);
        const constraints = constraintsOf(prod);
        assert.equal(templates.length, KUBERNETES_RULES.length);
        assert.equal(constraints.length, KUBERNETES_RULES.length);
        for (const rule of KUBERNETES_RULES) {
            const template = templates.find((t) => t.inputs.metadata.name === rule.gatekeeperKind.toLowerCase());
            assert.ok(template, `${rule.id}: no template`);
            assert.equal(template.inputs.apiVersion, "templates.gatekeeper.sh/v1");
            assert.equal(template.inputs.spec.crd.spec.names.kind, rule.gatekeeperKind);
            const target = template.inputs.spec.targets[0];
            assert.equal(target.target, "admission.k8s.gatekeeper.sh");
            assert.equal(target.rego, undefined, `${rule.id}: no Rego`);
            assert.equal(target.code[0].engine, "K8sNativeValidation");
            assert.deepEqual(target.code[0].source.validations, rule.cel.validations);
            assert.deepEqual(target.code[0].source.variables, rule.cel.variables ?? []);
            const schema = template.inputs.spec.crd.spec.validation.openAPIV3Schema;
            assert.equal(schema.properties.exemptImages.type, "array");
            // exemptNamespaces and podTemplateKinds go to the constraint's match, not its parameters.
            const matchParams = ["exemptNamespaces", "podTemplateKinds"];
            for (const param of Object.keys(rule.paramsSchema).filter((p) => !matchParams.includes(p)))
                assert.ok(schema.properties[param], `${rule.id}: schema lacks ${param}`);
            for (const param of matchParams) assert.equal(schema.properties[param], undefined, `${rule.id}: ${param} belongs in match`);
            assert.equal(template.inputs.metadata.annotations["secure-gitops.io/rule-id"], rule.id);
            assert.equal(template.inputs.metadata.annotations["secure-gitops.io/severity"], rule.severity);
            assert.ok(template.inputs.metadata.annotations["secure-gitops.io/frameworks"].includes(rule.frameworks[0].control));

            const constraint = byKind(prod, rule.gatekeeperKind);
            assert.equal(constraint.inputs.apiVersion, "constraints.gatekeeper.sh/v1beta1");
            assert.equal(constraint.inputs.metadata.name, rule.id);
            const podTemplateKinds = "podTemplateKinds" in rule.defaultParams ? [{ apiGroups: ["argoproj.io"], kinds: ["Rollout"] }] : [];
            assert.deepEqual(constraint.inputs.spec.match.kinds, [...rule.match, ...podTemplateKinds]);
            assert.equal(constraint.inputs.spec.parameters.podTemplateKinds, undefined, `${rule.id}: podTemplateKinds belong in match`);
            assert.equal(constraint.inputs.spec.parameters.exemptNamespaces, undefined, `${rule.id}: exemptNamespaces belong in match`);
            for (const ns of exemptNamespacesFor(rule.id))
                assert.ok(constraint.inputs.spec.match.excludedNamespaces.includes(ns), `${rule.id}: ${ns} not excluded`);
        }
    });

    it("carries the stack's parameter overrides into the constraints", () => {
        const registries = constraintsOf(prod).find((c) => c.inputs.metadata.name === "images-allowed-registries");
        const lb = constraintsOf(prod).find((c) => c.inputs.metadata.name === "services-no-public-loadbalancer");
        if (registries) assert.deepEqual(registries.inputs.spec.parameters.allowedRegistries, ["europe-docker.pkg.dev/acme/"]);
        if (lb) assert.deepEqual(lb.inputs.spec.parameters.allowedNamespaces, ["ingress"]);
        assert.ok(registries ?? lb, "neither parameterised rule is in the catalogue yet");
    });

    it("excludes gatekeeper-system from the token rule, with the reason on the constraint", () => {
        const token = constraintsOf(prod).find((c) => c.inputs.metadata.name === "pods-no-automount-service-account-token");
        assert.ok(token, "pods-no-automount-service-account-token not in the catalogue yet");
        assert.ok(token.inputs.spec.match.excludedNamespaces.includes("gatekeeper-system"));
        const reasons = JSON.parse(token.inputs.metadata.annotations["secure-gitops.io/exemptions"]) as Record<string, string>;
        assert.match(reasons["gatekeeper-system"], /Kubernetes API/);
        assert.match(reasons["kube-system"], /GKE/);
    });

    it("maps the stack enforcement and each rule's default to enforcementAction", () => {
        for (const [run, level] of [
            [prod, "mandatory"],
            [dev, "advisory"],
        ] as const) {
            for (const rule of KUBERNETES_RULES) {
                const expected = toGatekeeperAction(enforcementFor(rule, level));
                assert.equal(byKind(run, rule.gatekeeperKind).inputs.spec.enforcementAction, expected, `${rule.id} in ${level}`);
            }
        }
        // The mapping itself, spelled out so a change to it is noticed here too.
        const mandatoryRule = KUBERNETES_RULES.find((r) => r.defaultEnforcement === "mandatory");
        assert.ok(mandatoryRule, "no mandatory rule in the catalogue");
        assert.equal(byKind(prod, mandatoryRule.gatekeeperKind).inputs.spec.enforcementAction, "deny");
        assert.equal(byKind(dev, mandatoryRule.gatekeeperKind).inputs.spec.enforcementAction, "warn");
    });

    it("orders release -> templates (awaited until created) -> constraints", () => {
        const release = findResource(prod, "kubernetes:helm.sh/v3:Release");
        for (const rule of KUBERNETES_RULES) {
            const template = templatesOf(prod).find((t) => t.inputs.metadata.name === rule.gatekeeperKind.toLowerCase());
            assert.ok(template);
            assert.ok(template.dependencies.includes(release.urn), `${rule.id}: template does not depend on the release`);
            assert.equal(template.inputs.metadata.annotations["pulumi.com/waitFor"], TEMPLATE_WAIT_FOR);
            assert.equal(TEMPLATE_WAIT_FOR, "jsonpath={.status.created}=true");
            const constraint = byKind(prod, rule.gatekeeperKind);
            assert.ok(constraint.dependencies.includes(template.urn), `${rule.id}: constraint does not depend on its template`);
            assert.ok(constraint.provider?.includes("pulumi:providers:kubernetes::k8s"));
        }
    });

    it("alerts on denied violations and a stale audit", () => {
        const rule = byKind(prod, "PrometheusRule");
        assert.equal(rule.inputs.apiVersion, "monitoring.coreos.com/v1");
        assert.equal(rule.inputs.metadata.namespace, "gatekeeper-system");
        const alerts = rule.inputs.spec.groups[0].rules as {
            alert: string;
            expr: string;
            for: string;
            labels: Record<string, string>;
            annotations: Record<string, string>;
        }[];
        const deny = alerts.find((a) => a.alert === "GatekeeperDenyViolations");
        assert.ok(deny);
        assert.match(deny.expr, /gatekeeper_violations\{enforcement_action="deny"\}\) > 0$/);
        assert.equal(deny.for, "10m");
        assert.equal(deny.labels.severity, "critical");
        assert.ok(deny.annotations.runbook_url);
        const stale = alerts.find((a) => a.alert === "GatekeeperAuditStale");
        assert.ok(stale);
        assert.equal(stale.expr, "time() - max(gatekeeper_audit_last_run_time) > 300");
        assert.equal(stale.labels.severity, "warning");
        assert.ok(alerts.find((a) => a.alert === "GatekeeperAuditMissing")?.expr.includes("absent(gatekeeper_audit_last_run_time)"));
        const devDeny = (
            byKind(dev, "PrometheusRule").inputs.spec.groups[0].rules as { alert: string; labels: Record<string, string> }[]
        ).find((a) => a.alert === "GatekeeperDenyViolations");
        assert.equal(devDeny?.labels.severity, "warning");
        const monitor = byKind(prod, "PodMonitor");
        assert.deepEqual(monitor.inputs.spec.podMetricsEndpoints, [{ port: "metrics", interval: "30s" }]);
    });

    it("skips the Prometheus Operator objects when alerting is off", async () => {
        const run = await deploy("staging", { alerting: { enabled: false } });
        assert.equal(customResources(run).filter((r) => r.inputs.kind === "PrometheusRule" || r.inputs.kind === "PodMonitor").length, 0);
        assert.ok(templatesOf(run).length > 0);
        assert.equal(findResource(run, "kubernetes:helm.sh/v3:Release").inputs.values.replicas, 3);
    });

    it("links every alert to a section of the shipped runbook", () => {
        const runbook = "docs/runbooks/gatekeeper.md";
        const text = fs.readFileSync(path.join(__dirname, "..", runbook), "utf8");
        // GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
        const anchors = new Set(
            [...text.matchAll(/^#+ (.+)$/gm)].map((m) =>
                m[1]
                    .trim()
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-"),
            ),
        );
        const rules = gatekeeperAlertRules("prod", runbook);
        assert.equal(rules.length, 3, "three alerts");
        for (const rule of rules) {
            const url = (rule.annotations as { runbook_url: string }).runbook_url;
            const [file, anchor] = url.split("#");
            assert.equal(file, runbook, `${String(rule.alert)} points at the runbook`);
            assert.ok(anchors.has(anchor), `${String(rule.alert)}: no section #${anchor} in ${runbook}`);
        }
    });

    describe("app namespaces at their own migration step (appPolicyEnforcement)", () => {
        const APP_NAMESPACES = ["missing-table"];
        let staging: ProgramRun;
        before(async () => {
            // staging-shaped: the platform denies, the app namespace only warns.
            staging = await deploy("staging", { enforcement: "mandatory", app: { namespaces: APP_NAMESPACES, enforcement: "advisory" } });
        });

        it("splits each rule whose action differs: platform constraint excludes the app namespaces, an app constraint matches only them", () => {
            const split = KUBERNETES_RULES.filter(
                (r) => toGatekeeperAction(enforcementFor(r, "mandatory")) !== toGatekeeperAction(enforcementFor(r, "advisory")),
            );
            assert.ok(split.length > 0, "some rule denies in mandatory and warns in advisory");
            const constraints = constraintsOf(staging);
            assert.equal(constraints.length, KUBERNETES_RULES.length + split.length);
            for (const rule of split) {
                const ofRule = constraints.filter((c) => c.inputs.kind === rule.gatekeeperKind);
                const platform = ofRule.find((c) => c.inputs.metadata.name === rule.id);
                const app = ofRule.find((c) => c.inputs.metadata.name === `${rule.id}-app`);
                assert.ok(platform && app, `${rule.id}: two constraints`);
                assert.equal(platform.inputs.spec.enforcementAction, "deny");
                assert.ok(
                    platform.inputs.spec.match.excludedNamespaces.includes("missing-table"),
                    `${rule.id}: platform constraint leaves the app namespace to the app constraint`,
                );
                assert.equal(platform.inputs.spec.match.namespaces, undefined);
                assert.equal(app.inputs.spec.enforcementAction, "warn");
                assert.deepEqual(app.inputs.spec.match.namespaces, APP_NAMESPACES);
                assert.deepEqual(app.inputs.spec.match.excludedNamespaces, []);
                assert.deepEqual(app.inputs.spec.parameters, platform.inputs.spec.parameters, `${rule.id}: same parameters at both levels`);
                assert.ok(
                    JSON.parse(platform.inputs.metadata.annotations["secure-gitops.io/exemptions"])["missing-table"],
                    "the platform constraint says why the app namespace is excluded",
                );
            }
        });

        it("keeps one constraint per rule when the app runs at the platform's level (prod)", async () => {
            const prodWithApp = await deploy("prod", { app: { namespaces: APP_NAMESPACES, enforcement: "mandatory" } });
            const constraints = constraintsOf(prodWithApp);
            assert.equal(constraints.length, KUBERNETES_RULES.length);
            assert.ok(constraints.every((c) => !c.inputs.spec.match.excludedNamespaces.includes("missing-table")));
        });
    });
});
