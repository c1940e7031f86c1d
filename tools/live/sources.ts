// What the reporter reads from a running cluster, read-only: Gatekeeper's audit results (each constraint's
// status), the Trivy operator's reports, and the Falco events Falco Talon acted on (Talon's Kubernetes
// Events). Each source ends up evaluated or "not evaluated" with the reason: a missing CRD (404), a
// forbidden read (401/403) or a malformed object is never a pass and never a crash. Memory stays bounded:
// lists are read page by page and reduced to counts and the worst findings as they arrive.
import { Framework, KUBERNETES_RULES } from "../../policy-pack/catalogue";
import { CONSTRAINT_VIOLATIONS_LIMIT } from "../../platform/gatekeeper-audit";
import { COMPLIANCE_REPORTS, TRIVY_REPORT_KINDS } from "../../platform/report-kinds";

export { COMPLIANCE_REPORTS, constraintResources, TRIVY_REPORT_KINDS } from "../../platform/report-kinds";
import { isRecord } from "../../policy-pack/catalogue/workloads";
import { maskSecretText, SECRET_MASK } from "../report/inputs";
import {
    ComplianceSpecEvidence,
    ConstraintEvidence,
    LiveSource,
    RuntimeEvent,
    RuntimeEventsSummary,
    TRIVY_LEVELS,
    TrivyFinding,
    TrivyKindSummary,
    TrivyLevel,
} from "../report/model";
import { KubeClient, ReadOutcome } from "./kube";

export const CONSTRAINTS_API = "/apis/constraints.gatekeeper.sh/v1beta1";
export const TRIVY_API = "/apis/aquasecurity.github.io/v1alpha1";

/**
 * Gatekeeper keeps at most this many violations in a constraint's status (the audit's
 * --constraint-violations-limit, set by our chart values): `totalViolations` counts them all.
 */
export const GATEKEEPER_VIOLATIONS_LIMIT = CONSTRAINT_VIOLATIONS_LIMIT;
/** However many a cluster's Gatekeeper lists, the report keeps at most this many per constraint (bounded output). */
export const MAX_LISTED_VIOLATIONS = 100;
/** Worst findings kept per Trivy report kind. */
export const MAX_WORST_FINDINGS = 10;
/** Latest runtime events listed (all are counted). */
export const MAX_RUNTIME_EVENTS = 50;

/** The catalogue framework whose control ids a Trivy compliance spec uses: CIS Kubernetes for k8s-cis-<version>. */
export function specFramework(compliance: Record<string, unknown>): Framework | undefined {
    const id = str(compliance.id) ?? "";
    if (id.startsWith("k8s-cis") || (compliance.type === "cis" && compliance.platform === "k8s")) return "CIS-Kubernetes";
    return undefined;
}

/** Constraint kind -> catalogue rule (kinds are derived from rule ids, `gatekeeperKindFor`). */
const RULE_BY_KIND = new Map(KUBERNETES_RULES.map((r) => [r.gatekeeperKind, r.id]));

function problemReason(outcome: Extract<ReadOutcome, { ok: false }>): string {
    const what = { missing: "not installed", forbidden: "forbidden", malformed: "malformed", unreachable: "unreachable" }[outcome.problem];
    return `${what}: ${outcome.reason}`;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined);
const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

export interface AuditedViolation {
    ruleId?: string;
    constraint: string;
    kind: string;
    enforcementAction: string;
    object: { group: string; version: string; kind: string; namespace?: string; name: string };
    message: string;
}

export interface GatekeeperEvidence {
    source: LiveSource;
    constraints: ConstraintEvidence[];
    violations: AuditedViolation[];
}

