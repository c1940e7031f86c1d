// Runs beside the harness's API server (started by harness.ts, one argument: the run's directory) and makes the
// Gatekeeper chart that `pulumi up` installs answer admission for real, without container images:
//   - every webhook of the chart (clientConfig.service in Gatekeeper's namespace: no fake pod can serve it) is
//     pointed at https://127.0.0.1:<port><the service path>, with the harness's CA;
//   - once the chart's CRDs are established and its controller-manager Pod exists, Gatekeeper's real manager
//     starts here with the flags of the chart's own Deployments (controller-manager and audit), except where it
//     must differ out of the cluster: loopback addresses, the harness's certificates, no certificate rotation.
// Like the chart's Deployment, it keeps one manager running while the chart's controller-manager Pod exists (and
// stops it when that Pod goes, on uninstall); a manager stopped on purpose (`gatekeeper.stopped`, the
// fail-closed test) stays stopped until the marker is removed.
import * as fs from "fs";
import * as path from "path";
import { locateTool } from "../engines/locate";
import type { ClusterState } from "./harness";
import { KubeClient } from "./kube-client";
import { runningPid, startDaemon, stopDaemon } from "./processes";

const TEMPLATE_CRD = "constrainttemplates.templates.gatekeeper.sh";
const POLL_MS = 1_000;
/** Flags the bridge sets itself; the chart's values for them make sense only inside the cluster. */
const OVERRIDDEN = new Set([
    "--port",
    "--host",
    "--health-addr",
    "--prometheus-port",
    "--metrics-backend",
    "--otlp-endpoint",
    "--cert-dir",
    "--disable-cert-rotation",
    "--enable-tls-healthcheck",
    "--api-cache-dir",
]);

function log(message: string): void {
    process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function flagName(arg: string): string {
    return arg.split("=")[0];
}

interface Container {
    name?: string;
    args?: unknown;
}

/** The args of the manager container of a Deployment in Gatekeeper's namespace (empty when absent). */
async function deploymentArgs(client: KubeClient, namespace: string, name: string): Promise<string[]> {
    const res = await client.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    const containers = (res.body as { spec?: { template?: { spec?: { containers?: Container[] } } } } | undefined)?.spec?.template?.spec
        ?.containers;
    const args = containers?.find((c) => c.name === "manager")?.args ?? containers?.[0]?.args;
    return res.status === 200 && Array.isArray(args) ? args.filter((a): a is string => typeof a === "string") : [];
}

/** The chart's controller-manager and audit flags merged: every operation once, the first value of any other flag. */
export function mergedManagerArgs(controllerManager: string[], audit: string[]): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const arg of [...controllerManager, ...audit]) {
        const name = flagName(arg);
        if (OVERRIDDEN.has(name)) continue;
        const key = name === "--operation" ? arg : name;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(arg);
    }
    // Without "generate" Gatekeeper creates no constraint CRD from a template.
    if (!seen.has("--operation=generate")) out.push("--operation=generate");
    return out;
}

/** Points every webhook served by a Service in `namespace` at the local manager. Returns how many it changed. */
async function bridgeWebhooks(client: KubeClient, namespace: string, url: string, caBundle: string): Promise<number> {
    let changed = 0;
    for (const kind of ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]) {
        for (const config of await client.list(`/apis/admissionregistration.k8s.io/v1/${kind}`)) {
            const webhooks = Array.isArray(config.webhooks) ? (config.webhooks as { clientConfig?: Record<string, unknown> }[]) : [];
            const patch = webhooks.flatMap((w, i) => {
                const service = w.clientConfig?.service as { namespace?: string; path?: string } | undefined;
                if (service?.namespace !== namespace) return [];
                return [{ op: "replace", path: `/webhooks/${i}/clientConfig`, value: { url: `${url}${service.path ?? "/"}`, caBundle } }];
            });
            if (patch.length === 0) continue;
            const name = (config.metadata as { name?: string }).name;
            const res = await client.request(
                "PATCH",
                `/apis/admissionregistration.k8s.io/v1/${kind}/${name}`,
                patch,
                "application/json-patch+json",
            );
            if (res.status === 200) {
                changed += patch.length;
                log(`bridged ${patch.length} webhook(s) of ${kind}/${name} to ${url}`);
            } else log(`patching ${kind}/${name}: HTTP ${res.status}`);
        }
    }
    return changed;
}

