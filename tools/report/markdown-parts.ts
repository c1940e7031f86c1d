// Markdown pieces the plan's, the check's and the live report's writers share.
import { Report } from "./model";

const MAX_DIFF_RESOURCES = 30;
const MAX_DIFF_CHANGES = 8;
const MAX_ROWS = 40;

export function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function code(text: string): string {
    return `\`${text.replace(/`/g, "'")}\``;
}

export function more(shown: number, total: number, what: string, file: string): string[] {
    return total > shown ? ["", `_${total - shown} more ${what} in ${file}._`] : [];
}

export function diffSection(report: Report, lines: string[]): void {
    const diff = report.diff;
    if (!diff) return;
    const file = `${report.tool}.json`;
    lines.push(
        report.tool === "report" ? "#### Changes against the previous report" : "#### Changes against the base plan",
        "",
        `Baseline generated ${diff.baseline.generatedAt}: **${diff.added.length}** added, **${diff.removed.length}** removed, **${diff.changed.length}** changed resource(s); **${diff.newViolations.length}** new and **${diff.fixedViolations.length}** fixed violation(s).`,
        "",
    );
    if (diff.newViolations.length + diff.fixedViolations.length > 0) {
        lines.push("| | Level | Severity | Rule | Resource | Message |", "|---|---|---|---|---|---|");
        const rows = [...diff.newViolations.map((v) => ({ v, tag: "new" })), ...diff.fixedViolations.map((v) => ({ v, tag: "fixed" }))];
        for (const { v, tag } of rows.slice(0, MAX_ROWS))
            lines.push(
                `| ${tag} | ${v.enforcement} | ${v.severity} | ${code(v.ruleId)} | ${escapeCell(code(v.urn.split("::").pop() ?? v.urn))} | ${escapeCell(v.message)} |`,
            );
        lines.push(...more(MAX_ROWS, rows.length, "violation changes", file), "");
    }
    for (const [label, list] of [
        ["Added", diff.added],
        ["Removed", diff.removed],
    ] as const) {
        if (list.length === 0) continue;
        lines.push(
            `${label}: ${list
                .slice(0, MAX_ROWS)
                .map((r) => code(`${r.type} ${r.name}`))
                .join(", ")}${list.length > MAX_ROWS ? ` and ${list.length - MAX_ROWS} more` : ""}`,
            "",
        );
    }
    if (diff.changed.length > 0) {
        lines.push("<details><summary>Changed resources (property level)</summary>", "");
        for (const r of diff.changed.slice(0, MAX_DIFF_RESOURCES)) {
            lines.push(`- ${code(`${r.type} ${r.name}`)}`);
            for (const c of r.changes.slice(0, MAX_DIFF_CHANGES))
                lines.push(
                    `  - ${code(c.path)}: ${c.before === undefined ? "_(absent)_" : code(c.before)} → ${c.after === undefined ? "_(absent)_" : code(c.after)}`,
                );
            const hidden = r.changes.length - Math.min(r.changes.length, MAX_DIFF_CHANGES) + r.moreChanges;
            if (hidden > 0) lines.push(`  - _${hidden} more change(s) in ${file}_`);
        }
        lines.push(...more(MAX_DIFF_RESOURCES, diff.changed.length, "changed resources", file), "", "</details>", "");
    }
}
