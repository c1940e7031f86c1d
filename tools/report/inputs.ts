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

/** Text longer than this (a violation message, an event) is cut before masking: bounded output and bounded regex work. */
export const MAX_TEXT_CHARS = 2000;

// Linear patterns only (no nested quantifiers): secrets as they appear in messages of the cluster's tools.
const SECRET_TEXT_PATTERNS: readonly [RegExp, string][] = [
    // PEM private keys (the whole block; an unterminated one to the end of the text).
    [/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g, SECRET_MASK],
    // Credentials in URLs: scheme://user:password@host.
    [/\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/@:]{1,200}:[^\s/@]{1,200}@/gi, `$1${SECRET_MASK}@`],
    // HTTP authorization values.
    [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${SECRET_MASK}`],
    // Well-known token shapes: Slack webhooks and tokens, GitHub, AWS access keys, Google API keys, JWTs.
    [/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, `hooks.slack.com/services/${SECRET_MASK}`],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, SECRET_MASK],
    [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, SECRET_MASK],
    [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, SECRET_MASK],
    [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, SECRET_MASK],
    [/\bAIza[0-9A-Za-z_-]{35}/g, SECRET_MASK],
    [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, SECRET_MASK],
    // key=value, key: value, "key": "value" where the key names a secret.
    [
        /\b([A-Za-z0-9_-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|credentials?|access[_-]?key)[A-Za-z0-9_-]{0,40})(["']?\s{0,3}[=:]\s{0,3}["']?)([^\s"',;&)}\]]+)/gi,
        `$1$2${SECRET_MASK}`,
    ],
];

/**
 * Free text from the cluster (violation messages, scanner findings, runtime events) with anything that looks
 * like a secret replaced by `[secret]`, cut to MAX_TEXT_CHARS. Errs on the side of hiding.
 */
export function maskSecretText(text: string): string {
    let out = text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}... (${text.length} chars)` : text;
    for (const [pattern, replacement] of SECRET_TEXT_PATTERNS) out = out.replace(pattern, replacement);
    return out;
}
