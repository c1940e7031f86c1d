// Image rules: pinned tags/digests and trusted registries. Each rule is written twice - a TypeScript
// `check` for CrossGuard and portable CEL for Gatekeeper - and test/cel-agreement.test.ts holds them to the
// same verdict over the corpus.
import { CommonK8sParams, Finding, KubernetesRule, Rule } from "../catalogue/types";
import { knownStr, own, show, strings } from "../catalogue/view";
import { containersOf, POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import { CEL_SUBJECT, subject as describeObject } from "./messages";

// ---- image reference parsing -------------------------------------------------------------------------
// A reference is `[registry[:port]/]path[:tag][@digest]`. The tag is a `:` in the last path segment, so
// `registry:5000/app` is untagged (the port is not a tag). Parsed with index scans, in linear time: image
// strings are user data, and a backtracking regular expression over a crafted megabyte-long reference
// stalled the single-threaded pack for seconds. The CEL twins below use RE2 (linear by construction), with
// the same meaning:  has a digest = contains `@`;  has a tag = `:[^/]+$`;  registry host = `^(localhost|[^/]*[.:][^/]*)/`.

/** Has a digest (`app@sha256:...`, also `app:1.2@sha256:...`). */
function hasDigest(image: string): boolean {
    return image.includes("@");
}

/** Has a tag: a `:` after the last `/` with at least one character after it (`:[^/]+$`). */
function hasTag(image: string): boolean {
    const colon = image.indexOf(":", image.lastIndexOf("/") + 1);
    return colon !== -1 && colon < image.length - 1;
}

/** The first path component names a registry host: it has a `.` or a `:` (port), or is `localhost`. */
function hasRegistryHost(image: string): boolean {
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
const CEL_HAS_DIGEST = "c.image.contains('@')";
const CEL_QUALIFIED_IMAGE =
    "(c.image.matches('^(localhost|[^/]*[.:][^/]*)/') ? c.image : " +
    "c.image.contains('/') ? 'docker.io/' + c.image : 'docker.io/library/' + c.image)";

// ---- images-disallow-latest --------------------------------------------------------------------------

export interface DisallowLatestParams extends CommonK8sParams {
    /** Demand a digest (`@sha256:...`) on every image, not only a non-latest tag. */
    requireDigest: boolean;
}

const disallowLatest: KubernetesRule<DisallowLatestParams> = {
    id: "images-disallow-latest",
    target: "kubernetes",
    title: "Container images are pinned (no :latest, no untagged images)",
    description:
        "Every container (regular, init and ephemeral) must name an image by a tag other than `latest` or by a digest. " +
        "An untagged image means `latest`; `registry:5000/app` is untagged (5000 is the registry port). " +
        "A digest pins the image whatever tag it also carries (`app:1.2@sha256:...`). With `requireDigest` every image needs a digest.",
    severity: "high",
    remediation: "Pin the image to a release tag (e.g. `nginx:1.27.3`) or, better, to its digest (`nginx@sha256:...`), and let a bot such as Renovate bump it.",
    frameworks: [
        { framework: "CIS-Kubernetes", control: "5.5.1" },
        { framework: "NIST-800-53", control: "CM-2" },
        { framework: "NIST-800-53", control: "SI-7" },
        { framework: "SOC2", control: "CC8.1" },
        { framework: "PCI-DSS", control: "6.3.2" },
        { framework: "PCI-DSS", control: "2.2.1" },
    ],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], requireDigest: false },
    paramsSchema: {
        requireDigest: { type: "boolean", default: false, description: "Require every image to carry a digest (@sha256:...)." },
    },
    gatekeeperKind: "SgImagesDisallowLatest",
    match: POD_BEARING_MATCH,
    check(object, params) {
        const findings: Finding[] = [];
        for (const ref of containersOf(object, params.exemptImages)) {
            const image = knownStr(own(ref.container, "image"));
            if (image === undefined) continue;
            const issue = imagePinIssue(image, params.requireDigest === true);
            if (!issue) continue;
            const why =
                issue === "no-digest"
                    ? "has no digest, and requireDigest is set"
                    : issue === "latest"
                      ? "uses the mutable `latest` tag"
                      : "has no tag, which means `latest`";
            findings.push({
                message: `${describeObject(object)}: container "${show(ref.name)}" image "${show(image)}" ${why}; pin it to a release tag or a digest (@sha256:...) in ${ref.path}.image.`,
                path: `${ref.path}.image`,
            });
        }
        return findings;
    },
    cel: {
        variables: [
            ...POD_CEL_VARIABLES,
            { name: "requireDigest", expression: "has(variables.params.requireDigest) && variables.params.requireDigest == true" },
            {
                name: "unpinned",
                expression:
                    "variables.containers.filter(c, has(c.image) && !" + CEL_HAS_DIGEST + " && " +
                    "(variables.requireDigest || !c.image.matches(':[^/]+$') || c.image.matches(':latest$')))",
            },
        ],
        validations: [
            {
                expression: "size(variables.unpinned) == 0",
                messageExpression:
                    CEL_SUBJECT + " + ': container \"' + variables.unpinned[0].name + '\" image \"' + variables.unpinned[0].image + " +
                    "'\" is not pinned (latest, untagged' + (variables.requireDigest ? ', or no digest' : '') + '); pin it to a release tag or a digest (@sha256:...)'",
            },
        ],
    },
};

