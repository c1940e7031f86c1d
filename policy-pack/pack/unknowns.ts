// Turns the props the @pulumi/policy SDK hands a policy into plain JSON the catalogue rules can read.
//
// The SDK wraps props in an "unknown-checking proxy": reading a value that is unknown at preview (the
// engine sends it as a sentinel string) throws an UnknownValueError, and the SDK turns that throw into an
// advisory "can't run policy during preview" diagnostic for the whole resource - hiding the violations in
// the fields that ARE known. Instead we copy the props once, catching the throw per value and putting
// the catalogue's UNKNOWN_SENTINEL in its place. Each rule then decides field by field (`isUnknown`):
// an unknown value is never a violation, a known bad value next to it still is.
import { UNKNOWN_SENTINEL } from "../catalogue/types";

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
    for (const key of Object.keys(value)) copy[key] = plainValue(read(value, key));
    return copy;
}

export function plainProps(props: Json): Json {
    const copy = plainValue(props);
    return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Json) : {};
}
