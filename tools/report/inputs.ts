// Resource inputs as a report may show them: secrets masked, unknown values detected.
import { UNKNOWN_SENTINEL } from "../../policy-pack/catalogue/types";

export const SECRET_MASK = "[secret]";

/**
 * A copy of `inputs` with every value at a secret path (`data.password`, `values.slack[0].url`, the
 * mock engine's `secretPaths` form) replaced by `[secret]`. A secret path covers everything below it.
 */
export function maskSecrets(inputs: Record<string, unknown>, secretPaths: readonly string[]): Record<string, unknown> {
    if (secretPaths.includes("")) return { [SECRET_MASK]: SECRET_MASK };
    const secret = new Set(secretPaths);
    const visit = (value: unknown, at: string): unknown => {
        if (at !== "" && secret.has(at)) return SECRET_MASK;
        if (Array.isArray(value)) return value.map((v, i) => visit(v, `${at}[${i}]`));
        if (value !== null && typeof value === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = visit(v, at ? `${at}.${k}` : k);
            return out;
        }
        return value;
    };
    return visit(inputs, "") as Record<string, unknown>;
}

/** True when any value in the tree is unknown at preview (the engine's sentinel). */
export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN_SENTINEL) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value !== null && typeof value === "object") return Object.values(value as Record<string, unknown>).some(containsUnknown);
    return false;
}
