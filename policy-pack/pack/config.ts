// Strict validation of a policy pack config file (`pulumi ... --policy-pack-config`, `npm run check
// --policy-config`, the plan's per-stack config): a gate's config fails closed. Unknown rule ids, levels
// that are not exactly one of the four (`"Mandatory"`, `"mandatory "`, `"bogus"`), unknown parameters and
// wrong types are errors, reported before anything is checked; nothing falls back to a default silently.
import { Enforcement, ParamSchema, Rule } from "../catalogue/types";
import { isRecord, show } from "../catalogue/view";
import { configSchemaFor } from "./policies";

export const ENFORCEMENT_LEVELS: readonly Enforcement[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is Enforcement {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

function quote(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(show(value)) : show(value);
}

function levelProblem(at: string, value: unknown): string | undefined {
    if (isLevel(value)) return undefined;
    return `${at}: ${quote(value)} is not a valid enforcement level (exactly one of ${ENFORCEMENT_LEVELS.join(", ")})`;
}

function typeName(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    return typeof value === "object" ? "object" : typeof value;
}

const TYPE_CHECKS: Record<ParamSchema["type"], (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    boolean: (v) => typeof v === "boolean",
    integer: (v) => typeof v === "number" && Number.isInteger(v),
    number: (v) => typeof v === "number" && Number.isFinite(v),
    array: (v) => Array.isArray(v),
    object: (v) => isRecord(v),
};

/** Problems of one value against a parameter schema (the subset the catalogue uses). */
export function schemaProblems(value: unknown, schema: ParamSchema, at: string): string[] {
    if (!TYPE_CHECKS[schema.type](value)) return [`${at}: expected ${schema.type}, got ${typeName(value)}`];
    const problems: string[] = [];
    if (schema.enum && !schema.enum.some((e) => e === value))
        problems.push(`${at}: ${quote(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum)
        problems.push(`${at}: must be >= ${schema.minimum}`);
    if (Array.isArray(value) && schema.items) {
        const items = schema.items;
        value.forEach((v, i) => problems.push(...schemaProblems(v, items, `${at}[${i}]`)));
    }
    if (isRecord(value) && (schema.properties || schema.additionalProperties !== undefined)) {
        const properties = schema.properties ?? {};
        for (const key of Object.keys(value)) {
            const property = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
            if (property) problems.push(...schemaProblems(value[key], property, `${at}.${key}`));
            else if (schema.additionalProperties === false) problems.push(`${at}: unknown property ${quote(key)}`);
            else if (isRecord(schema.additionalProperties))
                problems.push(...schemaProblems(value[key], schema.additionalProperties as ParamSchema, `${at}.${key}`));
        }
    }
    return problems;
}

/**
 * Every problem of a policy config file: `{ "all"?: level, "<rule id>": level | { enforcementLevel?, ...params } }`.
 * Empty when the config is valid.
 */
export function policyConfigProblems(config: unknown, rules: readonly Rule[]): string[] {
    if (!isRecord(config)) return [`the policy config must be a JSON object of rule ids, got ${typeName(config)}`];
    const byId = new Map(rules.map((r) => [r.id, r]));
    const problems: string[] = [];
    for (const key of Object.keys(config)) {
        const entry = config[key];
        if (key === "all") {
            const problem = levelProblem('"all"', entry);
            if (problem) problems.push(problem);
            continue;
        }
        const rule = byId.get(key);
        if (!rule) {
            problems.push(`unknown rule id ${quote(key)} (see policy-pack/README.md for the rule ids)`);
            continue;
        }
        const at = JSON.stringify(key);
        if (typeof entry === "string") {
            const problem = levelProblem(at, entry);
            if (problem) problems.push(problem);
            continue;
        }
        if (!isRecord(entry)) {
            problems.push(`${at}: expected an enforcement level or an object, got ${typeName(entry)}`);
            continue;
        }
        const properties = configSchemaFor(rule).properties as Record<string, ParamSchema>;
        for (const param of Object.keys(entry)) {
            if (param === "enforcementLevel") {
                const problem = levelProblem(`${at}.enforcementLevel`, entry[param]);
                if (problem) problems.push(problem);
                continue;
            }
            const schema = Object.prototype.hasOwnProperty.call(properties, param) ? properties[param] : undefined;
            if (!schema) {
                const known = ["enforcementLevel", ...Object.keys(properties)].join(", ");
                problems.push(`${at}: unknown parameter ${quote(param)} (known: ${known})`);
                continue;
            }
            problems.push(...schemaProblems(entry[param], schema, `${at}.${param}`));
        }
    }
    return problems;
}

/** One line for a CLI: the first problems and how many more there are. */
export function describeProblems(problems: readonly string[], shown = 3): string {
    const head = problems.slice(0, shown).join("; ");
    return problems.length > shown ? `${head}; and ${problems.length - shown} more` : head;
}
