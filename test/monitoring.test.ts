// The Monitoring component under Pulumi mocks: pinned official charts (CRDs and kube-prometheus-stack),
// hardened values per environment, the namespace baseline with its allowances, the token exemption, and the
// wiring with Gatekeeper and Grafana (no construction cycle, one monitoring namespace).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { NAMESPACE_EXEMPTIONS, PLATFORM_NAMESPACES, podSecurityLevelFor } from "../platform/exemptions";
import { Gatekeeper, METRICS_PORT } from "../components/gatekeeper";
import { Grafana, prometheusEgress } from "../components/grafana";
import {
    KUBE_PROMETHEUS_STACK_CHART,
    Monitoring,
    MonitoringArgs,
    OPERATOR_WEBHOOK_PORT,
    PLATFORM_SCRAPE_TARGETS,
    PROMETHEUS_URL,
    PROMETHEUS_OPERATOR_CRDS_CHART,
    PrometheusOperatorCrds,
} from "../components/monitoring";
import { KUBERNETES_RULES, ruleById } from "../policy-pack/catalogue";
import { EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const API_SERVER = ["172.16.0.0/28"];

const expectedSizing = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "monitoring", "stacks.yaml"), "utf8")) as Record<
    EnvironmentName,
    { replicas: number; retention: string; volume: string | null; memoryLimit: string }
>;

async function deploy(environment: EnvironmentName, extra: Partial<MonitoringArgs> = {}): Promise<ProgramRun> {
    return runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            const gate = new k8s.core.v1.ConfigMap("admission-gate", { data: {} }, { provider });
            new Monitoring("monitoring", { provider, environment, apiServerCidrs: API_SERVER, dependsOn: [gate], ...extra });
        },
    });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form Helm values
const valuesOf = (run: ProgramRun): any => findResource(run, RELEASE, "monitoring-release").inputs.values;
const policies = (run: ProgramRun) => ofType(run, NETWORK_POLICY).map((p) => p.inputs);
const policyNamed = (run: ProgramRun, name: string) => {
    const found = policies(run).find((p) => p.metadata.name === name);
    assert.ok(
        found,
        `NetworkPolicy ${name} exists (have: ${policies(run)
            .map((p) => p.metadata.name)
            .join(", ")})`,
    );
    return found;
};

const CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "monitoring", "kube-prometheus-stack-chart-keys.yaml"));
const CRDS_CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "monitoring", "prometheus-operator-crds-chart-keys.yaml"));

/** The restricted-profile rules of the catalogue plus read-only root and resources. */
const RESTRICTED_RULES = KUBERNETES_RULES.filter(
    (r) => r.id.startsWith("pss-") || r.id === "containers-read-only-root-filesystem" || r.id === "resources-requests-limits",
);

function violations(pod: Record<string, unknown>): string[] {
    return RESTRICTED_RULES.flatMap((rule) => rule.check(pod as never, rule.defaultParams).map((f) => `${rule.id}: ${f.message}`));
}

function pod(
    name: string,
    podSecurityContext: unknown,
    containers: { name: string; securityContext: unknown; resources: unknown }[],
): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            namespace: PLATFORM_NAMESPACES.monitoring,
            labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "monitoring" },
        },
        spec: { securityContext: podSecurityContext, containers: containers.map((c) => ({ image: `quay.io/example/${c.name}:v1`, ...c })) },
    };
}

