// Shared plumbing for the Pod Security Standards rules: safe field lookup in TypeScript and the same
// lookup written in CEL, so the pack's `check` and Gatekeeper's CEL read a field the same way.
//
// Lookup semantics (both languages):
//  - a missing key or a JSON null reads as "unset" (undefined in TS, null in CEL);
//  - when an intermediate value is not an object (the unknown sentinel at preview, e.g. a whole
//    securityContext that is still an Output), the lookup returns that value itself, so the caller sees
//    the sentinel and skips the field instead of reading it as unset.
// CEL notes: `has()` is only ever applied to a value proven to be a map (`type(x) == map`), because cel-go
// rejects field selection on a string while @bufbuild/cel returns false; `has(x.k)` is paired with
// `x.k != null` because the two engines disagree on whether a JSON null key "has" a value.
import { CommonK8sParams, Finding, isUnknown, K8sObject, UNKNOWN_SENTINEL } from "../catalogue/types";
import {
    ContainerRef,
    containersOf,
    hasUnknownContainer,
    isExemptImage,
    isRecord,
    Json,
    PodSpecRef,
    podSpecOf,
} from "../catalogue/workloads";
import { CEL_SUBJECT, subject } from "./messages";

export { isRecord };

/** Reads `keys` under `root` (see the lookup semantics above). */
export function get(root: unknown, keys: readonly string[]): unknown {
    let current = root;
    for (const key of keys) {
        if (!isRecord(current)) return current;
        const next = current[key];
        if (next === undefined || next === null) return undefined;
        current = next;
    }
    return current;
}

/**
 * Like `get`, but an intermediate value of the wrong type (not an object, not the sentinel) reads as
 * unset: for fields deep in optional structures (probe handlers), where a malformed parent holds no value.
 */
export function getStrict(root: unknown, keys: readonly string[]): unknown {
    let current = root;
    for (const key of keys) {
        if (isUnknown(current)) return current;
        if (!isRecord(current)) return undefined;
        const next = current[key];
        if (next === undefined || next === null) return undefined;
        current = next;
    }
    return current;
}

/** The unknown sentinel as a CEL string literal. */
export const CEL_UNKNOWN = `'${UNKNOWN_SENTINEL}'`;

/** CEL for `get(base, keys)`; `base` must be an expression known to be a map (a container, the pod spec). */
export function celGet(base: string, keys: readonly string[]): string {
    const [key, ...rest] = keys;
    if (key === undefined) return base;
    const child = `${base}.${key}`;
    const present = `has(${child}) && ${child} != null`;
    if (rest.length === 0) return `((${present}) ? ${child} : null)`;
    return `((${present}) ? ((type(${child}) == map) ? ${celGet(child, rest)} : ${child}) : null)`;
}

/** CEL for `getStrict(base, keys)`; `base` must be a map expression. */
export function celGetStrict(base: string, keys: readonly string[]): string {
    const [key, ...rest] = keys;
    if (key === undefined) return base;
    const child = `${base}.${key}`;
    const present = `has(${child}) && ${child} != null`;
    if (rest.length === 0) return `((${present}) ? ${child} : null)`;
    return `((${present}) ? ((type(${child}) == map) ? ${celGetStrict(child, rest)} : (${child} == ${CEL_UNKNOWN} ? ${child} : null)) : null)`;
}

export { CEL_SUBJECT, subject } from "./messages";

/** A container's name in CEL messages. */
export function celName(container: string): string {
    return `((has(${container}.name) && type(${container}.name) == string) ? ${container}.name : '(unnamed)')`;
}

/**
 * CEL message for a list variable of offending containers: names the first one and counts the rest
 * (standard CEL has no `join`).
 */
export function celFirstContainerMessage(listVar: string, what: string): string {
    const list = `variables.${listVar}`;
    return (
        `${CEL_SUBJECT} + ': container ' + ${celName(`${list}[0]`)} + ${celString(` ${what}`)} + ` +
        `(size(${list}) > 1 ? ' (and ' + string(size(${list}) - 1) + ' more container(s))' : '')`
    );
}

/** A CEL string literal: JSON's double-quoted form is valid CEL (same escapes, including \\uXXXX). */
export function celString(value: string): string {
    return JSON.stringify(value);
}

export function celList(values: readonly string[]): string {
    return `[${values.map(celString).join(", ")}]`;
}

/** Pod spec plus its non-exempt containers, or undefined when the rule has nothing to check. */
export interface PodContext {
    pod: PodSpecRef;
    containers: readonly ContainerRef[];
}

/**
 * The pod and its containers, minus exempt images; undefined when the object carries no pod. A pod with no
 * container at all is judged on its pod-level fields (PSA does). When containers exist but none is left to
 * judge (all exempt, or the lists or entries unknown at preview), the pod belongs to exempt software (or may):
 * its pod-level fields are not judged either. The CEL twin is CEL_NOTHING_TO_JUDGE.
 */
