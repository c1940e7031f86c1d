// A typed view over user data (resource props, Kubernetes objects) for the rules.
//
// User data is hostile until proven otherwise: a field may hold the wrong type, an object may carry its own
// `toString`/`valueOf`/`__proto__` keys, and strings may be megabytes long. The rules read it only through
// these functions, which
//  - read own properties only (an inherited `toString` or `constructor` is never mistaken for a field);
//  - never call a method found on user data and never coerce an object to a string (`String(x)` and
//    template literals on an object call its `toString`, which throws when that key holds data);
//  - treat a wrong type as malformed: the typed getters return undefined, so the rule ignores the value.
//    Kubernetes' schema validation (API server, and the provider at preview) rejects such an object anyway;
//    the pack's job is not to crash on it;
//  - bound what goes into a message (`show`), so one field cannot blow up a response.
import { isUnknown } from "./types";

export type Json = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Json {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value as a JSON object, or undefined. */
export function asRecord(value: unknown): Json | undefined {
    return isRecord(value) ? value : undefined;
}

/** `value[key]` when `value` is an object that has `key` as its own property; undefined otherwise. */
export function own(value: unknown, key: string): unknown {
    return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** True when `value` is an object with `key` as its own property (the `in` operator also sees inherited keys). */
export function hasKey(value: unknown, key: string): boolean {
    return isRecord(value) && Object.hasOwn(value, key);
}

/**
 * The value at a dotted path of own properties; undefined when a step is missing or not an object, and the
 * unknown sentinel itself when a step is unknown (so the caller can tell "not set" from "not known yet").
 */
export function at(value: unknown, path: string): unknown {
    let current = value;
    for (const key of path.split(".")) {
        if (isUnknown(current)) return current;
        current = own(current, key);
    }
    return current;
}

/** The value when it is a string (unknown sentinel included), else undefined. */
export function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** The value when it is a known string (not the unknown sentinel), else undefined. */
export function knownStr(value: unknown): string | undefined {
    return typeof value === "string" && !isUnknown(value) ? value : undefined;
}

/** The string entries of a list (other entries are malformed and skipped); empty for a non-list. */
export function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Longest piece of user data a message quotes; the rest is elided with its length. */
export const MAX_SHOWN_CHARS = 200;

/**
 * A value for a message, never by calling anything on it: strings as they are (cut at MAX_SHOWN_CHARS),
 * numbers, booleans and null by value, objects and arrays by their type only, unknowns as `(unknown)`.
 */
export function show(value: unknown): string {
    if (isUnknown(value)) return "(unknown)";
    switch (typeof value) {
        case "string":
            return value.length > MAX_SHOWN_CHARS
                ? `${value.slice(0, MAX_SHOWN_CHARS)}...(${value.length - MAX_SHOWN_CHARS} more characters)`
                : value;
        case "number":
        case "boolean":
            return JSON.stringify(value);
        case "undefined":
            return "(not set)";
        default:
            if (value === null) return "null";
            return Array.isArray(value) ? "(a list)" : "(an object)";
    }
}

/** Plain-object copy keyed safely: a `__proto__` key becomes an own property, never the prototype. */
export function setOwn(target: Json, key: string, value: unknown): void {
    if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else target[key] = value;
}
