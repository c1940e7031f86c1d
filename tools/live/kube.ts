// A read-only Kubernetes API client for the compliance reporter: plain HTTPS (Node's https module) with the
// credentials of a kubeconfig (client certificate or bearer token, the cluster's CA) or of the pod's service
// account. No new dependency, no exec credential plugins. It only ever sends GET requests. A source that is
// missing (404), forbidden (401/403) or malformed comes back as a typed outcome, never as an exception, so the
// report can say "not evaluated" with the reason.
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { isRecord } from "../../policy-pack/catalogue/workloads";

/** Where the credentials came from, and how to reach the API server. */
export interface KubeConnection {
    server: URL;
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    token?: string;
    tlsServerName?: string;
    /** Only with the named opt-out (`--insecure-skip-tls-verify`): the server's certificate is not checked. */
    insecureSkipTlsVerify: boolean;
    /** Describes the credentials without revealing them (e.g. `client certificate`, `bearer token`). */
    auth: string;
}

/** A kubeconfig or in-cluster problem: the CLI prints it as one line and exits 2. */
export class KubeConfigError extends Error {}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

function named(list: unknown, name: string, what: string, file: string): Record<string, unknown> {
    if (!Array.isArray(list)) throw new KubeConfigError(`kubeconfig ${file}: no ${what}s list`);
    const entry: unknown = list.find((e) => isRecord(e) && e.name === name);
    if (!isRecord(entry)) throw new KubeConfigError(`kubeconfig ${file}: no ${what} named "${name}"`);
    const inner = entry[what];
    if (!isRecord(inner)) throw new KubeConfigError(`kubeconfig ${file}: ${what} "${name}" has no ${what} section`);
    return inner;
}

