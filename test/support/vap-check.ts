// What the API server checks when Gatekeeper (v3.23.0, ValidatingAdmissionPolicy generation on) creates the
// ValidatingAdmissionPolicy of a K8sNativeValidation ConstraintTemplate, checked without a cluster. gator does not
// run these checks (its driver compiles the CEL but never validates the policy object), so a template gator
// accepts can still break `pulumi up`: our `namespace` variable did (`spec.variables[7].name: Invalid value:
// "namespace": must be a valid CEL identifier`).
//
// Sources read (facts, not code): kubernetes pkg/apis/admissionregistration/validation/validation.go
// (validateValidatingAdmissionPolicySpec, validateVariable, validateValidation, isCELIdentifier), k8s.io/apiserver
// v0.36.2 pkg/admission/plugin/cel (the compiler and its variables), pkg/cel/environment (the function
// libraries), pkg/apis/cel/config.go (cost limits), cel-go v0.26.0 parser (size limit), and Gatekeeper v3.23.0
// pkg/drivers/k8scel (schema.go: reserved names; transform: the variables it puts first).
//
// Checked here: variable names (CEL identifier, not a reserved word, not Gatekeeper's, unique), required fields,
// `message` without line breaks, each expression's size, syntax (@bufbuild/cel's parser), free identifiers
// (only what the policy's environment declares), `variables.<name>` (only a variable declared earlier: the
// API server's type check rejects later or unknown ones), and every function and macro name against the
// Kubernetes CEL environment.
//
// Duplicate variable names: the API documents them as unique, but the validation code read does not refuse one
// (the composition compiler lets the later replace the earlier); refused here as a mistake, not as an API error.
//
// Not checked, because it needs Kubernetes' type checker (in Go; @bufbuild/cel 0.6.1 checks only constants and
// identifiers): overloads and argument types, that a validation yields a bool and a messageExpression a string.
// gator compiles with the real checker (its driver cannot report a compile error; the expression then fails
// every evaluation, which the gator parity tests see) and the end-to-end test creates the policies on a real API
// server. The other way round, this parser refuses what the API server accepts in two cases: optional syntax
// (`a.?b`, `[?x]`) and expressions long enough to exhaust its recursion (a 100,000-character string literal
// does); our rules can use neither, as the pack's CEL tests parse them with the same parser.
//
// Cost: the API server does not estimate cost when it admits a ValidatingAdmissionPolicy (its compiler has no
// cost check; CRD validation rules are the ones with a static estimated-cost limit). Cost is enforced only at
// evaluation: each expression stops at PerCallLimit (1,000,000) and one policy evaluation at
// RuntimeCELCostBudget (10,000,000); running out is an evaluation error, which the policy's failurePolicy (Fail,
// Gatekeeper's default) turns into the binding's action. So no cost can make the API server reject a template,
// and a static estimate would have no bound to work with: `object` is untyped (dyn), so every list in it may be
// as long as a 3 MB request allows.
//
// Measured once with Kubernetes' own evaluator and cost tracking (k8s.io/apiserver v0.36.2, not part of the tests):
// at most 1,428 per policy evaluation over the 423 admission-time corpus objects; 1,620,154 of the 10,000,000
// budget for a 1.2 MB Pod of 1,500 containers with 20 exempt image prefixes. With 40 prefixes that Pod's
// `containers` variable exceeds the per-expression limit: an evaluation error, so the policy fails closed (our
// stacks set no exempt images).
import { parse } from "@bufbuild/cel";

/** `^[_a-zA-Z][_a-zA-Z0-9]*$` minus the reserved words: validation.go isCELIdentifier (and apiserver/pkg/cel). */
export const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
export const CEL_RESERVED_WORDS: ReadonlySet<string> = new Set(
    "true false null in as break const continue else for function if import let loop package namespace return var void while".split(" "),
);

/** Gatekeeper's own variables, put before the template's in the generated policy (transform.AllVariablesV1Beta1). */
export const GATEKEEPER_VARIABLES = ["anyObject", "params"] as const;
/** Gatekeeper rejects user variables and match conditions with this prefix (schema.ReservedPrefix). */
export const GATEKEEPER_RESERVED_PREFIX = "gatekeeper_internal_";

/** cel-go's parser default (parser.expressionSizeCodePointLimit), which Kubernetes does not change. */
export const MAX_EXPRESSION_CODE_POINTS = 100_000;

// The policy's top-level variables (plugin/cel/compile.go createEnvForOpts, plus `variables` from the composition
// compiler). Gatekeeper sets paramKind, so `params` is declared everywhere; messageExpressions get no authorizer.
const POLICY_VARIABLES = ["object", "oldObject", "namespaceObject", "request", "params", "variables"];
const AUTHORIZER_VARIABLES = ["authorizer"]; // also `authorizer.requestResource`, a select on it here
// Type names are identifiers too (`type(x) == map`).
const CEL_TYPE_NAMES = ["bool", "bytes", "double", "int", "list", "map", "null_type", "string", "type", "uint", "optional_type"];

