// Trivy operator from Aqua's official chart: continuous vulnerability, misconfiguration, exposed-secret, RBAC
// and infrastructure assessments of everything in the cluster, plus scheduled compliance reports (CIS, NSA,
// PSS restricted) that the Grafana compliance dashboards read through the operator's metrics.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentName, TrivyConfig } from "../stacks/types";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { httpsEgress, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res, Resources } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

export const TRIVY_OPERATOR_CHART = CHART_PINS.trivyOperator;

/** Compliance specs shipped with the chart (templates/specs) that we report on. */
export const COMPLIANCE_SPECS = ["k8s-cis-1.23", "k8s-nsa-1.0", "k8s-pss-restricted-0.1"] as const;

/** Pod labels of the vulnerability scan jobs, in the chart's comma-separated key=value form. */
export const SCAN_JOB_POD_LABELS = "app.kubernetes.io/name=trivy-scan-job,app.kubernetes.io/part-of=trivy-operator";

export const TRIVY_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

export interface TrivyOperatorArgs extends PlatformComponentArgs {
    /** Severities, concurrency and compliance schedule from the stack config. */
    config: TrivyConfig;
    /**
     * Create a ServiceMonitor for the operator's metrics. Needs the Prometheus Operator CRDs
     * (monitoring.coreos.com) in the cluster, so it is off unless the platform installs them. Defaults to false.
     */
    serviceMonitor?: boolean;
    /** Namespace of the Prometheus that scrapes the operator (metrics ingress allowance). */
    monitoringNamespace?: string;
}

export interface TrivySizing {
    operator: Resources;
    scanJob: Resources;
}

/** Per-environment sizing: prod clusters have more images and larger ones. */
export function trivySizing(environment: EnvironmentName): TrivySizing {
    if (environment === "prod") {
        return { operator: res("200m", "256Mi", "1000m", "1Gi"), scanJob: res("200m", "256Mi", "1000m", "1Gi") };
    }
    return { operator: res("100m", "128Mi", "500m", "512Mi"), scanJob: res("100m", "128Mi", "500m", "512Mi") };
}

/** Validates the stack's Trivy settings and returns the chart's comma-separated severity list. */
export function severityList(config: TrivyConfig): string {
    if (config.severities.length === 0) throw new Error("trivy: at least one severity is required");
    for (const s of config.severities) {
        if (!(TRIVY_SEVERITIES as readonly string[]).includes(s))
            throw new Error(`trivy: unknown severity "${s}" (allowed: ${TRIVY_SEVERITIES.join(", ")})`);
    }
    if (!Number.isInteger(config.concurrentScanJobs) || config.concurrentScanJobs < 1) {
        throw new Error(`trivy: concurrentScanJobs must be a positive integer, got ${config.concurrentScanJobs}`);
    }
    return config.severities.join(",");
}

export function trivyOperatorValues(args: TrivyOperatorArgs): Record<string, unknown> {
    const sizing = trivySizing(args.environment);
    return {
        operator: {
            scanJobsConcurrentLimit: args.config.concurrentScanJobs,
            vulnerabilityScannerEnabled: true,
            configAuditScannerEnabled: true,
            exposedSecretScannerEnabled: true,
            rbacAssessmentScannerEnabled: true,
            infraAssessmentScannerEnabled: true,
            clusterComplianceEnabled: true,
            sbomGenerationEnabled: true,
            // Scan only what runs now, not every old ReplicaSet revision.
            vulnerabilityScannerScanOnlyCurrentRevisions: true,
            configAuditScannerScanOnlyCurrentRevisions: true,
            // Per-finding metrics feed the compliance dashboards (cardinality grows with findings: fine at
            // our size, and exactly what the vulnerability panels need).
            metricsFindingsEnabled: true,
            metricsVulnIdEnabled: true,
            metricsExposedSecretInfo: true,
            metricsConfigAuditInfo: true,
            metricsRbacAssessmentInfo: true,
            metricsInfraAssessmentInfo: true,
            metricsClusterComplianceInfo: true,
            metricsImageInfo: true,
            // Standalone mode: every scan job downloads the vulnerability DB itself. The built-in Trivy server
            // would cache it once, but it is an extra always-on StatefulSet with a PVC and an unauthenticated
            // in-cluster API; at our scan concurrency the per-job download is the smaller attack surface.
            builtInTrivyServer: false,
            scanJobTimeout: "10m",
            // Ownership labels on the operator Deployment and its pod (the chart sets the name; its Service takes none).
            labels: { "app.kubernetes.io/part-of": "trivy-operator" },
            podLabels: { "app.kubernetes.io/part-of": "trivy-operator" },
        },
        trivy: {
            mode: "Standalone",
            severity: severityList(args.config),
            ignoreUnfixed: false,
            resources: sizing.scanJob,
        },
        trivyOperator: {
            // Scan jobs run in trivy-system (not in the scanned namespace), without a service account token.
            scanJobsInSameNamespace: false,
            // The chart renders this key only when true (`with`); left out, the operator defaults to false too.
            scanJobAutomountServiceAccountToken: false,
            // Ownership labels (metadata-required-labels) on the scan job pods; the chart takes "k=v,k=v". The
            // node-collector Jobs do not get them (the operator sets their labels itself).
            scanJobPodTemplateLabels: SCAN_JOB_POD_LABELS,
            // The operator applies this pod and container securityContext to the scan jobs and to the
            // node-collector alike (one setting): non-root for both (components/exemptions.ts says what that costs).
            scanJobPodTemplatePodSecurityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                seccompProfile: { type: "RuntimeDefault" },
            },
            scanJobPodTemplateContainerSecurityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
            },
        },
        compliance: {
            cron: args.config.complianceCron,
            specs: [...COMPLIANCE_SPECS],
            reportType: "summary",
        },
        serviceMonitor: { enabled: args.serviceMonitor ?? false },
        resources: sizing.operator,
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        },
    };
}

export class TrivyOperator extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: TrivyOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:scanning:TrivyOperator", name, {}, opts);
        const provider = args.provider;
        const namespaceName = PLATFORM_NAMESPACES.trivy;
        const values = trivyOperatorValues(args); // validates the config before anything is registered

        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                name: namespaceName,
                allowEgress: [
                    ...httpsEgress(
                        "The operator and node-collector call the Kubernetes API; scan jobs pull image layers and the Trivy DB/checks from registries (HTTPS).",
                        args.apiServerCidrs,
                    ),
                ],
                allowIngress: args.monitoringNamespace
                    ? [
                          {
                              name: "metrics-ingress",
                              reason: `Prometheus in namespace ${args.monitoringNamespace} scrapes the operator's findings metrics.`,
                              fromNamespaces: [args.monitoringNamespace],
                              podSelector: { "app.kubernetes.io/name": "trivy-operator" },
                              ports: [{ port: 8080, protocol: "TCP" }],
                          },
                      ]
                    : [],
            },
            { parent: this },
        );
        this.namespace = namespace.name;

        this.release = pinnedRelease(
            `${name}-release`,
            TRIVY_OPERATOR_CHART,
            {
                releaseName: "trivy-operator",
                chartSource: args.charts,
                namespace: namespaceName,
                values,
            },
            { parent: this, provider, dependsOn: [namespace, ...admissionGates(args, opts)] },
        );

        this.registerOutputs({ namespace: this.namespace, releaseStatus: this.release.status });
    }
}
