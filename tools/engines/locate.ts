// Where the real engines (gator, the Pulumi CLI and its Node.js language host, helm, actionlint, promtool,
// psa-check, and the cluster harness's etcd, Kubernetes binaries, kwok, Gatekeeper and Kubernetes provider) live once `bash tools/install-tools.sh` has put them in the tool cache, outside the repository.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The tool cache: `$SECURE_GITOPS_TOOLS`, else `~/.cache/secure-gitops/tools`. */
export const TOOLS_DIR = process.env.SECURE_GITOPS_TOOLS || path.join(os.homedir(), ".cache", "secure-gitops", "tools");
export const TOOLS_BIN = path.join(TOOLS_DIR, "bin");
export const INSTALL_COMMAND = "bash tools/install-tools.sh";

export type EngineTool =
    | "gator"
    | "pulumi"
    | "pulumi-language-nodejs"
    | "helm"
    | "actionlint"
    | "promtool"
    | "psa-check"
    // The cluster harness (tools/cluster) and the end-to-end deploy
    | "etcd"
    | "kube-apiserver"
    | "kube-controller-manager"
    | "kube-scheduler"
    | "kwok"
    | "gatekeeper"
    | "pulumi-resource-kubernetes";

function executable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The tool's path: the cache first (pinned versions), then PATH. Undefined when neither has it. */
export function locateTool(name: EngineTool): string | undefined {
    const cached = path.join(TOOLS_BIN, name);
    if (executable(cached)) return cached;
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && executable(path.join(dir, name))) return path.join(dir, name);
    }
    return undefined;
}

/** CI must run every engine test: there a missing tool is a failure, never a skip. */
export function toolsRequired(): boolean {
    return process.env.CI === "true" || process.env.CI === "1";
}
