// The secure-GitOps platform for one stack (dev, staging or prod). This file only composes components:
// the typed config is loaded and validated first, so bad config fails before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import { ArgoCd } from "./components/argocd";
import { AuditLogging } from "./components/audit-logging";
import { GkeAuditSources } from "./components/gke-audit-sources";
import { ClusterAccess, ExistingCluster } from "./components/cluster-access";
import { ComplianceReporter } from "./components/compliance-reporter";
import { PLATFORM_NAMESPACES } from "./platform/exemptions";
import { Falco } from "./components/falco";
import { Gatekeeper, WEBHOOK_PORT as GATEKEEPER_WEBHOOK_PORT } from "./components/gatekeeper";
import { GkeCluster } from "./components/gke-cluster";
import { Grafana } from "./components/grafana";
import { Monitoring, PrometheusOperatorCrds } from "./components/monitoring";
import { appPolicyPackConfig as renderAppPolicyPackConfig, policyPackConfig as renderPolicyPackConfig } from "./platform/policy-settings";
import { TrivyOperator } from "./components/trivy-operator";
import { CONTROLLER_POD_LABELS, IngressNginx } from "./components/ingress-nginx";
import { CertManager } from "./components/cert-manager";
import { ACME_SOLVER_PORT } from "./components/argocd";
import { loadStackConfig } from "./stacks/config";
import { chartsFor } from "./platform/chart-pins";
import { chartSourceProblems } from "./platform/chart-source";

const config = loadStackConfig();
const { environment, cluster: clusterConfig, features } = config;
// Every namespace's Pod Security Admission labels pin this version, and the pss-* rules judge by it.
const podSecurityVersion = config.policy.podSecurityVersion;
// A chart directory must hold every chart this stack installs, at its pinned version: checked before any resource.
const chartProblems = chartSourceProblems(config.charts, chartsFor(features));
if (chartProblems.length > 0) {
    throw new Error(`secure-gitops:chartDirectory: ${chartProblems.length} pinned chart(s) missing:\n  - ${chartProblems.join("\n  - ")}`);
}
const charts = config.charts;

const gke =
    clusterConfig.mode === "gke"
        ? new GkeCluster("cluster", {
              ...clusterConfig,
              project: config.gcpProject as string,
              region: config.gcpRegion,
              environment,
              // Gatekeeper's webhook port is outside what GKE opens from the control plane to private nodes.
              controlPlaneWebhookPorts: features.gatekeeper ? [GATEKEEPER_WEBHOOK_PORT] : [],
          })
        : undefined;
const cluster: ClusterAccess =
    gke ??
    new ExistingCluster("cluster", {
        kubeconfig: clusterConfig.mode === "existing" ? clusterConfig.kubeconfig : undefined,
        kubeconfigPath: clusterConfig.mode === "existing" ? clusterConfig.kubeconfigPath : undefined,
        context: clusterConfig.mode === "existing" ? clusterConfig.context : undefined,
        gcpProject: config.gcpProject,
    });
const provider = cluster.provider;
// Where the control plane lives: platform namespaces deny all egress except to it (and DNS).
const apiServerCidrs = clusterConfig.mode === "gke" ? [clusterConfig.masterCidr] : clusterConfig.apiServerCidrs;

// The Prometheus Operator CRDs (no pods) come first, so Gatekeeper can ship its alert rules and monitors.
const prometheusCrds = features.monitoring ? new PrometheusOperatorCrds("prometheus-crds", { provider, charts }) : undefined;

// Admission control next: every other workload (and every Argo CD sync) waits for the constraints.
const gatekeeper = features.gatekeeper
    ? new Gatekeeper("gatekeeper", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          enforcement: config.policy.enforcement,
          webhookFailurePolicy: config.policy.webhookFailurePolicy,
          allowedRegistries: config.policy.allowedRegistries,
          publicServiceNamespaces: config.policy.publicServiceNamespaces,
          // The app's objects are held at the app's migration step (appPolicyEnforcement) in its namespaces.
          app: features.argocd ? { namespaces: config.argocd.appNamespaces, enforcement: config.policy.appEnforcement } : undefined,
          apiServerCidrs,
          alerting: { enabled: prometheusCrds !== undefined, dependsOn: prometheusCrds ? [prometheusCrds.release] : [] },
      })
    : undefined;
const admissionReady = gatekeeper?.constraints ?? [];

const monitoring = prometheusCrds
    ? new Monitoring("monitoring", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          apiServerCidrs,
          crds: prometheusCrds,
          dependsOn: admissionReady,
      })
    : undefined;
const monitoringNamespace = monitoring ? PLATFORM_NAMESPACES.monitoring : undefined;

// GKE side of audit logging (buckets, sinks, Pub/Sub, GCP identities): gke mode only. Named "audit" like
// AuditLogging, which declared these resources before; their aliases depend on it.
const auditSources =
    features.auditLogging && gke && clusterConfig.mode === "gke"
        ? new GkeAuditSources("audit", {
              environment,
              project: config.gcpProject as string,
              location: config.gcpRegion,
              clusterName: clusterConfig.name,
              retentionDays: config.audit.retentionDays,
          })
        : undefined;

