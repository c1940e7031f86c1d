// A small stand-in for Gatekeeper's K8sNativeValidation engine, for tests: it binds `object` and
// `variables` (with `variables.params` = the constraint's parameters, then each variable in order as
// `variables.<name>`), evaluates every validation and, for the failing ones, its messageExpression.
// Expressions are parsed and planned once per CEL block and cached.
import { celEnv, celFunc, CelInput, celMethod, CelScalar, isCelError, parse, plan } from "@bufbuild/cel";
import { CelValidation, CelVariable } from "../catalogue/types";
import { approximateFloat, compareQuantities, parseQuantity, Quantity } from "../lib/quantity";

export interface CelBlock {
    variables?: CelVariable[];
    validations: CelValidation[];
}

export interface CelVerdict {
    /** True when every validation evaluated to true (an evaluation error denies, as with failurePolicy Fail). */
    allowed: boolean;
    /** The messages of failing validations (messageExpression, else message). */
    messages: string[];
    /** Evaluation errors, `<where>: <error>`; a correct rule produces none. */
    errors: string[];
}

type Program = (bindings: Record<string, CelInput>) => unknown;

interface Compiled {
    variables: { name: string; program: Program }[];
    validations: { expression: Program; message?: Program; staticMessage?: string; source: string }[];
}

// Gatekeeper's CEL environment is Kubernetes' (ValidatingAdmissionPolicy's base environment), which has
// the quantity library: isQuantity(string), quantity(string), <quantity>.compareTo(<quantity>) and
// <quantity>.asApproximateFloat(). @bufbuild/cel has no opaque quantity type, so here a quantity is the
// string "quantity:<numerator>/<denominator>" of its exact value (parsed by the pack's own parser).
const QUANTITY_PREFIX = "quantity:";

function toQuantityValue(q: Quantity): string {
    return `${QUANTITY_PREFIX}${q.num}/${q.den}`;
}

function fromQuantityValue(value: string): Quantity {
    if (!value.startsWith(QUANTITY_PREFIX)) throw new Error(`no such overload: ${JSON.stringify(value)} is not a quantity`);
    const [num, den] = value.slice(QUANTITY_PREFIX.length).split("/");
    return { num: BigInt(num), den: BigInt(den) };
}

const QUANTITY_FUNCS = [
    celFunc("isQuantity", [CelScalar.STRING], CelScalar.BOOL, (text) => parseQuantity(text) !== undefined),
    celFunc("quantity", [CelScalar.STRING], CelScalar.STRING, (text) => {
        const q = parseQuantity(text);
        if (!q) throw new Error(`quantities must match the regular expression: ${JSON.stringify(text)}`);
        return toQuantityValue(q);
    }),
    celMethod("compareTo", CelScalar.STRING, [CelScalar.STRING], CelScalar.INT, function (other) {
        return BigInt(compareQuantities(fromQuantityValue(this), fromQuantityValue(other)));
    }),
    celMethod("asApproximateFloat", CelScalar.STRING, [], CelScalar.DOUBLE, function () {
        return approximateFloat(fromQuantityValue(this));
    }),
];

const env = celEnv({ funcs: QUANTITY_FUNCS });
const cache = new WeakMap<CelBlock, Compiled>();

function compileExpression(source: string): Program {
    try {
        const planned = plan(env, parse(source));
        return (bindings) => planned(bindings);
    } catch (e) {
        throw new Error(`cannot compile CEL ${JSON.stringify(source)}: ${(e as Error).message}`);
    }
}

/** Compiles (once) every variable and validation of a CEL block; throws on a syntax error. */
export function compileCel(cel: CelBlock): Compiled {
    let compiled = cache.get(cel);
    if (!compiled) {
        compiled = {
            variables: (cel.variables ?? []).map((v) => ({ name: v.name, program: compileExpression(v.expression) })),
            validations: cel.validations.map((v) => ({
                expression: compileExpression(v.expression),
                message: v.messageExpression ? compileExpression(v.messageExpression) : undefined,
                staticMessage: v.message,
                source: v.expression,
            })),
        };
        cache.set(cel, compiled);
    }
    return compiled;
}

function errorText(value: unknown): string | undefined {
    if (isCelError(value)) return value.message;
    return undefined;
}

/**
 * Evaluates a rule's CEL against one object as Gatekeeper would, with `params` as the constraint's
 * spec.parameters (the caller drops exemptNamespaces: Gatekeeper turns those into match.excludedNamespaces).
 */
export function evaluateCel(cel: CelBlock, object: unknown, params: Record<string, unknown>): CelVerdict {
    const compiled = compileCel(cel);
    const variables: Record<string, unknown> = { params };
    const bindings = { object, variables } as Record<string, CelInput>; // plain JSON objects are CEL maps
    // Gatekeeper evaluates variables lazily: a variable that fails only matters to the expressions that use it.
    // Its error value is bound as is, so a use propagates the error and an unused one is harmless.
    const variableErrors: string[] = [];
    for (const v of compiled.variables) {
        const value = v.program(bindings);
        const error = errorText(value);
        if (error !== undefined) variableErrors.push(`variables.${v.name}: ${error}`);
        variables[v.name] = value;
    }
    const context = variableErrors.length > 0 ? ` (failing variables: ${variableErrors.join("; ")})` : "";
    const errors: string[] = [];
    const messages: string[] = [];
    let allowed = true;
    for (const validation of compiled.validations) {
        const result = validation.expression(bindings);
        const error = errorText(result);
        if (error !== undefined) {
            errors.push(`validation "${validation.source}": ${error}${context}`);
            allowed = false;
            continue;
        }
        if (result === true) continue;
        if (result !== false) errors.push(`validation "${validation.source}" returned ${String(result)}, not a bool`);
        allowed = false;
        if (validation.message) {
            const message = validation.message(bindings);
            const messageError = errorText(message);
            if (messageError !== undefined) errors.push(`messageExpression of "${validation.source}": ${messageError}${context}`);
            else if (typeof message !== "string") errors.push(`messageExpression of "${validation.source}" returned a non-string`);
            else messages.push(message);
        } else messages.push(validation.staticMessage ?? `failed: ${validation.source}`);
    }
    return { allowed, messages, errors };
}
