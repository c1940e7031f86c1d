// The live compliance report (`npm run report`) against our fake API server on 127.0.0.1 serving objects in
// each source's CRD shape: stale audits, missing CRDs, RBAC denials, Gatekeeper's capped violation list,
// secrets in messages, the JSON schema, trends, the kubeconfig's credentials and the CLI's errors.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import { RULES } from "../policy-pack/catalogue";
import { AUDIT_STALE_AFTER_SECONDS, CONSTRAINT_VIOLATIONS_LIMIT } from "../platform/gatekeeper-audit";
import { combineOutcomes } from "../tools/live/build";
import { connectionFromKubeconfig, KubeConfigError } from "../tools/live/kube";
import { constraintResources } from "../tools/live/sources";
import { findPreviousReport, main, parseListen, reportDir, runLiveReport, startMetricsServer } from "../tools/live-report";
import { uploadReports } from "../tools/live/upload";
import { toPrometheusText } from "../tools/report/metrics";
import { SAMPLE_REPORT } from "./support/sample-live-report";
import { maskSecretText } from "../tools/report/inputs";
import { Report } from "../tools/report/model";
import { FakeApiServer, FakeCluster, makeTestPki, startFakeApiServer, TestPki, writeKubeconfig } from "./support/fake-apiserver";
import {
    checksReport,
    complianceReport,
    constraint,
    exposedSecretReport,
    kindOf,
    talonEvent,
    TRIVY_GROUP,
    vulnerabilityReport,
} from "./support/live-objects";
import { sarifSchemaErrors } from "./support/sarif";

const NOW = new Date("2026-12-07T21:00:00Z");
const FRESH = new Date(NOW.getTime() - 30_000).toISOString();
const STALE = new Date(NOW.getTime() - (AUDIT_STALE_AFTER_SECONDS + 60) * 1000).toISOString();
const SECRET_PASSWORD = "hunter2-Sup3rS3cret";
const SECRET_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNlY3JldA";
const SECRET_MATCH = "AKIAABCDEFGHIJKLMNOP";

const TRIVY = `/apis/${TRIVY_GROUP}`;
const privileged = kindOf("pss-baseline-privileged");
const latestTag = kindOf("images-disallow-latest");
const automount = kindOf("pods-no-automount-service-account-token");