export function podContext(object: K8sObject, params: CommonK8sParams): PodContext | undefined {
    const pod = podSpecOf(object);
    if (!pod) return undefined;
    const containers = containersOf(object, params.exemptImages);
    if (containers.length > 0) return { pod, containers };
    return allContainerRefs(object).length > 0 || hasUnknownContainer(object) ? undefined : { pod, containers };
}

const CEL_CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"].map((list) => `variables.podSpec.${list}`);

/**
 * CEL guard matching `podContext`: true (admit) when no container is left to judge although the pod has some
 * (an object entry, or an unknown list or entry). A pod without containers is judged.
 */
export const CEL_NOTHING_TO_JUDGE =
    "(size(variables.containers) == 0 && (" +
    CEL_CONTAINER_LISTS.map(
        (list) =>
            `(has(${list}) && ((type(${list}) == string && ${list} == ${CEL_UNKNOWN}) || ` +
            `(type(${list}) == list && ${list}.exists(c, type(c) == map || (type(c) == string && c == ${CEL_UNKNOWN})))))`,
    ).join(" || ") +
    "))";

/**
 * Linux-only controls (restricted privilege escalation, seccomp, capabilities and readOnlyRootFilesystem)
 * do not apply to Windows pods, as in the Pod Security Standards since v1.25 (`spec.os.name: windows`).
 * An unknown `os.name` may turn out to be windows, so it is skipped too.
 */
export function isWindowsOrUnknownOs(podSpec: Json): boolean {
    const os = get(podSpec, ["os", "name"]);
    return os === "windows" || isUnknown(os);
}

export const CEL_WINDOWS_OR_UNKNOWN_OS = `(${celGet("variables.podSpec", ["os", "name"])} == 'windows' || ${celGet("variables.podSpec", ["os", "name"])} == ${CEL_UNKNOWN})`;

/** Every container in the pod, exempt or not (used where an exempt container must be recognised by name). */
export function allContainerRefs(object: K8sObject): readonly ContainerRef[] {
    return containersOf(object, []);
}

/**
 * True when the named container exists in the pod and runs an exempt image - or, while exemptions exist,
 * when some container is not known yet (it may be that container, with an exempt image).
 */
export function isExemptContainerName(object: K8sObject, name: string, exemptImages: readonly string[]): boolean {
    if (allContainerRefs(object).some((c) => c.name === name && isExemptImage(c.container.image, exemptImages))) return true;
    return exemptImages.length > 0 && hasUnknownContainer(object);
}

/** A finding for one field. */
export function finding(object: K8sObject, path: string, problem: string, fix: string): Finding {
    return { path, message: `${subject(object)}: ${problem}. Fix: ${fix}` };
}

/** `containers[name=app]` style label for messages: `init container "setup"`. */
export function containerLabel(ref: ContainerRef): string {
    const kind = ref.list === "containers" ? "container" : ref.list === "initContainers" ? "init container" : "ephemeral container";
    return `${kind} "${ref.name}"`;
}

/** A deep copy of a Kubernetes object (for `remediate`, which must not mutate its input). */
export function clone<T>(value: T): T {
    return structuredClone(value);
}

// ---- field checks shared by the rule definitions ------------------------------------------------------

/**
 * One forbidden-value check on a field, written once for both engines. `violates` and `celViolates` must
 * agree, and both must be false for the unknown sentinel (and for unset values unless unset is itself
 * the problem).
 */
export interface FieldCheck {
    /** Field path under the container (container checks) or under the pod spec (pod checks). */
    field: readonly string[];
    violates(value: unknown): boolean;
    /** CEL over the bound value `v`. */
    celViolates: string;
    /** What is wrong, for the TS message, e.g. `sets securityContext.privileged: true`. */
    problem(value: unknown): string;
    /** What is wrong, for the CEL message (static: CEL cannot format arbitrary values portably). */
    celProblem: string;
    fix: string;
    /** How to read the value (default: `get(root, field)` / `celGet(base, field)`), e.g. `profileType`. */
    read?(root: unknown): unknown;
    celRead?(base: string): string;
}

function readField(root: unknown, check: FieldCheck): unknown {
    return check.read ? check.read(root) : get(root, check.field);
}

function celReadField(base: string, check: FieldCheck): string {
    return check.celRead ? check.celRead(base) : celGet(base, check.field);
}

/** Findings for `check` on every non-exempt container. */
export function checkContainers(object: K8sObject, ctx: PodContext, check: FieldCheck): Finding[] {
    const findings: Finding[] = [];
    for (const ref of ctx.containers) {
        const value = readField(ref.container, check);
        if (check.violates(value)) {
            findings.push(
                finding(object, `${ref.path}.${check.field.join(".")}`, `${containerLabel(ref)} ${check.problem(value)}`, check.fix),
            );
        }
    }
    return findings;
}

/** Findings for `check` at pod level. */
export function checkPod(object: K8sObject, ctx: PodContext, check: FieldCheck): Finding[] {
    const value = readField(ctx.pod.spec, check);
    return check.violates(value)
        ? [finding(object, `${ctx.pod.path}.${check.field.join(".")}`, `the pod ${check.problem(value)}`, check.fix)]
        : [];
}

