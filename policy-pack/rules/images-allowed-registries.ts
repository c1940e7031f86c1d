// Image rule (reference parsing in lib/image-reference.ts). TypeScript `check` for CrossGuard, CEL for Gatekeeper;
// test/cel-agreement.test.ts holds both to the corpus beside this file.
import { CommonK8sParams, Finding } from "../catalogue/types";
import { knownStr, own, show, strings } from "../catalogue/view";
import { containersOf, POD_BEARING_MATCH, POD_CEL_VARIABLES } from "../catalogue/workloads";
import { kubernetesRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import { CEL_QUALIFIED_IMAGE, qualifiedImage } from "../lib/image-reference";
import { CEL_SUBJECT, subject as describeObject } from "../lib/messages";

export interface AllowedRegistriesParams extends CommonK8sParams {
    /** Prefixes of fully qualified references (`europe-docker.pkg.dev/my-project/`, `docker.io/library/`). Empty: any registry. */
    allowedRegistries: string[];
}

export const rule = kubernetesRule<AllowedRegistriesParams>({
    id: "images-allowed-registries",
    title: "Container images come from allowed registries",
    description:
        "Every container (regular, init and ephemeral) must pull from a registry listed in `allowedRegistries`; an empty list allows any registry. " +
        "Entries are prefixes of the fully qualified reference: a bare name resolves to Docker Hub as the runtime does " +
        "(`nginx` is `docker.io/library/nginx`, `bitnami/nginx` is `docker.io/bitnami/nginx`), so it matches only a `docker.io/...` entry. " +
        "End each entry with `/` so `gcr.io/team` does not also admit `gcr.io/team-evil/...`.",
    severity: "high",
    remediation:
        "Mirror the image into an allowed registry (e.g. Artifact Registry) and reference it there, or add its registry prefix to `allowedRegistries`.",
    frameworks: [cisK8s("5.5.1"), nist("CM-7"), nist("SI-7"), soc2("CC6.8"), soc2("CC8.1"), pci("6.3.2")],
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
                    "!variables.allowedRegistries.exists(p, " +
                    CEL_QUALIFIED_IMAGE +
                    ".startsWith(p)))",
            },
        ],
        validations: [
            {
                expression: "size(variables.disallowed) == 0",
                messageExpression:
                    CEL_SUBJECT +
                    " + ': container \"' + variables.disallowed[0].name + '\" image \"' + variables.disallowed[0].image + " +
                    "'\" is not from an allowed registry; mirror it into one of the allowedRegistries'",
            },
        ],
    },
});
