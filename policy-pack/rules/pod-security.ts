// Pod Security Standards (baseline and restricted) plus readOnlyRootFilesystem, each written as a
// TypeScript `check` for CrossGuard and portable CEL for Gatekeeper. The rules live in
// pod-security-baseline.ts and pod-security-restricted.ts; the shared lookup helpers (and the reasoning
// behind unknown values and exempt images) in pod-security-helpers.ts.
import { Rule } from "../catalogue/types";
import { baselineRules } from "./pod-security-baseline";
import { restrictedRules } from "./pod-security-restricted";

export const podSecurityRules: Rule[] = [...baselineRules, ...restrictedRules];
