// Removed API versions: an object written against a group/version the cluster no longer serves. The table is
// the Kubernetes deprecated API migration guide's (lib/removed-apis.ts); TypeScript `check` for CrossGuard, CEL
// for Gatekeeper, both from that one table.
import { CommonK8sParams, KindMatch } from "../catalogue/types";
import { knownStr, own } from "../catalogue/view";
import { kubernetesRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject } from "../lib/messages";
import { celString } from "../lib/pod-field-checks";
import {
    KUBERNETES_VERSION_SCHEMA,
    LATEST_TARGET_MINOR,
    longestChain,
    NEWEST_REMOVAL_MINOR,
    REMOVED_APIS,
    REMOVED_APIS_BY_RELEASE,
    removalAt,
    targetMinor,
} from "../lib/removed-apis";

export interface NoRemovedVersionsParams extends CommonK8sParams {
    /** `latest` or `v1.NN`: the Kubernetes version the objects are applied to. */
    kubernetesVersion: string;
}

/** Gatekeeper matches group and kind (any version): every group and kind with a removed version. */
function removedApiMatch(): KindMatch[] {
    const kindsByGroup = new Map<string, Set<string>>();
    for (const apis of Object.values(REMOVED_APIS_BY_RELEASE))
        for (const api of apis) {
            const group = api.apiVersion.includes("/") ? api.apiVersion.slice(0, api.apiVersion.indexOf("/")) : "";
            const kinds = kindsByGroup.get(group) ?? new Set<string>();
            for (const kind of api.kinds) kinds.add(kind);
            kindsByGroup.set(group, kinds);
        }
    return [...kindsByGroup]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([group, kinds]) => ({ apiGroups: [group], kinds: [...kinds].sort() }));
}

function celMap(entries: [string, string][]): string {
    return `{${entries.map(([k, v]) => `${celString(k)}: ${v}`).join(", ")}}`;
}

const removedInMap = celMap([...REMOVED_APIS].map(([key, e]) => [key, String(e.removedIn)]));
const useMap = celMap([...REMOVED_APIS].map(([key, e]) => [key, celString(e.use ?? "")]));
const insteadMap = celMap([...REMOVED_APIS].filter(([, e]) => !e.use).map(([key, e]) => [key, celString(e.instead ?? "")]));
const versionMap = celMap(Array.from({ length: NEWEST_REMOVAL_MINOR + 1 }, (_, minor) => [`v1.${minor}`, String(minor)]));

/** `step<i+1>`: the replacement of step i, when the cluster no longer serves that one either. */
function celChainSteps(): { name: string; expression: string }[] {
    const steps: { name: string; expression: string }[] = [{ name: "step0", expression: "variables.key" }];
    for (let i = 0; i < longestChain(); i++) {
        const step = `variables.step${i}`;
        const next = `(variables.use[${step}] + '/' + variables.kind)`;
        steps.push({
            name: `step${i + 1}`,
            expression:
                `(${step} in variables.use && variables.use[${step}] != '' && ${next} in variables.removedIn && ` +
                `variables.removedIn[${next}] <= variables.target) ? ${next} : ${step}`,
        });
    }
    return steps;
}
const lastStep = `variables.step${longestChain()}`;

export const rule = kubernetesRule<NoRemovedVersionsParams>({
    id: "apis-no-removed-versions",
    title: "Objects use API versions the cluster still serves",
    description:
        "An object's apiVersion must not be one that Kubernetes stopped serving at `kubernetesVersion` (default `latest`: every removal " +
        "the deprecated API migration guide lists, v1.16 to v1.32). Such an object cannot be applied: the API server answers that no kind " +
        "is registered for that version, and a chart or manifest still written against it never reaches the cluster. The finding names " +
        "the release that removed it and the group/version to use at the target version (e.g. `extensions/v1beta1` DaemonSet: removed in " +
        "v1.16, use `apps/v1`). At admission Gatekeeper only sees what the API server still serves, so on a cluster at or above the " +
        "removal release this constraint never fires there (the API server refuses first); it matters at preview, in `check` and in the plan.",
    severity: "medium",
    remediation:
        "Rewrite the object against the replacement group/version (read the guide's notable changes for that kind: e.g. apps/v1 needs " +
        "`spec.selector`), or upgrade the chart to a version written for the cluster's Kubernetes version.",
    frameworks: [nist("CM-2"), nist("SA-22"), soc2("CC8.1"), pci("6.3.3")],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], kubernetesVersion: "latest" },
    paramsSchema: { kubernetesVersion: KUBERNETES_VERSION_SCHEMA },
    match: removedApiMatch(),
    check(object, params) {
        // apiVersion and kind are never unknown in the pack (they come from the type token); unknown or malformed elsewhere: no finding.
        const apiVersion = knownStr(own(object, "apiVersion"));
        const kind = knownStr(own(object, "kind"));
        if (apiVersion === undefined || kind === undefined) return [];
        const removal = removalAt(apiVersion, kind, targetMinor(params.kubernetesVersion));
        if (!removal) return [];
        const target = targetMinor(params.kubernetesVersion) === LATEST_TARGET_MINOR ? "current Kubernetes" : params.kubernetesVersion;
        return [
            {
                message:
                    `${subject(object)}: ${apiVersion} ${kind} is removed in v1.${removal.removedIn}, ` +
                    `${removal.use ? `use ${removal.use}` : (removal.instead ?? "no replacement")} (not served by ${target}; the apply fails).`,
                path: "apiVersion",
            },
        ];
    },
    cel: {
        variables: [
            { name: "apiVersion", expression: "has(object.apiVersion) && type(object.apiVersion) == string ? object.apiVersion : ''" },
            { name: "kind", expression: "has(object.kind) && type(object.kind) == string ? object.kind : ''" },
            { name: "key", expression: "variables.apiVersion + '/' + variables.kind" },
            { name: "removedIn", expression: removedInMap },
            { name: "use", expression: useMap },
            { name: "instead", expression: insteadMap },
            {
                name: "target",
                expression:
                    "(has(variables.params.kubernetesVersion) && type(variables.params.kubernetesVersion) == string && " +
                    `variables.params.kubernetesVersion in ${versionMap}) ? ${versionMap}[variables.params.kubernetesVersion] : ${LATEST_TARGET_MINOR}`,
            },
            ...celChainSteps(),
        ],
        validations: [
            {
                expression: "!(variables.key in variables.removedIn && variables.removedIn[variables.key] <= variables.target)",
                messageExpression:
                    `${CEL_SUBJECT} + ': ' + variables.apiVersion + ' ' + variables.kind + ' is removed in v1.' + ` +
                    `string(variables.removedIn[variables.key]) + ', ' + ` +
                    `(variables.use[${lastStep}] != '' ? 'use ' + variables.use[${lastStep}] : ` +
                    `(${lastStep} in variables.instead ? variables.instead[${lastStep}] : 'no replacement'))`,
            },
        ],
    },
});