// ---- images-allowed-registries -----------------------------------------------------------------------

export interface AllowedRegistriesParams extends CommonK8sParams {
    /** Prefixes of fully qualified references (`europe-docker.pkg.dev/my-project/`, `docker.io/library/`). Empty: any registry. */
    allowedRegistries: string[];
}

const allowedRegistries: KubernetesRule<AllowedRegistriesParams> = {
    id: "images-allowed-registries",
    target: "kubernetes",
    title: "Container images come from allowed registries",
    description:
        "Every container (regular, init and ephemeral) must pull from a registry listed in `allowedRegistries`; an empty list allows any registry. " +
        "Entries are prefixes of the fully qualified reference: a bare name resolves to Docker Hub as the runtime does " +
        "(`nginx` is `docker.io/library/nginx`, `bitnami/nginx` is `docker.io/bitnami/nginx`), so it matches only a `docker.io/...` entry. " +
        "End each entry with `/` so `gcr.io/team` does not also admit `gcr.io/team-evil/...`.",
    severity: "high",
    remediation: "Mirror the image into an allowed registry (e.g. Artifact Registry) and reference it there, or add its registry prefix to `allowedRegistries`.",
    frameworks: [
        { framework: "CIS-Kubernetes", control: "5.5.1" },
        { framework: "NIST-800-53", control: "CM-7" },
        { framework: "NIST-800-53", control: "SI-7" },
        { framework: "SOC2", control: "CC6.8" },
        { framework: "SOC2", control: "CC8.1" },
        { framework: "PCI-DSS", control: "6.3.2" },
    ],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], allowedRegistries: [] },
    paramsSchema: {
        allowedRegistries: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Allowed prefixes of fully qualified image references, ending in '/'. Empty allows any registry.",
        },
    },
    gatekeeperKind: "SgImagesAllowedRegistries",
    match: POD_BEARING_MATCH,
    check(object, params) {
        const allowed = strings(params.allowedRegistries).filter((p) => p !== "");
        if (allowed.length === 0) return [];
        const findings: Finding[] = [];
        for (const ref of containersOf(object, params.exemptImages)) {
            const image = knownStr(own(ref.container, "image"));
            if (image === undefined) continue;
            const qualified = qualifiedImage(image);
            if (allowed.some((prefix) => qualified.startsWith(prefix))) continue;
            findings.push({
                message:
                    `${describeObject(object)}: container "${show(ref.name)}" image "${show(image)}" (${show(qualified)}) is not from an allowed registry ` +
                    `(${allowed.join(", ")}); mirror it into one of them and update ${ref.path}.image.`,
                path: `${ref.path}.image`,
            });
        }
        return findings;
    },
    cel: {
        variables: [
            ...POD_CEL_VARIABLES,
            {
                name: "allowedRegistries",
                expression: "has(variables.params.allowedRegistries) ? variables.params.allowedRegistries.filter(p, p != '') : []",
            },
            {
                name: "disallowed",
                expression:
                    "size(variables.allowedRegistries) == 0 ? [] : variables.containers.filter(c, has(c.image) && " +
                    "!variables.allowedRegistries.exists(p, " + CEL_QUALIFIED_IMAGE + ".startsWith(p)))",
            },
        ],
        validations: [
            {
                expression: "size(variables.disallowed) == 0",
                messageExpression:
                    CEL_SUBJECT + " + ': container \"' + variables.disallowed[0].name + '\" image \"' + variables.disallowed[0].image + " +
                    "'\" is not from an allowed registry; mirror it into one of the allowedRegistries'",
            },
        ],
    },
};

export const imageRules: Rule[] = [disallowLatest, allowedRegistries];
