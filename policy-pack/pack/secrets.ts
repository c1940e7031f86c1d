// Secret values never reach an output. The engine marks a secret on the wire as
// `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: <plaintext> }`; for
// Analyze the SDK unwraps it, so a rule sees (and could quote) the plaintext. The pack therefore notes the
// plaintext of every secret in a request (pack/deserialize-once.ts, while deserializing) and replaces it by
// `[secret]` in every message it sends back. The manifest checker and the plan do the same with the secrets
// they see. Rules still judge the real value: a secret `nginx:latest` is still a finding, printed as
// `image "[secret]"`.
//
// Redaction is textual, so it errs on the side of hiding: a secret that also occurs as ordinary text (say
// a secret namespace "apps" and the word "apps" elsewhere in a message) is hidden everywhere. Booleans and
// null are not redacted (they carry no text a message could leak beyond the field's own verdict).
import { isRecord, Json, setOwn } from "../catalogue/view";
import { plainString } from "./unknowns";

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const REDACTED = "[secret]";

/** True for a value in the wire format of a secret. */
export function isSecretWrapper(value: unknown): value is { value?: unknown } {
    return isRecord(value) && value[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Every string (and number) inside a value, as it could appear in a message. */
function addLeaves(value: unknown, into: Set<string>): void {
    if (typeof value === "string") {
        if (value !== "") into.add(value);
    } else if (typeof value === "number") {
        into.add(String(value));
    } else if (Array.isArray(value)) {
        for (const v of value) addLeaves(v, into);
    } else if (isRecord(value)) {
        for (const key of Object.keys(value)) addLeaves(value[key], into);
    }
}

/**
 * A plain copy of `value` with every secret wrapper replaced by its value, and the plaintext of those
 * secrets added to `secrets`. Objects are copied key by key (own keys, `__proto__` kept as a plain key).
 */
export function unwrapSecrets(value: unknown, secrets: Set<string>): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => unwrapSecrets(v, secrets));
    if (isSecretWrapper(value)) {
        const inner = unwrapSecrets(value.value, secrets);
        addLeaves(inner, secrets);
        return inner;
    }
    const copy: Json = {};
    for (const key of Object.keys(value)) setOwn(copy, key, unwrapSecrets((value as Json)[key], secrets));
    return copy;
}

/** Thrown by `deserializeNoting` on an asset or archive (left to the SDK's own deserializer). */
export class NotPlainJson extends Error {}

/**
 * What the SDK's deserializeProperties(struct, false) makes of `struct.toJavaScript()` (secrets unwrapped),
 * noting each secret's plaintext on the way, with unknowns as UNKNOWN_SENTINEL (as plainProps would make
 * them). Throws NotPlainJson on any other special value.
 */
export function deserializeNoting(value: unknown, secrets: Set<string>): unknown {
    if (typeof value === "string") return plainString(value);
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => deserializeNoting(v, secrets));
    const record = value as Json;
    if (Object.prototype.hasOwnProperty.call(record, SECRET_SIG_KEY)) {
        if (record[SECRET_SIG_KEY] !== SECRET_SIG) throw new NotPlainJson();
        const inner = deserializeNoting(record.value, secrets);
        addLeaves(inner, secrets);
        return inner;
    }
    const copy: Json = {};
    for (const key of Object.keys(record)) setOwn(copy, key, deserializeNoting(record[key], secrets));
    return copy;
}

/** The plaintext values of every secret inside a value (the value itself is not changed). */
export function secretsIn(value: unknown): Set<string> {
    const secrets = new Set<string>();
    unwrapSecrets(value, secrets);
    return secrets;
}

/**
 * `text` with every occurrence of every secret replaced by `[secret]`, longest secrets first (so a secret
 * containing another is hidden whole).
 */
export function redact(text: string, secrets: Iterable<string>): string {
    const ordered = [...secrets].filter((s) => s !== "").sort((a, b) => b.length - a.length);
    let result = text;
    for (const secret of ordered) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    return result;
}

// The secrets of each deserialized request, keyed by the props object the SDK hands the policies (its
// proxy's target). Filled by pack/deserialize-once.ts; weak, so a request's entry goes with its props.
const secretsOfProps = new WeakMap<object, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

export function rememberSecrets(props: object, secrets: ReadonlySet<string>): void {
    if (secrets.size > 0) secretsOfProps.set(props, secrets);
}

/** The key under which the SDK's unknown-checking proxy hands out its target (proxy.ts getSpecialProxyTarget). */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/** The secrets noted for these props (the SDK's proxy or the deserialized object itself). */
export function secretsOf(props: unknown): ReadonlySet<string> {
    if (!isRecord(props)) return NONE;
    const target = props[PROXY_TARGET_KEY];
    const key = isRecord(target) ? target : props;
    return secretsOfProps.get(key) ?? NONE;
}