// Every function and macro name in the Kubernetes CEL environment for new expressions at compatibility version
// 1.35 (what a 1.36 API server compiles a new policy with), listed by cel.Env.Functions() and Macros() of
// environment.MustBaseEnvSet(DefaultCompatibilityVersion()).NewExpressionsEnv(), k8s.io/apiserver v0.36.2, cel-go
// v0.26.0. Operators and the parser's own `@not_strictly_false` are functions too; a macro the parser here does
// not expand is seen as a call. A name only: the overload (receiver and argument types) is the type checker's.
const KUBERNETES_CEL_FUNCTIONS: ReadonlySet<string> = new Set(
    `
!_ -_ @in @not_strictly_false @sortByAssociatedKeys _!=_ _%_ _&&_ _*_ _+_ _-_ _/_ _<=_ _<_ _==_ _>=_ _>_ _?._
_?_:_ _[?_] _[_] __not_strictly_false__ _in_ _||_ add all allowed asApproximateFloat asInteger bool bytes
cel.@mapInsert charAt check cidr compareTo contains containsCIDR containsIP distinct double duration dyn
endsWith error errored exists existsOne exists_one family fieldSelector filter find findAll first flatten
format format.byte format.date format.datetime format.dns1035Label format.dns1035LabelPrefix
format.dns1123Label format.dns1123LabelPrefix format.dns1123Subdomain format.dns1123SubdomainPrefix
format.labelValue format.named format.qualifiedName format.uri format.uuid getDate getDayOfMonth getDayOfWeek
getDayOfYear getEscapedPath getFullYear getHost getHostname getHours getMilliseconds getMinutes getMonth
getPort getQuery getScheme getSeconds group has hasValue in indexOf int ip ip.isCanonical isCIDR
isGlobalUnicast isGreaterThan isIP isInteger isLessThan isLinkLocalMulticast isLinkLocalUnicast isLoopback
isQuantity isSemver isSorted isURL isUnspecified join labelSelector last lastIndexOf lists.range lowerAscii
major map masked matches max min minor name namespace optFlatMap optMap optional.none optional.of
optional.ofNonZeroValue optional.unwrap or orValue patch path prefixLength quantity reason replace resource
reverse semver serviceAccount sets.contains sets.equivalent sets.intersects sign size slice sort sortBy split
startsWith string strings.quote sub subresource substring sum timestamp transformList transformMap
transformMapEntry trim type uint unwrapOpt upperAscii url validate value
`
        .trim()
        .split(/\s+/),
);

type Expr = ReturnType<typeof parse>["expr"];

interface Scope {
    /** Free identifiers the environment declares. */
    globals: ReadonlySet<string>;
    /** `variables.<name>` the expression may read. */
    variables: ReadonlySet<string>;
}

/** `a.b.c` for an identifier or a chain of field selections on one, else undefined. */
function qualifiedName(expr: Expr | undefined): string | undefined {
    const kind = expr?.exprKind;
    if (kind?.case === "identExpr") return kind.value.name;
    if (kind?.case !== "selectExpr" || kind.value.testOnly) return undefined;
    const operand = qualifiedName(kind.value.operand);
    return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
}

