// Writes a report's three files (JSON, Markdown, SARIF) into one folder; a live compliance report also gets its
// HTML executive summary.
import * as fs from "fs";
import * as path from "path";
import { Rule } from "../../policy-pack/catalogue";
import { toHtml } from "./html";
import { toMarkdown } from "./markdown";
import { toPrometheusText } from "./metrics";
import { Report } from "./model";
import { toSarif } from "./sarif";
import packManifest from "../../policy-pack/package.json";

/** The rules' version is the pack's version: SARIF and JSON name the catalogue they were produced by. */
export const TOOL_VERSION: string = packManifest.version;

export function timestampForPath(iso: string): string {
    return iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

export interface WrittenReport {
    dir: string;
    json: string;
    markdown: string;
    sarif: string;
    html?: string;
    metrics?: string;
}

export function toJson(report: Report, countsByComponent?: Record<string, number>): string {
    return JSON.stringify({ ...report, ...(countsByComponent ? { countsByComponent } : {}) }, null, 2) + "\n";
}

export function sarifCategory(report: Report): string {
    if (report.tool === "report") return `report/${report.stack}/${report.live?.kind ?? "on-demand"}`;
    return report.tool === "plan" ? `plan/${report.stack}` : "manifest-check";
}

export function writeReport(
    report: Report,
    rules: readonly Rule[],
    options: {
        dir: string;
        defaultArtifact: string;
        countsByComponent?: Record<string, number>;
        sarifMaxResults?: number;
        /** Where the app repository's files are in SARIF (sarif.ts `appRoot`). */
        sarifAppRoot?: "app" | "srcroot";
    },
): WrittenReport {
    const dir = options.dir;
    fs.mkdirSync(dir, { recursive: true });
    const base = report.tool;
    const files = { json: path.join(dir, `${base}.json`), markdown: path.join(dir, `${base}.md`), sarif: path.join(dir, `${base}.sarif`) };
    fs.writeFileSync(files.json, toJson(report, options.countsByComponent));
    fs.writeFileSync(files.markdown, toMarkdown(report, options.countsByComponent));
    const sarif = toSarif(report, rules, {
        toolVersion: TOOL_VERSION,
        defaultArtifact: options.defaultArtifact,
        category: sarifCategory(report),
        maxResults: options.sarifMaxResults,
        appRoot: options.sarifAppRoot,
    });
    fs.writeFileSync(files.sarif, JSON.stringify(sarif, null, 2) + "\n");
    if (report.live) {
        const html = path.join(dir, `${base}.html`);
        fs.writeFileSync(html, toHtml(report, report.live));
        // The same numbers for Prometheus (a node-exporter textfile collector can read it too).
        const metrics = path.join(dir, `${base}.prom`);
        fs.writeFileSync(metrics, toPrometheusText(report));
        return { dir, ...files, html, metrics };
    }
    return { dir, ...files };
}
