// The live report's numbers as Prometheus metrics (text exposition format 0.0.4): the reporter's metrics
// endpoint (`npm run report -- --serve-metrics`) serves them and Grafana's compliance dashboard reads them, so
// the dashboard shows the scores the report's one scorer computed, not a second formula.
import { Report, STAGES } from "./model";

const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function toPrometheusText(report: Report): string {
    const live = report.live;
    if (!live) return "";
    const lines: string[] = [];
    type Sample = [Record<string, string>, number];
    const metric = (name: string, help: string, samples: Sample[]): void => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
        for (const [labels, value] of samples) {
            const text = Object.entries(labels)
                .map(([k, v]) => `${k}="${label(v)}"`)
                .join(",");
            lines.push(`${name}${text ? `{${text}}` : ""} ${Number.isFinite(value) ? value : 0}`);
        }
    };
    const stages = [["combined", report.compliance] as const, ...STAGES.map((s) => [s, live.stageScores[s]] as const)];
    metric(
        "secure_gitops_compliance_controls",
        "Framework controls by status in the latest report (not_evaluated is never passed).",
        stages.flatMap(([stage, scores]) =>
            scores.flatMap((s): Sample[] => [
                [{ framework: s.framework, stage, status: "passed" }, s.passed],
                [{ framework: s.framework, stage, status: "failing" }, s.failing.length],
                [{ framework: s.framework, stage, status: "not_evaluated" }, s.notEvaluated.length],
            ]),
        ),
    );
    metric(
        "secure_gitops_compliance_score_ratio",
        "Controls passed / all controls of the framework, as the report scores them (0 when the framework has none).",
        stages.flatMap(([stage, scores]) =>
            scores.map((s): Sample => [{ framework: s.framework, stage }, s.total === 0 ? 0 : s.passed / s.total]),
        ),
    );
    metric(
        "secure_gitops_compliance_source_evaluated",
        "1 when the source was evaluated, 0 when not (missing, forbidden, malformed, stale, not given).",
        live.sources.map((s): Sample => [{ source: s.id, stage: s.stage }, s.status === "evaluated" ? 1 : 0]),
    );
    const byAction = new Map<string, number>();
    for (const c of live.constraints)
        if (c.status === "evaluated") byAction.set(c.enforcementAction, (byAction.get(c.enforcementAction) ?? 0) + c.totalViolations);
    metric(
        "secure_gitops_compliance_audit_violations",
        "Violations counted by fresh Gatekeeper audits, by enforcement action (totalViolations, not only the listed ones).",
        [...byAction].sort().map(([action, n]): Sample => [{ enforcement_action: action }, n]),
    );
    metric("secure_gitops_compliance_report_timestamp_seconds", "When the latest report was generated (Unix seconds).", [
        [{ kind: live.kind }, Date.parse(report.generatedAt) / 1000],
    ]);
    return `${lines.join("\n")}\n`;
}