async function crdEstablished(client: KubeClient, name: string): Promise<boolean> {
    const res = await client.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const conditions = (res.body as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
    return res.status === 200 && conditions.some((c) => c.type === "Established" && c.status === "True");
}

async function main(dir: string): Promise<void> {
    const state = JSON.parse(fs.readFileSync(path.join(dir, "cluster.json"), "utf8")) as ClusterState;
    const gk = state.gatekeeper;
    if (!gk) throw new Error("the harness state has no gatekeeper section");
    const manager = locateTool("gatekeeper");
    if (!manager) throw new Error("Gatekeeper's manager is not installed: run `bash tools/install-tools.sh`");
    const client = KubeClient.fromKubeconfig(state.kubeconfig);
    const pki = path.join(dir, "pki");
    const certDir = path.join(dir, "gatekeeper-certs");
    fs.mkdirSync(certDir, { recursive: true, mode: 0o700 });
    fs.copyFileSync(path.join(pki, "gatekeeper-webhook.crt"), path.join(certDir, "tls.crt"));
    fs.copyFileSync(path.join(pki, "gatekeeper-webhook.key"), path.join(certDir, "tls.key"));
    fs.copyFileSync(path.join(pki, "ca.crt"), path.join(certDir, "ca.crt"));
    const caBundle = fs.readFileSync(path.join(pki, "ca.crt")).toString("base64");
    const url = `https://127.0.0.1:${gk.webhookPort}`;
    let managerPod: string | undefined;
    for (;;) {
        try {
            await bridgeWebhooks(client, gk.namespace, url, caBundle);
            const stoppedOnPurpose = fs.existsSync(path.join(dir, "gatekeeper.stopped"));
            const running = runningPid(dir, "gatekeeper-manager") !== undefined;
            const pods = await client.list(`/api/v1/namespaces/${gk.namespace}/pods?labelSelector=control-plane%3Dcontroller-manager`);
            const podNames = pods.map((p) => (p.metadata as { name?: string } | undefined)?.name).filter((n): n is string => !!n);
            if (running && managerPod && !podNames.includes(managerPod)) {
                log(`pod ${managerPod} is gone: stopping Gatekeeper's manager`);
                await stopDaemon(dir, "gatekeeper-manager");
                managerPod = undefined;
            } else if (!running && !stoppedOnPurpose && podNames.length > 0 && (await crdEstablished(client, TEMPLATE_CRD))) {
                const chartArgs = mergedManagerArgs(
                    await deploymentArgs(client, gk.namespace, "gatekeeper-controller-manager"),
                    await deploymentArgs(client, gk.namespace, "gatekeeper-audit"),
                );
                const args = [
                    ...chartArgs,
                    "--host=127.0.0.1",
                    `--port=${gk.webhookPort}`,
                    `--health-addr=127.0.0.1:${gk.healthPort}`,
                    // The Prometheus exporter listens on every interface: push to a closed loopback port instead.
                    "--metrics-backend=opentelemetry",
                    `--otlp-endpoint=127.0.0.1:${gk.unusedPort}`,
                    `--cert-dir=${certDir}`,
                    "--disable-cert-rotation",
                    `--api-cache-dir=${path.join(dir, "gatekeeper-audit")}`,
                ];
                managerPod = podNames[0];
                startDaemon(dir, "gatekeeper-manager", manager, args, {
                    ...process.env,
                    KUBECONFIG: state.kubeconfig,
                    POD_NAME: managerPod,
                    POD_NAMESPACE: gk.namespace,
                });
                log(`started Gatekeeper's manager as pod ${managerPod}: ${args.join(" ")}`);
            }
        } catch (error) {
            log(`bridge: ${error instanceof Error ? error.message : String(error)}`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "").catch((error: unknown) => {
        log(`bridge failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    });
}