describe("Monitoring component", () => {
    const runs = {} as Record<EnvironmentName, ProgramRun>;

    before(async () => {
        for (const env of ["dev", "staging", "prod"] as const) runs[env] = await deploy(env);
    });

    it("installs the pinned kube-prometheus-stack chart into the monitoring namespace, after the CRDs release", () => {
        const run = runs.prod;
        const release = findResource(run, RELEASE, "monitoring-release");
        assert.equal(release.inputs.chart, "kube-prometheus-stack");
        assert.equal(release.inputs.version, "88.5.3");
        assert.equal(release.inputs.repositoryOpts.repo, "https://prometheus-community.github.io/helm-charts");
        assert.equal(release.inputs.namespace, PLATFORM_NAMESPACES.monitoring);
        assert.equal(release.inputs.createNamespace, false);
        assert.equal(release.inputs.atomic, true);
        assert.equal(release.parent, findResource(run, "secure-gitops:observability:Monitoring", "monitoring").urn);

        const crds = findResource(run, RELEASE, "monitoring-crds");
        assert.equal(crds.inputs.chart, "prometheus-operator-crds");
        assert.equal(crds.inputs.version, "31.0.1");
        assert.equal(crds.inputs.repositoryOpts.repo, "https://prometheus-community.github.io/helm-charts");
        assert.equal(crds.inputs.values.crds.annotations["helm.sh/resource-policy"], "keep", "CRDs survive the release");
        assert.equal(valuesOf(run).crds.enabled, false, "the stack chart installs no CRDs of its own");

        const ns = findResource(run, "kubernetes:core/v1:Namespace");
        assert.equal(ns.inputs.metadata.name, PLATFORM_NAMESPACES.monitoring);
        for (const dep of [ns.urn, crds.urn, findResource(run, "kubernetes:core/v1:ConfigMap", "admission-gate").urn]) {
            assert.ok(release.dependencies.includes(dep), `release waits for ${dep}`);
        }
    });

    it("sets only value paths verified against the pinned charts' values.yaml and templates", () => {
        const all = Object.values(runs);
        assert.deepEqual(chartKeyProblems(CHART_KEYS, KUBE_PROMETHEUS_STACK_CHART, all.map(valuesOf)), []);
        assert.deepEqual(
            chartKeyProblems(
                CRDS_CHART_KEYS,
                PROMETHEUS_OPERATOR_CRDS_CHART,
                all.map((run) => findResource(run, RELEASE, "monitoring-crds").inputs.values),
            ),
            [],
        );
    });

    it("the release also waits for the component's own dependsOn option (Pulumi does not pass it to children)", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                const gate = new k8s.core.v1.ConfigMap("option-gate", { data: {} }, { provider });
                new Monitoring("monitoring", { provider, environment: "dev", apiServerCidrs: API_SERVER }, { dependsOn: [gate] });
            },
        });
        const release = findResource(run, RELEASE, "monitoring-release");
        assert.ok(
            release.dependencies.includes(findResource(run, "kubernetes:core/v1:ConfigMap", "option-gate").urn),
            "release waits for opts.dependsOn",
        );
    });

    it("keeps the bundled Grafana, node-exporter and unreachable control-plane scrapes off; kube-state-metrics and Alertmanager on", () => {
        const v = valuesOf(runs.dev);
        assert.equal(v.grafana.enabled, false);
        assert.equal(v.nodeExporter.enabled, false, "node-exporter would need hostNetwork/hostPID/hostPath (privileged namespace)");
        for (const off of ["kubelet", "kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy", "coreDns", "kubeDns"]) {
            assert.equal(v[off].enabled, false, `${off} scrape off`);
        }
        assert.equal(v.prometheusOperator.kubeletService.enabled, false);
        assert.equal(v.kubeStateMetrics.enabled, true);
        for (const group of ["node", "nodeExporterAlerting", "nodeExporterRecording", "kubePrometheusNodeRecording"]) {
            assert.equal(v.defaultRules.rules[group], false, `${group} rules off with node-exporter`);
        }
        assert.equal(v.alertmanager.enabled, true);
        assert.equal(v.prometheus.ingress.enabled, false);
        assert.equal(v.alertmanager.ingress.enabled, false);
        assert.equal(v.prometheus.service.type, "ClusterIP");
        assert.equal(v.prometheus.prometheusSpec.enableAdminAPI, false);
        assert.equal(v.prometheus.prometheusSpec.enableRemoteWriteReceiver, false);
    });

    it("routes alerts to a null receiver and keeps credentials out of the values", () => {
        for (const run of Object.values(runs)) {
            const config = valuesOf(run).alertmanager.config;
            assert.equal(config.route.receiver, "null");
            assert.deepEqual(config.receivers, [{ name: "null" }]);
            const text = JSON.stringify(valuesOf(run));
            assert.doesNotMatch(text, /(api_url|api_key|routing_key|service_key|webhook_url|slack_api|auth_password|bearer_token)"/i);
        }
    });

    it("selects every PodMonitor, ServiceMonitor and PrometheusRule, not only the chart's own", () => {
        const spec = valuesOf(runs.prod).prometheus.prometheusSpec;
        assert.equal(spec.ruleSelectorNilUsesHelmValues, false);
        assert.equal(spec.podMonitorSelectorNilUsesHelmValues, false);
        assert.equal(spec.serviceMonitorSelectorNilUsesHelmValues, false);
        assert.deepEqual(spec.ruleNamespaceSelector, {});
        assert.deepEqual(spec.podMonitorNamespaceSelector, {});
        assert.deepEqual(spec.serviceMonitorNamespaceSelector, {});
    });

    it("sizes Prometheus per environment: emptyDir in dev, a PVC with a smaller retentionSize in staging and prod", () => {
        for (const env of ["dev", "staging", "prod"] as const) {
            const spec = valuesOf(runs[env]).prometheus.prometheusSpec;
            const expected = expectedSizing[env];
            assert.equal(spec.replicas, expected.replicas, `${env} replicas`);
            assert.equal(spec.retention, expected.retention, `${env} retention`);
            assert.equal(spec.resources.limits.memory, expected.memoryLimit, `${env} memory limit`);
            assert.ok(
                spec.resources.requests.cpu && spec.resources.requests.memory && spec.resources.limits.cpu,
                `${env} requests and limits`,
            );
            if (expected.volume === null) {
                assert.ok(spec.storageSpec.emptyDir, `${env} emptyDir`);
                assert.equal(spec.storageSpec.volumeClaimTemplate, undefined);
            } else {
                assert.equal(spec.storageSpec.emptyDir, undefined);
                assert.equal(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, expected.volume, `${env} PVC size`);
                const gb = Number(/^(\d+)GB$/.exec(spec.retentionSize)?.[1]);
                assert.ok(
                    gb > 0 && gb < Number(expected.volume.replace("Gi", "")),
                    `${env} retentionSize ${spec.retentionSize} below the volume`,
                );
            }
            assert.equal(spec.externalLabels.environment, env);
            assert.equal(valuesOf(runs[env]).prometheus.podDisruptionBudget.enabled, env === "prod");
        }
    });

    it("sets requests and limits on every container the values control", () => {
        const v = valuesOf(runs.staging);
        const all = {
            operator: v.prometheusOperator.resources,
            configReloader: v.prometheusOperator.prometheusConfigReloader.resources,
            certgenJobs: v.prometheusOperator.admissionWebhooks.patch.resources,
            alertmanager: v.alertmanager.alertmanagerSpec.resources,
            kubeStateMetrics: v["kube-state-metrics"].resources,
            prometheus: v.prometheus.prometheusSpec.resources,
        };
        for (const [what, r] of Object.entries(all)) {
            assert.ok(r?.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory, `${what} requests and limits`);
        }
    });

    it("runs the operator, kube-state-metrics and the webhook certificate Jobs as restricted pods our rules accept", () => {
        const v = valuesOf(runs.prod);
        const op = v.prometheusOperator;
        const webhook = op.admissionWebhooks;
        assert.equal(webhook.enabled, true);
        assert.equal(webhook.patch.enabled, true);
        const pods = [
            pod("operator", op.securityContext, [
                { name: "operator", securityContext: op.containerSecurityContext, resources: op.resources },
            ]),
            pod("admission-create", webhook.patch.securityContext, [
                { name: "create", securityContext: webhook.createSecretJob.securityContext, resources: webhook.patch.resources },
            ]),
            pod("admission-patch", webhook.patch.securityContext, [
                { name: "patch", securityContext: webhook.patchWebhookJob.securityContext, resources: webhook.patch.resources },
            ]),
            pod("kube-state-metrics", v["kube-state-metrics"].securityContext, [
                {
                    name: "kube-state-metrics",
                    securityContext: v["kube-state-metrics"].containerSecurityContext,
                    resources: v["kube-state-metrics"].resources,
                },
            ]),
        ];
        for (const p of pods) assert.deepEqual(violations(p), [], `${(p.metadata as { name: string }).name} passes the restricted rules`);
        // The check itself bites: a container without the hardened context is reported.
        assert.ok(violations(pod("broken", {}, [{ name: "x", securityContext: {}, resources: {} }])).length > 0);

        // Prometheus and Alertmanager containers get their context from the operator; the pods run non-root
        // with RuntimeDefault seccomp.
        for (const spec of [v.prometheus.prometheusSpec, v.alertmanager.alertmanagerSpec]) {
            assert.equal(spec.securityContext.runAsNonRoot, true);
            assert.ok(spec.securityContext.runAsUser > 0, "non-root uid");
            assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(spec.podMetadata.labels["app.kubernetes.io/part-of"], "monitoring");
        }
        // Only the pods that call the API get a token.
        assert.equal(v.alertmanager.alertmanagerSpec.automountServiceAccountToken, false);
        assert.equal(v.alertmanager.serviceAccount.automountServiceAccountToken, false);
        assert.equal(v.prometheus.prometheusSpec.automountServiceAccountToken, true);
    });

    it("keeps the namespace restricted and declares the token exemption against an existing rule", () => {
        assert.equal(podSecurityLevelFor(PLATFORM_NAMESPACES.monitoring), "restricted");
        const ns = findResource(runs.dev, "kubernetes:core/v1:Namespace");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const exemptions = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === PLATFORM_NAMESPACES.monitoring);
        assert.equal(exemptions.length, 1);
        assert.deepEqual(exemptions[0].rules, ["pods-no-automount-service-account-token"]);
        for (const id of exemptions[0].rules) assert.equal(ruleById(id).id, id);
        assert.match(exemptions[0].reason, /Prometheus/);
        assert.equal(exemptions[0].podSecurity, undefined);
    });

    it("opens the default-deny namespace only to the API server, the webhook callers and the platform's metrics ports", () => {
        const run = runs.dev;
        const apiserver = policyNamed(run, "allow-apiserver-egress");
        assert.deepEqual(apiserver.spec.egress[0].to, [{ ipBlock: { cidr: API_SERVER[0] } }]);
        assert.deepEqual(
            apiserver.spec.egress[0].ports.map((p: { port: number }) => p.port),
            [443, 6443],
        );

        const webhook = policyNamed(run, "allow-operator-webhook-ingress");
        assert.deepEqual(webhook.spec.podSelector, { matchLabels: { "app.kubernetes.io/component": "prometheus-operator" } });
        assert.deepEqual(webhook.spec.ingress[0].from, [{ ipBlock: { cidr: API_SERVER[0] } }]);
        assert.deepEqual(webhook.spec.ingress[0].ports, [{ port: OPERATOR_WEBHOOK_PORT, protocol: "TCP" }]);
        assert.equal(valuesOf(run).prometheusOperator.tls.internalPort, OPERATOR_WEBHOOK_PORT);

        const expectedTargets: Record<string, number[]> = {
            [PLATFORM_NAMESPACES.gatekeeper]: [METRICS_PORT],
            [PLATFORM_NAMESPACES.falco]: [2801],
            [PLATFORM_NAMESPACES.trivy]: [8080],
        };
        assert.ok(
            !PLATFORM_SCRAPE_TARGETS.some((t) => t.namespace === PLATFORM_NAMESPACES.argocd),
            "no hole towards Argo CD, whose metrics are off",
        );
        for (const [namespace, ports] of Object.entries(expectedTargets)) {
            const scrape = policyNamed(run, `allow-scrape-${namespace}-egress`);
            assert.deepEqual(
                scrape.spec.podSelector,
                { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                "only Prometheus pods scrape",
            );
            assert.deepEqual(scrape.spec.egress[0].to, [
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
            ]);
            assert.deepEqual(
                scrape.spec.egress[0].ports.map((p: { port: number }) => p.port),
                ports,
            );
        }
        const names = policies(run)
            .map((p) => p.metadata.name)
            .sort();
        const expected = [
            "default-deny-all",
            "allow-same-namespace",
            "allow-dns-egress",
            "allow-apiserver-egress",
            "allow-operator-webhook-ingress",
            ...PLATFORM_SCRAPE_TARGETS.map((t) => `allow-scrape-${t.namespace}-egress`),
        ].sort();
        assert.deepEqual(names, expected, "no other hole");
    });

    it("refuses to run without the control plane CIDRs", async () => {
        await assert.rejects(deploy("dev", { apiServerCidrs: [] }), /apiServerCidrs/);
    });

    it("exposes the in-cluster Prometheus URL of the chart's service, reachable from Grafana in the same namespace", () => {
        // Chart: service `<fullname>-prometheus` (fullnameOverride = release name) on prometheus.service.port.
        const v = valuesOf(runs.dev);
        assert.equal(PROMETHEUS_URL, `http://${v.fullnameOverride}-prometheus.monitoring.svc.cluster.local:${v.prometheus.service.port}`);
        assert.deepEqual(prometheusEgress(PROMETHEUS_URL, PLATFORM_NAMESPACES.monitoring), [], "no egress hole for Grafana");
    });

    it("wires with Gatekeeper and Grafana: CRDs first, workload after the constraints, one monitoring namespace", async () => {
        let url = "";
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                const crds = new PrometheusOperatorCrds("prometheus-crds", { provider });
                const gatekeeper = new Gatekeeper("gatekeeper", {
                    provider,
                    environment: "dev",
                    enforcement: "advisory",
                    apiServerCidrs: API_SERVER,
                    rules: KUBERNETES_RULES.slice(0, 1),
                    alerting: { enabled: true, dependsOn: [crds.release] },
                });
                const monitoring = new Monitoring("monitoring", {
                    provider,
                    environment: "dev",
                    apiServerCidrs: API_SERVER,
                    crds,
                    dependsOn: gatekeeper.constraints,
                });
                new Grafana("grafana", {
                    provider,
                    environment: "dev",
                    namespace: monitoring.namespace,
                    prometheusUrl: monitoring.prometheusUrl,
                    dependsOn: gatekeeper.constraints,
                });
                url = monitoring.prometheusUrl;
                return { prometheusUrl: pulumi.output(monitoring.prometheusUrl) };
            },
        });
        const crdReleases = ofType(run, RELEASE).filter((r) => r.inputs.chart === "prometheus-operator-crds");
        assert.equal(crdReleases.length, 1, "the passed CRDs release is reused");
        const crdUrn = crdReleases[0].urn;
        const podMonitor = ofType(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor")[0];
        assert.ok(podMonitor.dependencies.includes(crdUrn), "Gatekeeper's PodMonitor waits for the CRDs");
        const stack = findResource(run, RELEASE, "monitoring-release");
        assert.ok(stack.dependencies.includes(crdUrn), "kube-prometheus-stack waits for the CRDs");
        const constraint = run.resources.find((r: RecordedResource) => r.type.startsWith("kubernetes:constraints.gatekeeper.sh/"));
        assert.ok(constraint && stack.dependencies.includes(constraint.urn), "Prometheus waits for the constraints");
        const namespaces = ofType(run, "kubernetes:core/v1:Namespace").filter(
            (n) => n.inputs.metadata.name === PLATFORM_NAMESPACES.monitoring,
        );
        assert.equal(namespaces.length, 1, "Grafana reuses the monitoring namespace");
        const grafana = findResource(run, RELEASE, "grafana-release");
        assert.ok(grafana.dependencies.includes(namespaces[0].urn), "Grafana waits for the shared namespace");
        assert.equal(grafana.inputs.values.datasources["datasources.yaml"].datasources[0].url, url);
        assert.equal(run.outputs.prometheusUrl, PROMETHEUS_URL);
    });
});
