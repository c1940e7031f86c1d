// Metadata shared by every Pod Security rule: the kinds they match, the common parameters, and the
// framework controls they map to.
import { CommonK8sParams, FrameworkControl, KubernetesRule } from "../catalogue/types";
import { POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import { DEFAULT_POD_SECURITY_VERSION, POD_SECURITY_VERSION_SCHEMA, PSS_MINOR_CEL_VARIABLE, PssParamsPart } from "./pod-security-version";

export const cis = (control: string): FrameworkControl => ({ framework: "CIS-Kubernetes", control });
export const nist = (control: string): FrameworkControl => ({ framework: "NIST-800-53", control });
export const soc2 = (control: string): FrameworkControl => ({ framework: "SOC2", control });
export const pci = (control: string): FrameworkControl => ({ framework: "PCI-DSS", control });

export const COMMON_DEFAULT_PARAMS: CommonK8sParams = { exemptNamespaces: [], exemptImages: [] };

type Defaults = "target" | "match" | "defaultParams" | "paramsSchema" | "defaultEnforcement";

/**
 * A Pod Security rule over every pod-bearing kind, mandatory by default, with only the common
 * parameters unless it says otherwise. Its CEL variables come after POD_CEL_VARIABLES (podSpec, podMeta,
 * exemptImages, containers), which they build on.
 */
export function podRule<P extends CommonK8sParams = CommonK8sParams>(
    rule: Omit<KubernetesRule<P>, Defaults> & Partial<Pick<KubernetesRule<P>, Defaults>>,
): KubernetesRule<P> {
    return {
        target: "kubernetes",
        match: POD_BEARING_MATCH,
        defaultEnforcement: "mandatory",
        defaultParams: { ...COMMON_DEFAULT_PARAMS } as P,
        paramsSchema: {},
        ...rule,
        cel: { variables: [...POD_CEL_VARIABLES, ...(rule.cel.variables ?? [])], validations: rule.cel.validations },
    };
}

/** Parameters of every Pod Security Standards rule. */
export interface PssParams extends CommonK8sParams, PssParamsPart {}

/**
 * A Pod Security Standards control: a podRule with the `podSecurityVersion` parameter (PSA's
 * enforce-version) and the `pssMinor` CEL variable its version-dependent parts read.
 */
export function pssRule<P extends PssParams = PssParams>(
    rule: Omit<KubernetesRule<P>, Defaults> & Partial<Pick<KubernetesRule<P>, Defaults>>,
): KubernetesRule<P> {
    return podRule<P>({
        ...rule,
        defaultParams: { ...COMMON_DEFAULT_PARAMS, ...(rule.defaultParams ?? {}), podSecurityVersion: DEFAULT_POD_SECURITY_VERSION } as P,
        paramsSchema: { ...(rule.paramsSchema ?? {}), podSecurityVersion: POD_SECURITY_VERSION_SCHEMA },
        cel: { variables: [PSS_MINOR_CEL_VARIABLE, ...(rule.cel.variables ?? [])], validations: rule.cel.validations },
    });
}
