// Gatekeeper's audit settings that more than the Gatekeeper component read (the compliance reporter judges an
// audit stale by them), without importing the component and its providers.

/** Audit sweep period in seconds (chart `auditInterval`); the staleness alert and the reporter derive from it. */
export const AUDIT_INTERVAL_SECONDS = 60;

/**
 * Violations Gatekeeper keeps per constraint in `status.violations` (chart `constraintViolationsLimit`, the
 * audit's --constraint-violations-limit; our values set it explicitly): `status.totalViolations` counts them all.
 */
export const CONSTRAINT_VIOLATIONS_LIMIT = 20;

/** A live report treats an audit older than this as stale ("not evaluated"). */
export const AUDIT_STALE_AFTER_SECONDS = 2 * AUDIT_INTERVAL_SECONDS;
