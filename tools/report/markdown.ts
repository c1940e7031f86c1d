// Markdown that fits a PR comment (GitHub caps comments at 65,536 characters; long tables are cut, saying so).
import { toLiveMarkdown } from "./live-markdown";
import { code, diffSection, escapeCell, more } from "./markdown-parts";
import { activeViolations, AppReport, mandatoryViolations, Report, ReportResource, scoreSummary, Violation } from "./model";
import { appliedExemptions, exemptionCounts } from "./exemptions";

const MAX_VIOLATION_ROWS = 60;
const MAX_ROWS = 40;

function where(v: Violation): string {
    return v.resource.file
        ? `${v.resource.file}:${v.line ?? v.resource.line ?? 1} ${v.resource.type}/${v.resource.name}`
        : `${v.resource.type} ${code(v.resource.name)}`;
}

/** Resources not evaluated, grouped by reason (largest first), with the kinds or types involved. */
export function groupUnevaluated(resources: readonly ReportResource[]): { reason: string; count: number; types: string[] }[] {
    const groups = new Map<string, { count: number; types: Map<string, number> }>();
    for (const r of resources) {
        if (!r.evaluation || r.evaluation.evaluated) continue;
        const reason = r.evaluation.reason ?? "not evaluated";
        const group = groups.get(reason) ?? { count: 0, types: new Map<string, number>() };
        group.count++;
        const short = r.type.includes(":") ? r.type.slice(r.type.lastIndexOf(":") + 1) : r.type;
        group.types.set(short, (group.types.get(short) ?? 0) + 1);
        groups.set(reason, group);
    }
    return [...groups]
        .map(([reason, g]) => ({
            reason,
            count: g.count,
            types: [...g.types].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => (n > 1 ? `${t} x${n}` : t)),
        }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

const MAX_CHART_OBJECT_ROWS = 80;

/** Releases with their status, and the chart objects the pack or Gatekeeper judged (or why not). */
function chartLines(report: Report): string[] {
    const charts = report.charts;
    const notEvaluated = charts?.releases.filter((r) => r.status === "not evaluated") ?? [];
    if (!charts || charts.releases.every((r) => r.status === "not evaluated")) {
        // Without rendered charts the pack sees the Release, not its pods: those meet the rules at admission.
        return [
            `_Helm releases not evaluated (${notEvaluated.length}): their workloads are checked by the same rules at admission (Gatekeeper); run the plan with \`--charts\` to check them here._`,
        ];
    }
    const lines = ["#### Helm releases", "", "| Chart | Namespace | Status | Objects (hooks) |", "|---|---|---|---|"];
    for (const r of charts.releases) {
        const status = r.status === "evaluated" ? "rendered and evaluated" : `**not evaluated**: ${r.reason ?? ""}`;
        lines.push(
            `| \`${r.chart ?? "?"}\` ${r.version ?? ""} | ${r.namespace ?? ""} | ${escapeCell(status)} | ${r.objects} (${r.hooks}) |`,
        );
    }
    const operatorMade = charts.releases.flatMap((r) =>
        r.operatorWorkloads.map(
            (w) =>
                `- ${r.chart}: ${w.workload} - from our values: ${w.fromValues.join("; ")}. The operator decides: ${w.operatorDecides.join("; ")}.`,
        ),
    );
    if (operatorMade.length > 0)
        lines.push("", "Created by operators at runtime (not rendered; admitted by Gatekeeper):", "", ...operatorMade.map(escapeCell));
    const judged = charts.objects.filter((o) => o.pack.length > 0 || o.gatekeeper !== undefined || o.podSecurity !== undefined);
    lines.push(
        "",
        `#### Chart workloads (${judged.length} reviewed of ${charts.objects.length} rendered)`,
        "",
        "| Release | Object | Pack | Gatekeeper | Pod Security Admission |",
        "|---|---|---|---|---|",
    );
    for (const o of judged.slice(0, MAX_CHART_OBJECT_ROWS)) {
        const gk =
            o.gatekeeper === undefined
                ? "not reviewed"
                : o.gatekeeper.length === 0
                  ? "admitted"
                  : o.gatekeeper.map((v) => `${v.enforcementAction} \`${v.ruleId}\``).join(", ");
        lines.push(
            `| ${o.release} | ${escapeCell(`${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}${o.hook ? " (hook)" : ""}`)} | ${o.pack.length === 0 ? "pass" : o.pack.map((r) => `\`${r}\``).join(", ")} | ${gk} | ${escapeCell(o.podSecurity ?? "-")} |`,
        );
    }
    if (judged.length > MAX_CHART_OBJECT_ROWS) lines.push("", `_${judged.length - MAX_CHART_OBJECT_ROWS} more in plan.json._`);
    for (const d of charts.disagreements)
        lines.push("", `:warning: pack and Gatekeeper disagree on \`${d.ruleId}\` for ${escapeCell(d.urn)}`);
    return lines;
}

const MAX_APP_ROWS = 60;

/** Objects that stop the app: refused by the AppProject or denied by an admission layer. */
function appBlocking(app: AppReport): number {
    return app.objects.filter((o) => o.verdict === "refused" || o.verdict === "denied").length;
}

/** The headline's app part: its verdict in this stack, or why it was not evaluated. */
function appHeadline(app: AppReport | undefined): string | undefined {
    if (!app) return undefined;
    const name = `\`${
        app.source.repoUrl
            .replace(/\.git$/, "")
            .split(/[/:]/)
            .pop() ?? "app"
    }\``;
    if (app.status === "failed")
        return `:x: **The application ${name} could not be rendered** - not evaluated: ${escapeCell(app.notEvaluated ?? "")}`;
    if (app.status !== "evaluated")
        return `:grey_question: The application ${name} was **not evaluated** (${app.status}): ${escapeCell(app.notEvaluated ?? "")}`;
    const blocking = appBlocking(app);
    if (blocking > 0)
        return `:x: **The application ${name} does not run in this stack: ${blocking} object(s) refused or denied** (${app.counts.denied} denied, ${app.counts.refused} refused, ${app.counts.warned} warned)`;
    return `:white_check_mark: The application ${name} is admitted by both layers (${app.counts.warned} object(s) warned, ${app.counts.audited} audited)`;
}

function appLines(app: AppReport | undefined): string[] {
    if (!app) return [];
    const src = app.source;
    const at = `${src.revision}${src.commit ? ` (${src.commit.slice(0, 12)})` : ""}`;
    const lines = [
        "#### Application",
        "",
        `${code(src.repoUrl)} at ${code(at)}, ${code(src.path)} (${src.type}${src.valueFiles?.length ? `, values ${src.valueFiles.map(code).join(", ")}` : ""}), app rules at **${app.appEnforcement}**${app.kubeVersion ? `, rendered for Kubernetes ${app.kubeVersion}` : ""}.`,
        "",
    ];
    if (app.status !== "evaluated") return [...lines, `**Not evaluated** (${app.status}): ${escapeCell(app.notEvaluated ?? "")}`, ""];
    lines.push(
        `${app.objects.length} objects: ${(["refused", "denied", "warned", "audited", "excluded", "admitted"] as const).map((v) => `${app.counts[v]} ${v}`).join(", ")}.`,
        "",
        "| Verdict | Object | Template | Gatekeeper | Pod Security Admission |",
        "|---|---|---|---|---|",
    );
    for (const o of app.objects.slice(0, MAX_APP_ROWS)) {
        const gk =
            o.gatekeeper === undefined
                ? "-"
                : o.findings.length === 0
                  ? o.gatekeeper
                  : `${o.gatekeeper}: ${[...new Set(o.findings.map((f) => `${f.action} \`${f.ruleId}\``))].join(", ")}`;
        const psa = o.podSecurity
            ? o.podSecurity.summary
            : o.verdict === "excluded" || o.verdict === "refused"
              ? "-"
              : "not a pod or pod template";
        const why = o.verdict === "excluded" || o.verdict === "refused" ? ` (${o.reasons[0] ?? ""})` : "";
        lines.push(
            `| ${o.verdict === "denied" || o.verdict === "refused" ? `**${o.verdict}**` : o.verdict}${escapeCell(why)} | ${escapeCell(`${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}${o.hook ? ` (hook ${o.hook})` : ""}`)} | ${o.template ? code(`${o.template}${o.line ? `:${o.line}` : ""}`) : "-"} | ${escapeCell(gk)} | ${escapeCell(psa)} |`,
        );
    }
    lines.push(...more(MAX_APP_ROWS, app.objects.length, "app objects", "plan.json / app.json"), "");
    return lines;
}

export function toMarkdown(report: Report, countsByComponent?: Record<string, number>): string {
    if (report.live) return toLiveMarkdown(report, report.live);
    const file = `${report.tool}.json`;
    const mandatory = mandatoryViolations(report);
    const active = activeViolations(report);
    const suppressed = report.violations.filter((v) => v.suppressed);
    const appMandatory = mandatory.filter((v) => v.resource.origin === "app").length;
    const verdict =
        mandatory.length > 0
            ? `:x: **${mandatory.length} mandatory violation(s)**${appMandatory > 0 ? ` (${appMandatory} in the application)` : ""} - this change must not be applied`
            : report.app?.status === "failed" || (report.app && appBlocking(report.app) > 0)
              ? ":x: **The application does not pass admission in this stack** - this change must not be applied"
              : report.rules.length === 0
                ? ":warning: **Nothing evaluated: every rule is disabled**"
                : ":white_check_mark: **No mandatory violations**";
    const appVerdict = appHeadline(report.app);
    const skippedFiles = (report.skipped ?? []).length;
    const title =
        report.tool === "plan"
            ? `Offline plan - stack \`${report.stack}\``
            : `Manifest check - ${report.inputs.length - skippedFiles} file(s) checked${skippedFiles > 0 ? `, ${skippedFiles} skipped` : ""}`;
    const opaque = report.resources.filter((r) => r.evaluation && !r.evaluation.evaluated);
    const exempted = exemptionCounts(report);
    const lines: string[] = [
        `### ${title}`,
        "",
        verdict,
        "",
        ...(appVerdict ? [appVerdict, ""] : []),
        `${report.resources.length} ${report.tool === "plan" ? "resources" : "objects"} (${report.resources.length - opaque.length} evaluated by the rules), ${active.length} violation(s)${suppressed.length > 0 ? `, ${suppressed.length} suppressed` : ""}, ${exempted.objects} exempted from ${exempted.rules} rule check(s)${exempted.objects > 0 ? " (listed below with the reasons)" : ""}, ${report.rules.length} rules enabled. Generated ${report.generatedAt}.`,
        "",
    ];
    if (report.tool === "plan") lines.push(...appLines(report.app), ...chartLines(report), "");
    diffSection(report, lines);
    if ((report.problems ?? []).length > 0) {
        lines.push("#### Input problems", "");
        for (const p of (report.problems ?? []).slice(0, MAX_ROWS))
            lines.push(`- ${p.kind}: ${escapeCell(`${p.file}:${p.line}: ${p.message}`)}`);
        lines.push(...more(MAX_ROWS, (report.problems ?? []).length, "problems", file), "");
    }

    lines.push(
        "#### Compliance by framework",
        "",
        "A control passes only when at least one applicable resource was evaluated for it.",
        "",
        "| Framework | Controls passed | Score | Failing (critical first) | Not evaluated |",
        "|---|---|---|---|---|",
    );
    for (const score of report.compliance) {
        const pct = score.total === 0 ? "n/a" : `${Math.round((100 * score.passed) / score.total)}%`;
        const failing =
            score.failing
                .map((f) => `${f.severity === "critical" ? "**" : ""}${f.control}${f.severity === "critical" ? "**" : ""} (${f.severity})`)
                .join(", ") || "-";
        const unevaluated = score.notEvaluated.map((c) => c.control).join(", ") || "-";
        lines.push(`| ${score.framework} | ${scoreSummary(score)} | ${pct} | ${escapeCell(failing)} | ${escapeCell(unevaluated)} |`);
    }
    lines.push("");

    if (active.length > 0) {
        lines.push("#### Violations (critical first)", "", "| Level | Severity | Rule | Resource | Message |", "|---|---|---|---|---|");
        for (const v of active.slice(0, MAX_VIOLATION_ROWS))
            lines.push(`| ${v.enforcement} | ${v.severity} | ${code(v.ruleId)} | ${escapeCell(where(v))} | ${escapeCell(v.message)} |`);
        lines.push(...more(MAX_VIOLATION_ROWS, active.length, "violations", `${file} / ${report.tool}.sarif`), "");
    }
    if (suppressed.length > 0) {
        lines.push(
            "#### Suppressed in the manifests (not counted)",
            "",
            "| Severity | Rule | Resource | Reason | Expires |",
            "|---|---|---|---|---|",
        );
        for (const v of suppressed.slice(0, MAX_ROWS))
            lines.push(
                `| ${v.severity} | ${code(v.ruleId)} | ${escapeCell(where(v))} | ${escapeCell(v.suppressed?.reason ?? "")} | ${v.suppressed?.expires ?? "-"} |`,
            );
        lines.push(...more(MAX_ROWS, suppressed.length, "suppressed violations", file), "");
    }

    if (opaque.length > 0) {
        lines.push(`#### Not evaluated (${opaque.length})`, "", "| Count | Why | Kinds / types |", "|---|---|---|");
        for (const group of groupUnevaluated(report.resources)) {
            const shown = group.types.slice(0, 12).join(", ") + (group.types.length > 12 ? ` and ${group.types.length - 12} more` : "");
            lines.push(`| ${group.count} | ${escapeCell(group.reason)} | ${escapeCell(shown)} |`);
        }
        lines.push("");
    }
    if ((report.skipped ?? []).length > 0) {
        const byReason = new Map<string, number>();
        for (const s of report.skipped ?? []) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
        lines.push(
            `Skipped ${(report.skipped ?? []).length} file(s) that are not Kubernetes manifests: ${[...byReason].map(([r, n]) => `${n} ${r}`).join(", ")}.`,
            "",
        );
    }
    const applied = appliedExemptions(report);
    if (applied.length > 0) {
        lines.push(
            `#### Exempted objects (${exempted.objects}): rules not applied, and why`,
            "",
            "| Scope | Object | Rules not applied | Reason |",
            "|---|---|---|---|",
        );
        for (const e of applied.slice(0, MAX_ROWS))
            lines.push(`| ${e.scope} | ${escapeCell(e.target)} | ${escapeCell(e.rules.map(code).join(", "))} | ${escapeCell(e.reason)} |`);
        lines.push(...more(MAX_ROWS, applied.length, "exemptions", file), "");
    }
    const declared = report.exemptions.filter((e) => !applied.includes(e));
    if (declared.length > 0) {
        lines.push(
            `<details><summary>Exemptions (${declared.length}) and their reasons</summary>`,
            "",
            "| Scope | Where | Rules | Reason |",
            "|---|---|---|---|",
        );
        for (const e of declared)
            lines.push(
                `| ${e.scope} | ${escapeCell(e.target)} | ${escapeCell(e.rules.map(code).join(", "))} | ${escapeCell(e.reason)}${e.expires ? ` (until ${e.expires})` : ""} |`,
            );
        lines.push("", "</details>", "");
    }
    if (countsByComponent && Object.keys(countsByComponent).length > 0) {
        lines.push("<details><summary>Resources per component</summary>", "", "| Component | Resources |", "|---|---|");
        for (const [component, count] of Object.entries(countsByComponent).sort()) lines.push(`| ${code(component)} | ${count} |`);
        lines.push("", "</details>", "");
    }
    return lines.join("\n");
}
