// The few API calls the harness and the end-to-end test make, over HTTPS with the kubeconfig's CA and client
// certificate (or bearer token). Responses are bounded; a request that takes too long fails.
import * as fs from "fs";
import * as https from "https";
import { parse as parseYaml } from "yaml";

export interface KubeResponse {
    status: number;
    /** Parsed JSON body (undefined when the body is empty or not JSON). */
    body: unknown;
    /** Warning headers the API server returned (admission warnings among them). */
    warnings: string[];
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

interface KubeconfigFile {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
    users?: { name: string; user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string } }[];
}

export class KubeClient {
    private readonly agent: https.Agent;

    private constructor(
        readonly server: string,
        opts: { ca?: Buffer; cert?: Buffer; key?: Buffer },
        private readonly token?: string,
    ) {
        this.agent = new https.Agent({ ca: opts.ca, cert: opts.cert, key: opts.key, keepAlive: false });
    }

    static fromKubeconfig(file: string): KubeClient {
        const doc = parseYaml(fs.readFileSync(file, "utf8")) as KubeconfigFile;
        const context = doc.contexts?.find((c) => c.name === doc["current-context"])?.context;
        const cluster = doc.clusters?.find((c) => c.name === context?.cluster)?.cluster;
        const user = doc.users?.find((u) => u.name === context?.user)?.user;
        if (!context || !cluster || !user) throw new Error(`${file}: no complete current context (cluster and user)`);
        const data = (v: string | undefined) => (v ? Buffer.from(v, "base64") : undefined);
        return new KubeClient(
            cluster.server,
            {
                ca: data(cluster["certificate-authority-data"]),
                cert: data(user["client-certificate-data"]),
                key: data(user["client-key-data"]),
            },
            user.token,
        );
    }

    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
        const url = new URL(path, this.server);
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        return new Promise((resolve, reject) => {
            const req = https.request(
                url,
                {
                    method,
                    agent: this.agent,
                    timeout: TIMEOUT_MS,
                    headers: {
                        Accept: "application/json",
                        ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
                        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    let size = 0;
                    res.on("data", (chunk: Buffer) => {
                        size += chunk.length;
                        if (size > MAX_RESPONSE_BYTES)
                            req.destroy(new Error(`${method} ${path}: response over ${MAX_RESPONSE_BYTES} bytes`));
                        else chunks.push(chunk);
                    });
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            parsed = undefined;
                        }
                        // Admission warnings arrive as `299 - "text"` headers, one per warning.
                        const header: string | string[] | undefined = res.headers.warning;
                        const warnings: string[] = (Array.isArray(header) ? header : header ? [header] : []).flatMap((w: string) =>
                            w.split(/,(?=\s*299 )/),
                        );
                        resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${TIMEOUT_MS / 1000} s`)));
            req.on("error", reject);
            req.end(payload);
        });
    }

    get(path: string): Promise<KubeResponse> {
        return this.request("GET", path);
    }

    /** The items of a list call (empty when the call fails). */
    async list(path: string): Promise<Record<string, unknown>[]> {
        const res = await this.get(path);
        const items = (res.body as { items?: unknown } | undefined)?.items;
        return res.status === 200 && Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
    }
}

/** Polls `check` every `intervalMs` until it returns a value (not undefined), or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 500): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (error) {
            lastError = error;
        }
        if (Date.now() > deadline) {
            const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
            throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${detail}`);
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