function healthyCluster(overrides: Partial<FakeCluster> = {}): FakeCluster {
    return {
        constraints: {
            [privileged.plural]: {
                kind: privileged.kind,
                items: [
                    constraint({
                        kind: privileged.kind,
                        name: "pss-baseline-privileged",
                        auditTimestamp: FRESH,
                        totalViolations: 10_000,
                        listed: CONSTRAINT_VIOLATIONS_LIMIT,
                        message: (i) =>
                            `Privileged container in pod-${i}; env DB_PASSWORD=${SECRET_PASSWORD} Authorization: Bearer ${SECRET_TOKEN}`,
                    }),
                ],
            },
            [latestTag.plural]: {
                kind: latestTag.kind,
                items: [constraint({ kind: latestTag.kind, name: "images-disallow-latest", auditTimestamp: FRESH, totalViolations: 0 })],
            },
            [automount.plural]: {
                kind: automount.kind,
                items: [
                    constraint({
                        kind: automount.kind,
                        name: "pods-no-automount-service-account-token",
                        enforcementAction: "warn",
                        auditTimestamp: STALE,
                        totalViolations: 3,
                    }),
                ],
            },
        },
        lists: {
            [`${TRIVY}/vulnerabilityreports`]: [
                vulnerabilityReport("shop", "cart", [
                    { id: "CVE-2026-0001", severity: "CRITICAL" },
                    { id: "CVE-2026-0002", severity: "HIGH" },
                    { id: "CVE-2026-0003", severity: "LOW" },
                ]),
                vulnerabilityReport("shop", "web", [{ id: "CVE-2026-0004", severity: "MEDIUM" }]),
            ],
            [`${TRIVY}/configauditreports`]: [
                checksReport("ConfigAuditReport", "shop", "replicaset-cart", [
                    { id: "KSV014", severity: "HIGH", success: false, message: `Container 'app' sets API_TOKEN=${SECRET_PASSWORD}` },
                    { id: "KSV001", severity: "MEDIUM", success: true },
                ]),
            ],
            [`${TRIVY}/exposedsecretreports`]: [
                exposedSecretReport("shop", "cart", [
                    { ruleID: "aws-access-key-id", severity: "CRITICAL", match: `AWS_ACCESS_KEY_ID=${SECRET_MATCH}` },
                ]),
            ],
            [`${TRIVY}/rbacassessmentreports`]: [
                checksReport("RbacAssessmentReport", "shop", "role-cart", [{ id: "KSV041", severity: "CRITICAL", success: false }]),
            ],
            [`${TRIVY}/clusterrbacassessmentreports`]: [
                checksReport("ClusterRbacAssessmentReport", undefined, "clusterrole-admin", [
                    { id: "KSV046", severity: "CRITICAL", success: false },
                ]),
            ],
            [`${TRIVY}/clusterinfraassessmentreports`]: [
                checksReport("ClusterInfraAssessmentReport", undefined, "node-a", [{ id: "KCV0001", severity: "HIGH", success: false }]),
            ],
            [`${TRIVY}/clustercompliancereports`]: [
                complianceReport(
                    "k8s-cis-1.23",
                    { id: "k8s-cis-1.23", title: "CIS Kubernetes Benchmarks v1.23", version: "1.23", type: "cis" },
                    [
                        { id: "5.2.2", name: "Minimize the admission of privileged containers", severity: "HIGH", totalFail: 2 },
                        { id: "5.7.3", name: "Apply security context to your pods and containers", severity: "HIGH", totalFail: 0 },
                        { id: "1.1.1", name: "API server pod specification file permissions", severity: "HIGH", totalFail: 0 },
                    ],
                ),
                complianceReport(
                    "k8s-nsa-1.0",
                    {
                        id: "k8s-nsa-1.0",
                        title: "National Security Agency - Kubernetes Hardening Guidance v1.0",
                        version: "1.0",
                        type: "nsa",
                    },
                    [{ id: "1.0", name: "Non-root containers", severity: "MEDIUM", totalFail: 1 }],
                ),
            ],
            "/api/v1/events": [
                talonEvent(1, {
                    namespace: "shop",
                    pod: "cart-1",
                    rule: "Terminal shell in container",
                    actionner: "kubernetes:terminate",
                    status: "success",
                    output: `shell spawned, cmdline=sh -c export PASSWORD=${SECRET_PASSWORD}`,
                    time: new Date(NOW.getTime() - 3600_000).toISOString(),
                }),
                talonEvent(2, {
                    namespace: "shop",
                    pod: "cart-2",
                    rule: "Terminal shell in container",
                    actionner: "kubernetes:labelize",
                    status: "success",
                    output: "shell",
                    time: new Date(NOW.getTime() - 7200_000).toISOString(),
                }),
                // Outside the period (a day ago and more): not counted.
                talonEvent(3, {
                    namespace: "shop",
                    pod: "old",
                    rule: "Old rule",
                    actionner: "kubernetes:terminate",
                    status: "success",
                    output: "old",
                    time: new Date(NOW.getTime() - 30 * 3600_000).toISOString(),
                }),
                {
                    apiVersion: "v1",
                    kind: "Event",
                    metadata: { name: "other", namespace: "shop" },
                    reason: "Pulled",
                    message: "pulled",
                    source: { component: "kubelet" },
                    involvedObject: { kind: "Pod", name: "x" },
                },
            ],
        },
        ...overrides,
    };
}

