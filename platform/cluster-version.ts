// The Kubernetes version of the stack's cluster, declared once (stack config `kubernetesVersion`): the plan
// renders every chart, the platform's and the app's, with it, and the Pod Security Standards version the
// namespaces' labels and the pss-* rules pin is derived from it unless the stack sets `podSecurityVersion`.

/** The minor version GKE's regular channel runs today; a stack on another version sets `kubernetesVersion`. */
export const DEFAULT_KUBERNETES_VERSION = "1.33";

/** `1.NN` or `1.NN.P`, as `helm template --kube-version` and a GKE version prefix take it. Linear regex. */
export const KUBERNETES_VERSION_PATTERN = /^1\.(0|[1-9][0-9]?)(\.(0|[1-9][0-9]{0,2}))?$/;

/** Oldest minor the platform supports: Pod Security Admission is GA (and PodSecurityPolicy gone) from 1.25. */
export const MIN_KUBERNETES_MINOR = 25;

/** PSA's version label syntax, pinned (no `latest`: a pinned level does not move with cluster upgrades). */
export const PINNED_POD_SECURITY_VERSION_PATTERN = /^v1\.(0|[1-9][0-9]?)$/;

/** The minor of a `1.NN[.P]` version, or undefined when it does not parse. */
export function kubernetesMinor(version: string): number | undefined {
    const match = KUBERNETES_VERSION_PATTERN.exec(version);
    return match ? Number(match[1]) : undefined;
}

/** The minor of a pinned `v1.NN` Pod Security version, or undefined. */
export function podSecurityMinor(version: string): number | undefined {
    const match = PINNED_POD_SECURITY_VERSION_PATTERN.exec(version);
    return match ? Number(match[1]) : undefined;
}

/** The Pod Security Standards version matching a cluster version: `1.33.5` -> `v1.33`. */
export function podSecurityVersionFor(kubernetesVersion: string): string {
    const minor = kubernetesMinor(kubernetesVersion);
    if (minor === undefined) throw new Error(`not a Kubernetes version: ${JSON.stringify(kubernetesVersion)}`);
    return `v1.${minor}`;
}

/** The default pinned Pod Security version (components created without a stack config, e.g. in tests). */
export const DEFAULT_POD_SECURITY_VERSION = podSecurityVersionFor(DEFAULT_KUBERNETES_VERSION);
