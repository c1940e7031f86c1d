// Optional parameters of resources-requests-limits with gatekeeper-library's container-limits and
// container-ratios semantics: a limit above `maxCpuLimit` / `maxMemoryLimit` (equal is fine), or a
// limit above `ratio` x request, is a violation; so is a limit or request that is not a Kubernetes
// quantity while the matching parameter is set. A missing limit or request is the base rule's finding,
// not repeated here; an unknown one (preview) is skipped.
//
// The pack compares exactly (quantity.ts). Gatekeeper's CEL uses the Kubernetes CEL quantity library
// (isQuantity, quantity().compareTo, asApproximateFloat): limit maxima compare exactly there too; the
// ratio is compared as float64 (the library has no multiplication), which can only differ from the
// pack when the limit equals ratio x request to within one part in 2^52.
import { Finding, isUnknown, ParamSchema } from "../catalogue/types";
import { asRecord, ContainerRef } from "../catalogue/workloads";
import { CEL_SUBJECT } from "./messages";
import { CEL_UNKNOWN, celGet, celLet, celName, celString, show } from "./pod-field-checks";
import { compareQuantities, multiplyQuantities, parseQuantity, Quantity } from "./quantity";

export interface LimitParams {
    maxCpuLimit: string;
    maxMemoryLimit: string;
    maxLimitRequestRatio: string;
    maxCpuLimitRequestRatio: string;
}

export const LIMIT_PARAM_DEFAULTS: LimitParams = {
    maxCpuLimit: "",
    maxMemoryLimit: "",
    maxLimitRequestRatio: "",
    maxCpuLimitRequestRatio: "",
};

/** A Kubernetes quantity or "" (linear: no nested quantifiers). */
const QUANTITY_PATTERN = "^([+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)?$";
const RATIO_PATTERN = "^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+))?$";

export const LIMIT_PARAMS_SCHEMA: Record<keyof LimitParams, ParamSchema> = {
    maxCpuLimit: {
        type: "string",
        pattern: QUANTITY_PATTERN,
        default: "",
        description: "Highest allowed limits.cpu, a quantity (e.g. 2 or 1500m); empty: no maximum.",
    },
    maxMemoryLimit: {
        type: "string",
        pattern: QUANTITY_PATTERN,
        default: "",
        description: "Highest allowed limits.memory, a quantity (e.g. 4Gi); empty: no maximum.",
    },
    maxLimitRequestRatio: {
        type: "string",
        pattern: RATIO_PATTERN,
        default: "",
        description:
            "Highest allowed limits/requests ratio for memory and (unless maxCpuLimitRequestRatio is set) CPU, e.g. 2; empty: none.",
    },
    maxCpuLimitRequestRatio: {
        type: "string",
        pattern: RATIO_PATTERN,
        default: "",
        description: "Highest allowed limits.cpu/requests.cpu ratio; empty: maxLimitRequestRatio.",
    },
};

type Resource = "cpu" | "memory";

