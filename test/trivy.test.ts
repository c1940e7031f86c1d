import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";
import { NAMESPACE_EXEMPTIONS, PLATFORM_NAMESPACES, podSecurityLevelFor } from "../platform/exemptions";
import { TRIVY_OPERATOR_CHART, TrivyOperator, TrivyOperatorArgs } from "../components/trivy-operator";
import { ruleById } from "../policy-pack/catalogue";
import { EnvironmentName, TrivyConfig } from "../stacks/types";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

const CONFIG = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "trivy", "config.yaml"), "utf8")) as TrivyConfig;
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART_KEYS = readChartKeys(path.join(__dirname, "fixtures", "trivy", "chart-keys.yaml"));

async function deploy(
    environment: EnvironmentName,
    extra: Partial<TrivyOperatorArgs> = {},
    config: TrivyConfig = CONFIG,
): Promise<ProgramRun> {
    return runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            new TrivyOperator("trivy", { provider, environment, config, ...extra });
        },
    });
}

const release = (run: ProgramRun): RecordedResource => findResource(run, RELEASE, "trivy-release");

describe("Trivy operator component", () => {
    it("installs the pinned trivy-operator chart from Aqua's repository into trivy-system", async () => {
        const run = await deploy("dev");
        const r = release(run);
        assert.equal(r.inputs.chart, "trivy-operator");
        assert.equal(r.inputs.version, "0.34.0");
        assert.equal(r.inputs.repositoryOpts.repo, "https://aquasecurity.github.io/helm-charts/");
        assert.equal(r.inputs.namespace, PLATFORM_NAMESPACES.trivy);
        assert.equal(r.parent, findResource(run, "secure-gitops:scanning:TrivyOperator", "trivy").urn);
        const ns = findResource(run, "kubernetes:core/v1:Namespace", "trivy-ns");
        assert.equal(ns.inputs.metadata.name, PLATFORM_NAMESPACES.trivy);
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.ok(r.dependencies.includes(ns.urn), "the release waits for its namespace");
    });

    it("sets only value paths verified against the pinned chart's values.yaml and templates", async () => {
        const runs = [];
        for (const env of ["dev", "staging", "prod"] as const)
            runs.push(release(await deploy(env, { serviceMonitor: true, monitoringNamespace: "monitoring" })).inputs.values);
        assert.deepEqual(chartKeyProblems(CHART_KEYS, TRIVY_OPERATOR_CHART, runs), []);
    });

    it("turns every scanner and the compliance reports on", async () => {
        const v = release(await deploy("dev")).inputs.values;
        for (const scanner of [
            "vulnerabilityScannerEnabled",
            "configAuditScannerEnabled",
            "exposedSecretScannerEnabled",
            "rbacAssessmentScannerEnabled",
            "infraAssessmentScannerEnabled",
            "clusterComplianceEnabled",
        ]) {
            assert.equal(v.operator[scanner], true, scanner);
        }
        assert.deepEqual(v.compliance.specs, ["k8s-cis-1.23", "k8s-nsa-1.0", "k8s-pss-restricted-0.1"]);
        assert.equal(v.compliance.cron, CONFIG.complianceCron);
        assert.equal(v.operator.builtInTrivyServer, false);
        assert.equal(v.operator.metricsVulnIdEnabled, true);
        assert.equal(v.operator.metricsClusterComplianceInfo, true);
    });

    it("takes severity, concurrency and the compliance schedule from the stack config", async () => {
        const v = release(await deploy("dev", {}, { severities: ["CRITICAL"], concurrentScanJobs: 7, complianceCron: "30 2 * * *" })).inputs
            .values;
        assert.equal(v.trivy.severity, "CRITICAL");
        assert.equal(v.operator.scanJobsConcurrentLimit, 7);
        assert.equal(v.compliance.cron, "30 2 * * *");
        const fromFixture = release(await deploy("dev")).inputs.values;
        assert.equal(fromFixture.trivy.severity, "CRITICAL,HIGH");
        assert.equal(fromFixture.operator.scanJobsConcurrentLimit, 3);
    });

    it("rejects unknown severities and non-positive concurrency before registering anything", async () => {
        await assert.rejects(deploy("dev", {}, { ...CONFIG, severities: ["SEVERE"] }), /unknown severity "SEVERE"/);
        await assert.rejects(deploy("dev", {}, { ...CONFIG, severities: [] }), /at least one severity/);
        await assert.rejects(deploy("dev", {}, { ...CONFIG, concurrentScanJobs: 0 }), /concurrentScanJobs/);
    });

    it("hardens scan jobs: non-root, no token, no escalation, read-only root, limits", async () => {
        const v = release(await deploy("prod")).inputs.values;
        assert.equal(v.trivyOperator.scanJobAutomountServiceAccountToken, false);
        assert.equal(v.trivyOperator.scanJobPodTemplatePodSecurityContext.runAsNonRoot, true);
        assert.equal(v.trivyOperator.scanJobPodTemplatePodSecurityContext.seccompProfile.type, "RuntimeDefault");
        const c = v.trivyOperator.scanJobPodTemplateContainerSecurityContext;
        assert.equal(c.allowPrivilegeEscalation, false);
        assert.equal(c.readOnlyRootFilesystem, true);
        assert.deepEqual(c.capabilities.drop, ["ALL"]);
        assert.ok(v.trivy.resources.limits.cpu && v.trivy.resources.limits.memory);
        assert.equal(v.securityContext.readOnlyRootFilesystem, true);
        assert.equal(v.podSecurityContext.runAsNonRoot, true);
    });

    it("sizes the operator and scan jobs per environment", async () => {
        const dev = release(await deploy("dev")).inputs.values;
        const prod = release(await deploy("prod")).inputs.values;
        assert.deepEqual(dev.resources.limits, { cpu: "500m", memory: "512Mi" });
        assert.deepEqual(prod.resources.limits, { cpu: "1000m", memory: "1Gi" });
        assert.deepEqual(prod.trivy.resources.requests, { cpu: "200m", memory: "256Mi" });
        assert.notDeepEqual(dev.trivy.resources, prod.trivy.resources);
    });

    it("creates a ServiceMonitor only when asked (it needs the Prometheus Operator CRDs) and lets Prometheus scrape", async () => {
        assert.equal(release(await deploy("dev")).inputs.values.serviceMonitor.enabled, false);
        const run = await deploy("dev", { serviceMonitor: true, monitoringNamespace: "monitoring" });
        assert.equal(release(run).inputs.values.serviceMonitor.enabled, true);
        const policy = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
            (p) => p.name === "trivy-ns-allow-metrics-ingress",
        );
        assert.ok(policy, "metrics ingress allowance");
        assert.deepEqual(policy.inputs.spec.ingress[0].from[0].namespaceSelector.matchLabels, {
            "kubernetes.io/metadata.name": "monitoring",
        });
    });

    it("installs only after the resources it is made to depend on (the Gatekeeper constraints)", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                const gate = new k8s.core.v1.ConfigMap("gate", { data: {} }, { provider });
                const gate2 = new k8s.core.v1.ConfigMap("gate2", { data: {} }, { provider });
                new TrivyOperator("trivy", { provider, environment: "dev", config: CONFIG, dependsOn: [gate2] }, { dependsOn: [gate] });
            },
        });
        const deps = release(run).dependencies;
        for (const g of ["gate", "gate2"]) assert.ok(deps.includes(findResource(run, "kubernetes:core/v1:ConfigMap", g).urn), g);
    });

    it("the node-collector's exemption says what its securityContext is: the scan jobs' non-root one (the operator applies it to both)", async () => {
        const v = release(await deploy("prod")).inputs.values;
        const pod = v.trivyOperator.scanJobPodTemplatePodSecurityContext;
        const container = v.trivyOperator.scanJobPodTemplateContainerSecurityContext;
        const entry = NAMESPACE_EXEMPTIONS.find((e) => e.namespace === PLATFORM_NAMESPACES.trivy)!;
        assert.ok(pod.runAsNonRoot === true && pod.runAsUser > 0, "non-root jobs");
        assert.match(entry.reason, new RegExp(`uid ${pod.runAsUser}\\b`), "the reason names the uid the jobs run as");
        assert.doesNotMatch(entry.reason, /runs? (with hostPID )?as root|runAsUser 0/, "no claim that it runs as root");
        // Non-root with every capability dropped: those rules hold in trivy-system, no exemption needed.
        assert.deepEqual(container.capabilities.drop, ["ALL"]);
        for (const id of ["pss-restricted-run-as-non-root", "pss-restricted-run-as-user", "pss-restricted-capabilities"])
            assert.ok(!entry.rules.includes(id), id);
    });

    it("labels the scan job pods with the required ownership labels", async () => {
        const v = release(await deploy("prod")).inputs.values;
        const labels = Object.fromEntries(
            String(v.trivyOperator.scanJobPodTemplateLabels)
                .split(",")
                .map((kv) => kv.split("=")),
        );
        assert.ok(labels["app.kubernetes.io/name"] && labels["app.kubernetes.io/part-of"], JSON.stringify(labels));
    });

    it("declares trivy-system's exemptions (node-collector) with existing catalogue rule ids", () => {
        const entries = NAMESPACE_EXEMPTIONS.filter((e) => e.namespace === PLATFORM_NAMESPACES.trivy);
        assert.equal(entries.length, 1);
        for (const id of entries[0].rules) assert.equal(ruleById(id).id, id);
        for (const id of ["pss-baseline-host-namespaces", "pss-baseline-host-path"]) assert.ok(entries[0].rules.includes(id), id);
        assert.ok(!entries[0].rules.includes("pss-baseline-privileged"), "node-collector is not privileged");
        assert.equal(podSecurityLevelFor(PLATFORM_NAMESPACES.trivy), "privileged");
        assert.match(entries[0].reason, /node-collector/);
    });
});
