// The kinds the compliance reporter reads: the reader (tools/live/sources.ts) and its ClusterRole
// (components/compliance-reporter.ts) take them from here, so the role grants exactly what is read.
import { KUBERNETES_RULES } from "../policy-pack/catalogue";

/** The Trivy report kinds read (plural resource name -> kind) besides the compliance reports. */
export const TRIVY_REPORT_KINDS = {
    vulnerabilityreports: "VulnerabilityReport",
    configauditreports: "ConfigAuditReport",
    exposedsecretreports: "ExposedSecretReport",
    rbacassessmentreports: "RbacAssessmentReport",
    clusterrbacassessmentreports: "ClusterRbacAssessmentReport",
    clusterinfraassessmentreports: "ClusterInfraAssessmentReport",
} as const;
export const COMPLIANCE_REPORTS = "clustercompliancereports";

/** The plural resource names of our catalogue's constraint kinds (lowercase kind). */
export function constraintResources(): string[] {
    return KUBERNETES_RULES.map((r) => r.gatekeeperKind.toLowerCase()).sort();
}
