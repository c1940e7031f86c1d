// A Kubernetes control plane on 127.0.0.1 from binaries built from Go modules (tools/install-tools.sh): etcd, the
// API server (RBAC, Pod Security Admission), the controller manager and scheduler, kwok with fake nodes (pods
// become Ready, Jobs complete, without a kubelet), and, once a Gatekeeper chart is installed, Gatekeeper's real
// manager outside the cluster with the chart's webhooks pointed at it (tools/cluster/gatekeeper-bridge.ts).
// Every daemon is stopped by PID on `stop()`, and by a reaper when the starting process exits or time is up.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EngineTool, INSTALL_COMMAND, locateTool, TOOLS_DIR } from "../engines/locate";
import { KubeClient, waitFor } from "./kube-client";
import { generatePki, writeKubeconfig } from "./pki";
import { runningPid, startDaemon, startReaper, stopAll, stopDaemon } from "./processes";

export const HARNESS_TOOLS = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "gatekeeper",
] as const satisfies readonly EngineTool[];

export interface ClusterOptions {
    /** The run's directory (certificates, data, logs, PIDs, kubeconfig); a new temp directory by default. */
    dir?: string;
    /** Fake nodes kwok keeps Ready. */
    nodes?: number;
    /** Bridge the Gatekeeper chart installed into this namespace to a real manager on 127.0.0.1 (off by default). */
    gatekeeperNamespace?: string;
    /** The reaper stops everything when this process exits (default: the caller; 0: only the time limit). */
    ownerPid?: number;
    /** And at the latest after this many seconds. */
    ttlSeconds?: number;
    /** Delete the directory when the cluster is stopped (default: true for a temp directory). */
    removeDir?: boolean;
}

export interface Cluster {
    dir: string;
    /** Admin kubeconfig (client certificate in system:masters). */
    kubeconfig: string;
    server: string;
    client: KubeClient;
    /** Seconds from start to every node Ready. */
    readySeconds: number;
    /** Stops Gatekeeper's manager (the webhook then fails as its failurePolicy says); the bridge leaves it stopped. */
    stopGatekeeper(): Promise<void>;
    /** Lets the bridge start the manager again, and waits until it runs. */
    startGatekeeper(): Promise<void>;
    gatekeeperRunning(): boolean;
    stop(): Promise<void>;
}

/** The harness's state file: what `npm run cluster -- env|down` and the bridge read. */
export interface ClusterState {
    kubeconfig: string;
    server: string;
    gatekeeper?: { namespace: string; webhookPort: number; healthPort: number; unusedPort: number };
    removeDir: boolean;
}

export const STATE_FILE = "cluster.json";

/** Every binary the harness runs, or an error naming the install command. */
export function harnessTools(): Record<(typeof HARNESS_TOOLS)[number], string> {
    const missing = HARNESS_TOOLS.filter((t) => !locateTool(t));
    if (missing.length > 0) throw new Error(`${missing.join(", ")} not installed: run \`${INSTALL_COMMAND}\``);
    return Object.fromEntries(HARNESS_TOOLS.map((t) => [t, locateTool(t) as string])) as Record<(typeof HARNESS_TOOLS)[number], string>;
}

/** kwok's stage files the install step copied from the kwok module (nodes Ready, pods Ready, Jobs complete). */
export function kwokStages(): string[] {
    const dir = path.join(TOOLS_DIR, "kwok-stages");
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
    if (files.length === 0) throw new Error(`kwok's stages are not installed in ${dir}: run \`${INSTALL_COMMAND}\``);
    return files.sort().map((f) => path.join(dir, f));
}

