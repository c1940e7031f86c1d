// Test support: a small live report built by the real builder from hand-written evidence (no cluster).
import { buildLiveReport } from "../../tools/live/build";
import { Report } from "../../tools/report/model";

const empty = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };

export const SAMPLE_REPORT: Report = buildLiveReport({
    stack: "prod",
    kind: "daily",
    now: new Date("2026-12-07T02:00:00Z"),
    cluster: "https://203.0.113.10",
    auth: "service account token",
    enforcement: (rule) => rule.defaultEnforcement,
    gatekeeper: {
        source: { id: "gatekeeper-audit", title: "Gatekeeper audit", stage: "admission", status: "evaluated", objects: 1, notes: [] },
        constraints: [
            {
                kind: "SgPssBaselinePrivileged",
                name: "pss-baseline-privileged",
                ruleId: "pss-baseline-privileged",
                enforcementAction: "deny",
                totalViolations: 2,
                listedViolations: 1,
                auditTimestamp: "2026-12-07T01:59:30Z",
                status: "evaluated",
            },
        ],
        violations: [
            {
                ruleId: "pss-baseline-privileged",
                constraint: "pss-baseline-privileged",
                kind: "SgPssBaselinePrivileged",
                enforcementAction: "deny",
                object: { group: "", version: "v1", kind: "Pod", namespace: "shop", name: "cart" },
                message: "privileged container",
            },
        ],
    },
    trivy: {
        sources: [
            {
                id: "trivy:vulnerabilityreports",
                title: "Trivy VulnerabilityReports",
                stage: "runtime",
                status: "evaluated",
                objects: 1,
                notes: [],
            },
        ],
        kinds: [{ kind: "VulnerabilityReport", reports: 1, counts: { ...empty, HIGH: 1 }, worst: [] }],
        specs: [],
        objects: [],
    },
    runtime: {
        source: {
            id: "falco-talon-events",
            title: "Talon events",
            stage: "runtime",
            status: "not evaluated",
            reason: "forbidden: 403",
            objects: 0,
            notes: [],
        },
    },
    violationsCap: 20,
});
