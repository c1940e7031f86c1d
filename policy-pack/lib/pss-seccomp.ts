// Seccomp profile types the Pod Security Standards allow (Baseline and Restricted).

export const ALLOWED_SECCOMP_TYPES = ["RuntimeDefault", "Localhost"] as const;
