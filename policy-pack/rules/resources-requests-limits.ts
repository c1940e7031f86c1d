// Resource rule: one workload cannot starve its neighbours. TypeScript `check` for CrossGuard, CEL for Gatekeeper;
// test/cel-agreement.test.ts holds both to the corpus beside this file.
import { CelValidation, CommonK8sParams, Finding, isUnknown } from "../catalogue/types";
import { own, show, strings } from "../catalogue/view";
import { containersOf, POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import {
    LIMIT_CEL_VARIABLES,
    LIMIT_PARAM_DEFAULTS,
    LIMIT_PARAMS_SCHEMA,
    limitCelValidations,
    limitFindings,
} from "../lib/container-limits";
import { kubernetesRule } from "../lib/define-rule";
import { nist, pci, soc2 } from "../lib/frameworks";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

export interface RequestsLimitsParams extends CommonK8sParams {
    /** Also require `ephemeral-storage` requests and limits (local disk, emptyDir, logs). */
    requireEphemeralStorage: boolean;
    /** Container names exempt from the rule, e.g. injected sidecars (`istio-proxy`) whose resources the injector sets. */
    exemptContainers: string[];
    /** Optional maxima of limits.cpu / limits.memory, as quantities ("" = no maximum). */
    maxCpuLimit: string;
    maxMemoryLimit: string;
    /** Optional maximum limit/request ratio ("" = none); the CPU one defaults to the general one. */
    maxLimitRequestRatio: string;
    maxCpuLimitRequestRatio: string;
}

type Section = "requests" | "limits";

type Resource = "cpu" | "memory" | "ephemeral-storage";

const SECTIONS: readonly Section[] = ["requests", "limits"];

function requiredResources(params: RequestsLimitsParams): Resource[] {
    return params.requireEphemeralStorage === true ? ["cpu", "memory", "ephemeral-storage"] : ["cpu", "memory"];
}

/** One CEL validation per (section, resource), so the denial names the missing field. */
function celValidation(section: Section, resource: Resource): CelValidation {
    const missing = `variables.resourceContainers.filter(c, !(has(c.resources) && has(c.resources.${section}) && '${resource}' in c.resources.${section}))`;
    const guard = resource === "ephemeral-storage" ? "!variables.requireEphemeralStorage || " : "";
    return {
        expression: `${guard}size(${missing}) == 0`,
        messageExpression:
            `${CEL_SUBJECT} + ': container "' + ${missing}[0].name + '" has no resources.${section}.${resource}; ` +
            `set it from the measured usage'`,
    };
}

export const rule = kubernetesRule<RequestsLimitsParams>({
    id: "resources-requests-limits",
    title: "Containers declare CPU and memory requests and limits",
    description:
        "Every regular and init container must set `resources.requests` and `resources.limits` for `cpu` and `memory` " +
        "(and `ephemeral-storage` with `requireEphemeralStorage`). Ephemeral (debug) containers are not checked: the Kubernetes API " +
        "does not allow resources on them. Containers named in `exemptContainers` (injected sidecars) are skipped. Optional, as gatekeeper-library's " +
        "container-limits and container-ratios: `maxCpuLimit` / `maxMemoryLimit` cap limits.cpu / limits.memory, `maxLimitRequestRatio` caps " +
        "limits/requests (memory and CPU) and `maxCpuLimitRequestRatio` the CPU one; quantities compare exactly, and a limit or request that " +
        "is not a Kubernetes quantity is a violation when one of them is set.",
    severity: "medium",
    remediation:
        "Set `resources.requests` to the container's typical usage and `resources.limits` to its ceiling (memory limit >= request), " +
        "e.g. from a VerticalPodAutoscaler recommendation; use a LimitRange in the namespace to give defaults.",
    frameworks: [nist("SC-5"), nist("SC-6"), nist("CM-2"), soc2("A1.1"), soc2("CC7.2"), pci("2.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {
        exemptNamespaces: [],
        exemptImages: [],
        requireEphemeralStorage: false,
        exemptContainers: [],
        ...LIMIT_PARAM_DEFAULTS,
    },
    paramsSchema: {
        requireEphemeralStorage: { type: "boolean", default: false, description: "Also require ephemeral-storage requests and limits." },
        exemptContainers: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Container names exempt from the rule (sidecars whose resources an injector sets, e.g. istio-proxy).",
        },
        ...LIMIT_PARAMS_SCHEMA,
    },
    match: POD_BEARING_MATCH,
    check(object, params) {
        const exempt = strings(params.exemptContainers);
        const findings: Finding[] = [];
        for (const ref of containersOf(object, params.exemptImages)) {
            // The API rejects resources on ephemeral containers, so they can never comply.
            if (ref.list === "ephemeralContainers" || exempt.includes(ref.name)) continue;
            // A name not known yet may be an exempt one.
            if (exempt.length > 0 && isUnknown(own(ref.container, "name"))) continue;
            const resources = own(ref.container, "resources");
            if (isUnknown(resources)) continue;
            for (const section of SECTIONS) {
                const values = own(resources, section);
                if (isUnknown(values)) continue;
                for (const resource of requiredResources(params)) {
                    const value = own(values, resource);
                    if (value !== undefined && value !== null) continue;
                    findings.push({
                        message:
                            `${describeObject(object)}: container "${show(ref.name)}" has no resources.${section}.${resource}; ` +
                            `set ${ref.path}.resources.${section}.${resource} from the container's measured usage.`,
                        path: `${ref.path}.resources.${section}.${resource}`,
                    });
                }
            }
            findings.push(...limitFindings(describeObject(object), ref, params));
        }
        return findings;
    },
    cel: {
        variables: [
            ...POD_CEL_VARIABLES,
            { name: "exemptContainers", expression: "has(variables.params.exemptContainers) ? variables.params.exemptContainers : []" },
            {
                name: "requireEphemeralStorage",
                expression: "has(variables.params.requireEphemeralStorage) && variables.params.requireEphemeralStorage == true",
            },
            {
                // Regular and init containers only: ephemeral containers cannot carry resources.
                name: "resourceContainers",
                expression:
                    "(((has(variables.podSpec.containers) && type(variables.podSpec.containers) == list) ? variables.podSpec.containers : []) + " +
                    "((has(variables.podSpec.initContainers) && type(variables.podSpec.initContainers) == list) ? variables.podSpec.initContainers : []))" +
                    ".filter(c, type(c) == map && !variables.exemptImages.exists(p, has(c.image) && type(c.image) == string && p != '' && c.image.startsWith(p)) && " +
                    "!(has(c.name) && c.name in variables.exemptContainers))",
            },
            ...LIMIT_CEL_VARIABLES,
        ],
        validations: [
            ...SECTIONS.flatMap((section) =>
                (["cpu", "memory", "ephemeral-storage"] as const).map((resource) => celValidation(section, resource)),
            ),
            ...limitCelValidations(),
        ],
    },
});
