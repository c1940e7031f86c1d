// The executive summary of a live compliance report as one self-contained HTML page: inline CSS, no script,
// no external asset (fonts, images, links to load), laid out to print on A4 (browser "Save as PDF").
// Every value from the cluster is escaped; messages were masked when they were read.
import { outcomeText, percent, violationsText } from "./live-markdown";
import { LiveSection, Report, scoreSummary, STAGES, TRIVY_LEVELS } from "./model";

const MAX_ROWS = 25;

export function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const STYLE = `
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1f24; margin: 0 auto; max-width: 190mm; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #c9d1d9; padding-bottom: 1mm; }
.meta { color: #57606a; font-size: 9pt; }
.verdict { padding: 2.5mm 3mm; border-radius: 2mm; margin: 3mm 0; font-weight: 600; }
.bad { background: #ffebe9; border: 1px solid #cf222e; } .ok { background: #dafbe1; border: 1px solid #1a7f37; } .warn { background: #fff8c5; border: 1px solid #9a6700; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; font-size: 9pt; }
th, td { border: 1px solid #d0d7de; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tr, .card { page-break-inside: avoid; break-inside: avoid; }
.bar { background: #eaeef2; height: 3mm; width: 30mm; display: inline-block; vertical-align: middle; }
.bar > span { background: #1a7f37; height: 100%; display: block; }
.ne { color: #9a6700; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } }
`;

function rows(cells: string[][]): string {
    return cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
}

function head(names: string[]): string {
    return `<tr>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join("")}</tr>`;
}

export function toHtml(report: Report, live: LiveSection): string {
    const e = escapeHtml;
    const mandatory = report.violations.filter((v) => v.enforcement === "mandatory").length;
    const unevaluated = live.sources.filter((s) => s.status === "not evaluated");
    const verdict =
        mandatory > 0
            ? `<div class="verdict bad">${mandatory} object(s) in the cluster violate deny constraints.</div>`
            : unevaluated.length > 0
              ? `<div class="verdict warn">No listed violation of a deny constraint; ${unevaluated.length} source(s) not evaluated.</div>`
              : `<div class="verdict ok">No listed violation of a deny constraint; every source evaluated.</div>`;
    const scoreRows = report.compliance.map((s) => {
        const pct = s.total === 0 ? 0 : Math.round((100 * s.passed) / s.total);
        const stage = (st: (typeof STAGES)[number]) => e(scoreSummary(live.stageScores[st].find((x) => x.framework === s.framework) ?? s));
        return [
            e(s.framework),
            `<span class="bar"><span style="width:${pct}%"></span></span> ${e(percent(s))}`,
            e(scoreSummary(s)),
            stage("preview"),
            stage("admission"),
            stage("runtime"),
            s.failing.length > 0 ? `<span class="fail">${e(s.failing.map((f) => `${f.control} (${f.severity})`).join(", "))}</span>` : "-",
        ];
    });
    const trend = live.trends
        ? `<h2>Trend since ${e(live.trends.baseline.generatedAt)}</h2><table>${head(["Framework", "Passed before", "Passed now", "Failing before", "Failing now"])}${rows(
              live.trends.scores.map((t) => [
                  e(t.framework),
                  `${t.passedBefore}/${t.totalBefore}`,
                  `${t.passedNow}/${t.totalNow}`,
                  String(t.failingBefore),
                  String(t.failingNow),
              ]),
          )}</table>${
              report.diff
                  ? `<p>${report.diff.newViolations.length} new and ${report.diff.fixedViolations.length} resolved violation(s).</p>`
                  : ""
          }${live.trends.newlyStale.length > 0 ? `<p class="ne">Newly stale: ${e(live.trends.newlyStale.join(", "))}</p>` : ""}`
        : "";
    const failingControls = report.compliance.flatMap((s) => s.failing).slice(0, MAX_ROWS);
    const constraints = [...live.constraints]
        .filter((c) => c.totalViolations > 0 || c.status !== "evaluated")
        .sort((a, b) => b.totalViolations - a.totalViolations)
        .slice(0, MAX_ROWS);
    const events = live.runtimeEvents;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance report ${e(live.kind)} - ${e(report.stack ?? "")} - ${e(report.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Compliance report: ${e(report.stack ?? "")} (${e(live.kind)})</h1>
<div class="meta">Generated ${e(report.generatedAt)} from ${e(live.cluster)} (read-only, ${e(live.auth)}). Not evaluated is never counted as passed.</div>
${verdict}
<h2>Scores by framework</h2>
<table>${head(["Framework", "Score", "Combined", "Preview", "Admission", "Runtime", "Failing controls"])}
${rows(scoreRows)}</table>
${trend}
<h2>Sources</h2>
<table>${head(["Source", "Stage", "Status", "Objects", "Reason and limits"])}
${rows(live.sources.map((s) => [e(s.title), e(s.stage), s.status === "evaluated" ? "evaluated" : `<span class="ne">not evaluated</span>`, String(s.objects), e([s.reason, ...s.notes].filter(Boolean).join(" "))]))}</table>
${
    failingControls.length > 0
        ? `<h2>Failing controls</h2><table>${head(["Framework", "Control", "Severity", "Rules"])}${rows(failingControls.map((f) => [e(f.framework), e(f.control), e(f.severity), e(f.rules.join(", "))]))}</table>`
        : ""
}
${
    constraints.length > 0
        ? `<h2>Gatekeeper audit</h2><table>${head(["Constraint", "Rule", "Action", "Violations", "Status"])}${rows(
              constraints.map((c) => [
                  e(`${c.kind}/${c.name}`),
                  e(c.ruleId ?? "-"),
                  e(c.enforcementAction),
                  e(violationsText(c, live.violationsCap)),
                  c.status === "evaluated" ? "evaluated" : `<span class="ne">not evaluated: ${e(c.reason ?? "")}</span>`,
              ]),
          )}</table>`
        : ""
}
${
    live.trivy.length > 0
        ? `<h2>Scanner findings (Trivy)</h2><table>${head(["Kind", "Reports", ...TRIVY_LEVELS])}${rows(live.trivy.map((k) => [e(k.kind), String(k.reports), ...TRIVY_LEVELS.map((l) => String(k.counts[l]))]))}</table>`
        : ""
}
${
    live.complianceSpecs.length > 0
        ? `<h2>Benchmarks (Trivy compliance reports)</h2><table>${head(["Benchmark", "Passed", "Failed", "Updated"])}${rows(live.complianceSpecs.map((s) => [e(`${s.title} (${s.specId})`), String(s.passCount), String(s.failCount), e(s.updatedAt ?? "-")]))}</table>`
        : ""
}
${events ? `<h2>Runtime threats (Falco, acted on by Talon)</h2><p>${events.total} event(s).</p>${events.byRule.length > 0 ? `<table>${head(["Falco rule", "Events"])}${rows(events.byRule.slice(0, 10).map((r) => [e(r.rule), String(r.count)]))}</table>` : ""}` : ""}
<h2>Controls: evidence per stage</h2>
<table>${head(["Framework", "Control", "Preview", "Admission", "Runtime", "Combined"])}
${rows(live.controls.map((c) => [e(c.framework), e(c.control), e(outcomeText(c.preview)), e(outcomeText(c.admission)), e(outcomeText(c.runtime)), `<strong>${e(outcomeText(c.combined))}</strong>`]))}</table>
<h2>Exemptions</h2>
<table>${head(["Where", "Rules", "Reason"])}${rows(report.exemptions.map((x) => [e(x.target), e(x.rules.join(", ")), e(x.reason)]))}</table>
</body>
</html>
`;
}