/** `value` bound to `v` for a CEL predicate, evaluating the lookup once. */
export function celLet(value: string, predicate: string): string {
    return `[${value}].exists(v, ${predicate})`;
}

/** CEL: the variable listing offending containers, and the validation over it. */
export function celContainerCheck(
    variableName: string,
    check: FieldCheck,
): { variable: { name: string; expression: string }; validation: { expression: string; messageExpression: string } } {
    return {
        variable: {
            name: variableName,
            expression: `variables.containers.filter(c, ${celLet(celReadField("c", check), check.celViolates)})`,
        },
        validation: {
            expression: `size(variables.${variableName}) == 0`,
            messageExpression: celFirstContainerMessage(variableName, `${check.celProblem}. Fix: ${check.fix}`),
        },
    };
}

/** CEL: the pod-level validation for `check`. */
export function celPodCheck(check: FieldCheck): { expression: string; messageExpression: string } {
    return {
        expression: `${CEL_NOTHING_TO_JUDGE} || !${celLet(celReadField("variables.podSpec", check), check.celViolates)}`,
        messageExpression: `${CEL_SUBJECT} + ${celString(`: the pod ${check.celProblem}. Fix: ${check.fix}`)}`,
    };
}

/** True for a known, set value (not unset, not the unknown sentinel). */
export function isSet(value: unknown): boolean {
    return value !== undefined && !isUnknown(value);
}

/** CEL twin of `isSet` for the bound value `v`. */
export const CEL_V_IS_SET = `v != null && v != ${CEL_UNKNOWN}`;

// ---- malformed values ------------------------------------------------------------------------------
//
// Wrong JSON types never reach Pod Security Admission (the API server fails to decode the object), so the
// verdict on them is ours, and it is PSA's own comparison applied to the raw value: a control that forbids
// one value (privileged: true, hostNetwork: true, hostProcess: true) ignores a value that is not it; a
// control with an allowlist (procMount, sysctls, seccomp/AppArmor types, SELinux types, capabilities,
// volume sources) reports a value outside the list, whatever its type; allowPrivilegeEscalation must be
// exactly false. Lists and objects of the wrong type are skipped (no container, no volume). Nothing on
// user data is ever called (no toString/valueOf): messages print values through `show`.

/** A value for a message: strings, numbers and booleans as they are, anything else by its JSON type. */
export function show(value: unknown): string {
    if (typeof value === "string") return value.length > 200 ? `${value.slice(0, 200)}...` : value;
    if (typeof value === "number" || typeof value === "boolean") return `${value}`;
    if (value === null || value === undefined) return "null";
    return Array.isArray(value) ? "(a list)" : "(an object)";
}

// ---- profile types (seccompProfile, appArmorProfile) ---------------------------------------------------

/** What `profileType` returns for a profile (or a securityContext above it) that is not an object. */
export const MALFORMED_PROFILE = "(malformed)";

/**
 * The `type` of a seccompProfile/appArmorProfile at `profilePath`: undefined when the profile is unset,
 * "" when the profile is set without a type (PSA reads the Go zero value, which is not an allowed type),
 * the sentinel when the profile, a parent or the type is unknown, and MALFORMED_PROFILE when the profile
 * or a parent is not an object (never an allowed type, so a string profile cannot pass as one).
 */
export function profileType(root: unknown, profilePath: readonly string[]): unknown {
    const profile = get(root, profilePath);
    if (profile === undefined || isUnknown(profile)) return profile;
    if (!isRecord(profile)) return MALFORMED_PROFILE;
    const type = profile.type;
    return type ?? "";
}

/** CEL twin of `profileType`; `base` must be a map expression. */
export function celProfileType(base: string, profilePath: readonly string[]): string {
    return (
        `[${celGet(base, profilePath)}].map(p, (p == null || p == ${CEL_UNKNOWN}) ? p : ` +
        `(type(p) == map ? ((has(p.type) && p.type != null) ? p.type : '') : ${celString(MALFORMED_PROFILE)}))[0]`
    );
}

// ---- user namespaces (hostUsers: false) -------------------------------------------------------------

/**
 * From v1.35 PSA relaxes runAsNonRoot, runAsUser and baseline procMount for pods in a user namespace
 * (`spec.hostUsers: false`). An unknown hostUsers may turn out false, so it relaxes too (no finding).
 */
export function userNamespaceRelaxed(podSpec: Json, minor: number, since: number): boolean {
    if (minor < since) return false;
    const hostUsers = get(podSpec, ["hostUsers"]);
    return hostUsers === false || isUnknown(hostUsers);
}

export function celUserNamespaceRelaxed(since: number): string {
    return `(variables.pssMinor >= ${since} && ${celLet(celGet("variables.podSpec", ["hostUsers"]), `v == false || v == ${CEL_UNKNOWN}`)})`;
}

export const CEL_ANNOTATIONS =
    "((has(variables.podMeta.annotations) && type(variables.podMeta.annotations) == map) ? variables.podMeta.annotations : {})";