// Fluentd: to the logs bucket in gke mode, to a node archive otherwise.
if (features.auditLogging) {
    new AuditLogging("audit", {
        provider,
        podSecurityVersion,
        environment,
        charts,
        apiServerCidrs,
        gcs: auditSources
            ? {
                  project: config.gcpProject as string,
                  bucketName: auditSources.logsBucketName,
                  serviceAccountEmail: auditSources.fluentdServiceAccountEmail,
              }
            : undefined,
        dependsOn: admissionReady,
    });
}

const falco = features.falco
    ? new Falco("falco", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          alerting: config.alerting,
          apiServerCidrs,
          evidenceBucket: auditSources?.auditBucketName,
          talonGcpServiceAccountEmail: auditSources?.talonServiceAccountEmail,
          k8sAuditGke: auditSources?.falcoAuditSource, // gke mode: Kubernetes audit rules through Pub/Sub
          monitoringNamespace,
          dependsOn: monitoring ? [...admissionReady, monitoring.crdsReady] : admissionReady,
      })
    : undefined;

const trivy = features.trivy
    ? new TrivyOperator("trivy", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          config: config.trivy,
          apiServerCidrs,
          serviceMonitor: monitoring !== undefined,
          monitoringNamespace,
          dependsOn: monitoring ? [...admissionReady, monitoring.crdsReady] : admissionReady,
      })
    : undefined;

const grafana = features.grafana
    ? new Grafana("grafana", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          namespace: monitoring?.namespace,
          prometheusUrl: monitoring?.prometheusUrl,
          dependsOn: admissionReady,
      })
    : undefined;

// The app's entry point: ingress-nginx (the one public LoadBalancer, TLS only) and cert-manager with the
// stack's ClusterIssuer. Opt-in (features.ingress): it needs the ACME account e-mail.
const http01 = config.acme.solver === "http01";
const ingress = features.ingress
    ? new IngressNginx("ingress", {
          provider,
          charts,
          podSecurityVersion,
          environment,
          apiServerCidrs,
          backends: {
              namespaces: features.argocd ? config.argocd.appNamespaces : [],
              ports: [...config.appNetwork.ingressTargets.flatMap((t) => t.ports), ...(http01 ? [ACME_SOLVER_PORT] : [])],
          },
          http01,
          monitoringNamespace,
          dependsOn: admissionReady,
      })
    : undefined;
if (features.ingress) {
    new CertManager("cert-manager", {
        provider,
        charts,
        podSecurityVersion,
        environment,
        apiServerCidrs,
        acme: config.acme,
        gcpProject: config.gcpProject,
        dependsOn: admissionReady,
    });
}

const argocd = features.argocd
    ? new ArgoCd("argocd", {
          provider,
          podSecurityVersion,
          environment,
          charts,
          config: config.argocd,
          // The app namespaces' Pod Security Admission modes follow the app's level, like its constraints.
          appPolicyEnforcement: config.policy.appEnforcement,
          // Ingress only from the controller, egress only to the configured services (and DNS).
          appNetwork: {
              ...config.appNetwork,
              ingressController: ingress ? { namespace: PLATFORM_NAMESPACES.ingress, podLabels: { ...CONTROLLER_POD_LABELS } } : undefined,
              acmeHttp01: ingress !== undefined && http01,
          },
          apiServerCidrs,
          dependsOn: admissionReady,
      })
    : undefined;

// The scheduled compliance reports: read-only evidence from the running cluster (configured by reporterImage).
const reporter = config.reporter
    ? new ComplianceReporter("compliance-reporter", {
          provider,
          environment,
          apiServerCidrs,
          stack: pulumi.getStack(),
          config: config.reporter,
          storage:
              clusterConfig.mode === "gke"
                  ? {
                        kind: "gcs",
                        project: config.gcpProject as string,
                        location: config.gcpRegion,
                        clusterName: clusterConfig.name,
                        retentionDays: config.audit.retentionDays,
                    }
                  : { kind: "volume", claimName: config.reporter.volumeClaim as string },
          // Grafana's compliance dashboard reads the report's scores from this endpoint.
          metrics: monitoringNamespace ? { monitoringNamespace, podMonitor: true } : undefined,
          dependsOn: monitoring ? [...admissionReady, monitoring.crdsReady] : admissionReady,
      })
    : undefined;

export const stackEnvironment = environment;
export const clusterMode = clusterConfig.mode;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);
export const gkeClusterName = gke?.clusterName;
export const gkeEndpoint = gke ? pulumi.secret(gke.endpoint) : undefined;
export const auditBucket = auditSources?.auditBucketName;
export const falcoNamespace = falco?.namespace;
export const trivyNamespace = trivy?.namespace;
export const prometheusUrl = monitoring?.prometheusUrl;
export const grafanaAdminPassword = grafana ? pulumi.secret(grafana.adminPassword) : undefined;
export const argocdNamespace = argocd?.namespace;
export const constraintCount = admissionReady.length;
export const complianceReportsBucket = reporter?.bucketName;
/** The CrossGuard configuration matching this stack's Gatekeeper constraints (`--policy-pack-config`). */
export const policyPackConfig = renderPolicyPackConfig(config.policy);
/** The same rules at the app's level (appPolicyEnforcement): what the app namespaces' constraints enforce. */
export const appPolicyPackConfig = renderAppPolicyPackConfig(config.policy);
