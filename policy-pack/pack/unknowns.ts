// Turns the props the @pulumi/policy SDK hands a policy into plain JSON the catalogue rules can read.
//
// The SDK wraps props in an "unknown-checking proxy": reading a value that is unknown at preview (the
// engine sends it as a sentinel string) throws an UnknownValueError, and the SDK turns that throw into an
// advisory "can't run policy during preview" diagnostic for the whole resource - hiding the violations in
// the fields that ARE known. Instead we copy the props once, catching the throw per value and putting
// the catalogue's UNKNOWN_SENTINEL in its place. Each rule then decides field by field (`isUnknown`):
// an unknown value is never a violation, a known bad value next to it still is.
import { UNKNOWN_SENTINEL } from "../catalogue/types";
import { setOwn } from "../catalogue/view";

export type Json = Record<string, unknown>;

/** The SDK's UnknownValueError (not exported by @pulumi/policy): it carries the sentinel it hit. */
function isUnknownValueError(error: unknown): boolean {
    return error instanceof Error && "unknownTypeSentinel" in error;
}

function read(container: object, key: string | number): unknown {
    try {
        return (container as Record<string | number, unknown>)[key];
    } catch (error) {
        if (isUnknownValueError(error)) return UNKNOWN_SENTINEL;
        throw error;
    }
}

/** A deep plain copy of (possibly proxied) props, every unknown value replaced by UNKNOWN_SENTINEL. */
export function plainValue(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
        const length = value.length;
        const copy: unknown[] = [];
        for (let i = 0; i < length; i++) copy.push(plainValue(read(value, i)));
        return copy;
    }
    const copy: Json = {};
    for (const key of Object.keys(value)) setOwn(copy, key, plainValue(read(value, key)));
    return copy;
}

/** The key under which the SDK's unknown-checking proxy hands out its target (proxy.ts getSpecialProxyTarget). */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/** Every unknown sentinel the SDK's proxy throws on (proxy.ts unknown*Value); the engine sends the string one. */
const SDK_UNKNOWNS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    UNKNOWN_SENTINEL,
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** UNKNOWN_SENTINEL for any of the SDK's unknown sentinels, the string itself otherwise. */
export function plainString(value: string): string {
    return SDK_UNKNOWNS.has(value) ? UNKNOWN_SENTINEL : value;
}

// Props pack/deserialize-once.ts deserialized itself are already what plainProps would make of them (fresh
// plain JSON, owned by no one else, unknowns as UNKNOWN_SENTINEL), so they are read as they are: every
// policy of a request reads the same object, and none writes to it.
const alreadyPlain = new WeakSet();

export function markPlain(props: Json): void {
    alreadyPlain.add(props);
}

/** Thrown when the deserialized props hold something other than JSON (an asset, a Secret wrapper). */
class NotPlainJson extends Error {}

/**
 * The same copy as `plainValue` over the proxy, made from the proxy's target directly: reading every field
 * through the proxy (a trap, a path array and a nested proxy per value) is most of what copying costs, and
 * every policy copies every resource it applies to. Unknown sentinels become UNKNOWN_SENTINEL exactly where
 * the proxy would have thrown.
 */
function plainTargetValue(value: unknown): unknown {
    if (typeof value === "string") return plainString(value);
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
        const copy: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) copy[i] = plainTargetValue(value[i]);
        return copy;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new NotPlainJson();
    const copy: Json = {};
    for (const key of Object.keys(value)) setOwn(copy, key, plainTargetValue((value as Json)[key]));
    return copy;
}

/** The object behind the SDK's unknown-checking proxy (the deserialized props), or undefined when not proxied. */
export function proxyTarget(props: Json): Json | undefined {
    const target = props[PROXY_TARGET_KEY];
    return target !== null && typeof target === "object" && !Array.isArray(target) && target !== props ? (target as Json) : undefined;
}

/** A plain copy of the props (see above), or the deserialized props themselves when they are plain already. */
export function plainProps(props: Json): Json {
    const target = proxyTarget(props);
    if (target) {
        if (alreadyPlain.has(target)) return target;
        try {
            return plainTargetValue(target) as Json;
        } catch (error) {
            // Assets or Secret wrappers: take the general path through the proxy.
            if (!(error instanceof NotPlainJson)) throw error;
        }
    }
    const copy = plainValue(props);
    return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Json) : {};
}
