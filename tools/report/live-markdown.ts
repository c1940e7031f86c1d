// The live compliance report as Markdown: sources and why any is not evaluated, per framework the combined
// score with each stage's beside it, Gatekeeper's audit (with its cap on listed violations), Trivy's counts
// and worst findings, the runtime events, each control's evidence side by side, trends and exemptions.
import { code, diffSection, escapeCell } from "./markdown-parts";
import { ControlOutcome, FrameworkScore, LiveSection, Report, scoreSummary, STAGES, TRIVY_LEVELS } from "./model";

const MAX_ROWS = 60;

export function percent(score: FrameworkScore): string {
    return score.total === 0 ? "n/a" : `${Math.round((100 * score.passed) / score.total)}%`;
}

export function outcomeText(o: ControlOutcome): string {
    if (o.status === "failing") return `FAIL (${o.severity ?? "?"}${o.mandatory ? ", mandatory" : ""})`;
    if (o.status === "passed") return "pass";
    return "not evaluated";
}

/** Listed of total, and whether Gatekeeper's cap hid some. */
export function violationsText(c: { totalViolations: number; listedViolations: number }, cap: number): string {
    if (c.totalViolations <= c.listedViolations) return String(c.totalViolations);
    return `${c.totalViolations} (${c.listedViolations} listed: Gatekeeper keeps at most ${cap} per constraint)`;
}

