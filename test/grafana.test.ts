import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { DEFAULT_PROMETHEUS_URL, Grafana, GRAFANA_CHART, PROMETHEUS_DATASOURCE_UID, prometheusEgress } from "../components/grafana";
import { SecureNamespace } from "../components/secure-namespace";
import { EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, runProgram } from "../tools/mock-engine";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";

const expectedSizing = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "grafana", "stacks.yaml"), "utf8")) as Record<
    EnvironmentName,
    { persistence: boolean; memoryLimit: string; size?: string }
>;

async function deploy(
    environment: EnvironmentName,
    prometheusUrl?: string,
): Promise<{ run: ProgramRun; adminPassword: unknown; passwordIsSecret: boolean }> {
    let adminPassword: unknown;
    let passwordIsSecret = false;
    const run = await runProgram({
        stack: environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            const grafana = new Grafana("grafana", { provider, environment, prometheusUrl });
            grafana.adminPassword.apply((p) => (adminPassword = p));
            void pulumi.isSecret(grafana.adminPassword).then((s) => (passwordIsSecret = s));
            return { adminPassword: grafana.adminPassword };
        },
    });
    return { run, adminPassword, passwordIsSecret };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form Helm values
function values(run: ProgramRun): any {
    return findResource(run, RELEASE).inputs.values;
}