/** Problems of one expression, each `<where>: <problem>`; an empty list when it passes every check above. */
export function expressionProblems(source: string, scope: Scope, where: string): string[] {
    if (source.trim() === "") return [`${where}: required (empty)`];
    const codePoints = Array.from(source).length;
    if (codePoints > MAX_EXPRESSION_CODE_POINTS)
        return [`${where}: ${codePoints} code points, more than the parser's limit of ${MAX_EXPRESSION_CODE_POINTS}`];
    let root: Expr;
    try {
        root = parse(source).expr;
    } catch (e) {
        return [`${where}: does not parse: ${(e as Error).message.split("\n")[0]}`];
    }
    const problems = new Set<string>();
    const visit = (expr: Expr | undefined, bound: ReadonlySet<string>): void => {
        if (!expr) return;
        const kind = expr.exprKind;
        switch (kind.case) {
            case "identExpr":
                if (!bound.has(kind.value.name) && !scope.globals.has(kind.value.name))
                    problems.add(`${where}: undeclared reference to '${kind.value.name}'`);
                return;
            case "selectExpr": {
                const operand = kind.value.operand?.exprKind;
                if (operand?.case === "identExpr" && operand.value.name === "variables" && !bound.has("variables")) {
                    if (!scope.variables.has(kind.value.field))
                        problems.add(`${where}: variables.${kind.value.field} is not a variable declared before this expression`);
                }
                visit(kind.value.operand, bound);
                return;
            }
            case "callExpr": {
                // `sets.contains(a, b)`, `optional.none()`: the parser reads a namespaced function as a method call on
                // the namespace, which the checker resolves as one qualified name.
                const namespace = qualifiedName(kind.value.target);
                const namespaced =
                    namespace !== undefined && !bound.has(namespace.split(".")[0]) ? `${namespace}.${kind.value.function}` : "";
                if (KUBERNETES_CEL_FUNCTIONS.has(namespaced)) {
                    for (const arg of kind.value.args) visit(arg, bound);
                    return;
                }
                if (!KUBERNETES_CEL_FUNCTIONS.has(kind.value.function))
                    problems.add(`${where}: '${kind.value.function}' is no function of the Kubernetes CEL environment`);
                visit(kind.value.target, bound);
                for (const arg of kind.value.args) visit(arg, bound);
                return;
            }
            case "listExpr":
                for (const element of kind.value.elements) visit(element, bound);
                return;
            case "structExpr":
                for (const entry of kind.value.entries) {
                    if (entry.keyKind.case === "mapKey") visit(entry.keyKind.value, bound);
                    visit(entry.value, bound);
                }
                return;
            case "comprehensionExpr": {
                // The range and the initial accumulator see the outer scope; the loop sees the iteration variables
                // and the accumulator; the result sees the accumulator only.
                const c = kind.value;
                visit(c.iterRange, bound);
                visit(c.accuInit, bound);
                const loop = new Set([...bound, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
                visit(c.loopCondition, loop);
                visit(c.loopStep, loop);
                visit(c.result, new Set([...bound, c.accuVar]));
                return;
            }
            default:
                return; // constants
        }
    };
    visit(root, new Set());
    return [...problems];
}

/** The one K8sNativeValidation source of a template, or the reason Gatekeeper would refuse it. */
function celSource(template: unknown): { source?: Record<string, unknown>; problem?: string } {
    const targets = (template as { spec?: { targets?: unknown } })?.spec?.targets;
    if (!Array.isArray(targets) || targets.length !== 1) return { problem: "spec.targets: Gatekeeper allows exactly one target" };
    const code: unknown = (targets[0] as { code?: unknown })?.code;
    const cel = Array.isArray(code) ? code.find((c) => (c as { engine?: unknown })?.engine === "K8sNativeValidation") : undefined;
    const source: unknown = (cel as { source?: unknown })?.source;
    if (!source || typeof source !== "object") return { problem: "spec.targets[0].code: no K8sNativeValidation source" };
    return { source: source as Record<string, unknown> };
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const list = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value) ? value.map((v) => (v && typeof v === "object" ? (v as Record<string, unknown>) : {})) : [];

/**
 * Every reason the API server (or Gatekeeper, before it) would refuse the ValidatingAdmissionPolicy generated
 * from this ConstraintTemplate, as `<template>: <field>: <problem>`; empty when none of the checks above finds one.
 * Fields are the template's (`variables[i]`); the generated policy's index is given where it differs.
 */
export function vapProblems(template: unknown): string[] {
    const name = text((template as { metadata?: { name?: unknown } })?.metadata?.name) || "(unnamed template)";
    const { source, problem } = celSource(template);
    if (!source) return [`${name}: ${problem}`];
    const problems: string[] = [];
    const globals = new Set([...POLICY_VARIABLES, ...AUTHORIZER_VARIABLES, ...CEL_TYPE_NAMES]);
    const messageGlobals = new Set([...POLICY_VARIABLES, ...CEL_TYPE_NAMES]);
    const declared = new Set<string>(GATEKEEPER_VARIABLES);

    list(source.variables).forEach((variable, index) => {
        const at = `${name}: variables[${index}] (the policy's spec.variables[${index + GATEKEEPER_VARIABLES.length}])`;
        const variableName = text(variable.name);
        if (variableName.trim() === "") problems.push(`${at}.name: required (empty)`);
        else if (!CEL_IDENTIFIER.test(variableName)) problems.push(`${at}.name: "${variableName}" is not a valid CEL identifier`);
        else if (CEL_RESERVED_WORDS.has(variableName))
            problems.push(`${at}.name: "${variableName}" is a CEL reserved word, not a valid CEL identifier`);
        else if ((GATEKEEPER_VARIABLES as readonly string[]).includes(variableName) || variableName.startsWith(GATEKEEPER_RESERVED_PREFIX))
            problems.push(`${at}.name: "${variableName}" is reserved by Gatekeeper`);
        else if (declared.has(variableName)) problems.push(`${at}.name: "${variableName}" is declared twice`);
        // An expression may read only the variables before it.
        problems.push(...expressionProblems(text(variable.expression), { globals, variables: declared }, `${at}.expression`));
        if (variableName) declared.add(variableName);
    });

    const validations = list(source.validations);
    if (validations.length === 0) problems.push(`${name}: validations: at least one is required`);
    validations.forEach((validation, index) => {
        const at = `${name}: validations[${index}]`;
        problems.push(...expressionProblems(text(validation.expression), { globals, variables: declared }, `${at}.expression`));
        if ("messageExpression" in validation)
            problems.push(
                ...expressionProblems(
                    text(validation.messageExpression),
                    { globals: messageGlobals, variables: declared },
                    `${at}.messageExpression`,
                ),
            );
        if ("message" in validation) {
            const message = text(validation.message);
            if (message.trim() === "") problems.push(`${at}.message: must be non-empty if specified`);
            else if (/[\n\r]/.test(message)) problems.push(`${at}.message: must not contain line breaks`);
        }
    });
    return problems;
}
