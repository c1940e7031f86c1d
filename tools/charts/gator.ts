// Admission verdicts without a cluster: `gator test` (Gatekeeper's own evaluator, CEL engine on) over the
// stack's ConstraintTemplates and Constraints - the objects the program deploys, taken from the run - and
// the objects rendered from the charts.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { K8sObject } from "../../policy-pack/catalogue/types";
import type { ProgramRun } from "../mock-engine";
import { INSTALL_COMMAND, locateTool } from "../engines/locate";
import { parseGatorTestJson, runGator, writeTestInputs } from "../engines/gator";

export const TEMPLATE_GROUP = "templates.gatekeeper.sh";
export const CONSTRAINT_GROUP = "constraints.gatekeeper.sh";

export interface GatekeeperVerdict {
    /** The constraint's name, which is the catalogue rule id (platform/constraint-render.ts). */
    ruleId: string;
    enforcementAction: string;
    message: string;
}

export interface GatorPolicies {
    templates: K8sObject[];
    constraints: K8sObject[];
}

const TIMEOUT_MS = 300_000;

/** The ConstraintTemplates and Constraints the program declares for the stack (recorded inputs). */
export function policiesFromRun(run: ProgramRun): GatorPolicies {
    const objects = (prefix: string): K8sObject[] =>
        run.resources
            .filter((r) => r.type.startsWith(`kubernetes:${prefix}/`))
            .map((r) => {
                const { apiVersion, kind, metadata, spec } = r.inputs as K8sObject & { spec?: unknown };
                return { apiVersion, kind, metadata, spec };
            });
    return { templates: objects(TEMPLATE_GROUP), constraints: objects(CONSTRAINT_GROUP) };
}

/** group/Kind pairs some constraint matches: other objects cannot get a Gatekeeper verdict. */
export function matchedKinds(constraints: readonly K8sObject[]): Set<string> {
    const kinds = new Set<string>();
    for (const c of constraints) {
        const match = (c as { spec?: { match?: { kinds?: unknown } } }).spec?.match?.kinds;
        if (!Array.isArray(match)) continue;
        for (const m of match as unknown[]) {
            const entry = (m ?? {}) as { apiGroups?: unknown; kinds?: unknown };
            const groups: unknown[] = Array.isArray(entry.apiGroups) ? entry.apiGroups : [];
            const names: unknown[] = Array.isArray(entry.kinds) ? entry.kinds : [];
            for (const g of groups) for (const k of names) if (typeof g === "string" && typeof k === "string") kinds.add(`${g}/${k}`);
        }
    }
    return kinds;
}

function groupOf(object: K8sObject): string {
    return typeof object.apiVersion === "string" && object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
}

export function objectKey(object: K8sObject): string {
    return `${groupOf(object)}/${String(object.kind)}/${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

export interface GatorReview {
    /** Keys (objectKey) of the objects gator reviewed: those of kinds some constraint matches. */
    reviewed: Set<string>;
    verdicts: Map<string, GatekeeperVerdict[]>;
}

/**
 * Runs `gator test` once over the policies and objects; returns the verdicts per object (keyed by
 * `objectKey`). Objects of kinds no constraint matches are not sent (Gatekeeper would not review them).
 */
export async function gatorVerdicts(policies: GatorPolicies, objects: readonly K8sObject[]): Promise<GatorReview> {
    const gator = locateTool("gator");
    if (!gator) throw new Error(`gator is not installed: run \`${INSTALL_COMMAND}\``);
    if (policies.constraints.length === 0) throw new Error("the stack declares no Gatekeeper constraint to test the chart objects against");
    const kinds = matchedKinds(policies.constraints);
    const reviewed = objects.filter((o) => kinds.has(`${groupOf(o)}/${String(o.kind)}`) || kinds.has(`*/${String(o.kind)}`));
    const verdicts = new Map<string, GatekeeperVerdict[]>();
    const review: GatorReview = { reviewed: new Set(reviewed.map(objectKey)), verdicts };
    if (reviewed.length === 0) return review;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gator-"));
    try {
        writeTestInputs(dir, policies.templates, policies.constraints, reviewed);
        const run = runGator(gator, ["test", "--filename", dir, "--output", "json"], TIMEOUT_MS);
        // Exit 1 means "a deny constraint is violated": a verdict, not a failure.
        if (run.status !== 0 && run.status !== 1)
            throw new Error(`gator test failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 1500)}`);
        // gator's results name the object by kind, namespace and name; with the group from the reviewed objects.
        const groups = new Map(
            reviewed.map((o) => [`${String(o.kind)}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`, groupOf(o)]),
        );
        for (const v of parseGatorTestJson(run.stdout)) {
            const short = `${v.object.kind}/${v.object.namespace}/${v.object.name}`;
            if (!groups.has(short) || v.constraintName === "") continue;
            const key = `${groups.get(short)}/${short}`;
            const existing = verdicts.get(key) ?? [];
            // One verdict per rule and object; a rule reports each finding (container, field) as its own result.
            if (existing.some((x) => x.ruleId === v.constraintName)) continue;
            verdicts.set(key, [...existing, { ruleId: v.constraintName, enforcementAction: v.enforcementAction, message: v.message }]);
        }
        return review;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
