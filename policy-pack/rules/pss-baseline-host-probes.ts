// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_V_IS_SET,
    celFirstContainerMessage,
    celGetStrict,
    celLet,
    containerLabel,
    finding,
    getStrict,
    isSet,
    podContext,
    show,
} from "../lib/pod-field-checks";
import { CEL_MINOR, pssMinor, SINCE } from "../lib/pss-version";

/** Every host field PSA restricts on a container: probes and lifecycle handlers, httpGet and tcpSocket. */
const PROBE_AND_LIFECYCLE_HOST_FIELDS: readonly (readonly string[])[] = [
    ...["livenessProbe", "readinessProbe", "startupProbe"].flatMap((probe) => [
        [probe, "httpGet", "host"],
        [probe, "tcpSocket", "host"],
    ]),
    ...["postStart", "preStop"].flatMap((hook) => [
        ["lifecycle", hook, "httpGet", "host"],
        ["lifecycle", hook, "tcpSocket", "host"],
    ]),
];

/** A host other than unset or "" lets the kubelet probe (or call) an address outside the pod. */
function badProbeHost(value: unknown): boolean {
    return isSet(value) && value !== "";
}

const CEL_BAD_PROBE_HOST = `${CEL_V_IS_SET} && v != ''`;

const PROBE_HOST_FIX = "remove the host (the kubelet then uses the pod IP) or set it to an empty string";

export const rule = pssRule({
    id: "pss-baseline-host-probes",
    title: "Probes and lifecycle hooks target the pod only",
    description:
        "Pod Security Standards (baseline), Host Probes / Lifecycle Hooks, from v1.34: livenessProbe, readinessProbe and startupProbe " +
        "httpGet.host and tcpSocket.host, and lifecycle postStart/preStop httpGet.host and tcpSocket.host, must be unset or empty on every " +
        "container, init container and ephemeral container; otherwise the kubelet can be made to reach any address its node can. Before v1.34 not checked.",
    severity: "medium",
    remediation: "Remove host from probe and lifecycle httpGet/tcpSocket handlers so the kubelet targets the pod's own IP.",
    frameworks: [nist("SC-7"), nist("CM-7"), soc2("CC6.6"), pci("1.3.1")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx || pssMinor(params) < SINCE.hostProbesAndLifecycle) return [];
        const findings: Finding[] = [];
        for (const ref of ctx.containers) {
            for (const field of PROBE_AND_LIFECYCLE_HOST_FIELDS) {
                const host = getStrict(ref.container, field);
                if (badProbeHost(host)) {
                    findings.push(
                        finding(
                            object,
                            `${ref.path}.${field.join(".")}`,
                            `${containerLabel(ref)} sets ${field.join(".")}: ${show(host)}`,
                            PROBE_HOST_FIX,
                        ),
                    );
                }
            }
        }
        return findings;
    },
    cel: {
        variables: [
            {
                name: "hostProbeContainers",
                expression: `variables.containers.filter(c, ${PROBE_AND_LIFECYCLE_HOST_FIELDS.map((field) => celLet(celGetStrict("c", field), CEL_BAD_PROBE_HOST)).join(" || ")})`,
            },
        ],
        validations: [
            {
                expression: `${CEL_MINOR} < ${SINCE.hostProbesAndLifecycle} || size(variables.hostProbeContainers) == 0`,
                messageExpression: celFirstContainerMessage(
                    "hostProbeContainers",
                    `sets a host on a probe or lifecycle handler. Fix: ${PROBE_HOST_FIX}`,
                ),
            },
        ],
    },
});