/** A `<key>-data` (base64) or `<key>` (file, relative to the kubeconfig) value. */
function material(section: Record<string, unknown>, key: string, dir: string, file: string): Buffer | undefined {
    const data = section[`${key}-data`];
    if (typeof data === "string" && data !== "") return Buffer.from(data, "base64");
    const ref = section[key];
    if (typeof ref !== "string" || ref === "") return undefined;
    const resolved = path.resolve(dir, ref);
    try {
        return fs.readFileSync(resolved);
    } catch (error) {
        throw new KubeConfigError(
            `kubeconfig ${file}: ${key} ${resolved}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        );
    }
}

/**
 * The connection of a kubeconfig's context (`context` or `current-context`). `insecure-skip-tls-verify: true`
 * is refused unless `allowInsecure` (the CLI's named flag) is set.
 */
export function connectionFromKubeconfig(file: string, options: { context?: string; allowInsecure?: boolean } = {}): KubeConnection {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new KubeConfigError(`--kubeconfig ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch {
        throw new KubeConfigError(`--kubeconfig ${file}: not YAML`);
    }
    if (!isRecord(doc)) throw new KubeConfigError(`--kubeconfig ${file}: not a kubeconfig (no top-level mapping)`);
    const contextName = options.context ?? doc["current-context"];
    if (typeof contextName !== "string" || contextName === "")
        throw new KubeConfigError(`kubeconfig ${file}: no current-context; pass --context`);
    const context = named(doc.contexts, contextName, "context", file);
    if (typeof context.cluster !== "string") throw new KubeConfigError(`kubeconfig ${file}: context "${contextName}" names no cluster`);
    const cluster = named(doc.clusters, context.cluster, "cluster", file);
    const user = typeof context.user === "string" && context.user !== "" ? named(doc.users, context.user, "user", file) : {};
    const dir = path.dirname(path.resolve(file));
    let server: URL;
    try {
        server = new URL(String(cluster.server));
    } catch {
        throw new KubeConfigError(`kubeconfig ${file}: cluster "${context.cluster}" has no valid server URL`);
    }
    if (server.protocol !== "https:")
        throw new KubeConfigError(
            `kubeconfig ${file}: server ${server.origin} is not https; the reporter only talks TLS to the API server`,
        );
    const insecure = cluster["insecure-skip-tls-verify"] === true;
    if (insecure && !options.allowInsecure)
        throw new KubeConfigError(
            `kubeconfig ${file}: cluster "${context.cluster}" sets insecure-skip-tls-verify; refused (the server's identity would not be checked). Pass --insecure-skip-tls-verify to accept that`,
        );
    if (user.exec !== undefined || user["auth-provider"] !== undefined)
        throw new KubeConfigError(
            `kubeconfig ${file}: user "${String(context.user)}" uses an exec or auth-provider plugin, which the reporter does not run; give a token or a client certificate`,
        );
    const cert = material(user, "client-certificate", dir, file);
    const key = material(user, "client-key", dir, file);
    if (Boolean(cert) !== Boolean(key))
        throw new KubeConfigError(`kubeconfig ${file}: a client certificate needs its key (and the reverse)`);
    let token = typeof user.token === "string" && user.token !== "" ? user.token : undefined;
    if (!token && typeof user.tokenFile === "string" && user.tokenFile !== "") {
        try {
            token = fs.readFileSync(path.resolve(dir, user.tokenFile), "utf8").trim();
        } catch (error) {
            throw new KubeConfigError(
                `kubeconfig ${file}: tokenFile: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`,
            );
        }
    }
    if (!cert && !token)
        throw new KubeConfigError(`kubeconfig ${file}: user "${String(context.user)}" has neither a token nor a client certificate`);
    return {
        server,
        ca: material(cluster, "certificate-authority", dir, file),
        cert,
        key,
        token,
        tlsServerName: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
        insecureSkipTlsVerify: insecure,
        auth: cert ? "client certificate" : "bearer token",
    };
}

/** The pod's own service account (the CronJob): its token, the cluster CA and KUBERNETES_SERVICE_HOST/PORT. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    if (!host) throw new KubeConfigError("--in-cluster: KUBERNETES_SERVICE_HOST is not set (not running in a pod)");
    try {
        return {
            server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
            ca: fs.readFileSync(path.join(dir, "ca.crt")),
            token: fs.readFileSync(path.join(dir, "token"), "utf8").trim(),
            insecureSkipTlsVerify: false,
            auth: "service account token",
        };
    } catch (error) {
        throw new KubeConfigError(
            `--in-cluster: cannot read the service account in ${dir} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        );
    }
}

/** The outcome of one read: the parsed body, or why there is none. */
export type ReadOutcome =
    | { ok: true; body: Record<string, unknown> }
    | { ok: false; problem: "missing" | "forbidden" | "malformed" | "unreachable"; reason: string };

/** Largest response body read (a page of a list is far smaller; a bigger one is malformed input, not memory). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export class KubeClient {
    /** Requests sent (the tests and the benchmark count them). */
    requests = 0;
    private readonly agent: https.Agent;

    constructor(readonly connection: KubeConnection) {
        this.agent = new https.Agent({
            keepAlive: true,
            maxSockets: 4,
            ca: connection.ca,
            cert: connection.cert,
            key: connection.key,
            servername: connection.tlsServerName,
            rejectUnauthorized: !connection.insecureSkipTlsVerify,
        });
    }

    close(): void {
        this.agent.destroy();
    }

    /** GET `apiPath` (with query); JSON object or a typed problem. */
    get(apiPath: string): Promise<ReadOutcome> {
        this.requests++;
        const url = new URL(apiPath, this.connection.server);
        return new Promise((resolve) => {
            const request = https.request(
                url,
                {
                    method: "GET",
                    agent: this.agent,
                    headers: {
                        Accept: "application/json",
                        "User-Agent": "secure-gitops-compliance-reporter",
                        ...(this.connection.token ? { Authorization: `Bearer ${this.connection.token}` } : {}),
                    },
                    timeout: TIMEOUT_MS,
                },
                (response) => {
                    const chunks: Buffer[] = [];
                    let size = 0;
                    response.on("data", (chunk: Buffer) => {
                        size += chunk.length;
                        if (size > MAX_BODY_BYTES) {
                            response.destroy();
                            resolve({
                                ok: false,
                                problem: "malformed",
                                reason: `GET ${url.pathname}: response larger than ${MAX_BODY_BYTES} bytes`,
                            });
                            return;
                        }
                        chunks.push(chunk);
                    });
                    response.on("error", (error) =>
                        resolve({ ok: false, problem: "unreachable", reason: `GET ${url.pathname}: ${error.message}` }),
                    );
                    response.on("end", () => {
                        const status = response.statusCode ?? 0;
                        const text = Buffer.concat(chunks).toString("utf8");
                        if (status === 404) {
                            resolve({
                                ok: false,
                                problem: "missing",
                                reason: `GET ${url.pathname}: 404 (the API or its CRD is not installed)`,
                            });
                            return;
                        }
                        if (status === 401 || status === 403) {
                            resolve({
                                ok: false,
                                problem: "forbidden",
                                reason: `GET ${url.pathname}: ${status} ${statusMessage(text)}`,
                            });
                            return;
                        }
                        if (status !== 200) {
                            resolve({
                                ok: false,
                                problem: "unreachable",
                                reason: `GET ${url.pathname}: HTTP ${status} ${statusMessage(text)}`,
                            });
                            return;
                        }
                        try {
                            const body: unknown = JSON.parse(text);
                            if (!isRecord(body)) {
                                resolve({ ok: false, problem: "malformed", reason: `GET ${url.pathname}: not a JSON object` });
                                return;
                            }
                            resolve({ ok: true, body });
                        } catch {
                            resolve({ ok: false, problem: "malformed", reason: `GET ${url.pathname}: not JSON` });
                        }
                    });
                },
            );
            request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
            request.on("error", (error) => resolve({ ok: false, problem: "unreachable", reason: `GET ${url.pathname}: ${error.message}` }));
            request.end();
        });
    }

    /**
     * Every item of a list, page by page (`limit`/`continue`), handed to `onItem` as it arrives so that memory
     * holds one page at a time. A problem on any page makes the whole list a problem (a partial list is not evidence).
     */
    async list(
        apiPath: string,
        onItem: (item: Record<string, unknown>) => void,
        options: { fieldSelector?: string; pageSize?: number } = {},
    ): Promise<{ ok: true; count: number } | Extract<ReadOutcome, { ok: false }>> {
        let token: string | undefined;
        let count = 0;
        do {
            const query = new URLSearchParams({ limit: String(options.pageSize ?? 500) });
            if (options.fieldSelector) query.set("fieldSelector", options.fieldSelector);
            if (token) query.set("continue", token);
            const page = await this.get(`${apiPath}?${query.toString()}`);
            if (!page.ok) return page;
            if (!Array.isArray(page.body.items)) return { ok: false, problem: "malformed", reason: `GET ${apiPath}: no items list` };
            for (const item of page.body.items as unknown[]) {
                if (isRecord(item)) {
                    onItem(item);
                    count++;
                }
            }
            const metadata = page.body.metadata;
            token = isRecord(metadata) && typeof metadata.continue === "string" && metadata.continue !== "" ? metadata.continue : undefined;
        } while (token);
        return { ok: true, count };
    }
}

/** The `message` of a Kubernetes Status body, cut short; never the request's credentials. */
function statusMessage(text: string): string {
    try {
        const body: unknown = JSON.parse(text);
        if (isRecord(body) && typeof body.message === "string") return body.message.slice(0, 300);
    } catch {
        // not a Status object
    }
    return "";
}
