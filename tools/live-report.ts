// The live compliance report (`npm run report`): reads a running cluster read-only (Gatekeeper's audit, the
// Trivy operator's reports, the Falco events Falco Talon acted on), joins the plan of the deployed commit when
// given, and writes report.json, report.md, report.sarif and report.html: per framework and control the
// evidence at preview, admission and runtime side by side, scored by the plan's scorer. With a previous report
// of its kind (`--baseline`, or found under `--out-root`) it adds the trend: new and resolved violations,
// score changes, newly stale sources.
// Usage: npm run report -- --stack prod --kubeconfig <file> [--out <dir> | --out-root <dir>] [--baseline <report.json>] ...
// Exit codes: 0 report written, 2 usage or input error (one line).
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parseArgs } from "util";
import { Enforcement, Rule, ruleById } from "../policy-pack/catalogue";
import { AUDIT_STALE_AFTER_SECONDS, CONSTRAINT_VIOLATIONS_LIMIT } from "../platform/gatekeeper-audit";
import { policyPackConfig } from "../platform/policy-settings";
import { parseStackConfig, plainConfigSource } from "../stacks/config";
import { buildLiveReport, PreviewEvidence, readPreview, REPORT_KINDS, ReportKind } from "./live/build";
import { connectionFromKubeconfig, inClusterConnection, KubeClient, KubeConfigError, KubeConnection } from "./live/kube";
import { readGatekeeper, readRuntimeEvents, readTrivy } from "./live/sources";
import { uploadReports } from "./live/upload";
import { PROJECT_ROOT, readStackConfigFile } from "./mock-engine";
import { BaselinePlan, readBaseline } from "./report/diff";
import { toPrometheusText } from "./report/metrics";
import { Report, scoreSummary } from "./report/model";
import { RULES } from "../policy-pack/catalogue";
import { writeReport, WrittenReport } from "./report/write";

export const REPORT_USAGE = `usage: npm run report -- --stack <dev|staging|prod> (--kubeconfig <file> | --in-cluster) [options]

Reads the stack's running cluster read-only and writes report.json, report.md, report.sarif and report.html.

  --stack <name>              the stack (Pulumi.<name>.yaml: each rule's declared level); required
  --kubeconfig <file>         the cluster's kubeconfig (client certificate or token; exec plugins are not run)
  --context <name>            a context of the kubeconfig (default: its current-context)
  --in-cluster                use the pod's service account (the scheduled reporter)
  --insecure-skip-tls-verify  accept a kubeconfig that sets insecure-skip-tls-verify (the server is not verified)
  --kind <kind>               daily | weekly | monthly | on-demand (default on-demand): the period and the layout
  --out <dir>                 write the reports into exactly this folder
  --out-root <dir>            write them into <dir>/<stack>/<yyyy>/<mm>/<dd>/<kind>/ (default: report-output), and
                              diff against the latest earlier report of the same kind there
  --baseline <report.json>    the previous report to diff against (wins over the one found under --out-root)
  --plan <plan.json>          the offline plan of the deployed commit: the preview evidence
  --upload-bucket <name>      also upload the files to gs://<name>/<stack>/<yyyy>/<mm>/<dd>/<kind>/ (create-only, with
                              the pod's Workload Identity: the scheduled reporter in gke mode)
  --serve-metrics <[host]:port>  keep running: make a report every --interval minutes (into --out, overwritten) and
                              serve its numbers at http://<host>:<port>/metrics for Prometheus (Grafana's dashboard)
  --interval <minutes>        with --serve-metrics: minutes between reports (default 60, 5-1440)
  -h, --help                  this help

Exit codes: 0 report written (read its verdicts), 2 usage or input error.`;

class UsageError extends Error {}

/** How far back runtime events count, per report kind. */
const PERIOD_HOURS: Record<ReportKind, number> = { daily: 24, weekly: 24 * 7, monthly: 24 * 31, "on-demand": 24 };

/** `<root>/<stack>/<yyyy>/<mm>/<dd>/<kind>` for a UTC date. */
export function reportDir(root: string, stack: string, kind: ReportKind, date: Date): string {
    const pad = (n: number) => String(n).padStart(2, "0");
    return path.join(root, stack, String(date.getUTCFullYear()), pad(date.getUTCMonth() + 1), pad(date.getUTCDate()), kind);
}

/** The latest report.json of this kind under `<root>/<stack>/` written before `before`'s folder (date folders sort). */
export function findPreviousReport(root: string, stack: string, kind: ReportKind, before: string): string | undefined {
    const base = path.join(root, stack);
    const sortedDirs = (dir: string): string[] => {
        try {
            return fs
                .readdirSync(dir, { withFileTypes: true })
                .filter((d) => d.isDirectory() && /^\d+$/.test(d.name))
                .map((d) => d.name)
                .sort()
                .reverse();
        } catch {
            return [];
        }
    };
    for (const y of sortedDirs(base))
        for (const m of sortedDirs(path.join(base, y)))
            for (const d of sortedDirs(path.join(base, y, m))) {
                const dir = path.join(base, y, m, d, kind);
                const file = path.join(dir, "report.json");
                if (path.resolve(dir) !== path.resolve(before) && fs.existsSync(file)) return file;
            }
    return undefined;
}