/** Each constraint's audit result; stale when its audit is older than `staleAfterSeconds`. */
export async function readGatekeeper(client: KubeClient, now: Date, staleAfterSeconds: number): Promise<GatekeeperEvidence> {
    const source: LiveSource = {
        id: "gatekeeper-audit",
        title: "Gatekeeper audit (constraint status)",
        stage: "admission",
        status: "evaluated",
        objects: 0,
        notes: [
            `Gatekeeper lists at most ${GATEKEEPER_VIOLATIONS_LIMIT} violations per constraint (--constraint-violations-limit); totalViolations counts them all.`,
            `An audit older than ${staleAfterSeconds}s (twice the audit interval) is not evaluated (stale audit).`,
        ],
    };
    const constraints: ConstraintEvidence[] = [];
    const violations: AuditedViolation[] = [];
    const discovery = await client.get(CONSTRAINTS_API);
    if (!discovery.ok) return { source: { ...source, status: "not evaluated", reason: problemReason(discovery) }, constraints, violations };
    const resources = Array.isArray(discovery.body.resources) ? (discovery.body.resources as unknown[]) : undefined;
    if (!resources)
        return {
            source: { ...source, status: "not evaluated", reason: `malformed: GET ${CONSTRAINTS_API}: no resources list` },
            constraints,
            violations,
        };
    const kinds = resources
        .filter(isRecord)
        .map((r) => ({ plural: str(r.name) ?? "", kind: str(r.kind) ?? "" }))
        .filter((r) => r.plural !== "" && !r.plural.includes("/") && r.kind !== "")
        .sort((a, b) => a.plural.localeCompare(b.plural));
    if (kinds.length === 0)
        return { source: { ...source, status: "not evaluated", reason: "no constraint kind is installed" }, constraints, violations };
    const problems: string[] = [];
    for (const { plural, kind } of kinds) {
        const ruleId = RULE_BY_KIND.get(kind);
        const listed = await client.list(`${CONSTRAINTS_API}/${plural}`, (item) => {
            const metadata = rec(item.metadata);
            const spec = rec(item.spec);
            const status = rec(item.status);
            const name = str(metadata.name) ?? "";
            const enforcementAction = str(spec.enforcementAction) ?? "deny";
            const auditTimestamp = str(status.auditTimestamp);
            const total = num(status.totalViolations);
            const list = Array.isArray(status.violations) ? (status.violations as unknown[]) : [];
            const evidence: ConstraintEvidence = {
                kind,
                name,
                ...(ruleId ? { ruleId } : {}),
                enforcementAction,
                totalViolations: total ?? list.length,
                listedViolations: 0,
                ...(auditTimestamp ? { auditTimestamp } : {}),
                status: "evaluated",
            };
            const audited = auditTimestamp ? Date.parse(auditTimestamp) : NaN;
            if (!auditTimestamp) Object.assign(evidence, { status: "not evaluated", reason: "not audited yet (no status.auditTimestamp)" });
            else if (Number.isNaN(audited))
                Object.assign(evidence, {
                    status: "not evaluated",
                    reason: `malformed status.auditTimestamp ${JSON.stringify(auditTimestamp.slice(0, 40))}`,
                });
            else if (now.getTime() - audited > staleAfterSeconds * 1000)
                Object.assign(evidence, {
                    status: "not evaluated",
                    reason: `stale audit: last audit ${auditTimestamp}, older than ${staleAfterSeconds}s (twice the audit interval)`,
                });
            else if (status.totalViolations !== undefined && total === undefined)
                Object.assign(evidence, { status: "not evaluated", reason: "malformed status.totalViolations" });
            for (const v of list.slice(0, MAX_LISTED_VIOLATIONS)) {
                if (!isRecord(v)) continue;
                evidence.listedViolations++;
                violations.push({
                    ...(ruleId ? { ruleId } : {}),
                    constraint: name,
                    kind,
                    enforcementAction: str(v.enforcementAction) ?? enforcementAction,
                    object: {
                        group: str(v.group) ?? "",
                        version: str(v.version) ?? "",
                        kind: str(v.kind) ?? "",
                        ...(str(v.namespace) ? { namespace: str(v.namespace) } : {}),
                        name: str(v.name) ?? "",
                    },
                    message: maskSecretText(str(v.message) ?? ""),
                });
            }
            constraints.push(evidence);
        });
        if (!listed.ok) {
            problems.push(`${kind}: ${problemReason(listed)}`);
            constraints.push({
                kind,
                name: "*",
                ...(ruleId ? { ruleId } : {}),
                enforcementAction: "unknown",
                totalViolations: 0,
                listedViolations: 0,
                status: "not evaluated",
                reason: problemReason(listed),
            });
        } else source.objects += listed.count;
    }
    if (problems.length === kinds.length)
        return { source: { ...source, status: "not evaluated", reason: problems[0] }, constraints, violations };
    if (problems.length > 0) source.notes.push(`${problems.length} constraint kind(s) not read: ${problems.slice(0, 3).join("; ")}`);
    const stale = constraints.filter((c) => c.reason?.startsWith("stale audit")).length;
    if (stale > 0 && stale === constraints.length)
        Object.assign(source, {
            status: "not evaluated",
            reason: `stale audit: every constraint's last audit is older than ${staleAfterSeconds}s`,
        });
    return { source, constraints, violations };
}

