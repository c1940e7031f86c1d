// One mapping from CrossGuard enforcement levels (preview time) to Gatekeeper enforcement actions
// (admission time), used by the pack's README, the Gatekeeper renderer and the tests, so a rule set to
// `advisory` in a stack's policy config is also only a warning in that environment's cluster.
import { Enforcement, GatekeeperAction } from "./types";

/**
 * CrossGuard level -> Gatekeeper `enforcementAction`:
 * - `mandatory` -> `deny`: the preview fails / the API server rejects the object.
 * - `advisory`  -> `warn`: the preview prints a warning / the API server admits and returns a warning.
 * - `disabled`  -> `dryrun`: the preview skips the rule, but Gatekeeper still audits and records the
 *   violation in the constraint's status, so a disabled rule is never silently blind in the cluster.
 * - `remediate` -> `deny`: the pack rewrites the resource before it is sent; a validating constraint
 *   cannot mutate, so anything that reaches the API server unfixed is rejected.
 */
export const GATEKEEPER_ACTION: Readonly<Record<Enforcement, GatekeeperAction>> = {
    mandatory: "deny",
    advisory: "warn",
    disabled: "dryrun",
    remediate: "deny",
};

export function toGatekeeperAction(level: Enforcement): GatekeeperAction {
    // Own keys only: "toString" or "constructor" would otherwise find Object.prototype's members.
    const action = Object.prototype.hasOwnProperty.call(GATEKEEPER_ACTION, level) ? GATEKEEPER_ACTION[level] : undefined;
    if (!action) throw new Error(`unknown enforcement level "${level}"; expected one of ${Object.keys(GATEKEEPER_ACTION).join(", ")}`);
    return action;
}

/**
 * The order a new or tightened rule is rolled out in, per environment: audit only first, then warn,
 * then deny - dev first, prod last, each step after the previous one ran clean (no audit violations).
 */
export const MIGRATION_PATH: readonly GatekeeperAction[] = ["dryrun", "warn", "deny"];

/** The CrossGuard level that produces each Gatekeeper action (the inverse used when migrating a stack). */
export const LEVEL_FOR_ACTION: Readonly<Record<GatekeeperAction, Enforcement>> = {
    dryrun: "disabled",
    warn: "advisory",
    deny: "mandatory",
};
