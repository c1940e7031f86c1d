// Shared by the Restricted rules. Every PSS rule follows Pod Security Admission at its `podSecurityVersion`
// (lib/pss-version.ts): where the docs say "Linux only (spec.os.name != windows)" - privilege escalation, seccomp and
// capabilities - Windows pods are skipped from v1.25, as PSA does; readOnlyRootFilesystem (not a PSS control, no
// version) always skips them because the API forbids the field on Windows pods. The "Non-root groups" control is
// optional in the docs and not enforced by PSA, nor here.
import { K8sObject } from "../catalogue/types";
import { PssParams } from "./define-rule";
import {
    CEL_WINDOWS_OR_UNKNOWN_OS,
    celUserNamespaceRelaxed,
    isRecord,
    isWindowsOrUnknownOs,
    PodContext,
    podContext,
} from "./pod-field-checks";
import { CEL_MINOR, pssMinor, SINCE } from "./pss-version";

/**
 * The pod context for a restricted control PSA added in v1.`since` and, from v1.25, skips for Windows
 * pods (spec.os.name: windows; an unknown os.name is skipped too). None when the control does not run.
 */
export function restrictedPodContext(object: K8sObject, params: PssParams, since: number): PodContext | undefined {
    const minor = pssMinor(params);
    const ctx = minor >= since ? podContext(object, params) : undefined;
    return ctx && !(minor >= SINCE.windowsExemptFromRestricted && isWindowsOrUnknownOs(ctx.pod.spec)) ? ctx : undefined;
}

/** CEL twin of `restrictedPodContext` around a validation. */
export function restrictedOnly<V extends { expression: string }>(validation: V, since: number): V {
    return {
        ...validation,
        expression: `${CEL_MINOR} < ${since} || (${CEL_MINOR} >= ${SINCE.windowsExemptFromRestricted} && ${CEL_WINDOWS_OR_UNKNOWN_OS}) || ${validation.expression}`,
    };
}

/** The container's securityContext as a writable record, or undefined when it is unknown or malformed. */
export function writableSecurityContext(container: Record<string, unknown>): Record<string, unknown> | undefined {
    const sc = container.securityContext;
    if (sc === undefined || sc === null) return (container.securityContext = {});
    return isRecord(sc) ? sc : undefined;
}

export const CEL_RELAXED = celUserNamespaceRelaxed(SINCE.userNamespaceRelaxation);