describe("Grafana component", () => {
    const runs = {} as Record<EnvironmentName, ProgramRun>;
    let exported: { adminPassword: unknown; passwordIsSecret: boolean };

    before(async () => {
        for (const env of ["dev", "staging"] as const) runs[env] = (await deploy(env)).run;
        const prod = await deploy("prod", "http://prometheus.example.svc:9090");
        runs.prod = prod.run;
        exported = prod;
    });

    it("installs the official chart at an exact pinned version into the monitoring namespace", () => {
        const release = findResource(runs.prod, RELEASE);
        assert.equal(release.inputs.chart, "grafana");
        assert.equal(release.inputs.repositoryOpts.repo, "https://grafana-community.github.io/helm-charts");
        assert.match(release.inputs.version, /^\d+\.\d+\.\d+$/);
        assert.equal(release.inputs.version, GRAFANA_CHART.version);
        assert.equal(release.inputs.namespace, "monitoring");
        const component = findResource(runs.prod, "secure-gitops:observability:Grafana", "grafana");
        assert.equal(release.parent, component.urn);
    });

    it("takes the admin password from a RandomPassword, keeps it in a Secret and out of the values", () => {
        const run = runs.prod;
        const password = findResource(run, PASSWORD);
        assert.ok(password.inputs.length >= 32, "at least 32 characters");
        assert.equal(password.inputs.special, true);
        const secret = findResource(run, SECRET);
        assert.equal(secret.inputs.stringData["admin-user"], "admin");
        assert.equal(secret.inputs.stringData["admin-password"], `mock-password-${password.name}`);
        assert.ok(
            secret.secretPaths.some((p) => p === "stringData" || p === "stringData.admin-password"),
            `admin password sent as secret; secret paths: ${secret.secretPaths.join(",")}`,
        );
        const v = values(run);
        assert.equal(v.admin.existingSecret, secret.inputs.metadata.name);
        assert.equal(v.adminPassword, undefined);
        assert.ok(!JSON.stringify(v).includes(`mock-password-${password.name}`), "no password anywhere in the values");
        const release = findResource(run, RELEASE);
        assert.ok(release.dependencies.includes(secret.urn), "release waits for the admin secret");
    });

    it("exports the admin password as a secret output", () => {
        assert.equal(exported.passwordIsSecret, true);
        assert.match(String(exported.adminPassword), /^mock-password-/);
    });

    it("hardens grafana.ini: no anonymous access, secure strict cookies, no sign-up, embedding, gravatar or analytics", () => {
        for (const run of Object.values(runs)) {
            const ini = values(run)["grafana.ini"];
            assert.equal(ini["auth.anonymous"].enabled, false);
            assert.equal(ini.security.cookie_secure, true);
            assert.equal(ini.security.cookie_samesite, "strict");
            assert.equal(ini.security.disable_gravatar, true);
            assert.equal(ini.security.allow_embedding, false);
            assert.equal(ini.users.allow_sign_up, false);
            assert.equal(ini.analytics.reporting_enabled, false);
            assert.ok(ini.server.root_url, "root_url set");
        }
    });

    it("stays in-cluster with a restricted pod: ClusterIP, no ingress, non-root, read-only root, no token", () => {
        const v = values(runs.prod);
        assert.equal(v.service.type, "ClusterIP");
        assert.equal(v.ingress.enabled, false);
        assert.equal(v.containerSecurityContext.runAsNonRoot, true);
        assert.equal(v.containerSecurityContext.readOnlyRootFilesystem, true);
        assert.equal(v.containerSecurityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(v.containerSecurityContext.capabilities.drop, ["ALL"]);
        assert.equal(v.containerSecurityContext.seccompProfile.type, "RuntimeDefault");
        assert.equal(v.initChownData.enabled, false, "no root chown init container");
        assert.equal(v.automountServiceAccountToken, false);
        assert.equal(v.networkPolicy.enabled, true);
        assert.ok(v.resources.requests.cpu && v.resources.limits.memory);
        assert.equal(v.extraLabels["app.kubernetes.io/part-of"], "monitoring", "ownership label for metadata-required-labels");
    });

    it("provisions the Prometheus datasource from the argument, with an in-cluster default", () => {
        const [prodDs] = values(runs.prod).datasources["datasources.yaml"].datasources;
        assert.equal(prodDs.type, "prometheus");
        assert.equal(prodDs.uid, PROMETHEUS_DATASOURCE_UID);
        assert.equal(prodDs.url, "http://prometheus.example.svc:9090");
        const [devDs] = values(runs.dev).datasources["datasources.yaml"].datasources;
        assert.equal(devDs.url, DEFAULT_PROMETHEUS_URL);
        assert.match(DEFAULT_PROMETHEUS_URL, /\.svc\.cluster\.local:\d+$/);
    });

    it("lives in a SecureNamespace whose only egress hole is the Prometheus it queries", () => {
        const ns = findResource(runs.prod, "kubernetes:core/v1:Namespace");
        assert.equal(ns.inputs.metadata.name, "monitoring");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const policies = (run: ProgramRun) => ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs);
        const egress = policies(runs.prod).find((p) => p.metadata.name === "allow-prometheus-egress");
        assert.deepEqual(egress?.spec.egress[0].to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "example" } } }]);
        assert.deepEqual(egress?.spec.egress[0].ports, [{ port: 9090, protocol: "TCP" }]);
        // The default datasource lives in the monitoring namespace itself: no extra hole.
        assert.ok(!policies(runs.dev).some((p) => p.metadata.name === "allow-prometheus-egress"));
        assert.throws(() => prometheusEgress("https://prometheus.example.com", "monitoring"), /prometheusCidrs/);
    });

    it("installs into an existing monitoring namespace without creating one, and refuses a Prometheus that needs a new hole there", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                const namespace = new SecureNamespace("owner-ns", { provider, name: "monitoring" });
                new Grafana("grafana", { provider, environment: "dev", namespace, prometheusUrl: "http://prometheus.monitoring.svc:9090" });
            },
        });
        const namespaces = ofType(run, "kubernetes:core/v1:Namespace");
        assert.deepEqual(
            namespaces.map((n) => n.name),
            ["owner-ns"],
            "no namespace of Grafana's own",
        );
        assert.ok(findResource(run, RELEASE).dependencies.includes(namespaces[0].urn), "the release waits for the existing namespace");
        await assert.rejects(
            runProgram({
                stack: "dev",
                config: {},
                program: () => {
                    const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                    const namespace = new SecureNamespace("owner-ns", { provider, name: "monitoring" });
                    new Grafana("grafana", {
                        provider,
                        environment: "dev",
                        namespace,
                        prometheusUrl: "http://prometheus.elsewhere.svc:9090",
                    });
                },
            }),
            /egress hole/,
        );
    });

    it("provisions every dashboard file from a ConfigMap mounted through dashboardsConfigMaps", () => {
        const run = runs.prod;
        const configMap = findResource(run, "kubernetes:core/v1:ConfigMap");
        const files = fs.readdirSync(path.join(__dirname, "..", "dashboards")).filter((f) => f.endsWith(".json"));
        assert.deepEqual(Object.keys(configMap.inputs.data).sort(), files.sort());
        for (const file of files) JSON.parse(configMap.inputs.data[file]);
        const v = values(run);
        const [provider] = v.dashboardProviders["dashboardproviders.yaml"].providers;
        assert.equal(v.dashboardsConfigMaps[provider.name], configMap.inputs.metadata.name);
        assert.equal(provider.options.path, `/var/lib/grafana/dashboards/${provider.name}`);
        assert.equal(provider.editable, false);
        assert.ok(findResource(run, RELEASE).dependencies.includes(configMap.urn));
    });

    it("sizes per environment: emptyDir in dev, a volume with Recreate rollouts in staging and prod", () => {
        for (const env of ["dev", "staging", "prod"] as const) {
            const v = values(runs[env]);
            const expected = expectedSizing[env];
            assert.equal(v.persistence.enabled, expected.persistence, `${env} persistence`);
            assert.equal(v.resources.limits.memory, expected.memoryLimit, `${env} memory limit`);
            if (expected.size) assert.equal(v.persistence.size, expected.size, `${env} volume size`);
            assert.equal(v.deploymentStrategy.type, expected.persistence ? "Recreate" : "RollingUpdate", `${env} strategy`);
            assert.equal(v.replicas, 1, `${env} replicas (SQLite)`);
        }
    });

    it("sets only Helm value paths verified against the pinned chart's values.yaml and templates", () => {
        const fixture = readChartKeys(path.join(__dirname, "fixtures", "grafana", "chart-keys.yaml"));
        assert.deepEqual(chartKeyProblems(fixture, GRAFANA_CHART, Object.values(runs).map(values)), []);
    });
});
