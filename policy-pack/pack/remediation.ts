// Writes a remediated object back into the SDK's props proxy, field by field. The SDK hands
// `remediateResource` a secrets-preserving proxy: writing a changed leaf through it keeps a secret value
// secret, while returning a fresh plain object would send every secret in the resource back in clear.
import { isUnknown } from "../catalogue/types";
import { isRecord } from "../catalogue/workloads";

type Container = Record<string | number, unknown>;

function sameJson(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Makes `target` (the proxied props) differ from `before` exactly as `after` does. Objects and equally long
 * arrays are descended into; anything else that changed is replaced. `before` is the plain copy the rule saw.
 */
export function applyChanges(target: object, before: unknown, after: unknown): void {
    const t = target as Container;
    if (Array.isArray(before) && Array.isArray(after)) {
        for (let i = 0; i < after.length; i++) applyEntry(t, i, before[i], after[i]);
        return;
    }
    if (!isRecord(before) || !isRecord(after)) return;
    for (const key of Object.keys(after)) applyEntry(t, key, before[key], after[key]);
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing the keys a remediation removed is the point
    for (const key of Object.keys(before)) if (!(key in after)) delete t[key];
}

function applyEntry(target: Container, key: string | number, before: unknown, after: unknown): void {
    if (sameJson(before, after)) return;
    const descend =
        !isUnknown(before) &&
        ((isRecord(before) && isRecord(after)) || (Array.isArray(before) && Array.isArray(after) && before.length === after.length));
    if (descend) applyChanges(target[key] as object, before, after);
    else target[key] = after;
}