const LEVEL_RANK: Record<TrivyLevel, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };
const level = (value: unknown): TrivyLevel => {
    const upper = typeof value === "string" ? value.toUpperCase() : "";
    return (TRIVY_LEVELS as readonly string[]).includes(upper) ? (upper as TrivyLevel) : "UNKNOWN";
};
const emptyCounts = (): Record<TrivyLevel, number> => ({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });

/** Keeps the worst `max` findings with bounded memory (sorts only when the buffer is full). */
class WorstFindings {
    private items: TrivyFinding[] = [];
    constructor(private readonly max: number) {}
    add(finding: TrivyFinding): void {
        this.items.push(finding);
        if (this.items.length >= this.max * 8) this.trim();
    }
    private trim(): void {
        this.items.sort(
            (a, b) => LEVEL_RANK[a.severity] - LEVEL_RANK[b.severity] || a.object.localeCompare(b.object) || a.id.localeCompare(b.id),
        );
        this.items.length = Math.min(this.items.length, this.max);
    }
    result(): TrivyFinding[] {
        this.trim();
        return this.items;
    }
}

/** Counts from `report.summary` (the operator's own count of failed findings), else from the findings. */
function summaryCounts(summary: Record<string, unknown>): Record<TrivyLevel, number> | undefined {
    const keys: Record<TrivyLevel, string> = {
        CRITICAL: "criticalCount",
        HIGH: "highCount",
        MEDIUM: "mediumCount",
        LOW: "lowCount",
        UNKNOWN: "unknownCount",
    };
    const counts = emptyCounts();
    let any = false;
    for (const l of TRIVY_LEVELS) {
        const n = num(summary[keys[l]]);
        if (n !== undefined) {
            counts[l] = n;
            any = true;
        }
    }
    return any ? counts : undefined;
}

export interface TrivyEvidence {
    sources: LiveSource[];
    kinds: TrivyKindSummary[];
    specs: ComplianceSpecEvidence[];
    /** Report objects, for the report's resource list (and the diff). */
    objects: { kind: string; namespace?: string; name: string; counts: Record<TrivyLevel, number> }[];
}

