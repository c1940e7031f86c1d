// `npm run cluster -- up|down|env [--dir <dir>] [--nodes <n>] [--gatekeeper-namespace <ns>] [--ttl <seconds>]`:
// the harness for a person. `up` starts the control plane in the background and prints the kubeconfig export;
// `env` prints it again; `down` stops every daemon by PID and deletes the directory. Without `down`, the
// reaper stops everything after --ttl seconds (default 4 hours).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { ClusterState, STATE_FILE, startCluster, stopCluster } from "./harness";

const USAGE =
    "usage: npm run cluster -- up|down|env [--dir <dir>] [--nodes <1-20>] [--gatekeeper-namespace <namespace>] [--ttl <60-86400 seconds>]";
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

class UsageError extends Error {}

function integer(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max)
        throw new UsageError(`--${flag}: "${value}" is not an integer from ${min} to ${max}`);
    return n;
}

function readState(dir: string): ClusterState {
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")) as ClusterState;
    } catch {
        throw new UsageError(`no cluster in ${dir} (start one with: npm run cluster -- up)`);
    }
}

async function main(argv: string[]): Promise<void> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                dir: { type: "string" },
                nodes: { type: "string" },
                "gatekeeper-namespace": { type: "string" },
                ttl: { type: "string" },
                help: { type: "boolean" },
            },
        });
    } catch (error) {
        throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        console.log(USAGE);
        return;
    }
    if (positionals.length !== 1 || !["up", "down", "env"].includes(positionals[0]))
        throw new UsageError(`expected one command, up, down or env; got "${positionals.join(" ")}" (see --help)`);
    const dir = path.resolve(values.dir ?? path.join(os.tmpdir(), "secure-gitops-cluster"));
    const command = positionals[0];
    if (command === "up") {
        const namespace = values["gatekeeper-namespace"] ?? "gatekeeper-system";
        if (!DNS_LABEL.test(namespace))
            throw new UsageError(`--gatekeeper-namespace: "${namespace}" is not a namespace name (a DNS label)`);
        const cluster = await startCluster({
            dir,
            nodes: integer("nodes", values.nodes, 1, 20, 2),
            gatekeeperNamespace: namespace,
            ownerPid: 0,
            ttlSeconds: integer("ttl", values.ttl, 60, 86_400, 4 * 3600),
            removeDir: true,
        });
        console.log(`cluster up in ${cluster.readySeconds.toFixed(1)} s (${cluster.server}); logs in ${path.join(dir, "logs")}`);
        console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
    } else if (command === "env") {
        console.log(`export KUBECONFIG=${readState(dir).kubeconfig}`);
    } else {
        readState(dir);
        await stopCluster(dir);
        console.log(`cluster in ${dir} stopped`);
    }
}

main(process.argv.slice(2)).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cluster: ${message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
});
