// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding, isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    celGet,
    celLet,
    celList,
    celName,
    celString,
    finding,
    get,
    isRecord,
    podContext,
    show,
} from "../lib/pod-field-checks";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

/**
 * Namespaced sysctls the baseline profile considers safe (isolated per pod), by the PSA version that
 * added them. Each version's list is its own entries plus every earlier one.
 */
const SAFE_SYSCTLS_BY_VERSION: readonly { since: number; names: readonly string[] }[] = [
    {
        since: 0,
        names: [
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ],
    },
    { since: SINCE.sysctlsV27, names: ["net.ipv4.ip_local_reserved_ports"] },
    {
        since: SINCE.sysctlsV29,
        names: ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"],
    },
    { since: SINCE.sysctlsV32, names: ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"] },
    { since: SINCE.sysctlsV37, names: ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"] },
];

/** The safe sysctls at a PSS minor version. */
function safeSysctls(minor: number): string[] {
    return SAFE_SYSCTLS_BY_VERSION.filter((v) => v.since <= minor).flatMap((v) => v.names);
}

/** The safe sysctls of `latest`. */
const SAFE_SYSCTLS: readonly string[] = safeSysctls(Number.MAX_SAFE_INTEGER);

/** CEL: the safe list for `variables.pssMinor` (built oldest first, so the newest version is tested first). */
const CEL_SAFE_SYSCTLS = SAFE_SYSCTLS_BY_VERSION.reduce(
    (otherwise, v) =>
        v.since === 0 ? celList(safeSysctls(0)) : `(${CEL_MINOR} >= ${v.since} ? ${celList(safeSysctls(v.since))} : ${otherwise})`,
    "[]",
);

const SYSCTL_FIX = "set only the safe sysctls of the enforced Pod Security Standards version, or tune the node instead";

export const rule = pssRule({
    id: "pss-baseline-sysctls",
    title: "Only safe sysctls",
    description:
        "Pod Security Standards (baseline), Sysctls: spec.securityContext.sysctls[*].name may only name the safe, pod-isolated set of " +
        `the enforced version (latest: ${SAFE_SYSCTLS.join(", ")}; ` +
        SAFE_SYSCTLS_BY_VERSION.filter((v) => v.since > 0)
            .map((v) => `${v.names.join(", ")} since v1.${v.since}`)
            .join("; ") +
        "). Other sysctls can affect the node or other pods. Pods whose every container runs an exempt image are not judged.",
    severity: "medium",
    remediation: "Remove unsafe sysctls from spec.securityContext.sysctls; tune the node instead if the setting is really needed.",
    frameworks: [cisK8s("5.7.3"), nist("CM-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const sysctls = get(ctx.pod.spec, ["securityContext", "sysctls"]);
        if (!Array.isArray(sysctls)) return [];
        const safe = safeSysctls(pssMinor(params));
        const findings: Finding[] = [];
        sysctls.forEach((sysctl, index) => {
            if (!isRecord(sysctl)) return;
            const name = get(sysctl, ["name"]);
            // PSA compares the name as given (a missing name is "", which is not safe).
            const effective = name === undefined ? "" : name;
            if (!isUnknown(effective) && !safe.includes(effective as string)) {
                findings.push(
                    finding(
                        object,
                        `${ctx.pod.path}.securityContext.sysctls[${index}].name`,
                        `the pod sets the unsafe sysctl ${show(effective) || "(no name)"}`,
                        SYSCTL_FIX,
                    ),
                );
            }
        });
        return findings;
    },
    cel: {
        variables: [
            {
                name: "unsafeSysctls",
                expression:
                    `[${celGet("variables.podSpec", ["securityContext", "sysctls"])}].exists(l, type(l) == list) ? ` +
                    `${celGet("variables.podSpec", ["securityContext", "sysctls"])}.filter(s, type(s) == map && ` +
                    `${celLet(celGet("s", ["name"]), `v != ${CEL_UNKNOWN} && !((v == null ? '' : v) in ${CEL_SAFE_SYSCTLS})`)}) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NOTHING_TO_JUDGE} || size(variables.unsafeSysctls) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': the pod sets the unsafe sysctl ' + ${celName("variables.unsafeSysctls[0]")} + ${celString(`. Fix: ${SYSCTL_FIX}`)}`,
            },
        ],
    },
});
