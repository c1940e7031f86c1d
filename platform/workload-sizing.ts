// Pieces of Helm values every component's workloads share: the requests/limits shape with its constructor,
// and the container securityContext of Pod Security `restricted` (plus read-only root) that chart defaults
// are restated with, so an upstream default change cannot relax them silently.

/** Container requests and limits, as charts take them under `resources`. */
export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Requests (cpu, memory) and limits (cpuLimit, memoryLimit). */
export function res(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources {
    return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** Restricted-PSS container securityContext with a read-only root filesystem. */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
