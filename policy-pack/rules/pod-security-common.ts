// Metadata shared by every Pod Security rule: the kinds they match, the common parameters, and the
// framework controls they map to.
import { CommonK8sParams, FrameworkControl, KubernetesRule } from "../catalogue/types";
import { POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";

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
