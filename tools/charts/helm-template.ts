// Renders a Helm chart directory to Kubernetes objects with the real `helm template` (the pinned helm from
// `bash tools/install-tools.sh`, found by locateTool), as Helm would install it and as Argo CD's repo-server
// renders a Helm source. Nothing is contacted: no repository, no cluster (`--kube-version` stands in).
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { K8sObject } from "../../policy-pack/catalogue";
import { isRecord } from "../../policy-pack/catalogue/workloads";
import { INSTALL_COMMAND, locateTool } from "../engines/locate";

export interface RenderChartOptions {
    chartDir: string;
    releaseName: string;
    namespace: string;
    /** Values as one document (already merged from value files and parameters); written to a temp file for -f. */
    values: unknown;
    includeCrds: boolean;
    kubeVersion?: string;
    apiVersions?: string[];
}

/** helm's output for a chart is bounded by the chart; this only guards against a runaway template. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function run(file: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { maxBuffer: MAX_OUTPUT_BYTES, env: { ...process.env, HELM_NO_PLUGINS: "1" } }, (error, stdout, stderr) => {
            if (error) {
                // helm's first error line names the template and the problem; the rest is usage noise.
                const reason = String(stderr).split("\n").find((l) => l.trim() !== "") ?? error.message;
                reject(new Error(`helm template failed: ${reason.trim()}`));
            } else resolve(String(stdout));
        });
    });
}

/** Every object `helm template` renders (hooks included, as Argo CD applies them), in output order. */
export async function renderChart(opts: RenderChartOptions): Promise<K8sObject[]> {
    const helm = locateTool("helm");
    if (!helm) throw new Error(`helm is not installed: run \`${INSTALL_COMMAND}\``);
    if (!fs.existsSync(path.join(opts.chartDir, "Chart.yaml"))) throw new Error(`${opts.chartDir} is not a Helm chart (no Chart.yaml)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
    try {
        const valuesFile = path.join(tmp, "values.json");
        // JSON is YAML: exact types, no YAML re-interpretation of strings such as "on" or "1e3".
        fs.writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}));
        const args = ["template", opts.releaseName, opts.chartDir, "--namespace", opts.namespace, "--values", valuesFile];
        if (opts.includeCrds) args.push("--include-crds");
        if (opts.kubeVersion) args.push("--kube-version", opts.kubeVersion);
        for (const apiVersion of opts.apiVersions ?? []) args.push("--api-versions", apiVersion);
        const output = await run(helm, args);
        const objects: K8sObject[] = [];
        for (const doc of parseAllDocuments(output)) {
            if (doc.errors.length > 0) throw new Error(`helm rendered unparsable YAML: ${doc.errors[0].message.split("\n")[0]}`);
            const value: unknown = doc.toJS();
            if (isRecord(value) && typeof value.kind === "string") objects.push(value as K8sObject);
        }
        return objects;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
