// Admission verdicts as report violations, so they reach every output (plan.json, plan.md's headline and
// table, SARIF, the exit code) like the pack's: Pod Security Admission on chart objects, and the app's
// objects under both admission layers, each located in the app repository's file it came from.
import { ruleById } from "../../policy-pack/catalogue";
import type { ReportResource, Violation } from "../report/model";
import type { AppObjectVerdict, AppPlan } from "./app";
import { typeTokenFor } from "./chart-workloads";
import type { PodSecurityVerdict, PsaModeVerdict } from "./pod-security-admission";

/** Message prefix that tells a Pod Security Admission finding from a Gatekeeper or pack one. */
export function podSecurityPrefix(mode: PsaModeVerdict): string {
    return `Pod Security Admission (${mode.mode} ${mode.level} ${mode.version})`;
}

/**
 * PSA findings as violations: `enforce` ones are mandatory (the pods are forbidden); `warn`/`audit` ones
 * advisory (admitted with a warning and an audit annotation). A finding both warn and audit report is one.
 */
export function podSecurityViolations(verdict: PodSecurityVerdict, resource: ReportResource): Violation[] {
    const modes: { mode: PsaModeVerdict; enforcement: "mandatory" | "advisory" }[] =
        verdict.outcome === "denied"
            ? [{ mode: verdict.enforce, enforcement: "mandatory" }]
            : [verdict.warn, verdict.audit].filter((m) => !m.allowed).map((mode) => ({ mode, enforcement: "advisory" as const }));
    const seen = new Set<string>();
    const out: Violation[] = [];
    for (const { mode, enforcement } of modes) {
        for (const f of mode.findings) {
            const key = `${f.ruleId}\u0000${f.field}\u0000${f.message}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push({
                ruleId: f.ruleId,
                severity: ruleById(f.ruleId).severity,
                enforcement,
                message: `${podSecurityPrefix(mode)}: ${f.message} (field ${f.field})`,
                resource,
                fields: [f.field],
            });
        }
    }
    return out;
}

/** The report resource for an app object: its file in the app repository and the line of its kind. */
function appResource(o: AppObjectVerdict): ReportResource {
    const type = typeTokenFor({ apiVersion: o.apiVersion, kind: o.kind }) ?? o.kind;
    return {
        type,
        name: `${o.namespace ? `${o.namespace}/` : ""}${o.name}`,
        ...(o.namespace ? { namespace: o.namespace } : {}),
        ...(o.template ? { file: o.template, line: o.line ?? 1 } : {}),
        origin: "app",
    };
}

/**
 * The app's findings as violations: Gatekeeper deny -> mandatory, warn -> advisory (dryrun findings stay in
 * the app section: the audit records them, nothing is refused or warned); PSA as podSecurityViolations.
 */
export function appViolations(app: AppPlan): Violation[] {
    const out: Violation[] = [];
    for (const o of app.objects) {
        if (o.verdict === "excluded" || o.verdict === "refused") continue;
        const resource = appResource(o);
        for (const f of o.findings) {
            if (f.action === "dryrun") continue;
            out.push({
                ruleId: f.ruleId,
                severity: ruleById(f.ruleId).severity,
                enforcement: f.action === "deny" ? "mandatory" : "advisory",
                message: `Gatekeeper (${f.action}): ${f.message}`,
                resource,
            });
        }
        if (o.podSecurity) out.push(...podSecurityViolations(o.podSecurity, resource));
    }
    return out;
}
