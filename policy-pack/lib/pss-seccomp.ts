// Seccomp profile types the Pod Security Standards allow (Baseline and Restricted).


// ---- seccomp (baseline) ------------------------------------------------------------------------------

export const ALLOWED_SECCOMP_TYPES = ["RuntimeDefault", "Localhost"] as const;
