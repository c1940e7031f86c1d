// The plan CLI's part for chart workloads: the `--charts` flag and the console listing of Releases and verdicts.
import * as fs from "fs";
import * as path from "path";
import type { ChartsSection } from "../report/model";
import type { ChartSource } from "./releases";

/** The plan's console section: each Release's status and every judged chart object's verdicts. */
export function printCharts(charts: ChartsSection | undefined): void {
    if (!charts) return;
    console.log(`\nHelm releases (${charts.releases.length}):`);
    for (const r of charts.releases) {
        const what = r.status === "evaluated" ? `${r.objects} objects rendered (${r.hooks} hooks)` : `NOT EVALUATED: ${r.reason ?? ""}`;
        console.log(`  ${`${r.chart ?? "?"} ${r.version ?? ""}`.padEnd(32)} ${(r.namespace ?? "").padEnd(18)} ${what}`);
        for (const w of r.operatorWorkloads) {
            console.log(`      created by the operator at runtime, admitted by Gatekeeper: ${w.workload}`);
            console.log(`        from our values: ${w.fromValues.join("; ")}`);
            console.log(`        the operator decides: ${w.operatorDecides.join("; ")}`);
        }
    }
    // Objects some engine gave a verdict on; the rest (ConfigMaps, RBAC, CRDs...) only counted.
    const judged = charts.objects.filter((o) => o.pack.length > 0 || o.gatekeeper !== undefined);
    if (charts.objects.length > 0)
        console.log(`\nChart workloads (${judged.length} reviewed by the pack or Gatekeeper of ${charts.objects.length} rendered):`);
    for (const o of judged) {
        const gk =
            o.gatekeeper === undefined
                ? "not run"
                : o.gatekeeper.length === 0
                  ? "admitted"
                  : o.gatekeeper.map((v) => `${v.enforcementAction}:${v.ruleId}`).join(" ");
        console.log(
            `  ${o.release} ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}${o.hook ? " (hook)" : ""}: pack ${o.pack.length === 0 ? "pass" : o.pack.join(" ")}; gatekeeper ${gk}`,
        );
    }
    for (const d of charts.disagreements)
        console.log(
            `  DISAGREEMENT ${d.ruleId} on ${d.urn}: pack ${d.pack ? "violation" : "pass"}, gatekeeper ${d.gatekeeper ? "violation" : "pass"}`,
        );
}

/** `--charts <dir>` or `--charts pull`; a bad value is a usage error. */
export function chartSourceFromFlag(value: string, pullDestination: () => string): ChartSource {
    if (value === "pull") return { kind: "pull", destination: pullDestination() };
    if (!fs.existsSync(value) || !fs.statSync(value).isDirectory())
        throw new Error(
            `--charts: "${value}" is not a directory (give a directory holding <chart>-<version>.tgz or <chart>/ and the app checked out as <repository name>/, or "pull")`,
        );
    return { kind: "dir", dir: path.resolve(value) };
}
