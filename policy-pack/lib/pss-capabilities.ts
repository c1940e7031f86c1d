// The Baseline profile's allowed capabilities, shared by pss-baseline-capabilities and pss-restricted-capabilities.
import { isUnknown } from "../catalogue/types";
import { CEL_UNKNOWN, celList } from "./pod-field-checks";

/** The capabilities the baseline profile lets a container add (the container runtime's default set). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/** Capability adds outside `allowed`, skipping unknown entries. */
export function forbiddenAdds(add: unknown, allowed: readonly string[]): unknown[] {
    return Array.isArray(add) ? add.filter((cap) => !isUnknown(cap) && !allowed.includes(cap as string)) : [];
}

/** CEL: `add` (bound to `v`) holds a known capability outside `allowed`. */
export function celForbiddenAdds(allowed: readonly string[]): string {
    return `type(v) == list && v.exists(cap, cap != ${CEL_UNKNOWN} && !(cap in ${celList(allowed)}))`;
}
