// Every official Helm chart the platform installs, at its exact version: the one table of chart pins. The
// components, the plan's chart rendering, the chart-directory check and the install step's gator version read it.
import { FeatureSwitches } from "../stacks/types";

export interface PinnedChart {
    readonly chart: string;
    /** An exact chart version (never a range): upgrades are reviewed changes, not surprises. */
    readonly version: string;
    /** The chart's official repository. */
    readonly repo: string;
}

const PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts";
const FALCOSECURITY_REPO = "https://falcosecurity.github.io/charts";

export const CHART_PINS = {
    argocd: { chart: "argo-cd", version: "10.1.1", repo: "https://argoproj.github.io/argo-helm" }, // Argo CD v3.4.4
    // chart appVersion v1.17.1; the image (Fluentd 1.19) is set explicitly, see FLUENTD_GCS_IMAGE
    fluentd: { chart: "fluentd", version: "0.5.3", repo: "https://fluent.github.io/helm-charts" },
    falco: { chart: "falco", version: "9.1.0", repo: FALCOSECURITY_REPO }, // Falco 0.44.1; bundles falcosidekick 0.12.x
    falcoTalon: { chart: "falco-talon", version: "0.4.1", repo: FALCOSECURITY_REPO }, // Falco Talon 0.3.0
    // 3.23.0: K8sNativeValidation (CEL) on by default (enableK8sNativeValidation: true); the webhook's
    // namespaceSelector always excludes the release namespace (checked in the chart's values/templates).
    gatekeeper: { chart: "gatekeeper", version: "3.23.0", repo: "https://open-policy-agent.github.io/gatekeeper/charts" },
    grafana: { chart: "grafana", version: "12.11.1", repo: "https://grafana-community.github.io/helm-charts" }, // Grafana 13.2.0
    // Prometheus Operator v0.93.1, Prometheus v3.14.0, Alertmanager v0.34.0, kube-state-metrics chart 8.4.0
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: PROMETHEUS_COMMUNITY_REPO },
    // the CRDs of Prometheus Operator v0.93.1, the operator kube-prometheus-stack 88.5.3 runs
    prometheusOperatorCrds: { chart: "prometheus-operator-crds", version: "31.0.1", repo: PROMETHEUS_COMMUNITY_REPO },
    trivyOperator: { chart: "trivy-operator", version: "0.34.0", repo: "https://aquasecurity.github.io/helm-charts/" }, // trivy-operator 0.32.0, trivy 0.72.0
} as const satisfies Record<string, PinnedChart>;

export type ChartName = keyof typeof CHART_PINS;

/** The charts a stack installs, by the feature that installs them (index.ts composes the same switches). */
const CHARTS_BY_FEATURE: Record<keyof FeatureSwitches, readonly ChartName[]> = {
    argocd: ["argocd"],
    gatekeeper: ["gatekeeper"],
    falco: ["falco", "falcoTalon"],
    trivy: ["trivyOperator"],
    auditLogging: ["fluentd"],
    monitoring: ["prometheusOperatorCrds", "kubePrometheusStack"],
    grafana: ["grafana"],
};

/** Every pinned chart the enabled features install, in table order. */
export function chartsFor(features: FeatureSwitches): PinnedChart[] {
    const wanted = new Set(
        Object.entries(CHARTS_BY_FEATURE).flatMap(([feature, names]) => (features[feature as keyof FeatureSwitches] ? names : [])),
    );
    return (Object.keys(CHART_PINS) as ChartName[]).filter((name) => wanted.has(name)).map((name) => CHART_PINS[name]);
}
