// Image rule (reference parsing in lib/image-reference.ts). TypeScript `check` for CrossGuard, CEL for Gatekeeper;
// test/cel-agreement.test.ts holds both to the corpus beside this file.
import { CommonK8sParams, Finding } from "../catalogue/types";
import { knownStr, own, show } from "../catalogue/view";
import { containersOf, POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_HAS_DIGEST, imagePinIssue } from "../lib/image-reference";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

export interface DisallowLatestParams extends CommonK8sParams {
    /** Demand a digest (`@sha256:...`) on every image, not only a non-latest tag. */
    requireDigest: boolean;
}

export const rule = kubernetesRule<DisallowLatestParams>({
    id: "images-disallow-latest",
    title: "Container images are pinned (no :latest, no untagged images)",
    description:
        "Every container (regular, init and ephemeral) must name an image by a tag other than `latest` or by a digest. " +
        "An untagged image means `latest`; `registry:5000/app` is untagged (5000 is the registry port). " +
        "A digest pins the image whatever tag it also carries (`app:1.2@sha256:...`). With `requireDigest` every image needs a digest.",
    severity: "high",
    remediation:
        "Pin the image to a release tag (e.g. `nginx:1.27.3`) or, better, to its digest (`nginx@sha256:...`), and let a bot such as Renovate bump it.",
    frameworks: [cisK8s("5.5.1"), nist("CM-2"), nist("SI-7"), soc2("CC8.1"), pci("6.3.2"), pci("2.2.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { exemptNamespaces: [], exemptImages: [], requireDigest: false },
    paramsSchema: {
        requireDigest: { type: "boolean", default: false, description: "Require every image to carry a digest (@sha256:...)." },
    },
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
                    "variables.containers.filter(c, has(c.image) && !" +
                    CEL_HAS_DIGEST +
                    " && " +
                    "(variables.requireDigest || !c.image.matches(':[^/]+$') || c.image.matches(':latest$')))",
            },
        ],
        validations: [
            {
                expression: "size(variables.unpinned) == 0",
                messageExpression:
                    CEL_SUBJECT +
                    " + ': container \"' + variables.unpinned[0].name + '\" image \"' + variables.unpinned[0].image + " +
                    "'\" is not pinned (latest, untagged' + (variables.requireDigest ? ', or no digest' : '') + '); pin it to a release tag or a digest (@sha256:...)'",
            },
        ],
    },
});