/** Each rule's level as the stack declares it (the same policy config the program renders its constraints from). */
export function declaredEnforcement(stack: string): (rule: Rule) => Enforcement {
    const file = readStackConfigFile(stack);
    const config = parseStackConfig(plainConfigSource(file.config, file.secretKeys), stack);
    const policy = policyPackConfig(config.policy);
    return (rule) => (policy[rule.id]?.enforcementLevel as Enforcement | undefined) ?? ruleById(rule.id).defaultEnforcement;
}

export interface LiveReportOptions {
    stack: string;
    connection: KubeConnection;
    kind: ReportKind;
    now?: Date;
    outDir: string;
    baselineFile?: string;
    preview?: PreviewEvidence;
}

export async function runLiveReport(options: LiveReportOptions): Promise<{ report: Report; written: WrittenReport; requests: number }> {
    const now = options.now ?? new Date();
    const enforcement = declaredEnforcement(options.stack);
    let baseline: BaselinePlan | undefined;
    if (options.baselineFile) {
        baseline = readBaseline(options.baselineFile, "report");
        if (baseline.stack !== options.stack)
            throw new UsageError(`--baseline ${options.baselineFile} is a report of stack ${String(baseline.stack)}, not ${options.stack}`);
    }
    const client = new KubeClient(options.connection);
    try {
        const gatekeeper = await readGatekeeper(client, now, AUDIT_STALE_AFTER_SECONDS);
        const trivy = await readTrivy(client);
        const runtime = await readRuntimeEvents(client, new Date(now.getTime() - PERIOD_HOURS[options.kind] * 3600_000));
        const report = buildLiveReport({
            stack: options.stack,
            kind: options.kind,
            now,
            cluster: options.connection.server.origin,
            auth: options.connection.auth,
            enforcement,
            gatekeeper,
            trivy,
            runtime,
            preview: options.preview,
            baseline: baseline ? { report: baseline, file: options.baselineFile } : undefined,
            violationsCap: CONSTRAINT_VIOLATIONS_LIMIT,
        });
        const written = writeReport(report, RULES, { dir: options.outDir, defaultArtifact: `Pulumi.${options.stack}.yaml` });
        return { report, written, requests: client.requests };
    } finally {
        client.close();
    }
}

function printSummary(report: Report, written: WrittenReport): void {
    const live = report.live;
    if (!live) return;
    console.log(`Compliance report (${live.kind}) of stack ${report.stack}, cluster ${live.cluster}:`);
    for (const s of live.sources)
        console.log(
            `  ${s.status === "evaluated" ? "evaluated    " : "NOT EVALUATED"} ${s.id} (${s.objects} objects)${s.reason ? `: ${s.reason}` : ""}`,
        );
    console.log("Compliance by framework (combined; preview / admission / runtime):");
    for (const score of report.compliance) {
        const stage = (st: "preview" | "admission" | "runtime") =>
            scoreSummary(live.stageScores[st].find((x) => x.framework === score.framework) ?? score);
        console.log(
            `  ${score.framework.padEnd(15)} ${scoreSummary(score).padEnd(24)} ${stage("preview")} / ${stage("admission")} / ${stage("runtime")}`,
        );
    }
    if (report.diff)
        console.log(
            `Against ${report.diff.baseline.generatedAt}: ${report.diff.newViolations.length} new, ${report.diff.fixedViolations.length} resolved violation(s)`,
        );
    console.log(`Reports in ${written.dir}`);
}

/** `[host]:port` of --serve-metrics (host defaults to every interface: the pod's). */
export function parseListen(value: string): { host: string; port: number } {
    const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|localhost))?:(\d{1,5})$/.exec(value);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535)
        throw new UsageError(`--serve-metrics ${value}: expected [host]:port, e.g. :9464 or 127.0.0.1:9464`);
    return { host: match[1] ?? "0.0.0.0", port };
}

