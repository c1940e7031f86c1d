// The Pod Security Standards version a PSS rule enforces, as Pod Security Admission's `enforce-version`
// label takes it: `latest` or `v1.NN`. Each check in PSA (k8s.io/pod-security-admission/policy) has a
// minimum version per behaviour; the thresholds below are those versions. A version newer than the
// newest known behaviour (v1.38, ...) behaves as `latest`, as in PSA.
import { ParamSchema } from "../catalogue/types";
import { celString } from "./pod-field-checks";

/** The newest Kubernetes minor version whose PSS behaviour this pack knows (sysctls added in v1.37). */
export const NEWEST_KNOWN_MINOR = 37;

/** What `latest` (and any version above NEWEST_KNOWN_MINOR) evaluates as; same number in CEL. */
export const LATEST_MINOR = 1000;

/** PSA's own syntax (`^v1\.([0-9]|[1-9][0-9]*)$`) plus `latest`. Linear: no nested quantifier. */
export const POD_SECURITY_VERSION_PATTERN = "^(latest|v1\\.(0|[1-9][0-9]*))$";
const VERSION_RE = /^v1\.(0|[1-9][0-9]{0,8})$/;

/** PSA minimum versions (minor) of the version-dependent behaviours. */
export const SINCE = {
    allowPrivilegeEscalation: 8,
    seccompFields: 19,
    capabilitiesRestricted: 22,
    runAsUser: 23,
    windowsExemptFromRestricted: 25,
    sysctlsV27: 27,
    sysctlsV29: 29,
    seLinuxContainerEngineT: 31,
    sysctlsV32: 32,
    hostProbesAndLifecycle: 34,
    userNamespaceRelaxation: 35,
    procMountRestricted: 35,
    sysctlsV37: 37,
} as const;

export interface PssParamsPart {
    /** `latest` or `v1.NN` (PSA's enforce-version). */
    podSecurityVersion: string;
}

export const DEFAULT_POD_SECURITY_VERSION = "latest";

export const POD_SECURITY_VERSION_SCHEMA: ParamSchema = {
    type: "string",
    description:
        'Pod Security Standards version to enforce, as Pod Security Admission\'s enforce-version label: "latest" or "v1.NN" ' +
        `(versions above v1.${NEWEST_KNOWN_MINOR} behave as latest).`,
    pattern: POD_SECURITY_VERSION_PATTERN,
    default: DEFAULT_POD_SECURITY_VERSION,
};

/** True for `latest` or `v1.NN`. */
export function isValidPodSecurityVersion(value: unknown): value is string {
    return value === "latest" || (typeof value === "string" && value.length <= 12 && VERSION_RE.test(value));
}

/**
 * The minor version to evaluate. `latest`, versions above the newest known one and anything invalid
 * (the config schema rejects invalid values before a rule runs) evaluate as LATEST_MINOR.
 */
export function pssMinor(params: { podSecurityVersion?: unknown }): number {
    const version = params.podSecurityVersion;
    if (!isValidPodSecurityVersion(version) || version === "latest") return LATEST_MINOR;
    const minor = Number(version.slice(3));
    return minor > NEWEST_KNOWN_MINOR ? LATEST_MINOR : minor;
}

/** CEL map from every known version string to its minor (standard CEL only: no string extensions). */
const CEL_VERSION_MAP = `{${Array.from({ length: NEWEST_KNOWN_MINOR + 1 }, (_, minor) => `${celString(`v1.${minor}`)}: ${minor}`).join(", ")}}`;

/** CEL variable `pssMinor`: the same number as `pssMinor(params)`. */
export const PSS_MINOR_CEL_VARIABLE = {
    name: "pssMinor",
    expression:
        `(has(variables.params.podSecurityVersion) && type(variables.params.podSecurityVersion) == string && ` +
        `variables.params.podSecurityVersion in ${CEL_VERSION_MAP}) ? ${CEL_VERSION_MAP}[variables.params.podSecurityVersion] : ${LATEST_MINOR}`,
};

export const CEL_MINOR = "variables.pssMinor";
