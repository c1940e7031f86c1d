// The one way to write a rule: every file under rules/ is `export const rule = <factory>({...})` with one of
// these factories. They fill in what follows from the kind of rule (target, Gatekeeper kind, the Pod Security
// defaults), so a rule file states only what is particular to it.
import { CloudRule, CommonK8sParams, KubernetesRule } from "../catalogue/types";
import { POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import { DEFAULT_POD_SECURITY_VERSION, POD_SECURITY_VERSION_SCHEMA, PSS_MINOR_CEL_VARIABLE, PssParamsPart } from "./pss-version";

export const COMMON_DEFAULT_PARAMS: CommonK8sParams = { exemptNamespaces: [], exemptImages: [] };

/**
 * The Gatekeeper constraint kind a rule id renders to unless the rule overrides it: `Sg` + the id in
 * PascalCase (`images-disallow-latest` -> `SgImagesDisallowLatest`). Kinds are API names: once deployed they
 * never change, which is why a rule whose kind predates the derivation keeps it as an explicit override.
 */
export function gatekeeperKindFor(id: string): string {
    return (
        "Sg" +
        id
            .split("-")
            .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
            .join("")
    );
}

/** A Kubernetes rule as written: no target, and `gatekeeperKind` only to override the derived one. */
export type KubernetesRuleSpec<P extends CommonK8sParams> = Omit<KubernetesRule<P>, "target" | "gatekeeperKind"> & {
    gatekeeperKind?: string;
};

/** A rule Gatekeeper enforces at admission and the pack at preview. */
export function kubernetesRule<P extends CommonK8sParams = CommonK8sParams>(spec: KubernetesRuleSpec<P>): KubernetesRule<P> {
    return { target: "kubernetes", ...spec, gatekeeperKind: spec.gatekeeperKind ?? gatekeeperKindFor(spec.id) };
}

/** A rule over Pulumi GCP resource inputs, enforced by the pack only. */
export function cloudRule<P = Record<string, unknown>>(spec: Omit<CloudRule<P>, "target">): CloudRule<P> {
    return { target: "gcp", ...spec };
}

type PodDefaults = "match" | "defaultParams" | "paramsSchema" | "defaultEnforcement";

/** A pod rule as written: the kubernetesRule spec with the pod defaults optional. */
export type PodRuleSpec<P extends CommonK8sParams> = Omit<KubernetesRuleSpec<P>, PodDefaults> &
    Partial<Pick<KubernetesRuleSpec<P>, PodDefaults>>;

/**
 * A rule over every pod-bearing kind, mandatory by default, with only the common parameters unless it
 * says otherwise. Its CEL variables come after POD_CEL_VARIABLES (podSpec, podMeta, exemptImages,
 * containers), which they build on.
 */
export function podRule<P extends CommonK8sParams = CommonK8sParams>(spec: PodRuleSpec<P>): KubernetesRule<P> {
    return kubernetesRule<P>({
        match: POD_BEARING_MATCH,
        defaultEnforcement: "mandatory",
        defaultParams: { ...COMMON_DEFAULT_PARAMS } as P,
        paramsSchema: {},
        ...spec,
        cel: { variables: [...POD_CEL_VARIABLES, ...(spec.cel.variables ?? [])], validations: spec.cel.validations },
    });
}

/** Parameters of every Pod Security Standards rule. */
export interface PssParams extends CommonK8sParams, PssParamsPart {}

/**
 * A Pod Security Standards control: a podRule with the `podSecurityVersion` parameter (PSA's
 * enforce-version) and the `pssMinor` CEL variable its version-dependent parts read.
 */
export function pssRule<P extends PssParams = PssParams>(spec: PodRuleSpec<P>): KubernetesRule<P> {
    return podRule<P>({
        ...spec,
        defaultParams: { ...COMMON_DEFAULT_PARAMS, ...(spec.defaultParams ?? {}), podSecurityVersion: DEFAULT_POD_SECURITY_VERSION } as P,
        paramsSchema: { ...(spec.paramsSchema ?? {}), podSecurityVersion: POD_SECURITY_VERSION_SCHEMA },
        cel: { variables: [PSS_MINOR_CEL_VARIABLE, ...(spec.cel.variables ?? [])], validations: spec.cel.validations },
    });
}
