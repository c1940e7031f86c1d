// Loads the rule corpus (policy-pack/rules/<rule-id>.corpus.yaml, beside the rule's file): compliant and
// non-compliant cases per rule, shared by the catalogue unit tests, the protocol tests, the gator tests and the
// manifest checker's tests.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { K8sObject } from "../catalogue/types";

/** The corpus lives beside the rules: `rules/<id>.ts` and `rules/<id>.corpus.yaml`. */
export const CORPUS_DIR = path.join(__dirname, "..", "rules");
export const CORPUS_SUFFIX = ".corpus.yaml";

export interface CorpusCase {
    rule: string;
    name: string;
    expect: "pass" | "violation";
    params?: Record<string, unknown>;
    /** Kubernetes rules: the object as the API server sees it. */
    object?: K8sObject;
    /** Cloud rules: the Pulumi resource type and inputs. */
    resourceType?: string;
    props?: Record<string, unknown>;
    /** Violations: text each listed finding message must contain, in order (the first finding first). */
    messages?: string[];
    /** Violations: the exact path of each finding, in order. */
    paths?: string[];
    /** The case holds the unknown-value sentinel. */
    unknown?: boolean;
    file: string;
}

interface CorpusFile {
    rule: string;
    cases: Omit<CorpusCase, "rule" | "file">[];
}

/** The type token the engine sends a Kubernetes object under: `kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Pod`. */
export function kubernetesTypeToken(object: K8sObject): string {
    const apiVersion = String(object.apiVersion);
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
    return `kubernetes:${group}/${version}:${String(object.kind)}`;
}

/** Every case of every `<id><suffix>` file in `dir` (other directories in the corpus format use plain `.yaml`). */
export function loadCorpus(dir = CORPUS_DIR, suffix = dir === CORPUS_DIR ? CORPUS_SUFFIX : ".yaml"): CorpusCase[] {
    const cases: CorpusCase[] = [];
    for (const file of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(suffix))
        .sort()) {
        const doc = parse(fs.readFileSync(path.join(dir, file), "utf8")) as CorpusFile;
        if (!doc || typeof doc.rule !== "string" || !Array.isArray(doc.cases)) throw new Error(`${file}: expected {rule, cases[]}`);
        if (path.basename(file, suffix) !== doc.rule) throw new Error(`${file}: file name must equal its rule id "${doc.rule}"`);
        for (const c of doc.cases) {
            if (c.expect !== "pass" && c.expect !== "violation") throw new Error(`${file} / ${c.name}: expect must be pass|violation`);
            if (
                c.messages !== undefined &&
                (c.expect !== "violation" || !Array.isArray(c.messages) || !c.messages.every((m) => typeof m === "string" && m !== ""))
            ) {
                throw new Error(`${file} / ${c.name}: messages must be a list of non-empty strings on a violation`);
            }
            if (
                c.paths !== undefined &&
                (c.expect !== "violation" || !Array.isArray(c.paths) || !c.paths.every((p) => typeof p === "string" && p !== ""))
            ) {
                throw new Error(`${file} / ${c.name}: paths must be a list of non-empty strings on a violation`);
            }
            if (!c.object === !c.props) throw new Error(`${file} / ${c.name}: give exactly one of object (kubernetes) or props (gcp)`);
            cases.push({ ...c, rule: doc.rule, file });
        }
    }
    return cases;
}
