// Markdown that fits a PR comment (GitHub caps comments at 65,536 characters; long tables are truncated).
import { mandatoryViolations, Report } from "./model";

const MAX_VIOLATION_ROWS = 60;

function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function toMarkdown(report: Report, countsByComponent?: Record<string, number>): string {
    const mandatory = mandatoryViolations(report);
    const verdict = mandatory.length > 0 ? `:x: **${mandatory.length} mandatory violation(s)** - this change must not be applied` : ":white_check_mark: **No mandatory violations**";
    const title = report.tool === "plan" ? `Offline plan - stack \`${report.stack}\`` : `Manifest check - ${report.inputs.length} input(s)`;
    const lines: string[] = [`### ${title}`, "", verdict, "", `${report.resources.length} resources, ${report.violations.length} violation(s), ${report.rules.length} rules evaluated. Generated ${report.generatedAt}.`, ""];
    if (report.tool === "plan") {
        // The pack sees what the program declares; chart-rendered pods only exist in the cluster.
        lines.push("_Workloads inside the pinned Helm charts are checked by the same rules at admission (Gatekeeper), not here._", "");
    }

    lines.push("#### Compliance by framework", "", "| Framework | Controls passed | Score | Failing (critical first) |", "|---|---|---|---|");
    for (const score of report.compliance) {
        const pct = score.total === 0 ? "n/a" : `${Math.round((100 * score.passed) / score.total)}%`;
        const failing = score.failing.map((f) => `${f.severity === "critical" ? "**" : ""}${f.control}${f.severity === "critical" ? "**" : ""} (${f.severity})`).join(", ") || "-";
        lines.push(`| ${score.framework} | ${score.passed}/${score.total} | ${pct} | ${escapeCell(failing)} |`);
    }
    lines.push("");

    if (report.violations.length > 0) {
        lines.push("#### Violations", "", "| Level | Severity | Rule | Resource | Message |", "|---|---|---|---|---|");
        const sorted = [...report.violations].sort((a, b) => Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory"));
        for (const v of sorted.slice(0, MAX_VIOLATION_ROWS)) {
            const where = v.resource.file ? `${v.resource.file}:${v.resource.line ?? 1}` : `${v.resource.type} \`${v.resource.name}\``;
            lines.push(`| ${v.enforcement} | ${v.severity} | \`${v.ruleId}\` | ${escapeCell(where)} | ${escapeCell(v.message)} |`);
        }
        if (sorted.length > MAX_VIOLATION_ROWS) lines.push("", `_${sorted.length - MAX_VIOLATION_ROWS} more in plan.json / plan.sarif._`);
        lines.push("");
    }

    if (countsByComponent && Object.keys(countsByComponent).length > 0) {
        lines.push("<details><summary>Resources per component</summary>", "", "| Component | Resources |", "|---|---|");
        for (const [component, count] of Object.entries(countsByComponent).sort()) lines.push(`| \`${component}\` | ${count} |`);
        lines.push("", "</details>", "");
    }
    return lines.join("\n");
}