/** Serves the latest metrics at /metrics (503 until the first report), refreshed every `everyMs`. */
export async function startMetricsServer(
    listen: { host: string; port: number },
    everyMs: number,
    produce: () => Promise<string>,
): Promise<{ server: http.Server; refresh: () => Promise<void>; stop: () => void }> {
    let latest = "";
    const refresh = async (): Promise<void> => {
        try {
            latest = await produce();
        } catch (error) {
            // The previous numbers stay; the report's timestamp metric shows they are getting old.
            console.error(`report failed: ${error instanceof Error ? error.message.split("\n").join(" ") : String(error)}`);
        }
    };
    const server = http.createServer((req, res) => {
        if (req.method === "GET" && req.url === "/metrics" && latest !== "") {
            res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(latest);
        } else if (req.method === "GET" && req.url === "/metrics") {
            res.writeHead(503).end("no report yet\n");
        } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
    await refresh();
    const timer = setInterval(() => void refresh(), everyMs);
    return {
        server,
        refresh,
        stop: () => {
            clearInterval(timer);
            server.close();
        },
    };
}

async function serveMetrics(listen: { host: string; port: number }, everyMs: number, produce: () => Promise<string>): Promise<void> {
    const { stop } = await startMetricsServer(listen, everyMs, produce);
    console.log(
        `Serving the latest report's metrics at http://${listen.host}:${listen.port}/metrics, a report every ${everyMs / 60_000} minutes`,
    );
    await new Promise<void>((resolve) => {
        process.once("SIGTERM", () => {
            stop();
            resolve();
        });
    });
}

export async function main(argv: string[]): Promise<number> {
    let values: {
        stack?: string;
        kubeconfig?: string;
        context?: string;
        "in-cluster"?: boolean;
        "insecure-skip-tls-verify"?: boolean;
        kind?: string;
        out?: string;
        "out-root"?: string;
        baseline?: string;
        plan?: string;
        "upload-bucket"?: string;
        "serve-metrics"?: string;
        interval?: string;
        help?: boolean;
    };
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                kubeconfig: { type: "string" },
                context: { type: "string" },
                "in-cluster": { type: "boolean" },
                "insecure-skip-tls-verify": { type: "boolean" },
                kind: { type: "string" },
                out: { type: "string" },
                "out-root": { type: "string" },
                baseline: { type: "string" },
                plan: { type: "string" },
                "upload-bucket": { type: "string" },
                "serve-metrics": { type: "string" },
                interval: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        }).values;
    } catch (error) {
        console.error(`report: ${error instanceof Error ? error.message : String(error)} (see --help)`);
        return 2;
    }
    if (values.help) {
        console.log(REPORT_USAGE);
        return 0;
    }
    try {
        if (!values.stack) throw new UsageError("--stack is required (dev, staging or prod; see --help)");
        if (!/^[A-Za-z0-9_.-]+$/.test(values.stack) || !fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${values.stack}.yaml`)))
            throw new UsageError(`--stack ${values.stack}: no Pulumi.${values.stack}.yaml`);
        if (Boolean(values.kubeconfig) === Boolean(values["in-cluster"]))
            throw new UsageError("give exactly one of --kubeconfig <file> and --in-cluster");
        if (values.out && values["out-root"])
            throw new UsageError(
                "--out and --out-root are exclusive: --out is the exact folder, --out-root gets <stack>/<yyyy>/<mm>/<dd>/<kind>/",
            );
        const kind = (values.kind ?? "on-demand") as ReportKind;
        if (!REPORT_KINDS.includes(kind)) throw new UsageError(`--kind ${values.kind}: expected one of ${REPORT_KINDS.join(", ")}`);
        const connection = values.kubeconfig
            ? connectionFromKubeconfig(values.kubeconfig, {
                  context: values.context,
                  allowInsecure: values["insecure-skip-tls-verify"] === true,
              })
            : inClusterConnection();
        const now = new Date();
        const outDir = values.out
            ? path.resolve(values.out)
            : reportDir(path.resolve(values["out-root"] ?? "report-output"), values.stack, kind, now);
        const baselineFile =
            values.baseline ??
            (values.out ? undefined : findPreviousReport(path.resolve(values["out-root"] ?? "report-output"), values.stack, kind, outDir));
        const preview = values.plan ? readPreview(values.plan) : undefined;
        if (preview && preview.stack !== values.stack)
            throw new UsageError(`--plan ${values.plan} is a plan of stack ${String(preview.stack)}, not ${values.stack}`);
        if (values["serve-metrics"] !== undefined) {
            const listen = parseListen(values["serve-metrics"]);
            const minutes = Number(values.interval ?? "60");
            if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440)
                throw new UsageError(`--interval ${values.interval}: expected whole minutes from 5 to 1440`);
            if (!values.out) throw new UsageError("--serve-metrics needs --out <dir> (the latest report is kept there)");
            const stack = values.stack;
            const produce = async (): Promise<string> => {
                const { report } = await runLiveReport({ stack, connection, kind, outDir, preview });
                return toPrometheusText(report);
            };
            await serveMetrics(listen, minutes * 60_000, produce);
            return 0;
        }
        const { report, written } = await runLiveReport({ stack: values.stack, connection, kind, now, outDir, baselineFile, preview });
        printSummary(report, written);
        if (values["upload-bucket"]) {
            const files = [written.json, written.markdown, written.sarif, ...(written.html ? [written.html] : [])];
            const prefix = path
                .relative(
                    path.resolve(values["out-root"] ?? "report-output"),
                    reportDir(path.resolve(values["out-root"] ?? "report-output"), values.stack, kind, now),
                )
                .split(path.sep)
                .join("/");
            const names = await uploadReports(files, { bucket: values["upload-bucket"], prefix });
            console.log(`Uploaded ${names.length} file(s) to gs://${values["upload-bucket"]}/${prefix}/`);
        }
        return 0;
    } catch (error) {
        const message = error instanceof Error ? error.message.split("\n").join(" ") : String(error);
        console.error(
            error instanceof UsageError || error instanceof KubeConfigError || /^--(baseline|plan|upload-bucket)/.test(message)
                ? `report: ${message}`
                : `report failed: ${message}`,
        );
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(`report failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(2);
        },
    );
}
