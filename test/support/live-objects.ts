// Test support: objects in the shape each source's CRD defines (Gatekeeper constraints with audit status,
// Trivy operator reports of aquasecurity.github.io/v1alpha1, Falco Talon's core/v1 Events), written for our
// tests from the CRDs' field names; shared with the benchmark (bench/live-report.ts), which generates many.
import { KUBERNETES_RULES } from "../../policy-pack/catalogue";

export const TRIVY_GROUP = "aquasecurity.github.io/v1alpha1";
const SCANNER = { name: "Trivy", vendor: "Aqua Security", version: "0.72.0" };

export interface ConstraintOptions {
    kind: string;
    name: string;
    enforcementAction?: string;
    auditTimestamp?: string;
    totalViolations: number;
    /** How many violations the status lists (Gatekeeper keeps at most its limit). */
    listed?: number;
    message?: (i: number) => string;
}

export function constraint(o: ConstraintOptions): object {
    const listed = Math.min(o.listed ?? o.totalViolations, o.totalViolations);
    return {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind: o.kind,
        metadata: { name: o.name, generation: 1, uid: `uid-${o.name}`, creationTimestamp: "2026-11-01T00:00:00Z" },
        spec: {
            enforcementAction: o.enforcementAction ?? "deny",
            match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], excludedNamespaces: ["kube-system"] },
        },
        status: {
            ...(o.auditTimestamp ? { auditTimestamp: o.auditTimestamp } : {}),
            byPod: [
                {
                    constraintUID: `uid-${o.name}`,
                    enforced: true,
                    id: "gatekeeper-audit-7d9f",
                    observedGeneration: 1,
                    operations: ["audit", "status"],
                },
            ],
            totalViolations: o.totalViolations,
            violations: Array.from({ length: listed }, (_, i) => ({
                enforcementAction: o.enforcementAction ?? "deny",
                group: "",
                version: "v1",
                kind: "Pod",
                namespace: `team-${i % 7}`,
                name: `pod-${i}`,
                message: o.message ? o.message(i) : `Pod pod-${i} violates ${o.kind}`,
            })),
        },
    };
}

/** The constraint kind of a catalogue rule (plural = lowercase kind). */
export function kindOf(ruleId: string): { plural: string; kind: string } {
    const rule = KUBERNETES_RULES.find((r) => r.id === ruleId);
    if (!rule) throw new Error(`no Kubernetes rule ${ruleId}`);
    return { plural: rule.gatekeeperKind.toLowerCase(), kind: rule.gatekeeperKind };
}

type TrivySeverity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "UNKNOWN";

function summary(findings: { severity: string }[], withUnknown = true): Record<string, number> {
    const count = (s: string) => findings.filter((f) => f.severity === s).length;
    return {
        criticalCount: count("CRITICAL"),
        highCount: count("HIGH"),
        mediumCount: count("MEDIUM"),
        lowCount: count("LOW"),
        ...(withUnknown ? { unknownCount: count("UNKNOWN"), noneCount: 0 } : {}),
    };
}

export function vulnerabilityReport(namespace: string, workload: string, vulns: { id: string; severity: TrivySeverity }[]): object {
    const vulnerabilities = vulns.map((v, i) => ({
        vulnerabilityID: v.id,
        resource: `libexample${i % 5}`,
        installedVersion: "1.2.3",
        fixedVersion: i % 2 === 0 ? "1.2.4" : "",
        severity: v.severity,
        title: `${v.id} in libexample${i % 5}`,
        primaryLink: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
        score: 7.5,
        target: "",
        links: [],
    }));
    return {
        apiVersion: TRIVY_GROUP,
        kind: "VulnerabilityReport",
        metadata: {
            name: `replicaset-${workload}-app`,
            namespace,
            labels: {
                "trivy-operator.resource.kind": "ReplicaSet",
                "trivy-operator.resource.name": workload,
                "trivy-operator.container.name": "app",
            },
        },
        report: {
            updateTimestamp: "2026-12-07T20:00:00Z",
            scanner: SCANNER,
            registry: { server: "registry.example.test" },
            artifact: { repository: `team/${workload}`, tag: "1.0.0", digest: "sha256:0000" },
            os: { family: "debian", name: "12.5" },
            summary: summary(vulnerabilities),
            vulnerabilities,
        },
    };
}

