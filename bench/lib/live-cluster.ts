// Generated cluster contents for the live report's benchmark and its linearity test: `pods` pods that
// Gatekeeper's audit and Trivy's reports point at, `constraints` constraints with `violationsEach` violations
// listed in each (a Gatekeeper whose --constraint-violations-limit was raised: the worst case for the reader),
// `trivyReports` Trivy reports spread over the report kinds, the three compliance reports and Talon events.
import { KUBERNETES_RULES } from "../../policy-pack/catalogue";
import type { FakeCluster } from "../../test/support/fake-apiserver";
import {
    checksReport,
    complianceReport,
    constraint,
    exposedSecretReport,
    talonEvent,
    TRIVY_GROUP,
    vulnerabilityReport,
} from "../../test/support/live-objects";

export interface LiveClusterSize {
    pods: number;
    constraints: number;
    violationsEach: number;
    trivyReports: number;
    events: number;
}

export const BENCH_SIZE: LiveClusterSize = { pods: 5000, constraints: 26, violationsEach: 500, trivyReports: 2000, events: 1000 };

const LEVELS = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;

export function generateLiveCluster(size: LiveClusterSize, now: Date): FakeCluster {
    const fresh = new Date(now.getTime() - 20_000).toISOString();
    const pod = (i: number) => ({ namespace: `team-${i % 40}`, name: `app-${i % size.pods}` });
    const rules = KUBERNETES_RULES.slice(0, size.constraints);
    if (rules.length < size.constraints) throw new Error(`only ${rules.length} Kubernetes rules`);
    const constraints: NonNullable<FakeCluster["constraints"]> = {};
    rules.forEach((rule, r) => {
        const c = constraint({
            kind: rule.gatekeeperKind,
            name: rule.id,
            auditTimestamp: fresh,
            totalViolations: size.violationsEach,
            message: (i) => `${rule.id}: pod ${pod(r * size.violationsEach + i).name} env API_TOKEN=tok${i} is not allowed`,
        }) as { status: { violations: { namespace: string; name: string }[] } };
        c.status.violations.forEach((v, i) => Object.assign(v, pod(r * size.violationsEach + i)));
        constraints[rule.gatekeeperKind.toLowerCase()] = { kind: rule.gatekeeperKind, items: [c] };
    });
    const lists: Record<string, object[]> = {};
    const add = (plural: string, item: object) => (lists[`/apis/${TRIVY_GROUP}/${plural}`] ??= []).push(item);
    for (let i = 0; i < size.trivyReports; i++) {
        const p = pod(i * 7);
        const level = LEVELS[i % LEVELS.length];
        switch (i % 10) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
                add(
                    "vulnerabilityreports",
                    vulnerabilityReport(
                        p.namespace,
                        `${p.name}-${i}`,
                        Array.from({ length: 20 }, (_, v) => ({
                            id: `CVE-2026-${1000 + ((i + v) % 9000)}`,
                            severity: LEVELS[(i + v) % 5],
                        })),
                    ),
                );
                break;
            case 5:
            case 6:
            case 7:
                add(
                    "configauditreports",
                    checksReport(
                        "ConfigAuditReport",
                        p.namespace,
                        `replicaset-${p.name}-${i}`,
                        Array.from({ length: 10 }, (_, c) => ({
                            id: `KSV0${10 + c}`,
                            severity: LEVELS[(i + c) % 4],
                            success: c % 3 === 0,
                            message: `Container app of ${p.name} should set it`,
                        })),
                    ),
                );
                break;
            case 8:
                add(
                    i % 20 === 8 ? "exposedsecretreports" : "rbacassessmentreports",
                    i % 20 === 8
                        ? exposedSecretReport(p.namespace, `${p.name}-${i}`, [
                              { ruleID: "generic-api-key", severity: level, match: `KEY=${"x".repeat(32)}` },
                          ])
                        : checksReport("RbacAssessmentReport", p.namespace, `role-${i}`, [
                              { id: "KSV041", severity: level, success: false },
                          ]),
                );
                break;
            default:
                add(
                    i % 20 === 9 ? "clusterrbacassessmentreports" : "clusterinfraassessmentreports",
                    checksReport(i % 20 === 9 ? "ClusterRbacAssessmentReport" : "ClusterInfraAssessmentReport", undefined, `cluster-${i}`, [
                        { id: "KSV046", severity: level, success: false },
                    ]),
                );
        }
    }
    const cis = KUBERNETES_RULES.flatMap((r) => r.frameworks.filter((f) => f.framework === "CIS-Kubernetes").map((f) => f.control));
    add(
        "clustercompliancereports",
        complianceReport(
            "k8s-cis-1.23",
            { id: "k8s-cis-1.23", title: "CIS Kubernetes Benchmarks v1.23", version: "1.23", type: "cis" },
            [...new Set(cis)].map((id, i) => ({ id, name: `control ${id}`, severity: "HIGH", totalFail: i % 3 })),
        ),
    );
    add(
        "clustercompliancereports",
        complianceReport(
            "k8s-nsa-1.0",
            { id: "k8s-nsa-1.0", title: "NSA Kubernetes Hardening Guidance v1.0", version: "1.0", type: "nsa" },
            [{ id: "1.0", name: "Non-root containers", severity: "MEDIUM", totalFail: 3 }],
        ),
    );
    add(
        "clustercompliancereports",
        complianceReport(
            "k8s-pss-restricted-0.1",
            {
                id: "k8s-pss-restricted-0.1",
                title: "Kubernetes Pod Security Standards - Restricted",
                version: "0.1",
                type: "pss-restricted",
            },
            [{ id: "1", name: "Privileged", severity: "HIGH", totalFail: 1 }],
        ),
    );
    lists["/api/v1/events"] = Array.from({ length: size.events }, (_, i) =>
        talonEvent(i, {
            ...pod(i),
            pod: pod(i).name,
            rule: `Rule ${i % 12}`,
            actionner: i % 2 === 0 ? "kubernetes:terminate" : "kubernetes:labelize",
            status: "success",
            output: `event ${i} password=p${i}`,
            time: new Date(now.getTime() - (i % 20) * 60_000).toISOString(),
        }),
    );
    return { constraints, lists };
}

/** Objects the generated cluster holds, by what the benchmark names. */
export function objectCount(size: LiveClusterSize): number {
    return size.pods + size.constraints + size.trivyReports + size.events;
}
