// The engine's handling of a policy pack config file (`pulumi preview --policy-pack-config <file>`), so
// tests send Configure exactly what the CLI would: every policy starts from its default level and the
// `default` of each configSchema property, `all` sets every level, then each policy's own entry is merged
// in, and the result is validated against the schemas (an invalid config stops the preview).
import { Enforcement } from "../../policy-pack/catalogue/types";

/** A level, or `{ enforcementLevel?, ...params }` (checked when parsed, as the engine does). */
export type PolicyConfigEntry = string | Record<string, unknown>;

/** `{ "all": "advisory", "<policy>": "disabled" | { "enforcementLevel": ..., "<param>": ... } }` */
export type PolicyPackConfigFile = Record<string, PolicyConfigEntry>;

export interface ReconciledPolicyConfig {
    enforcementLevel: Enforcement;
    properties?: Record<string, unknown>;
}

interface PolicyMeta {
    name: string;
    enforcementLevel: Enforcement;
    configSchema?: { properties: Record<string, Record<string, unknown>>; required: string[] };
}

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is Enforcement {
    return typeof value === "string" && LEVELS.includes(value);
}

function parseEntry(name: string, entry: PolicyConfigEntry): { level?: Enforcement; properties?: Record<string, unknown> } {
    if (typeof entry === "string") {
        if (!isLevel(entry)) throw new Error(`parsing enforcement level for "${name}": "${entry}" is not a valid enforcement level`);
        return { level: entry };
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
        throw new Error(`parsing "${name}": must be a string or object`);
    const { enforcementLevel, ...properties } = entry;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel))
        throw new Error(`parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`);
    return { level: enforcementLevel, properties: Object.keys(properties).length > 0 ? properties : undefined };
}

/** The subset of JSON schema the catalogue uses: type, items, enum, minimum, pattern, additionalProperties. */
export function validateAgainstSchema(value: unknown, schema: Record<string, unknown>, at: string): string[] {
    const errors: string[] = [];
    const type = schema.type as string | undefined;
    const typeOk: Record<string, (v: unknown) => boolean> = {
        string: (v) => typeof v === "string",
        boolean: (v) => typeof v === "boolean",
        number: (v) => typeof v === "number",
        integer: (v) => typeof v === "number" && Number.isInteger(v),
        array: (v) => Array.isArray(v),
        object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
        null: (v) => v === null,
    };
    if (type && typeOk[type] && !typeOk[type](value))
        return [`${at}: Invalid type. Expected: ${type}, given: ${Array.isArray(value) ? "array" : typeof value}`];
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
        errors.push(`${at}: must be one of ${JSON.stringify(schema.enum)}`);
    if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum)
        errors.push(`${at}: must be >= ${schema.minimum}`);
    // The catalogue's patterns are its own, written linear (no nested quantifiers).
    if (typeof schema.pattern === "string" && typeof value === "string" && !new RegExp(schema.pattern).test(value))
        errors.push(`${at}: Does not match pattern '${schema.pattern}'`);
    if (Array.isArray(value) && schema.items && typeof schema.items === "object") {
        value.forEach((v, i) => errors.push(...validateAgainstSchema(v, schema.items as Record<string, unknown>, `${at}.${i}`)));
    }
    if (typeOk.object(value) && (schema.properties || schema.additionalProperties !== undefined)) {
        const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (props[k]) errors.push(...validateAgainstSchema(v, props[k], `${at}.${k}`));
            else if (schema.additionalProperties === false) errors.push(`${at}: Additional property ${k} is not allowed`);
            else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
                errors.push(...validateAgainstSchema(v, schema.additionalProperties as Record<string, unknown>, `${at}.${k}`));
        }
    }
    return errors;
}

export function reconcilePolicyConfig(policies: readonly PolicyMeta[], file: PolicyPackConfigFile): Record<string, ReconciledPolicyConfig> {
    const result: Record<string, ReconciledPolicyConfig> = {};
    for (const p of policies) {
        let properties: Record<string, unknown> | undefined;
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if ("default" in s) (properties ??= {})[k] = s.default;
        }
        result[p.name] = { enforcementLevel: p.enforcementLevel, properties };
    }
    const parsed = Object.fromEntries(Object.entries(file).map(([k, v]) => [k, parseEntry(k, v)]));
    const all = parsed.all?.level;
    if (all) for (const k of Object.keys(result)) result[k] = { ...result[k], enforcementLevel: all };
    for (const [name, given] of Object.entries(parsed)) {
        const current = result[name];
        // As the engine: an entry for a name that is not a policy (e.g. "all") is kept with an empty level only if it sets one.
        const level = given.level ?? current?.enforcementLevel;
        const properties = given.properties ? { ...(current?.properties ?? {}), ...given.properties } : current?.properties;
        if (!level) continue;
        result[name] = { enforcementLevel: level, properties };
    }
    const errors: string[] = [];
    for (const p of policies) {
        if (!p.configSchema) continue;
        const schema = { type: "object", properties: p.configSchema.properties };
        const props = result[p.name]?.properties ?? {};
        errors.push(...validateAgainstSchema(props, schema, p.name));
        for (const required of p.configSchema.required) if (!(required in props)) errors.push(`${p.name}: ${required} is required`);
    }
    if (errors.length > 0) throw new Error(`policy pack configuration is invalid:\n${errors.join("\n")}`);
    return result;
}