let schemaValidator: ReturnType<Ajv["compile"]> | undefined;
function schemaErrors(report: unknown): string[] {
    schemaValidator ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(
        JSON.parse(fs.readFileSync(path.join(__dirname, "..", "schemas", "compliance-report.schema.json"), "utf8")) as object,
    );
    return schemaValidator(report) ? [] : (schemaValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}

describe("live compliance report (npm run report) against a fake API server", function () {
    this.timeout(120_000);
    let pki: TestPki;
    const servers: FakeApiServer[] = [];
    let tmp: string;

    before(() => {
        pki = makeTestPki();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "live-report-"));
    });
    after(async () => {
        for (const s of servers) await s.stop();
        fs.rmSync(pki.dir, { recursive: true, force: true });
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function serve(cluster: FakeCluster, pageSize?: number): Promise<FakeApiServer> {
        const server = await startFakeApiServer(pki, cluster, { pageSize });
        servers.push(server);
        return server;
    }

    async function reportFrom(
        cluster: FakeCluster,
        options: { auth?: "certificate" | "token"; baselineFile?: string; pageSize?: number; now?: Date } = {},
    ) {
        const server = await serve(cluster, options.pageSize);
        const kubeconfig = writeKubeconfig(pki.dir, server, pki, options.auth ?? "certificate");
        const outDir = fs.mkdtempSync(path.join(tmp, "out-"));
        const result = await runLiveReport({
            stack: "prod",
            connection: connectionFromKubeconfig(kubeconfig),
            kind: "daily",
            now: options.now ?? NOW,
            outDir,
            baselineFile: options.baselineFile,
        });
        return { ...result, server, outDir };
    }

    describe("a cluster with every source", () => {
        let result: Awaited<ReturnType<typeof reportFrom>>;
        let report: Report;
        before(async () => {
            result = await reportFrom(healthyCluster(), { pageSize: 1 });
            report = result.report;
        });

        it("writes report.json, report.md, report.sarif and report.html, and the JSON matches its published schema", () => {
            for (const f of ["report.json", "report.md", "report.sarif", "report.html"])
                assert.ok(fs.existsSync(path.join(result.outDir, f)), f);
            const json: unknown = JSON.parse(fs.readFileSync(path.join(result.outDir, "report.json"), "utf8"));
            assert.deepEqual(schemaErrors(json), []);
            assert.deepEqual(sarifSchemaErrors(JSON.parse(fs.readFileSync(path.join(result.outDir, "report.sarif"), "utf8"))), []);
        });

        it("the schema rejects a report that breaks its promises (a not-evaluated source without a reason)", () => {
            const json = JSON.parse(fs.readFileSync(path.join(result.outDir, "report.json"), "utf8")) as Report;
            const source = json.live?.sources.find((s) => s.status === "not evaluated");
            assert.ok(source, "the stale constraint's source or the plan is not evaluated");
            delete source.reason;
            assert.ok(schemaErrors(json).length > 0);
        });

        it("only sends GET requests, every one authenticated, and reads lists page by page", () => {
            assert.ok(result.server.requests.length > 10);
            assert.deepEqual([...new Set(result.server.requests.map((r) => r.method))], ["GET"]);
            assert.ok(result.server.requests.every((r) => r.authenticated === "certificate"));
            // Two vulnerability reports with a page size of 1: two requests for that list.
            assert.equal(result.server.requests.filter((r) => r.path.endsWith("/vulnerabilityreports")).length, 2);
        });

        it("a constraint with 10,000 violations: counted in full, listed as Gatekeeper capped them, and the report says so", () => {
            const c = report.live?.constraints.find((x) => x.ruleId === "pss-baseline-privileged");
            assert.ok(c);
            assert.equal(c.totalViolations, 10_000);
            assert.equal(c.listedViolations, CONSTRAINT_VIOLATIONS_LIMIT);
            assert.equal(report.violations.filter((v) => v.ruleId === "pss-baseline-privileged").length, CONSTRAINT_VIOLATIONS_LIMIT);
            const md = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
            assert.match(
                md,
                new RegExp(
                    `10000 \\(${CONSTRAINT_VIOLATIONS_LIMIT} listed: Gatekeeper keeps at most ${CONSTRAINT_VIOLATIONS_LIMIT} per constraint\\)`,
                ),
            );
            assert.match(
                fs.readFileSync(path.join(result.outDir, "report.html"), "utf8"),
                /10000 \(20 listed: Gatekeeper keeps at most 20/,
            );
            assert.ok(
                report.live?.sources
                    .find((s) => s.id === "gatekeeper-audit")
                    ?.notes.some((n) => n.includes(`at most ${CONSTRAINT_VIOLATIONS_LIMIT} violations`)),
            );
        });

        it("a stale audit is not evaluated (never a pass), with the reason; fresh ones are", () => {
            const stale = report.live?.constraints.find((x) => x.ruleId === "pods-no-automount-service-account-token");
            assert.equal(stale?.status, "not evaluated");
            assert.match(stale?.reason ?? "", /^stale audit: last audit .* older than 120s/);
            assert.equal(report.violations.filter((v) => v.ruleId === "pods-no-automount-service-account-token").length, 0);
            assert.equal(report.live?.constraints.find((x) => x.ruleId === "images-disallow-latest")?.status, "evaluated");
            const automountControls =
                report.live?.controls.filter((c) => c.admission.rules.includes("pods-no-automount-service-account-token")) ?? [];
            assert.ok(automountControls.length > 0);
            // Its controls get no admission pass from the stale audit alone.
            for (const c of automountControls) if (c.admission.rules.length === 1) assert.notEqual(c.admission.status, "passed");
        });

        it("scores admission and runtime evidence per framework with the one scorer, side by side", () => {
            const cis = report.live?.controls.find((c) => c.framework === "CIS-Kubernetes" && c.control === "5.2.2");
            assert.ok(cis);
            assert.equal(cis.preview.status, "not evaluated");
            assert.match(cis.preview.reason ?? "", /--plan/);
            assert.equal(cis.admission.status, "failing");
            assert.equal(cis.runtime.status, "failing");
            assert.equal(cis.combined.status, "failing");
            assert.ok(
                cis.links.some((l) => l.includes(privileged.kind)) &&
                    cis.links.some((l) => l.includes("ClusterComplianceReport/k8s-cis-1.23#5.2.2")),
            );
            const runtime537 = report.live?.controls.find((c) => c.framework === "CIS-Kubernetes" && c.control === "5.7.3");
            if (runtime537) assert.equal(runtime537.runtime.status, "passed");
            const combined = report.compliance.find((s) => s.framework === "CIS-Kubernetes");
            assert.ok(combined?.failing.some((f) => f.control === "5.2.2" && f.mandatory));
            // Every control is counted once: passed + failing + not evaluated = total, per stage too.
            for (const scores of [report.compliance, ...Object.values(report.live?.stageScores ?? {})])
                for (const s of scores) assert.equal(s.passed + s.failing.length + s.notEvaluated.length, s.total);
            // GCP-only frameworks have no live evidence: not evaluated, never passed.
            const gke = report.compliance.find((s) => s.framework === "CIS-GKE");
            assert.ok(gke && gke.total > 0);
            assert.equal(gke.passed, 0);
        });

        it("counts Trivy findings by severity with the worst first, and maps only the CIS spec to a framework", () => {
            const vulns = report.live?.trivy.find((k) => k.kind === "VulnerabilityReport");
            assert.deepEqual(vulns?.counts, { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0 });
            assert.equal(vulns?.worst[0].id, "CVE-2026-0001");
            assert.equal(report.live?.trivy.find((k) => k.kind === "ConfigAuditReport")?.counts.HIGH, 1);
            assert.equal(report.live?.trivy.find((k) => k.kind === "ClusterRbacAssessmentReport")?.counts.CRITICAL, 1);
            assert.deepEqual(
                report.live?.complianceSpecs.map((s) => [s.specId, s.framework ?? "-", s.failCount]),
                [
                    ["k8s-cis-1.23", "CIS-Kubernetes", 1],
                    ["k8s-nsa-1.0", "-", 1],
                ],
            );
        });

        it("reads the Falco events Talon acted on in the period only, from Talon's Kubernetes Events", () => {
            const events = report.live?.runtimeEvents;
            assert.equal(events?.total, 2);
            assert.deepEqual(events?.byRule, [{ rule: "Terminal shell in container", count: 2 }]);
            assert.deepEqual(events?.byAction.map((a) => a.action).sort(), ["kubernetes:labelize", "kubernetes:terminate"]);
        });

        it("masks secrets from violation messages, scanner findings and events in every output", () => {
            for (const f of ["report.json", "report.md", "report.sarif", "report.html"]) {
                const text = fs.readFileSync(path.join(result.outDir, f), "utf8");
                for (const secret of [SECRET_PASSWORD, SECRET_TOKEN, SECRET_MATCH])
                    assert.ok(!text.includes(secret), `${f} leaks ${secret.slice(0, 6)}...`);
            }
            assert.match(report.violations[0].message, /DB_PASSWORD=\[secret\]/);
        });

        it("the HTML summary is self-contained: no script, no external asset", () => {
            const html = fs.readFileSync(path.join(result.outDir, "report.html"), "utf8");
            assert.match(html, /^<!DOCTYPE html>/);
            assert.match(html, /@media print/);
            assert.doesNotMatch(html, /<script|<link|<img|src=|url\(|@import/i);
        });
    });

    it("a missing CRD (404) and an RBAC denial (403) are not evaluated with their reason, never a pass", async () => {
        const cluster = healthyCluster({ forbidden: ["/apis/constraints.gatekeeper.sh/v1beta1", `${TRIVY}/exposedsecretreports`] });
        delete cluster.lists?.[`${TRIVY}/clustercompliancereports`];
        delete cluster.lists?.[`${TRIVY}/vulnerabilityreports`];
        const { report } = await reportFrom(cluster, { auth: "token" });
        const source = (id: string) => report.live?.sources.find((s) => s.id === id);
        assert.equal(source("gatekeeper-audit")?.status, "not evaluated");
        assert.match(source("gatekeeper-audit")?.reason ?? "", /^forbidden: GET \/apis\/constraints.gatekeeper.sh\/v1beta1: 403/);
        assert.match(source("trivy:exposedsecretreports")?.reason ?? "", /^forbidden: .*403/);
        assert.match(source("trivy:vulnerabilityreports")?.reason ?? "", /^not installed: .*404/);
        assert.match(source("trivy:clustercompliancereports")?.reason ?? "", /^not installed/);
        assert.equal(source("trivy:configauditreports")?.status, "evaluated");
        // Nothing at admission or runtime: every control is not evaluated, none passed.
        for (const s of report.compliance) assert.equal(s.passed, 0, s.framework);
        const control = report.live?.controls.find((c) => c.framework === "CIS-Kubernetes");
        assert.match(control?.combined.reason ?? "", /admission: Gatekeeper audit not evaluated \(forbidden/);
    });

    it("a malformed answer (not JSON) is not evaluated; the report is still written", async () => {
        const { report, outDir } = await reportFrom(healthyCluster({ garbage: [`${TRIVY}/configauditreports`] }));
        assert.match(report.live?.sources.find((s) => s.id === "trivy:configauditreports")?.reason ?? "", /^malformed: .*not JSON/);
        assert.ok(fs.existsSync(path.join(outDir, "report.html")));
    });

    it("a client certificate from another CA is refused by the server: every source not evaluated", async () => {
        const server = await serve(healthyCluster());
        const kubeconfig = writeKubeconfig(pki.dir, server, pki, "stranger");
        const { report } = await runLiveReport({
            stack: "prod",
            connection: connectionFromKubeconfig(kubeconfig),
            kind: "on-demand",
            now: NOW,
            outDir: path.join(tmp, "stranger"),
        });
        const live = report.live?.sources.filter((s) => s.stage !== "preview") ?? [];
        assert.ok(live.length > 5);
        for (const s of live) assert.match(s.reason ?? "", /^forbidden: .*401/, s.id);
    });

    it("trends: diffs against the previous report of its kind (new and resolved violations, score changes, newly stale)", async () => {
        const first = await reportFrom(healthyCluster());
        const later = healthyCluster();
        const constraints = later.constraints ?? {};
        constraints[privileged.plural].items = [
            constraint({ kind: privileged.kind, name: "pss-baseline-privileged", auditTimestamp: FRESH, totalViolations: 1, listed: 1 }),
        ];
        constraints[latestTag.plural].items = [
            constraint({ kind: latestTag.kind, name: "images-disallow-latest", auditTimestamp: STALE, totalViolations: 0 }),
        ];
        const second = await reportFrom(later, { baselineFile: path.join(first.outDir, "report.json") });
        const diff = second.report.diff;
        assert.ok(diff);
        // The 20 listed before are resolved; pod-0's violation has another message now, so it is new.
        assert.equal(diff.fixedViolations.length, CONSTRAINT_VIOLATIONS_LIMIT);
        assert.equal(diff.newViolations.length, 1);
        assert.ok(
            diff.changed.some(
                (c) =>
                    c.name === "pss-baseline-privileged" &&
                    c.changes.some((p) => p.path === "totalViolations" && p.before === "10000" && p.after === "1"),
            ),
        );
        const trends = second.report.live?.trends;
        assert.equal(trends?.scores.length, 5);
        assert.deepEqual(trends.newlyStale, [`constraint ${latestTag.kind}/images-disallow-latest`]);
        const nist = trends.scores.find((t) => t.framework === "NIST-800-53");
        assert.ok(
            nist && nist.passedBefore + nist.failingBefore !== nist.passedNow + nist.failingNow,
            "a control lost its only fresh evidence",
        );
        assert.match(fs.readFileSync(path.join(second.outDir, "report.md"), "utf8"), /Trend since the previous report/);
        assert.match(fs.readFileSync(path.join(second.outDir, "report.md"), "utf8"), /Changes against the previous report/);
    });

    it("--out-root lays reports out as <stack>/<yyyy>/<mm>/<dd>/<kind>/ and finds the previous one of the same kind", () => {
        const root = path.join(tmp, "root");
        const day1 = reportDir(root, "prod", "daily", new Date("2026-12-05T02:00:00Z"));
        const weekly = reportDir(root, "prod", "weekly", new Date("2026-12-06T02:00:00Z"));
        const today = reportDir(root, "prod", "daily", new Date("2026-12-07T02:00:00Z"));
        assert.equal(path.relative(root, day1), path.join("prod", "2026", "12", "05", "daily"));
        for (const d of [day1, weekly]) {
            fs.mkdirSync(d, { recursive: true });
            fs.writeFileSync(path.join(d, "report.json"), "{}");
        }
        assert.equal(findPreviousReport(root, "prod", "daily", today), path.join(day1, "report.json"));
        assert.equal(findPreviousReport(root, "prod", "monthly", today), undefined);
    });

    describe("kubeconfig and flags", () => {
        it("refuses insecure-skip-tls-verify unless the named flag is given", async () => {
            const server = await serve(healthyCluster());
            const kubeconfig = writeKubeconfig(pki.dir, server, pki, "token", { "insecure-skip-tls-verify": true });
            assert.throws(
                () => connectionFromKubeconfig(kubeconfig),
                (e: unknown) => e instanceof KubeConfigError && e.message.includes("insecure-skip-tls-verify; refused"),
            );
            assert.equal(connectionFromKubeconfig(kubeconfig, { allowInsecure: true }).insecureSkipTlsVerify, true);
        });

        it("refuses exec plugins, plain http and a certificate without its key", () => {
            const write = (doc: object) => {
                const f = path.join(tmp, `kc-${Math.random().toString(36).slice(2)}.json`);
                fs.writeFileSync(f, JSON.stringify(doc));
                return f;
            };
            const base = (server: string, user: object) => ({
                "current-context": "c",
                contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
                clusters: [{ name: "k", cluster: { server } }],
                users: [{ name: "u", user }],
            });
            assert.throws(
                () => connectionFromKubeconfig(write(base("https://127.0.0.1:1", { exec: { command: "gke-gcloud-auth-plugin" } }))),
                /exec or auth-provider plugin/,
            );
            assert.throws(() => connectionFromKubeconfig(write(base("http://127.0.0.1:1", { token: "t" }))), /not https/);
            assert.throws(
                () => connectionFromKubeconfig(write(base("https://127.0.0.1:1", { "client-certificate-data": "eA==" }))),
                /needs its key/,
            );
            assert.throws(
                () => connectionFromKubeconfig(write(base("https://127.0.0.1:1", {}))),
                /neither a token nor a client certificate/,
            );
        });

        for (const [args, pattern] of [
            [[], /^report: --stack is required/],
            [["--stack", "nope", "--in-cluster"], /^report: --stack nope: no Pulumi.nope.yaml/],
            [["--stack", "prod"], /^report: give exactly one of --kubeconfig <file> and --in-cluster/],
            [
                ["--stack", "prod", "--kubeconfig", "/nonexistent/kubeconfig"],
                /^report: --kubeconfig \/nonexistent\/kubeconfig: cannot read it \(ENOENT\)/,
            ],
            [
                ["--stack", "prod", "--in-cluster", "--kind", "hourly"],
                /^report: --kind hourly: expected one of daily, weekly, monthly, on-demand/,
            ],
            [["--stack", "prod", "--bogus"], /^report: Unknown option '--bogus'/],
        ] as [string[], RegExp][]) {
            it(`bad flags ${JSON.stringify(args)}: one line and exit 2`, async () => {
                const errors: string[] = [];
                const original = console.error;
                console.error = (...m: unknown[]) => errors.push(m.join(" "));
                try {
                    assert.equal(await main(args), 2);
                } finally {
                    console.error = original;
                }
                assert.equal(errors.length, 1);
                assert.doesNotMatch(errors[0], /\n/);
                assert.match(errors[0], pattern);
            });
        }

        it("npm run report end to end: a kubeconfig with a bearer token, files written, summary printed", async () => {
            const server = await serve(healthyCluster());
            const kubeconfig = writeKubeconfig(pki.dir, server, pki, "token");
            const out = path.join(tmp, "cli");
            // Asynchronous: the fake server answers from this process.
            const child = spawn(
                process.execPath,
                [
                    "--import",
                    "tsx",
                    path.join(__dirname, "..", "tools", "live-report.ts"),
                    "--stack",
                    "prod",
                    "--kubeconfig",
                    kubeconfig,
                    "--out",
                    out,
                    "--kind",
                    "weekly",
                ],
                {
                    stdio: ["ignore", "pipe", "pipe"],
                },
            );
            const run = { stdout: "", stderr: "", status: null as number | null };
            child.stdout.on("data", (d: Buffer) => (run.stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (run.stderr += d.toString()));
            run.status = await new Promise<number | null>((resolve) => child.on("close", resolve));
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /Compliance report \(weekly\) of stack prod/);
            assert.match(run.stdout, /NOT EVALUATED plan/);
            const json = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")) as Report;
            assert.equal(json.live?.auth, "bearer token");
            assert.ok(!fs.readFileSync(path.join(out, "report.json"), "utf8").includes(server.token));
        });
    });

    it("serves the report's numbers as Prometheus metrics (503 before the first report), from the same scorer", async () => {
        let calls = 0;
        const produce = () => {
            calls++;
            return Promise.resolve(toPrometheusText(SAMPLE_REPORT));
        };
        const get = (port: number) =>
            new Promise<{ status: number; body: string }>((resolve, reject) =>
                http
                    .get({ host: "127.0.0.1", port, path: "/metrics" }, (res) => {
                        let body = "";
                        res.on("data", (d: Buffer) => (body += d.toString()));
                        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                    })
                    .on("error", reject),
            );
        const { server, stop } = await startMetricsServer({ host: "127.0.0.1", port: 0 }, 3600_000, produce);
        try {
            const port = (server.address() as AddressInfo).port;
            const answer = await get(port);
            assert.equal(answer.status, 200);
            assert.equal(calls, 1);
            const cis = SAMPLE_REPORT.compliance.find((s) => s.framework === "CIS-Kubernetes");
            assert.ok(cis && cis.total > 0);
            assert.ok(
                answer.body.includes(
                    `secure_gitops_compliance_score_ratio{framework="CIS-Kubernetes",stage="combined"} ${cis.passed / cis.total}`,
                ),
            );
            assert.match(
                answer.body,
                /secure_gitops_compliance_controls\{framework="CIS-Kubernetes",stage="admission",status="failing"\} 1/,
            );
            assert.match(answer.body, /secure_gitops_compliance_source_evaluated\{source="falco-talon-events",stage="runtime"\} 0/);
            assert.match(answer.body, /secure_gitops_compliance_audit_violations\{enforcement_action="deny"\} 2/);
        } finally {
            stop();
        }
        assert.throws(() => parseListen("9464"), /expected \[host\]:port/);
        assert.deepEqual(parseListen(":9464"), { host: "0.0.0.0", port: 9464 });
    });

    it("uploads create-only (ifGenerationMatch=0) with the metadata server's token, and refuses to overwrite", async () => {
        const seen: { method: string; url: string; auth?: string }[] = [];
        const existing = new Set<string>();
        const server = http.createServer((req, res) => {
            seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization });
            const url = new URL(req.url ?? "/", "http://127.0.0.1");
            if (url.pathname === "/token") {
                res.writeHead(req.headers["metadata-flavor"] === "Google" ? 200 : 403).end(
                    JSON.stringify({ access_token: "wi-token", expires_in: 3599 }),
                );
                return;
            }
            const name = url.searchParams.get("name") ?? "";
            req.resume();
            req.on("end", () => {
                if (url.searchParams.get("ifGenerationMatch") === "0" && existing.has(name)) res.writeHead(412).end("{}");
                else {
                    existing.add(name);
                    res.writeHead(200).end("{}");
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            const dir = fs.mkdtempSync(path.join(tmp, "up-"));
            const files = ["report.json", "report.html"].map((f) => {
                fs.writeFileSync(path.join(dir, f), "{}");
                return path.join(dir, f);
            });
            const options = {
                bucket: "acme-prod-gitops-prod-compliance-reports",
                prefix: "prod/2026/12/07/daily",
                tokenUrl: `${base}/token`,
                storageUrl: `${base}/upload`,
            };
            assert.deepEqual(await uploadReports(files, options), [
                "prod/2026/12/07/daily/report.json",
                "prod/2026/12/07/daily/report.html",
            ]);
            const uploads = seen.filter((r) => r.method === "POST");
            assert.equal(uploads.length, 2);
            for (const u of uploads) {
                assert.equal(u.auth, "Bearer wi-token");
                assert.match(
                    u.url,
                    /\/upload\/acme-prod-gitops-prod-compliance-reports\/o\?uploadType=media&name=prod%2F2026%2F12%2F07%2Fdaily%2Freport\.(json|html)&ifGenerationMatch=0$/,
                );
            }
            await assert.rejects(uploadReports(files, options), /already exists; reports are never overwritten/);
        } finally {
            server.close();
        }
    });

    it("the ClusterRole's constraint resources are exactly our catalogue's kinds", () => {
        const kinds = constraintResources();
        assert.equal(kinds.length, RULES.filter((r) => r.target === "kubernetes").length);
        assert.ok(kinds.includes(privileged.plural));
    });

    it("combines stages: failing wins, then passed; not evaluated carries every stage's reason", () => {
        const ne = (reason: string) => ({ control: "x", status: "not evaluated" as const, rules: ["r"], reason });
        assert.equal(
            combineOutcomes("x", {
                preview: { control: "x", status: "passed", rules: [] },
                admission: { control: "x", status: "failing", severity: "high", mandatory: true, rules: ["r"] },
                runtime: ne("a"),
            }).status,
            "failing",
        );
        assert.equal(
            combineOutcomes("x", { preview: { control: "x", status: "passed", rules: [] }, admission: ne("b"), runtime: ne("c") }).status,
            "passed",
        );
        assert.equal(
            combineOutcomes("x", { preview: ne("a"), admission: ne("b"), runtime: ne("c") }).reason,
            "preview: a; admission: b; runtime: c",
        );
    });

    it("maskSecretText hides secret shapes and keeps ordinary text", () => {
        const masked = maskSecretText(
            `password=p4ss token: "abc123" https://user:pw@git.example.com/x Bearer ${SECRET_TOKEN} hooks.slack.com/services/T000/B000/XXXX ghp_${"a".repeat(36)} -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- image nginx:1.27`,
        );
        for (const s of ["p4ss", "abc123", "pw@", SECRET_TOKEN, "XXXX", "ghp_a", "MIIE"]) assert.ok(!masked.includes(s), s);
        assert.match(masked, /image nginx:1\.27$/);
        assert.equal(maskSecretText("x".repeat(5000)).length < 2100, true);
    });
});
