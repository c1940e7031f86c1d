// Pods that operators create at runtime are not in any chart's rendered output, so neither the plan nor
// gator sees them; Gatekeeper admits them when the operator creates them. What each one takes from our
// Helm values, and what the operator decides itself (verified in the operators' sources at the versions the
// pinned charts run), is listed here and printed with the Release in the plan.

export interface OperatorWorkload {
    /** What the operator creates. */
    workload: string;
    /** Fields set from our values (components/*.ts), by values path. */
    fromValues: string[];
    /** Fields the operator decides; our values cannot change them. */
    operatorDecides: string[];
}

const PROMETHEUS_OPERATOR =
    "prometheus-operator v0.93 (pkg/prometheus/server/statefulset.go, pkg/alertmanager/statefulset.go, pkg/operator/config_reloader.go)";

const OPERATOR_WORKLOADS: Record<string, OperatorWorkload[]> = {
    "kube-prometheus-stack": [
        {
            workload:
                "StatefulSet prometheus-<name> (Prometheus CR): containers prometheus, config-reloader; init container init-config-reloader",
            fromValues: [
                "pod securityContext (runAsNonRoot, uid 1000, RuntimeDefault seccomp): prometheus.prometheusSpec.securityContext",
                "prometheus container requests/limits: prometheus.prometheusSpec.resources",
                "config-reloader requests/limits: prometheusOperator.prometheusConfigReloader.resources (operator flags)",
                "pod labels app.kubernetes.io/part-of: prometheus.prometheusSpec.podMetadata.labels",
                "service account token: prometheus.prometheusSpec.automountServiceAccountToken (true: service discovery)",
            ],
            operatorDecides: [
                `every container's securityContext (read-only root, no privilege escalation, drop ALL): ${PROMETHEUS_OPERATOR}`,
                "app.kubernetes.io/name label (prometheus) and the container images (operator defaults for the reloader)",
            ],
        },
        {
            workload:
                "StatefulSet alertmanager-<name> (Alertmanager CR): containers alertmanager, config-reloader; init container init-config-reloader",
            fromValues: [
                "pod securityContext: alertmanager.alertmanagerSpec.securityContext",
                "alertmanager container requests/limits: alertmanager.alertmanagerSpec.resources",
                "config-reloader requests/limits: prometheusOperator.prometheusConfigReloader.resources (operator flags)",
                "pod labels app.kubernetes.io/part-of: alertmanager.alertmanagerSpec.podMetadata.labels",
                "no service account token: alertmanager.alertmanagerSpec.automountServiceAccountToken=false",
            ],
            operatorDecides: [
                `every container's securityContext (read-only root, no privilege escalation, drop ALL): ${PROMETHEUS_OPERATOR}`,
                "app.kubernetes.io/name label (alertmanager)",
            ],
        },
    ],
    "trivy-operator": [
        {
            // Config audits run inside the operator (built-in); only vulnerability/secret/SBOM scans are Jobs.
            workload: "Job scan-vulnerabilityreport-<hash> (image scan jobs, Standalone mode) in trivy-system",
            fromValues: [
                "pod securityContext (uid 65534, RuntimeDefault seccomp): trivyOperator.scanJobPodTemplatePodSecurityContext",
                "container securityContext (read-only root, drop ALL): trivyOperator.scanJobPodTemplateContainerSecurityContext",
                "requests/limits: trivy.resources",
                "no service account token: trivyOperator.scanJobAutomountServiceAccountToken=false",
                "pod labels app.kubernetes.io/name and part-of: trivyOperator.scanJobPodTemplateLabels (pkg/vulnerabilityreport/controller/workload.go)",
            ],
            operatorDecides: ["the trivy image (trivy.image) and its command; scanned images' pull secrets"],
        },
        {
            workload: "Job node-collector-<hash> (one per node, infra assessment and CIS compliance) in trivy-system",
            fromValues: [
                "pod and container securityContext: the scan jobs' trivyOperator.scanJobPodTemplatePodSecurityContext / ...ContainerSecurityContext " +
                    "(trivy-operator pkg/configauditreport/controller/node.go applies both to the node-collector: one setting for all jobs)",
                "requests/limits: trivy.resources",
                "hostPath volumes and mounts: nodeCollector.volumes / nodeCollector.volumeMounts (chart defaults, read-only)",
            ],
            operatorDecides: [
                "hostPID: true and automountServiceAccountToken: true (trivy-kubernetes pkg/jobs/template/node-collector.yaml)",
                "labels: app=node-collector on the pod, trivy-operator's own labels on the Job; scanJobPodTemplateLabels are not applied, so " +
                    "metadata-required-labels (advisory) warns on these Jobs at admission",
                "the node-collector image (nodeCollector.repository/tag) and its commands (trivy-checks bundle)",
            ],
        },
    ],
};

/** The runtime-created workloads of a chart (empty for charts whose pods are all rendered by Helm). */
export function operatorWorkloadsFor(chart: string): OperatorWorkload[] {
    return OPERATOR_WORKLOADS[chart] ?? [];
}

export function chartsWithOperatorWorkloads(): string[] {
    return Object.keys(OPERATOR_WORKLOADS);
}