function nonEmpty(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The value at resources.<section>.<resource>: undefined when unset, the sentinel when any step is unknown. */
function resourceValue(container: Record<string, unknown>, section: "limits" | "requests", resource: Resource): unknown {
    const resources = container.resources;
    if (isUnknown(resources)) return resources;
    const values = asRecord(resources)?.[section];
    if (isUnknown(values)) return values;
    const value = asRecord(values)?.[resource];
    return value === null ? undefined : value;
}

/** The limit findings for one (regular or init, non-exempt) container. */
export function limitFindings(subject: string, ref: ContainerRef, params: Partial<LimitParams>): Finding[] {
    if (ref.list === "ephemeralContainers") return [];
    const findings: Finding[] = [];
    const report = (path: string, problem: string, fix: string) =>
        findings.push({ path: `${ref.path}.${path}`, message: `${subject}: container "${ref.name}" ${problem}; ${fix}.` });
    const unparsable = (path: string, value: unknown) =>
        report(
            path,
            `has ${path} ${show(value)}, which is not a Kubernetes quantity`,
            "write it as a quantity such as 500m, 2, 512Mi or 1Gi",
        );

    const maxima: [Resource, string | undefined][] = [
        ["cpu", nonEmpty(params.maxCpuLimit)],
        ["memory", nonEmpty(params.maxMemoryLimit)],
    ];
    for (const [resource, maxText] of maxima) {
        if (maxText === undefined) continue;
        const limit = resourceValue(ref.container, "limits", resource);
        if (limit === undefined || isUnknown(limit)) continue;
        const path = `resources.limits.${resource}`;
        const parsed = parseQuantity(limit);
        const max = parseQuantity(maxText);
        if (!parsed) unparsable(path, limit);
        else if (!max)
            report(
                path,
                `cannot be checked: the rule's max${resource === "cpu" ? "Cpu" : "Memory"}Limit "${show(maxText)}" is not a quantity`,
                "fix the policy configuration",
            );
        else if (compareQuantities(parsed, max) > 0)
            report(path, `has ${path} ${show(limit)}, above the maximum ${maxText}`, `lower it to ${maxText} or less`);
    }

    const ratios: [Resource, string | undefined][] = [
        ["cpu", nonEmpty(params.maxCpuLimitRequestRatio) ?? nonEmpty(params.maxLimitRequestRatio)],
        ["memory", nonEmpty(params.maxLimitRequestRatio)],
    ];
    for (const [resource, ratioText] of ratios) {
        if (ratioText === undefined) continue;
        const limit = resourceValue(ref.container, "limits", resource);
        const request = resourceValue(ref.container, "requests", resource);
        if (limit === undefined || request === undefined || isUnknown(limit) || isUnknown(request)) continue;
        const parsedLimit = parseQuantity(limit);
        const parsedRequest = parseQuantity(request);
        const ratio: Quantity | undefined = parseQuantity(ratioText);
        if (!parsedLimit) unparsable(`resources.limits.${resource}`, limit);
        if (!parsedRequest) unparsable(`resources.requests.${resource}`, request);
        if (!parsedLimit || !parsedRequest) continue;
        if (!ratio)
            report(
                `resources.limits.${resource}`,
                `cannot be checked: the rule's limit/request ratio "${show(ratioText)}" is not a number`,
                "fix the policy configuration",
            );
        else if (compareQuantities(parsedLimit, multiplyQuantities(ratio, parsedRequest)) > 0) {
            report(
                `resources.limits.${resource}`,
                `has limits.${resource} ${show(limit)}, more than ${ratioText} x its request ${show(request)}`,
                `raise the request or lower the limit to at most ${ratioText} x the request`,
            );
        }
    }
    return findings;
}

// ---- CEL ------------------------------------------------------------------------------------------------

/** CEL: `x` is a quantity (a quantity string, or a JSON number). */
const celIsQuantity = (x: string) => `(type(${x}) == string ? isQuantity(${x}) : (type(${x}) == int || type(${x}) == double))`;
const celQuantity = (x: string) => `quantity(type(${x}) == string ? ${x} : string(${x}))`;
const celSet = (x: string) => `${x} != null && ${x} != ${CEL_UNKNOWN}`;
const param = (name: keyof LimitParams) =>
    `((has(variables.params.${name}) && type(variables.params.${name}) == string) ? variables.params.${name} : '')`;

function celMaxVariable(resource: Resource, name: keyof LimitParams): { name: string; expression: string } {
    const max = param(name);
    return {
        name: `${resource}OverMaxLimit`,
        expression:
            `${max} == '' ? [] : variables.resourceContainers.filter(c, ` +
            `${celLet(celGet("c", ["resources", "limits", resource]), `${celSet("v")} && (!${celIsQuantity("v")} || ${celQuantity("v")}.compareTo(quantity(${max})) > 0)`)})`,
    };
}

function celRatioVariable(resource: Resource, ratio: string): { name: string; expression: string } {
    const limit = celGet("c", ["resources", "limits", resource]);
    const request = celGet("c", ["resources", "requests", resource]);
    return {
        name: `${resource}OverRatio`,
        expression:
            `${ratio} == '' ? [] : variables.resourceContainers.filter(c, [${limit}].exists(l, [${request}].exists(r, ` +
            `${celSet("l")} && ${celSet("r")} && (!${celIsQuantity("l")} || !${celIsQuantity("r")} || ` +
            `${celQuantity("l")}.asApproximateFloat() > double(${ratio}) * ${celQuantity("r")}.asApproximateFloat()))))`,
    };
}

const CPU_RATIO = `(${param("maxCpuLimitRequestRatio")} != '' ? ${param("maxCpuLimitRequestRatio")} : ${param("maxLimitRequestRatio")})`;

export const LIMIT_CEL_VARIABLES = [
    celMaxVariable("cpu", "maxCpuLimit"),
    celMaxVariable("memory", "maxMemoryLimit"),
    celRatioVariable("cpu", CPU_RATIO),
    celRatioVariable("memory", param("maxLimitRequestRatio")),
];

export function limitCelValidations(): { expression: string; messageExpression: string }[] {
    const message = (variable: string, what: string) =>
        `${CEL_SUBJECT} + ': container ' + ${celName(`variables.${variable}[0]`)} + ${celString(` ${what}`)}`;
    return [
        {
            expression: "size(variables.cpuOverMaxLimit) == 0",
            messageExpression: message("cpuOverMaxLimit", "has a limits.cpu above maxCpuLimit or not a quantity; lower it"),
        },
        {
            expression: "size(variables.memoryOverMaxLimit) == 0",
            messageExpression: message("memoryOverMaxLimit", "has a limits.memory above maxMemoryLimit or not a quantity; lower it"),
        },
        {
            expression: "size(variables.cpuOverRatio) == 0",
            messageExpression: message(
                "cpuOverRatio",
                "has a limits.cpu above the allowed ratio to its request, or a value that is not a quantity",
            ),
        },
        {
            expression: "size(variables.memoryOverRatio) == 0",
            messageExpression: message(
                "memoryOverRatio",
                "has a limits.memory above the allowed ratio to its request, or a value that is not a quantity",
            ),
        },
    ];
}