export async function readTrivy(client: KubeClient): Promise<TrivyEvidence> {
    const evidence: TrivyEvidence = { sources: [], kinds: [], specs: [], objects: [] };
    for (const [plural, kind] of Object.entries(TRIVY_REPORT_KINDS)) {
        const counts = emptyCounts();
        const worst = new WorstFindings(MAX_WORST_FINDINGS);
        let malformed = 0;
        const listed = await client.list(`${TRIVY_API}/${plural}`, (item) => {
            const metadata = rec(item.metadata);
            const report = item.report;
            const object = `${str(metadata.namespace) ? `${str(metadata.namespace)}/` : ""}${str(metadata.name) ?? "?"}`;
            if (!isRecord(report)) {
                malformed++;
                return;
            }
            const own = emptyCounts();
            const findings: TrivyFinding[] = [];
            if (kind === "VulnerabilityReport") {
                for (const v of Array.isArray(report.vulnerabilities) ? (report.vulnerabilities as unknown[]) : []) {
                    if (!isRecord(v)) continue;
                    const severity = level(v.severity);
                    own[severity]++;
                    findings.push({
                        severity,
                        id: str(v.vulnerabilityID) ?? "?",
                        title: maskSecretText(str(v.title) ?? ""),
                        object,
                        detail: `${str(v.resource) ?? "?"} ${str(v.installedVersion) ?? ""}${str(v.fixedVersion) ? ` (fixed in ${str(v.fixedVersion)})` : ""}`,
                    });
                }
            } else if (kind === "ExposedSecretReport") {
                for (const s of Array.isArray(report.secrets) ? (report.secrets as unknown[]) : []) {
                    if (!isRecord(s)) continue;
                    const severity = level(s.severity);
                    own[severity]++;
                    // The match is the secret itself (Trivy masks part of it, not all): never reported.
                    findings.push({
                        severity,
                        id: str(s.ruleID) ?? "?",
                        title: maskSecretText(str(s.title) ?? ""),
                        object,
                        detail: `${str(s.target) ?? "?"}: ${SECRET_MASK}`,
                    });
                }
            } else {
                for (const c of Array.isArray(report.checks) ? (report.checks as unknown[]) : []) {
                    if (!isRecord(c) || c.success === true) continue;
                    const severity = level(c.severity);
                    own[severity]++;
                    const messages = Array.isArray(c.messages)
                        ? (c.messages as unknown[]).filter((m): m is string => typeof m === "string")
                        : [];
                    findings.push({
                        severity,
                        id: str(c.checkID) ?? str(c.id) ?? "?",
                        title: maskSecretText(str(c.title) ?? ""),
                        object,
                        ...(messages.length > 0 ? { detail: maskSecretText(messages.slice(0, 2).join("; ")) } : {}),
                    });
                }
            }
            const reported = summaryCounts(rec(report.summary)) ?? own;
            for (const l of TRIVY_LEVELS) counts[l] += reported[l];
            for (const f of findings) worst.add(f);
            evidence.objects.push({
                kind,
                ...(str(metadata.namespace) ? { namespace: str(metadata.namespace) } : {}),
                name: str(metadata.name) ?? "?",
                counts: reported,
            });
        });
        const source: LiveSource = {
            id: `trivy:${plural}`,
            title: `Trivy ${kind}s`,
            stage: "runtime",
            status: "evaluated",
            objects: 0,
            notes: [],
        };
        if (!listed.ok) {
            evidence.sources.push({ ...source, status: "not evaluated", reason: problemReason(listed) });
            continue;
        }
        source.objects = listed.count;
        if (malformed > 0) source.notes.push(`${malformed} report(s) without a report section were skipped (malformed)`);
        if (listed.count === 0)
            Object.assign(source, { status: "not evaluated", reason: "no report of this kind exists yet (nothing scanned)" });
        else if (malformed === listed.count)
            Object.assign(source, { status: "not evaluated", reason: "malformed: no report has a report section" });
        evidence.sources.push(source);
        evidence.kinds.push({ kind, reports: listed.count - malformed, counts, worst: worst.result() });
    }
    const specSource: LiveSource = {
        id: `trivy:${COMPLIANCE_REPORTS}`,
        title: "Trivy ClusterComplianceReports (k8s-cis, k8s-nsa, k8s-pss-restricted)",
        stage: "runtime",
        status: "evaluated",
        objects: 0,
        notes: [],
    };
    const listed = await client.list(`${TRIVY_API}/${COMPLIANCE_REPORTS}`, (item) => {
        const metadata = rec(item.metadata);
        const compliance = rec(rec(item.spec).compliance);
        const status = rec(item.status);
        const specId = str(compliance.id) ?? str(metadata.name) ?? "?";
        const summary = rec(status.summary);
        const summaryReport = rec(status.summaryReport);
        const controlChecks = Array.isArray(summaryReport.controlCheck) ? (summaryReport.controlCheck as unknown[]) : undefined;
        if (!controlChecks) {
            specSource.notes.push(`${str(metadata.name) ?? "?"}: no status.summaryReport yet (not generated); not evaluated`);
            return;
        }
        evidenceSpec(evidence, {
            name: str(metadata.name) ?? "?",
            specId,
            title: str(compliance.title) ?? specId,
            ...(str(compliance.version) ? { version: str(compliance.version) } : {}),
            ...(specFramework(compliance) ? { framework: specFramework(compliance) } : {}),
            passCount: num(summary.passCount) ?? 0,
            failCount: num(summary.failCount) ?? 0,
            ...(str(status.updateTimestamp) ? { updatedAt: str(status.updateTimestamp) } : {}),
            controls: controlChecks.filter(isRecord).map((c) => ({
                id: str(c.id) ?? "?",
                name: maskSecretText(str(c.name) ?? ""),
                severity: level(c.severity),
                totalFail: num(c.totalFail) ?? 0,
            })),
        });
    });
    if (!listed.ok) evidence.sources.push({ ...specSource, status: "not evaluated", reason: problemReason(listed) });
    else {
        specSource.objects = listed.count;
        if (evidence.specs.length === 0)
            Object.assign(specSource, { status: "not evaluated", reason: "no compliance report has a summary yet" });
        evidence.sources.push(specSource);
    }
    return evidence;
}

