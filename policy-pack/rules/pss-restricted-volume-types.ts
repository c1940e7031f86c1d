// Pod Security Standards, Restricted profile, as https://kubernetes.io/docs/concepts/security/pod-security-standards/
// defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds: lib/pss-version.ts;
// Linux-only controls: lib/pss-restricted.ts). Covers containers, initContainers, ephemeralContainers.
import { Finding, isUnknown } from "../catalogue/types";
import { pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_NOTHING_TO_JUDGE,
    CEL_SUBJECT,
    CEL_UNKNOWN,
    celGet,
    celList,
    celName,
    celString,
    finding,
    get,
    isRecord,
    podContext,
} from "../lib/pod-field-checks";

/** Volume sources the restricted profile allows (PSA's list; `image` volumes included). */
const RESTRICTED_VOLUME_TYPES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
] as const;

const isRestrictedVolumeType = (key: string): boolean => RESTRICTED_VOLUME_TYPES.includes(key as (typeof RESTRICTED_VOLUME_TYPES)[number]);

/**
 * The volume's verdict as PSA reaches it: a volume with no source set (`{name}`, or only null sources) is an
 * emptyDir, which the API server defaults it to (SetDefaults_Volume) before PSA sees it: allowed. Allowed
 * too when any allowed source is set (an unknown value there still names that source); otherwise not judged
 * when another key is unknown (it may hold anything); otherwise forbidden, naming its other sources (a key
 * that is no volume source counts as one: fail closed, the API server refuses it under strict validation).
 */
function volumeVerdict(volume: Record<string, unknown>): { forbidden: false } | { forbidden: true; sources: string[] } {
    const sources = Object.keys(volume).filter((key) => key !== "name" && volume[key] !== undefined && volume[key] !== null);
    if (sources.length === 0 || sources.some(isRestrictedVolumeType)) return { forbidden: false };
    if (sources.some((key) => isUnknown(volume[key]))) return { forbidden: false };
    return { forbidden: true, sources };
}

const VOLUME_TYPES_FIX = `use only ${RESTRICTED_VOLUME_TYPES.join(", ")} volumes (node and network storage through a PersistentVolumeClaim)`;

const CEL_VOLUMES = celGet("variables.podSpec", ["volumes"]);

const CEL_SOURCE_SET = "vol[k] != null";

export const rule = pssRule({
    id: "pss-restricted-volume-types",
    title: "Only core volume types",
    description:
        "Pod Security Standards (restricted), Volume Types: every spec.volumes entry must use one of " +
        `${RESTRICTED_VOLUME_TYPES.join(", ")}; other sources (hostPath, nfs, iscsi, gitRepo, flexVolume, cloud disks, ...) must come ` +
        "through a PersistentVolumeClaim so the cluster admin controls them. A volume with no source is an emptyDir (the API server's default). " +
        "Pods whose every container runs an exempt image are not judged.",
    severity: "medium",
    remediation: "Replace direct volume sources with a PersistentVolumeClaim (or an emptyDir, configMap, secret or projected volume).",
    frameworks: [cisK8s("5.2.12"), nist("AC-6"), nist("CM-7"), soc2("CC6.1"), pci("2.2.4")],
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const volumes = get(ctx.pod.spec, ["volumes"]);
        if (!Array.isArray(volumes)) return [];
        const findings: Finding[] = [];
        volumes.forEach((volume, index) => {
            if (!isRecord(volume)) return;
            const verdict = volumeVerdict(volume);
            if (!verdict.forbidden) return;
            const name = typeof volume.name === "string" ? volume.name : String(index);
            for (const source of verdict.sources) {
                findings.push(
                    finding(
                        object,
                        `${ctx.pod.path}.volumes[name=${name}].${source}`,
                        `volume "${name}" uses the ${source} source`,
                        VOLUME_TYPES_FIX,
                    ),
                );
            }
        });
        return findings;
    },
    cel: {
        variables: [
            {
                name: "restrictedVolumes",
                expression:
                    `[${CEL_VOLUMES}].exists(l, type(l) == list) ? ${CEL_VOLUMES}.filter(vol, type(vol) == map && ` +
                    `vol.exists(k, k != 'name' && ${CEL_SOURCE_SET}) && ` +
                    `!vol.exists(k, k != 'name' && ${CEL_SOURCE_SET} && (k in ${celList(RESTRICTED_VOLUME_TYPES)} || vol[k] == ${CEL_UNKNOWN}))) : []`,
            },
        ],
        validations: [
            {
                expression: `${CEL_NOTHING_TO_JUDGE} || size(variables.restrictedVolumes) == 0`,
                messageExpression: `${CEL_SUBJECT} + ': volume ' + ${celName("variables.restrictedVolumes[0]")} + ${celString(` uses a volume source outside the restricted list. Fix: ${VOLUME_TYPES_FIX}`)}`,
            },
        ],
    },
});
