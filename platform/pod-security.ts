// Pod Security Admission labels, as every SecureNamespace carries them: a level per mode (enforce, warn,
// audit), each pinned to the stack's Pod Security version (the same version the pss-* rules are configured
// with, so Kubernetes' own admission and our rules judge by one standard). Platform namespaces hold one level
// in all three modes (restricted unless platform/exemptions.ts gives a reason); the app namespaces follow the
// app's migration step (appPolicyEnforcement), like the Gatekeeper constraints there.
import { PolicyEnforcement } from "../stacks/types";
import { PodSecurityLevel } from "./exemptions";

export const POD_SECURITY_MODES = ["enforce", "audit", "warn"] as const;
export type PodSecurityMode = (typeof POD_SECURITY_MODES)[number];
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

export type PodSecurityModes = Record<PodSecurityMode, PodSecurityLevel>;

export const POD_SECURITY_LABEL_PREFIX = "pod-security.kubernetes.io/";

/** One level in all three modes. */
export function uniformModes(level: PodSecurityLevel): PodSecurityModes {
    return { enforce: level, audit: level, warn: level };
}

/**
 * The app namespaces' Pod Security Admission modes at the app's level:
 * - mandatory: restricted in every mode (prod), as the Gatekeeper constraints deny;
 * - advisory: enforce baseline, warn and audit restricted: pods that only miss restricted fields run (with
 *   a warning on apply and an audit annotation), as Gatekeeper only warns; baseline still refuses what
 *   opens the node (privileged, host namespaces, hostPath...);
 * - disabled: the same as advisory, never privileged. Gatekeeper only records (dryrun) there, but PSA is
 *   Kubernetes' own floor and baseline is what the PSS call "minimally restrictive": dropping it would let
 *   a pod take the node.
 */
export function appPodSecurityModes(enforcement: PolicyEnforcement): PodSecurityModes {
    return enforcement === "mandatory" ? uniformModes("restricted") : { enforce: "baseline", audit: "restricted", warn: "restricted" };
}

/** Why an app namespace enforces less than restricted (the namespace's reason annotation), or undefined. */
export function appPodSecurityReason(enforcement: PolicyEnforcement): string | undefined {
    if (enforcement === "mandatory") return undefined;
    return (
        `appPolicyEnforcement is ${enforcement}: the app is migrating to the restricted Pod Security Standard, so Pod Security Admission ` +
        "enforces baseline and warns and audits restricted (as Gatekeeper " +
        (enforcement === "advisory" ? "warns" : "only records") +
        "); prod enforces restricted."
    );
}

/** The namespace labels: `pod-security.kubernetes.io/<mode>` and `<mode>-version` for every mode. */
export function podSecurityLabels(modes: PodSecurityModes, version: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const mode of POD_SECURITY_MODES) {
        labels[`${POD_SECURITY_LABEL_PREFIX}${mode}`] = modes[mode];
        labels[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`] = version;
    }
    return labels;
}

const VERSION_LABEL = /^(latest|v1\.(0|[1-9][0-9]{0,2}))$/;

/** What PSA applies in one mode of a namespace: a level at a version. */
export interface ModeSetting {
    level: PodSecurityLevel;
    version: string;
}

/**
 * A namespace's setting per mode from its labels, as PSA reads them (api.PolicyToEvaluate): a missing level
 * label is `privileged` (PSA's default without an AdmissionConfiguration), a missing version `latest`; an
 * invalid level or version falls back to `restricted` / `latest` (PSA fails closed on a bad label).
 */
export function podSecurityFromLabels(labels: unknown): Record<PodSecurityMode, ModeSetting> {
    const record = labels !== null && typeof labels === "object" && !Array.isArray(labels) ? (labels as Record<string, unknown>) : {};
    const out = {} as Record<PodSecurityMode, ModeSetting>;
    for (const mode of POD_SECURITY_MODES) {
        const level = record[`${POD_SECURITY_LABEL_PREFIX}${mode}`];
        const version = record[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`];
        out[mode] = {
            level:
                level === undefined
                    ? "privileged"
                    : (POD_SECURITY_LEVELS as readonly unknown[]).includes(level)
                      ? (level as PodSecurityLevel)
                      : "restricted",
            version: typeof version === "string" && VERSION_LABEL.test(version) ? version : "latest",
        };
    }
    return out;
}
