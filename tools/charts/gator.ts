// Admission verdicts without a cluster: `gator test` (Gatekeeper's own evaluator, CEL engine on) over the
// stack's ConstraintTemplates and Constraints - the objects the program deploys, taken from the run - and
// the objects rendered from the charts.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import { K8sObject } from "../../policy-pack/catalogue/types";
import type { ProgramRun } from "../mock-engine";
import { INSTALL_COMMAND, locateTool } from "../engines/locate";

export const TEMPLATE_GROUP = "templates.gatekeeper.sh";
export const CONSTRAINT_GROUP = "constraints.gatekeeper.sh";

export interface GatekeeperVerdict {
    /** The constraint's name, which is the catalogue rule id (components/constraint-render.ts). */
    ruleId: string;
    enforcementAction: string;
    message: string;
}

export interface GatorPolicies {
    templates: K8sObject[];
    constraints: K8sObject[];
}

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const TIMEOUT_MS = 300_000;

/** The ConstraintTemplates and Constraints the program declares for the stack (recorded inputs). */
export function policiesFromRun(run: ProgramRun): GatorPolicies {
    const objects = (prefix: string): K8sObject[] =>
        run.resources
            .filter((r) => r.type.startsWith(`kubernetes:${prefix}/`))
            .map((r) => {
                const { apiVersion, kind, metadata, spec } = r.inputs as K8sObject & { spec?: unknown };
                return { apiVersion, kind, metadata, spec } as K8sObject;
            });
    return { templates: objects(TEMPLATE_GROUP), constraints: objects(CONSTRAINT_GROUP) };
}

/** group/Kind pairs some constraint matches: other objects cannot get a Gatekeeper verdict. */
export function matchedKinds(constraints: readonly K8sObject[]): Set<string> {
    const kinds = new Set<string>();
    for (const c of constraints) {
        const match = (c as { spec?: { match?: { kinds?: unknown } } }).spec?.match?.kinds;
        if (!Array.isArray(match)) continue;
        for (const m of match) {
            const groups = Array.isArray(m?.apiGroups) ? (m.apiGroups as unknown[]) : [];
            const names = Array.isArray(m?.kinds) ? (m.kinds as unknown[]) : [];
            for (const g of groups) for (const k of names) if (typeof g === "string" && typeof k === "string") kinds.add(`${g}/${k}`);
        }
    }
    return kinds;
}

export function objectKey(object: K8sObject): string {
    const group = typeof object.apiVersion === "string" && object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
    return `${group}/${String(object.kind)}/${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

export interface GatorReview {
    /** Keys (objectKey) of the objects gator reviewed: those of kinds some constraint matches. */
    reviewed: Set<string>;
    verdicts: Map<string, GatekeeperVerdict[]>;
}

interface GatorResult {
    msg?: unknown;
    enforcementAction?: unknown;
    constraint?: { metadata?: { name?: unknown } };
    violatingObject?: K8sObject;
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
    const reviewed = objects.filter((o) => {
        const group = typeof o.apiVersion === "string" && o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
        return kinds.has(`${group}/${String(o.kind)}`) || kinds.has(`*/${String(o.kind)}`);
    });
    const verdicts = new Map<string, GatekeeperVerdict[]>();
    const review: GatorReview = { reviewed: new Set(reviewed.map(objectKey)), verdicts };
    if (reviewed.length === 0) return review;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gator-"));
    try {
        const write = (file: string, docs: readonly unknown[]): void => fs.writeFileSync(path.join(dir, file), docs.map((d) => stringifyYaml(d)).join("---\n"), { mode: 0o600 });
        write("1-templates.yaml", policies.templates);
        write("2-constraints.yaml", policies.constraints);
        write("3-objects.yaml", reviewed);
        const stdout = await new Promise<string>((resolve, reject) => {
            const child = execFile(gator, ["test", "--filename", dir, "--output", "json"], { maxBuffer: MAX_OUTPUT_BYTES, timeout: TIMEOUT_MS }, (error, out, stderr) => {
                // Exit 1 means "a deny constraint is violated": a verdict, not a failure.
                if (error && (error as { code?: unknown }).code !== 1) reject(new Error(`gator test failed: ${(stderr || error.message).trim().slice(0, 1500)}`));
                else resolve(out);
            });
            // gator also reads objects from a piped stdin: close it, or it waits forever.
            child.stdin?.end();
        });
        const parsed: unknown = stdout.trim() === "" || stdout.trim() === "null" ? [] : JSON.parse(stdout);
        if (!Array.isArray(parsed)) throw new Error("gator test: unexpected JSON output (not a list of results)");
        for (const r of parsed as GatorResult[]) {
            if (!r.violatingObject || typeof r.constraint?.metadata?.name !== "string") continue;
            const key = objectKey(r.violatingObject);
            const ruleId = r.constraint.metadata.name;
            const existing = verdicts.get(key) ?? [];
            // One verdict per rule and object; a rule reports each finding (container, field) as its own result.
            if (existing.some((v) => v.ruleId === ruleId)) continue;
            verdicts.set(key, [...existing, { ruleId, enforcementAction: String(r.enforcementAction ?? ""), message: String(r.msg ?? "") }]);
        }
        return review;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