/** A free TCP port on 127.0.0.1 (released before use; the daemons bind it right after). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

async function httpOk(url: string): Promise<true | undefined> {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? true : undefined;
}

function fakeNode(name: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
        },
        status: {
            allocatable: { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "1Ti" },
            capacity: { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "1Ti" },
        },
    };
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
    const started = Date.now();
    const tools = harnessTools();
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "secure-gitops-cluster-"));
    const removeDir = options.removeDir ?? options.dir === undefined;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (runningPid(dir, "kube-apiserver") !== undefined)
        throw new Error(`a cluster is already running in ${dir} (npm run cluster -- down)`);
    startReaper(dir, options.ownerPid ?? process.pid, options.ttlSeconds ?? 3600, removeDir);
    try {
        const pki = generatePki(path.join(dir, "pki"));
        const [etcdPort, peerPort, apiPort, schedulerPort, kwokPort] = await Promise.all([
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
        ]);
        const etcdUrl = `http://127.0.0.1:${etcdPort}`;
        const peerUrl = `http://127.0.0.1:${peerPort}`;
        startDaemon(dir, "etcd", tools.etcd, [
            "--name=harness",
            `--data-dir=${path.join(dir, "etcd")}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=${peerUrl}`,
            `--initial-advertise-peer-urls=${peerUrl}`,
            `--initial-cluster=harness=${peerUrl}`,
            // A throwaway store: no fsync (the run's data never outlives it).
            "--unsafe-no-fsync",
            "--log-level=warn",
        ]);
        await waitFor("etcd /health", 30_000, () => httpOk(`${etcdUrl}/health`));

        const server = `https://127.0.0.1:${apiPort}`;
        startDaemon(dir, "kube-apiserver", tools["kube-apiserver"], [
            `--etcd-servers=${etcdUrl}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            // Serving on 127.0.0.1: no `kubernetes` Endpoints pointing at loopback.
            "--endpoint-reconciler-type=none",
            `--tls-cert-file=${pki.apiserverCert}`,
            `--tls-private-key-file=${pki.apiserverKey}`,
            `--client-ca-file=${pki.caCert}`,
            `--service-account-key-file=${pki.serviceAccountPub}`,
            `--service-account-signing-key-file=${pki.serviceAccountKey}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=Node,RBAC",
            // PodSecurity is on by default; named so the harness says what it relies on.
            "--enable-admission-plugins=NodeRestriction,PodSecurity",
            "--allow-privileged=true",
            "--profiling=false",
        ]);
        const kubeconfig = path.join(dir, "kubeconfig");
        writeKubeconfig(kubeconfig, server, pki, "admin");
        const client = KubeClient.fromKubeconfig(kubeconfig);
        await waitFor("kube-apiserver /readyz", 90_000, async () => ((await client.get("/readyz")).status === 200 ? true : undefined));

        const kcmKubeconfig = path.join(dir, "controller-manager.kubeconfig");
        writeKubeconfig(kcmKubeconfig, server, pki, "controller-manager");
        startDaemon(dir, "kube-controller-manager", tools["kube-controller-manager"], [
            `--kubeconfig=${kcmKubeconfig}`,
            "--leader-elect=false",
            "--secure-port=0",
            `--service-account-private-key-file=${pki.serviceAccountKey}`,
            `--root-ca-file=${pki.caCert}`,
            // Each controller acts as its own ServiceAccount (the RBAC bootstrap policy grants those, e.g. the Job
            // controller may create pods; the controller manager's own identity may not).
            "--use-service-account-credentials=true",
            "--cluster-name=secure-gitops-harness",
            "--profiling=false",
        ]);
        const schedulerKubeconfig = path.join(dir, "scheduler.kubeconfig");
        writeKubeconfig(schedulerKubeconfig, server, pki, "scheduler");
        startDaemon(dir, "kube-scheduler", tools["kube-scheduler"], [
            `--kubeconfig=${schedulerKubeconfig}`,
            `--authentication-kubeconfig=${schedulerKubeconfig}`,
            `--authorization-kubeconfig=${schedulerKubeconfig}`,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            `--secure-port=${schedulerPort}`,
            "--profiling=false",
        ]);
        startDaemon(
            dir,
            "kwok",
            tools.kwok,
            [
                `--kubeconfig=${kubeconfig}`,
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--manage-nodes-with-label-selector=",
                "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
                "--disregard-status-with-label-selector=",
                "--cidr=10.244.0.1/24",
                "--node-ip=10.244.0.1",
                `--server-address=127.0.0.1:${kwokPort}`,
                ...kwokStages().map((file) => `--config=${file}`),
            ],
            // kwok reads ~/.kwok/kwok.yaml: a private home keeps a user's own stages out of the run.
            { ...process.env, HOME: dir },
        );

        for (let i = 0; i < (options.nodes ?? 2); i++) {
            const res = await client.request("POST", "/api/v1/nodes", fakeNode(`kwok-node-${i}`));
            if (res.status !== 201 && res.status !== 409) throw new Error(`creating node kwok-node-${i}: HTTP ${res.status}`);
        }
        await waitFor("every fake node Ready", 60_000, async () => {
            const nodes = await client.list("/api/v1/nodes");
            const ready = nodes.filter((n) =>
                ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
                    (c) => c.type === "Ready" && c.status === "True",
                ),
            );
            return nodes.length > 0 && ready.length === nodes.length ? true : undefined;
        });
        // Pods need their namespace's default ServiceAccount, which the controller manager creates.
        await waitFor("the default ServiceAccount", 60_000, async () =>
            (await client.get("/api/v1/namespaces/default/serviceaccounts/default")).status === 200 ? true : undefined,
        );

        const state: ClusterState = { kubeconfig, server, removeDir };
        if (options.gatekeeperNamespace) {
            const [webhookPort, healthPort, unusedPort] = await Promise.all([freePort(), freePort(), freePort()]);
            state.gatekeeper = { namespace: options.gatekeeperNamespace, webhookPort, healthPort, unusedPort };
        }
        fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2), { mode: 0o600 });
        if (state.gatekeeper) {
            const bridge = path.join(__dirname, "gatekeeper-bridge.ts");
            const env = { ...process.env };
            delete env.NODE_OPTIONS; // the test runner's loader flags are not the bridge's
            // From the repository, where `--import tsx` resolves.
            startDaemon(
                dir,
                "gatekeeper-bridge",
                process.execPath,
                ["--import", "tsx", bridge, dir],
                env,
                path.resolve(__dirname, "..", ".."),
            );
        }
        return {
            dir,
            kubeconfig,
            server,
            client,
            readySeconds: (Date.now() - started) / 1000,
            stopGatekeeper: async () => {
                fs.writeFileSync(path.join(dir, "gatekeeper.stopped"), "stopped by the harness\n");
                await stopDaemon(dir, "gatekeeper-manager");
            },
            startGatekeeper: async () => {
                fs.rmSync(path.join(dir, "gatekeeper.stopped"), { force: true });
                await waitFor("Gatekeeper's manager to run again", 60_000, async () =>
                    runningPid(dir, "gatekeeper-manager") ? true : undefined,
                );
            },
            gatekeeperRunning: () => runningPid(dir, "gatekeeper-manager") !== undefined,
            stop: () => stopCluster(dir),
        };
    } catch (error) {
        await stopCluster(dir);
        throw error;
    }
}

/** Stops every daemon of the run in `dir` by PID; deletes the directory when the run was started with removeDir. */
export async function stopCluster(dir: string): Promise<void> {
    let removeDir = false;
    try {
        removeDir = (JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")) as ClusterState).removeDir;
    } catch {
        removeDir = false;
    }
    await stopAll(dir);
    if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
}
