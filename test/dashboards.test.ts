import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { DASHBOARDS_DIR, loadDashboards, PROMETHEUS_DATASOURCE_UID } from "../components/grafana";
import { toPrometheusText } from "../tools/report/metrics";
import { SAMPLE_REPORT } from "./support/sample-live-report";

interface Panel {
    id: number;
    type: string;
    title: string;
    datasource?: { type: string; uid: string };
    targets?: { refId: string; expr?: string; datasource?: { uid: string } }[];
    panels?: Panel[];
}

interface Dashboard {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
}

const required = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "grafana", "required-panels.yaml"), "utf8")) as Record<
    string,
    { panels: string[]; metrics: string[] }
>;

/** Panels including those nested in rows. */
function allPanels(panels: Panel[]): Panel[] {
    return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Rough PromQL sanity: balanced brackets and quotes, no empty selector. Not a parser, catches broken edits. */
function looksLikePromQl(expr: string): boolean {
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    const stack: string[] = [];
    let inString = false;
    for (const ch of expr) {
        if (ch === '"') inString = !inString;
        if (inString) continue;
        if ("([{".includes(ch)) stack.push(ch);
        if (ch in pairs && stack.pop() !== pairs[ch]) return false;
    }
    return !inString && stack.length === 0 && /[a-z_]+/.test(expr);
}

describe("Grafana dashboards", () => {
    const files = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith(".json"));
    const dashboards = new Map(files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, f), "utf8")) as Dashboard]));

    it("ships the four required dashboards", () => {
        assert.deepEqual([...files].sort(), Object.keys(required).sort());
    });

    it("are Grafana dashboards with a unique uid, a title and a schema version", () => {
        const uids = new Set<string>();
        for (const [file, d] of dashboards) {
            assert.match(d.uid, /^[a-z0-9-]{1,40}$/, `${file} uid`);
            assert.ok(!uids.has(d.uid), `${file} uid is unique`);
            uids.add(d.uid);
            assert.ok(d.title.length > 0, `${file} title`);
            assert.ok(Number.isInteger(d.schemaVersion) && d.schemaVersion >= 36, `${file} schemaVersion`);
            assert.ok(d.panels.length >= 4, `${file} has panels`);
        }
    });

    it("keep the required panels, by title", () => {
        for (const [file, d] of dashboards) {
            const titles = allPanels(d.panels).map((p) => p.title);
            for (const title of required[file].panels) assert.ok(titles.includes(title), `${file} has panel "${title}"`);
        }
    });

    it("give every panel a non-empty PromQL expression against the provisioned datasource", () => {
        for (const [file, d] of dashboards) {
            const ids = new Set<number>();
            for (const panel of allPanels(d.panels).filter((p) => p.type !== "row")) {
                assert.ok(!ids.has(panel.id), `${file} panel ids unique (${panel.id})`);
                ids.add(panel.id);
                assert.equal(panel.datasource?.uid, PROMETHEUS_DATASOURCE_UID, `${file} "${panel.title}" datasource`);
                assert.ok(panel.targets && panel.targets.length > 0, `${file} "${panel.title}" has targets`);
                for (const target of panel.targets) {
                    assert.ok(target.expr && target.expr.trim().length > 0, `${file} "${panel.title}" ${target.refId} expr`);
                    assert.ok(looksLikePromQl(target.expr), `${file} "${panel.title}" expr is well-formed: ${target.expr}`);
                }
            }
        }
    });

    it("query the upstream metric names", () => {
        for (const [file, d] of dashboards) {
            const exprs = allPanels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""));
            for (const metric of required[file].metrics) {
                assert.ok(
                    exprs.some((e) => new RegExp(`\\b${metric}\\b`).test(e)),
                    `${file} queries ${metric}`,
                );
            }
        }
    });

    it("break Falco events down by priority name (priority_raw; falcosidekick's `priority` label is numeric)", () => {
        const falco = dashboards.get("falco.json") as Dashboard;
        const byPriority = allPanels(falco.panels).find((p) => p.title === "Events by priority");
        assert.match(byPriority?.targets?.[0].expr ?? "", /sum by \(priority_raw\)/);
    });

    it("show the compliance score the live report computes (one scorer), for each framework", () => {
        const overview = dashboards.get("compliance-overview.json") as Dashboard;
        for (const title of ["Compliance score", "Compliance score over time"]) {
            const score = allPanels(overview.panels).find((p) => p.title === title);
            assert.equal(score?.targets?.[0].expr, '100 * secure_gitops_compliance_score_ratio{stage="combined"}', title);
        }
        // Every metric the dashboard reads from the reporter is one it writes.
        const written = new Set([...toPrometheusText(SAMPLE_REPORT).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
        const read = allPanels(overview.panels).flatMap((p) =>
            (p.targets ?? []).flatMap((t) => (t.expr ?? "").match(/secure_gitops_[a-z_]+/g) ?? []),
        );
        assert.ok(read.length >= 3);
        for (const m of read) assert.ok(written.has(m), m);
    });

    it("are loaded for deployment, and an invalid file fails the deployment", () => {
        assert.deepEqual(Object.keys(loadDashboards()).sort(), [...files].sort());
        assert.throws(
            () => loadDashboards(path.join(__dirname, "fixtures", "grafana", "broken-dashboards")),
            /broken\.json is not valid JSON/,
        );
    });
});
