// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_V_IS_SET,
    celGet,
    celLet,
    celName,
    celString,
    finding,
    get,
    isRecord,
    isSet,
    podContext,
} from "../lib/pod-field-checks";

const HOST_PATH_FIX = "replace the hostPath volume with an emptyDir, configMap, secret, projected or persistentVolumeClaim volume";

export const rule = pssRule({
    id: "pss-baseline-host-path",
    title: "No hostPath volumes",
    description:
        "Pod Security Standards (baseline), HostPath Volumes: a hostPath volume mounts the node's filesystem (container runtime socket, kubelet " +
        "credentials, other pods' data). spec.volumes[*].hostPath must be unset. Pods whose every container runs an exempt image are not judged.",
    severity: "high",
    remediation: "Use emptyDir for scratch space and a PersistentVolumeClaim for durable data instead of hostPath.",
    frameworks: [cisK8s("5.2.12"), nist("AC-3"), nist("AC-6"), nist("SC-39"), soc2("CC6.1"), pci("2.2.6")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const volumes = get(ctx.pod.spec, ["volumes"]);
        if (!Array.isArray(volumes)) return [];
        return volumes
            .map((volume: unknown, index) => ({ volume, index }))
            .filter(({ volume }) => isRecord(volume) && isSet(get(volume, ["hostPath"])))
            .map(({ volume, index }) => {
                const declared = (volume as { name?: unknown }).name;
                const name = typeof declared === "string" ? declared : String(index);
                return finding(
                    object,
                    `${ctx.pod.path}.volumes[name=${name}].hostPath`,
                    `volume "${name}" is a hostPath volume`,
                    HOST_PATH_FIX,
                );
            });
    },
    cel: {
        variables: [
            {
                name: "hostPathVolumes",
                expression: `[${celGet("variables.podSpec", ["volumes"])}].exists(l, type(l) == list) ? ${celGet("variables.podSpec", ["volumes"])}.filter(vol, type(vol) == map && ${celLet(celGet("vol", ["hostPath"]), CEL_V_IS_SET)}) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NOTHING_TO_JUDGE} || size(variables.hostPathVolumes) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': volume ' + ${celName("variables.hostPathVolumes[0]")} + ${celString(` is a hostPath volume. Fix: ${HOST_PATH_FIX}`)}`,
            },
        ],
    },
});
