// Writes a report's three files (JSON, Markdown, SARIF) into a fresh timestamped folder.
import * as fs from "fs";
import * as path from "path";
import { Rule } from "../../policy-pack/catalogue";
import { toMarkdown } from "./markdown";
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
}

export function writeReport(
    report: Report,
    rules: readonly Rule[],
    options: { outRoot: string; label: string; defaultArtifact: string; countsByComponent?: Record<string, number> },
): WrittenReport {
    const dir = path.join(options.outRoot, `${options.label}-${timestampForPath(report.generatedAt)}`);
    fs.mkdirSync(dir, { recursive: true });
    const base = report.tool;
    const files = { json: path.join(dir, `${base}.json`), markdown: path.join(dir, `${base}.md`), sarif: path.join(dir, `${base}.sarif`) };
    fs.writeFileSync(files.json, JSON.stringify({ ...report, countsByComponent: options.countsByComponent }, null, 2) + "\n");
    fs.writeFileSync(files.markdown, toMarkdown(report, options.countsByComponent));
    const category = report.tool === "plan" ? `plan/${report.stack}` : "manifest-check";
    fs.writeFileSync(files.sarif, JSON.stringify(toSarif(report, rules, { toolVersion: TOOL_VERSION, defaultArtifact: options.defaultArtifact, category }), null, 2) + "\n");
    return { dir, ...files };
}
