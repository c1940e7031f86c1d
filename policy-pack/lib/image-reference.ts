// Container image references, parsed the way the container runtime resolves them, plus their CEL twins.

/** Has a digest (`app@sha256:...`, also `app:1.2@sha256:...`). */
export function hasDigest(image: string): boolean {
    return image.includes("@");
}

/** Has a tag: a `:` after the last `/` with at least one character after it (`:[^/]+$`). */
export function hasTag(image: string): boolean {
    const colon = image.indexOf(":", image.lastIndexOf("/") + 1);
    return colon !== -1 && colon < image.length - 1;
}

/** The first path component names a registry host: it has a `.` or a `:` (port), or is `localhost`. */
export function hasRegistryHost(image: string): boolean {
    const slash = image.indexOf("/");
    if (slash === -1) return false;
    const first = image.slice(0, slash);
    return first === "localhost" || first.includes(".") || first.includes(":");
}

export type ImagePinIssue = "latest" | "untagged" | "no-digest" | undefined;

/** Why an image reference is not pinned, or undefined when it is. A digest pins the image whatever the tag says. */
export function imagePinIssue(image: string, requireDigest: boolean): ImagePinIssue {
    if (hasDigest(image)) return undefined;
    if (requireDigest) return "no-digest";
    if (!hasTag(image)) return "untagged";
    return image.endsWith(":latest") ? "latest" : undefined;
}

/**
 * The fully qualified reference the container runtime pulls: bare names resolve to Docker Hub, so
 * `nginx` is `docker.io/library/nginx` and `bitnami/nginx` is `docker.io/bitnami/nginx`.
 */
export function qualifiedImage(image: string): string {
    if (hasRegistryHost(image)) return image;
    return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

// CEL twins of the two functions above, written over the container variable `c`.
export const CEL_HAS_DIGEST = "c.image.contains('@')";

export const CEL_QUALIFIED_IMAGE =
    "(c.image.matches('^(localhost|[^/]*[.:][^/]*)/') ? c.image : " +
    "c.image.contains('/') ? 'docker.io/' + c.image : 'docker.io/library/' + c.image)";
