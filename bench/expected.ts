// What the real pack must report for the benchmark workload, computed in this process from the catalogue
// (no gRPC, no SDK, none of the pack's per-request sharing): a pack that skipped work would report fewer
// diagnostics or not-applicable answers, and the benchmark refuses to time it.
import { RULES } from "../policy-pack/catalogue";
import type { CloudRule, KubernetesRule } from "../policy-pack/catalogue/types";
import { evaluateCloud, evaluateKubernetes, effectiveParams, matchesKind } from "../policy-pack/catalogue/evaluate";
import { namespaceIsUnknown, parseKubernetesType, toK8sObject } from "../policy-pack/pack/kubernetes";
import { plainValue } from "../policy-pack/pack/unknowns";
import type { AnalyzerResourceInput } from "../tools/analyzer/analyzer";

export interface ExpectedVerdicts {
    /** Diagnostics over all resources (one per finding). */
    diagnostics: number;
    /** Not-applicable answers over all resources (one per policy that does not check the resource's type). */
    notApplicable: number;
}

/** With the default policy config (what `configure({})` sends): every rule at its default level and parameters. */
export function expectedVerdicts(resources: readonly AnalyzerResourceInput[]): ExpectedVerdicts {
    let diagnostics = 0;
    let notApplicable = 0;
    for (const resource of resources) {
        const props = plainValue(JSON.parse(JSON.stringify(resource.props))) as Record<string, unknown>;
        const type = parseKubernetesType(resource.type);
        for (const rule of RULES) {
            if (rule.defaultEnforcement === "disabled") continue;
            if (rule.target === "kubernetes") {
                // The catalogue's Rule union leaves parameters as `any`; the evaluators take the common shape.
                const k8sRule: KubernetesRule = rule;
                if (!type || !matchesKind(k8sRule, { apiVersion: type.apiVersion, kind: type.kind })) {
                    notApplicable++;
                    continue;
                }
                const object = toK8sObject(type, props, resource.provider?.props.namespace);
                const params = effectiveParams(k8sRule, {});
                if (namespaceIsUnknown(object) && params.exemptNamespaces.length > 0) continue;
                diagnostics += evaluateKubernetes(k8sRule, object, k8sRule.defaultParams as unknown as Record<string, unknown>).length;
            } else if (!rule.resourceTypes.includes(resource.type)) {
                notApplicable++;
            } else {
                const cloudRule: CloudRule = rule;
                diagnostics += evaluateCloud(cloudRule, resource.type, props, cloudRule.defaultParams).length;
            }
        }
    }
    return { diagnostics, notApplicable };
}

/** The floor pack's one no-op policy: no diagnostic, always applicable. */
export const EMPTY_PACK_VERDICTS: ExpectedVerdicts = { diagnostics: 0, notApplicable: 0 };
