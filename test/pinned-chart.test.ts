import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { ARGOCD_CHART } from "../components/argocd";
import { FLUENTD_CHART } from "../components/audit-logging";
import { FALCO_CHART, FALCO_TALON_CHART } from "../components/falco";
import { GATEKEEPER_CHART } from "../components/gatekeeper";
import { GRAFANA_CHART } from "../components/grafana";
import { KUBE_PROMETHEUS_STACK_CHART, PROMETHEUS_OPERATOR_CRDS_CHART } from "../components/monitoring";
import { pinnedRelease } from "../platform/pinned-chart";
import { TRIVY_OPERATOR_CHART } from "../components/trivy-operator";
import { findResource, runProgram } from "../tools/mock-engine";

const ALL_CHARTS = [
    ARGOCD_CHART,
    FLUENTD_CHART,
    FALCO_CHART,
    FALCO_TALON_CHART,
    GATEKEEPER_CHART,
    GRAFANA_CHART,
    KUBE_PROMETHEUS_STACK_CHART,
    PROMETHEUS_OPERATOR_CRDS_CHART,
    TRIVY_OPERATOR_CHART,
];

describe("pinned official charts", () => {
    it("pins every chart the platform installs to an exact version from an https repository", () => {
        for (const chart of ALL_CHARTS) {
            assert.match(chart.version, /^\d+\.\d+\.\d+$/, `${chart.chart} is not pinned exactly`);
            assert.match(chart.repo, /^https:\/\//, `${chart.chart} repository is not https`);
        }
    });

    it("installs atomically into an existing namespace and refuses version ranges", async () => {
        const run = await runProgram({
            stack: "unit",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                pinnedRelease(
                    "tool",
                    { chart: "tool", version: "1.2.3", repo: "https://charts.example.org" },
                    { releaseName: "tool", namespace: "tools", values: { a: 1 }, timeoutSeconds: 120 },
                    { provider },
                );
            },
        });
        const release = findResource(run, "kubernetes:helm.sh/v3:Release", "tool");
        assert.equal(release.inputs.version, "1.2.3");
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://charts.example.org" });
        assert.equal(release.inputs.createNamespace, false, "namespaces come from SecureNamespace");
        assert.equal(release.inputs.atomic, true, "a failed upgrade rolls back");
        assert.equal(release.inputs.cleanupOnFail, true);
        assert.equal(release.inputs.timeout, 120);
        assert.equal(release.inputs.skipCrds, undefined);
        assert.throws(
            () =>
                pinnedRelease(
                    "x",
                    { chart: "x", version: "^1.2.0", repo: "https://r" },
                    { releaseName: "x", namespace: "n", values: {} },
                    {},
                ),
            /not an exact x\.y\.z version/,
        );
        assert.throws(
            () =>
                pinnedRelease("y", { chart: "y", version: "1.2", repo: "https://r" }, { releaseName: "y", namespace: "n", values: {} }, {}),
            /not an exact/,
        );
    });
});