export function checksReport(
    kind: string,
    namespace: string | undefined,
    name: string,
    checks: { id: string; severity: string; success: boolean; message?: string }[],
): object {
    const failed = checks.filter((c) => !c.success);
    return {
        apiVersion: TRIVY_GROUP,
        kind,
        metadata: {
            name,
            ...(namespace ? { namespace } : {}),
            labels: { "trivy-operator.resource.kind": "ReplicaSet", "trivy-operator.resource.name": name },
        },
        report: {
            updateTimestamp: "2026-12-07T20:00:00Z",
            scanner: SCANNER,
            summary: summary(failed, false),
            checks: checks.map((c) => ({
                checkID: c.id,
                title: `Check ${c.id}`,
                description: `What ${c.id} checks`,
                severity: c.severity,
                category: "Kubernetes Security Check",
                messages: c.message ? [c.message] : [],
                success: c.success,
                remediation: "Set the field",
            })),
        },
    };
}

export function exposedSecretReport(
    namespace: string,
    workload: string,
    secrets: { ruleID: string; severity: string; match: string }[],
): object {
    const entries = secrets.map((s) => ({
        target: "/app/config.env",
        ruleID: s.ruleID,
        title: `Exposed ${s.ruleID}`,
        category: "General",
        severity: s.severity,
        match: s.match,
    }));
    return {
        apiVersion: TRIVY_GROUP,
        kind: "ExposedSecretReport",
        metadata: { name: `replicaset-${workload}-app`, namespace },
        report: {
            updateTimestamp: "2026-12-07T20:00:00Z",
            scanner: SCANNER,
            registry: { server: "registry.example.test" },
            artifact: { repository: `team/${workload}`, tag: "1.0.0" },
            summary: summary(entries, false),
            secrets: entries,
        },
    };
}

export function complianceReport(
    name: string,
    spec: { id: string; title: string; version: string; type: string },
    controls: { id: string; name: string; severity: string; totalFail: number }[],
): object {
    const failCount = controls.filter((c) => c.totalFail > 0).length;
    return {
        apiVersion: TRIVY_GROUP,
        kind: "ClusterComplianceReport",
        metadata: { name },
        spec: {
            cron: "0 */6 * * *",
            reportType: "summary",
            compliance: {
                ...spec,
                description: spec.title,
                platform: "k8s",
                relatedResources: [],
                controls: controls.map((c) => ({ id: c.id, name: c.name, severity: c.severity, checks: [{ id: `AVD-${c.id}` }] })),
            },
        },
        status: {
            updateTimestamp: "2026-12-07T18:00:00Z",
            summary: { passCount: controls.length - failCount, failCount },
            summaryReport: {
                id: spec.id,
                title: spec.title,
                controlCheck: controls.map((c) => ({ id: c.id, name: c.name, severity: c.severity, totalFail: c.totalFail })),
            },
        },
    };
}

/** The core/v1 Event Falco Talon's k8sevents notifier creates for an action on a pod. */
export function talonEvent(
    i: number,
    o: { namespace: string; pod: string; rule: string; actionner: string; status: string; output: string; time: string },
): object {
    return {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `falco-talon-${i}`, namespace: o.namespace },
        involvedObject: { kind: "Pod", namespace: o.namespace, name: o.pod },
        reason: `falco-talon:${o.actionner}:${o.status}`,
        message: `Status: ${o.status}\nMessage: action\nRule: ${o.rule}\nAction: ${o.actionner}\nActionner: ${o.actionner}\nEvent: ${o.output}\nNamespace: ${o.namespace}\nPod: ${o.pod}\nTraceID: t-${i}\n`,
        source: { component: "falco-talon" },
        type: "Normal",
        eventTime: o.time,
        reportingComponent: "falcosecurity.org/falco-talon",
        reportingInstance: "falco-talon",
        action: o.actionner,
    };
}