export function toLiveMarkdown(report: Report, live: LiveSection): string {
    const mandatory = report.violations.filter((v) => v.enforcement === "mandatory").length;
    const unevaluated = live.sources.filter((s) => s.status === "not evaluated");
    const lines: string[] = [
        `### Compliance report (${live.kind}) - stack \`${report.stack ?? "?"}\``,
        "",
        `Cluster ${code(live.cluster)} (read-only, ${live.auth}). Generated ${report.generatedAt}.`,
        "",
        mandatory > 0
            ? `:x: **${mandatory} object(s) violate deny constraints** (Gatekeeper audit).`
            : live.sources.find((s) => s.id === "gatekeeper-audit")?.status === "evaluated"
              ? ":white_check_mark: **No listed violation of a deny constraint.**"
              : ":warning: **Admission evidence NOT EVALUATED** (see Sources).",
        "",
    ];
    if (unevaluated.length > 0)
        lines.push(
            `:warning: ${unevaluated.length} source(s) not evaluated: ${unevaluated.map((s) => `${s.id} (${escapeCell(s.reason ?? "")})`).join("; ")}.`,
            "",
        );

    const trends = live.trends;
    if (trends) {
        lines.push(
            "#### Trend since the previous report",
            "",
            `Previous report: ${trends.baseline.generatedAt}.`,
            "",
            "| Framework | Passed before | Passed now | Failing before | Failing now |",
            "|---|---|---|---|---|",
        );
        for (const t of trends.scores)
            lines.push(
                `| ${t.framework} | ${t.passedBefore}/${t.totalBefore} | ${t.passedNow}/${t.totalNow} | ${t.failingBefore} | ${t.failingNow} |`,
            );
        lines.push("");
        if (trends.newlyStale.length > 0) lines.push(`Newly stale: ${trends.newlyStale.join(", ")}.`, "");
        if (trends.newlyNotEvaluated.length > 0) lines.push(`Newly not evaluated: ${trends.newlyNotEvaluated.join(", ")}.`, "");
        if (trends.recovered.length > 0) lines.push(`Evaluated again: ${trends.recovered.join(", ")}.`, "");
    }
    diffSection(report, lines);

    lines.push(
        "#### Compliance by framework",
        "",
        "A control passes only with evidence that passed and no stage failing; not evaluated is never a pass.",
        "",
        "| Framework | Combined | Score | Preview (plan) | Admission (Gatekeeper audit) | Runtime (Trivy) | Failing (critical first) | Not evaluated |",
        "|---|---|---|---|---|---|---|---|",
    );
    for (const score of report.compliance) {
        const stage = (s: (typeof STAGES)[number]) => {
            const found = live.stageScores[s].find((x) => x.framework === score.framework);
            return found ? scoreSummary(found) : "-";
        };
        lines.push(
            `| ${score.framework} | ${scoreSummary(score)} | ${percent(score)} | ${stage("preview")} | ${stage("admission")} | ${stage("runtime")} | ${escapeCell(score.failing.map((f) => `${f.control} (${f.severity})`).join(", ") || "-")} | ${escapeCell(score.notEvaluated.map((c) => c.control).join(", ") || "-")} |`,
        );
    }
    lines.push("", "#### Sources", "", "| Source | Stage | Status | Objects | Reason and limits |", "|---|---|---|---|---|");
    for (const s of live.sources)
        lines.push(
            `| ${escapeCell(s.title)} | ${s.stage} | ${s.status === "evaluated" ? "evaluated" : "**not evaluated**"} | ${s.objects} | ${escapeCell([s.reason, ...s.notes].filter(Boolean).join(" "))} |`,
        );
    lines.push("");

    if (live.constraints.length > 0) {
        lines.push(
            "#### Gatekeeper audit",
            "",
            "| Constraint | Rule | Action | Violations | Last audit | Status |",
            "|---|---|---|---|---|---|",
        );
        const ordered = [...live.constraints].sort(
            (a, b) => b.totalViolations - a.totalViolations || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
        );
        for (const c of ordered.slice(0, MAX_ROWS))
            lines.push(
                `| ${code(`${c.kind}/${c.name}`)} | ${c.ruleId ? code(c.ruleId) : "-"} | ${c.enforcementAction} | ${escapeCell(violationsText(c, live.violationsCap))} | ${c.auditTimestamp ?? "-"} | ${c.status === "evaluated" ? "evaluated" : `**not evaluated**: ${escapeCell(c.reason ?? "")}`} |`,
            );
        if (ordered.length > MAX_ROWS) lines.push("", `_${ordered.length - MAX_ROWS} more constraints in report.json._`);
        lines.push("");
    }
    if (report.violations.length > 0) {
        lines.push(
            "#### Violations in the cluster (critical first)",
            "",
            "| Action | Severity | Rule | Object | Message |",
            "|---|---|---|---|---|",
        );
        for (const v of report.violations.slice(0, MAX_ROWS))
            lines.push(
                `| ${v.enforcement} | ${v.severity} | ${code(v.ruleId)} | ${escapeCell(code(`${v.resource.type} ${v.resource.namespace ? `${v.resource.namespace}/` : ""}${v.resource.name}`))} | ${escapeCell(v.message)} |`,
            );
        if (report.violations.length > MAX_ROWS)
            lines.push("", `_${report.violations.length - MAX_ROWS} more violations in report.json / report.sarif._`);
        lines.push("");
    }
    if (live.trivy.length > 0) {
        lines.push(
            "#### Trivy reports",
            "",
            `| Kind | Reports | ${TRIVY_LEVELS.join(" | ")} |`,
            `|---|---|${TRIVY_LEVELS.map(() => "---").join("|")}|`,
        );
        for (const k of live.trivy) lines.push(`| ${k.kind} | ${k.reports} | ${TRIVY_LEVELS.map((l) => k.counts[l]).join(" | ")} |`);
        lines.push("", "Worst findings:", "", "| Kind | Severity | Id | Object | Title | Detail |", "|---|---|---|---|---|---|");
        for (const k of live.trivy)
            for (const f of k.worst.slice(0, 5))
                lines.push(
                    `| ${k.kind} | ${f.severity} | ${code(f.id)} | ${escapeCell(f.object)} | ${escapeCell(f.title)} | ${escapeCell(f.detail ?? "")} |`,
                );
        lines.push("");
    }
    for (const spec of live.complianceSpecs) {
        const failed = spec.controls.filter((c) => c.totalFail > 0);
        lines.push(
            `#### ${escapeCell(spec.title)} (${spec.specId}${spec.version ? ` ${spec.version}` : ""})`,
            "",
            `${spec.passCount} passed, ${spec.failCount} failed${spec.updatedAt ? `, updated ${spec.updatedAt}` : ""}${spec.framework ? `; control ids are ${spec.framework}'s` : ""}.`,
            "",
        );
        if (failed.length > 0) {
            lines.push("| Control | Name | Severity | Failed |", "|---|---|---|---|");
            for (const c of failed.slice(0, MAX_ROWS)) lines.push(`| ${c.id} | ${escapeCell(c.name)} | ${c.severity} | ${c.totalFail} |`);
            lines.push("");
        }
    }
    const events = live.runtimeEvents;
    if (events) {
        lines.push("#### Runtime events (Falco, acted on by Falco Talon)", "", `${events.total} event(s) in the period.`, "");
        if (events.byRule.length > 0) {
            lines.push("| Falco rule | Events |", "|---|---|");
            for (const r of events.byRule.slice(0, 20)) lines.push(`| ${escapeCell(r.rule)} | ${r.count} |`);
            lines.push("", "| Talon action | Status | Count |", "|---|---|---|");
            for (const a of events.byAction) lines.push(`| ${escapeCell(a.action)} | ${escapeCell(a.status)} | ${a.count} |`);
            lines.push("");
        }
    }
    lines.push(
        "<details><summary>Every control: evidence per stage</summary>",
        "",
        "| Framework | Control | Preview | Admission | Runtime | Combined | Evidence |",
        "|---|---|---|---|---|---|---|",
    );
    for (const c of live.controls)
        lines.push(
            `| ${c.framework} | ${c.control} | ${outcomeText(c.preview)} | ${outcomeText(c.admission)} | ${outcomeText(c.runtime)} | **${outcomeText(c.combined)}** | ${escapeCell(c.links.slice(0, 4).map(code).join(", ") + (c.links.length > 4 ? ` and ${c.links.length - 4} more` : ""))} |`,
        );
    lines.push("", "</details>", "");
    if (report.exemptions.length > 0) {
        lines.push(
            `<details><summary>Exemptions (${report.exemptions.length}) and their reasons</summary>`,
            "",
            "| Scope | Where | Rules | Reason |",
            "|---|---|---|---|",
        );
        for (const e of report.exemptions)
            lines.push(`| ${e.scope} | ${escapeCell(e.target)} | ${escapeCell(e.rules.map(code).join(", "))} | ${escapeCell(e.reason)} |`);
        lines.push("", "</details>", "");
    }
    return lines.join("\n");
}
