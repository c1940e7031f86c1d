// `helm template` of one chart with exactly the values a Release passes: the objects Helm would send to the
// API server on install, hooks included (they are admitted like any object), chart tests left out (Helm runs
// them only on `helm test`). The values travel in a private temp file, never on the command line.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { K8sObject } from "../../policy-pack/catalogue/types";
import { INSTALL_COMMAND, locateTool } from "../engines/locate";

export type { K8sObject } from "../../policy-pack/catalogue/types";

export interface RenderChartOptions {
    /** A chart directory or packaged chart (.tgz). */
    chartDir: string;
    releaseName: string;
    namespace: string;
    values: unknown;
    /** Render the chart's crds/ directory too (false where the Release sets skipCrds). */
    includeCrds: boolean;
    /** `.Capabilities.KubeVersion` (Helm's built-in default otherwise). */
    kubeVersion?: string;
    /** Extra `.Capabilities.APIVersions`, e.g. CRD groups the cluster has (`monitoring.coreos.com/v1`). */
    apiVersions?: string[];
}

/** Helm's output is a few MB for the largest charts; anything beyond this is not a chart we pin. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const TIMEOUT_MS = 180_000;
/** Helm's error text is shown to the user: keep it to its first lines. */
const MAX_ERROR_CHARS = 1500;

export class HelmError extends Error {}

function run(file: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            file,
            args,
            { maxBuffer: MAX_OUTPUT_BYTES, timeout: TIMEOUT_MS, env: { ...process.env, HELM_NO_PLUGINS: "1" } },
            (error, stdout, stderr) => {
                if (error) {
                    const detail = (stderr || error.message).trim().slice(0, MAX_ERROR_CHARS);
                    reject(new HelmError(detail));
                } else resolve(stdout);
            },
        );
        child.stdin?.end(); // nothing to read: never leave a tool waiting on an open pipe
    });
}

/** The helm binary from the tool cache or PATH, or a one-line error naming the install command. */
export function helmPath(): string {
    const helm = locateTool("helm");
    if (!helm) throw new HelmError(`helm is not installed: run \`${INSTALL_COMMAND}\``);
    return helm;
}

/** A rendered object and the chart file helm rendered it from (its `# Source:` comment), when known. */
export interface SourcedObject {
    object: K8sObject;
    /** `<chart name>/templates/<file>` as helm prints it; subcharts as `<chart>/charts/<sub>/templates/<file>`. */
    source?: string;
}

/** helm puts `# Source: <chart>/templates/<file>` above every document it renders. */
function sourceComment(...comments: (string | null | undefined)[]): string | undefined {
    for (const comment of comments) {
        if (typeof comment !== "string") continue;
        for (const line of comment.split("\n")) {
            const trimmed = line.trim();
            if (trimmed.startsWith("Source: ")) {
                const source = trimmed.slice("Source: ".length).trim();
                // A relative chart path only: never an absolute path or a climb out of the chart.
                if (source !== "" && !source.startsWith("/") && !source.split("/").includes("..")) return source;
            }
        }
    }
    return undefined;
}

/** Every object in a multi-document YAML stream with its helm source file: empty documents dropped, `List`s flattened. */
export function parseManifestsWithSources(text: string, origin: string): SourcedObject[] {
    const objects: SourcedObject[] = [];
    for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) throw new HelmError(`${origin}: unparsable YAML in the rendered output: ${doc.errors[0].message}`);
        const value: unknown = doc.toJS();
        if (value === null || value === undefined) continue;
        if (typeof value !== "object" || Array.isArray(value))
            throw new HelmError(`${origin}: a rendered document is not a Kubernetes object`);
        const contents = doc.contents as { commentBefore?: string | null } | null;
        const source = sourceComment(doc.commentBefore, contents?.commentBefore);
        const object = value as K8sObject & { items?: unknown };
        if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items)) {
            for (const item of object.items)
                if (item !== null && typeof item === "object" && !Array.isArray(item)) objects.push({ object: item as K8sObject, source });
        } else objects.push({ object, source });
    }
    return objects;
}

/** Every object in a multi-document YAML stream: empty documents dropped, `List`s flattened. */
export function parseManifests(text: string, origin: string): K8sObject[] {
    return parseManifestsWithSources(text, origin).map((o) => o.object);
}

/** `helm template` of a chart with the given values; resolves to every rendered object. */
export async function renderChart(opts: RenderChartOptions): Promise<K8sObject[]> {
    return (await renderChartWithSources(opts)).map((o) => o.object);
}

/** `helm template` of a chart with the given values; every rendered object with the template it came from. */
export async function renderChartWithSources(opts: RenderChartOptions): Promise<SourcedObject[]> {
    const helm = helmPath();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
    try {
        // Values may hold secrets (the mock engine unwraps them): owner-only file, deleted right after.
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}), { mode: 0o600 });
        const args = ["template", opts.releaseName, opts.chartDir, "--namespace", opts.namespace, "--values", valuesFile, "--skip-tests"];
        if (opts.includeCrds) args.push("--include-crds");
        if (opts.kubeVersion) args.push("--kube-version", opts.kubeVersion);
        for (const apiVersion of opts.apiVersions ?? []) args.push("--api-versions", apiVersion);
        let stdout: string;
        try {
            stdout = await run(helm, args);
        } catch (error) {
            throw new HelmError(
                `helm template ${opts.releaseName} (${opts.chartDir}) failed: ${error instanceof Error ? error.message : String(error)}`,
            );
        }
        return parseManifestsWithSources(stdout, `helm template ${opts.releaseName}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `helm pull` of an exact chart version from its repository into `destination`; resolves to the .tgz path. */
export async function pullChart(chart: { chart: string; version: string; repo: string }, destination: string): Promise<string> {
    const helm = helmPath();
    try {
        await run(helm, ["pull", chart.chart, "--repo", chart.repo, "--version", chart.version, "--destination", destination]);
    } catch (error) {
        const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
        throw new HelmError(
            `helm pull ${chart.chart} ${chart.version} from ${chart.repo} failed (network or repository unavailable?): ${first}`,
        );
    }
    const file = path.join(destination, `${chart.chart}-${chart.version}.tgz`);
    if (!fs.existsSync(file)) throw new HelmError(`helm pull ${chart.chart} ${chart.version} wrote no ${path.basename(file)}`);
    return file;
}