function evidenceSpec(evidence: TrivyEvidence, spec: ComplianceSpecEvidence): void {
    evidence.specs.push(spec);
}

/** Fields of Talon's notification text (`Key: value` lines). */
function talonField(message: string, key: string): string | undefined {
    const start = message.indexOf(`${key}: `);
    if (start < 0) return undefined;
    const end = message.indexOf("\n", start);
    return message.slice(start + key.length + 2, end < 0 ? undefined : end).trim();
}

export interface RuntimeEvidence {
    source: LiveSource;
    summary?: RuntimeEventsSummary;
}

/**
 * The Falco events Falco Talon acted on, from the Kubernetes Events its `k8sevents` notifier creates
 * (source component `falco-talon`, reason `falco-talon:<actionner>:<status>`, the Falco rule in the message).
 * Only events at or above Talon's minimum priority reach it, and the API server keeps Events for its
 * --event-ttl (1 hour by default): the report says so.
 */
export async function readRuntimeEvents(client: KubeClient, since: Date): Promise<RuntimeEvidence> {
    const source: LiveSource = {
        id: "falco-talon-events",
        title: "Falco events acted on by Falco Talon (Kubernetes Events)",
        stage: "runtime",
        status: "evaluated",
        objects: 0,
        notes: [
            "Only events falcosidekick forwards to Talon (priority critical and above) and that the API server still keeps (--event-ttl, 1 hour by default) are seen; every Falco event is in the logs (Fluentd).",
        ],
    };
    const byRule = new Map<string, number>();
    const byAction = new Map<string, number>();
    const latest: RuntimeEvent[] = [];
    let total = 0;
    const listed = await client.list(
        "/api/v1/events",
        (item) => {
            const reason = str(item.reason) ?? "";
            if (!reason.startsWith("falco-talon:")) return;
            const time = str(item.eventTime) ?? str(item.lastTimestamp) ?? str(item.firstTimestamp) ?? "";
            const at = Date.parse(time);
            if (!Number.isNaN(at) && at < since.getTime()) return;
            const message = str(item.message) ?? "";
            const involved = rec(item.involvedObject);
            // falco-talon:<actionner, itself category:action>:<status>
            const rest = reason.slice("falco-talon:".length);
            const cut = rest.lastIndexOf(":");
            const actionner = cut > 0 ? rest.slice(0, cut) : rest || "?";
            const status = cut > 0 ? rest.slice(cut + 1) : "?";
            const rule = talonField(message, "Rule") ?? "?";
            total++;
            byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
            byAction.set(`${actionner}\u0000${status}`, (byAction.get(`${actionner}\u0000${status}`) ?? 0) + 1);
            latest.push({
                time,
                namespace: str(involved.namespace) ?? str(rec(item.metadata).namespace) ?? "",
                pod: str(involved.name) ?? "",
                rule: maskSecretText(rule),
                action: actionner,
                status,
                message: maskSecretText(talonField(message, "Event") ?? talonField(message, "Message") ?? ""),
            });
            if (latest.length > MAX_RUNTIME_EVENTS * 4) {
                latest.sort((a, b) => b.time.localeCompare(a.time));
                latest.length = MAX_RUNTIME_EVENTS;
            }
        },
        { fieldSelector: "source=falco-talon" },
    );
    if (!listed.ok) return { source: { ...source, status: "not evaluated", reason: problemReason(listed) } };
    source.objects = total;
    latest.sort((a, b) => b.time.localeCompare(a.time));
    latest.length = Math.min(latest.length, MAX_RUNTIME_EVENTS);
    return {
        source,
        summary: {
            total,
            byRule: [...byRule]
                .map(([rule, count]) => ({ rule: maskSecretText(rule), count }))
                .sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
            byAction: [...byAction]
                .map(([key, count]) => {
                    const [action, status] = key.split("\u0000");
                    return { action, status, count };
                })
                .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action)),
            latest,
        },
    };
}
