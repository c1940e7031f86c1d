// Test support: a small Kubernetes API server of our own on 127.0.0.1 (HTTPS with a throw-away CA made by
// openssl, client-certificate or bearer-token authentication) serving the objects a test gives it: discovery
// of the Gatekeeper constraint kinds, lists with limit/continue paging, the `source` field selector of Events,
// 403 for the paths a test forbids, 404 for everything not installed. It answers GET only and records every
// request. Stopped by the test (`stop()`).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import type { TLSSocket } from "tls";

export interface TestPki {
    dir: string;
    caCert: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    /** A client certificate from another CA: must be refused. */
    strangerCert: string;
    strangerKey: string;
}

/** A CA, a server certificate for 127.0.0.1 and client certificates, made with openssl in a temporary folder. */
export function makeTestPki(): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-apiserver-"));
    const f = (name: string) => path.join(dir, name);
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    const key = (name: string) => ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", f(name));
    const ca = (name: string) => {
        key(`${name}.key`);
        ssl("req", "-x509", "-new", "-key", f(`${name}.key`), "-out", f(`${name}.crt`), "-days", "2", "-subj", `/CN=${name}`);
    };
    const leaf = (name: string, signer: string, ext: string) => {
        key(`${name}.key`);
        ssl("req", "-new", "-key", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${name}`);
        fs.writeFileSync(f(`${name}.ext`), ext);
        ssl(
            "x509",
            "-req",
            "-in",
            f(`${name}.csr`),
            "-CA",
            f(`${signer}.crt`),
            "-CAkey",
            f(`${signer}.key`),
            "-CAcreateserial",
            "-out",
            f(`${name}.crt`),
            "-days",
            "2",
            "-extfile",
            f(`${name}.ext`),
        );
    };
    ca("test-ca");
    ca("stranger-ca");
    leaf("server", "test-ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("reporter", "test-ca", "extendedKeyUsage=clientAuth\n");
    leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
    return {
        dir,
        caCert: f("test-ca.crt"),
        serverCert: f("server.crt"),
        serverKey: f("server.key"),
        clientCert: f("reporter.crt"),
        clientKey: f("reporter.key"),
        strangerCert: f("stranger.crt"),
        strangerKey: f("stranger.key"),
    };
}

export interface FakeCluster {
    /** Constraint kinds (plural -> kind) and their objects. */
    constraints?: Record<string, { kind: string; items: object[] }>;
    /** Objects per `/apis/<group>/<version>/<plural>` or `/api/v1/<plural>` path. */
    lists?: Record<string, object[]>;
    /** Paths answered with 403 (RBAC denial). */
    forbidden?: string[];
    /** Paths answered with a body that is not JSON. */
    garbage?: string[];
}

export interface FakeApiServer {
    url: string;
    token: string;
    requests: { method: string; path: string; authenticated: string }[];
    stop(): Promise<void>;
}

const status = (code: number, reason: string, message: string) =>
    JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code });

export async function startFakeApiServer(pki: TestPki, cluster: FakeCluster, options: { pageSize?: number } = {}): Promise<FakeApiServer> {
    const token = `test-token-${Math.random().toString(36).slice(2)}`;
    const requests: FakeApiServer["requests"] = [];
    const lists = new Map<string, object[]>(Object.entries(cluster.lists ?? {}));
    const discovery = {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: "constraints.gatekeeper.sh/v1beta1",
        resources: [] as object[],
    };
    for (const [plural, { kind, items }] of Object.entries(cluster.constraints ?? {})) {
        discovery.resources.push({ name: plural, singularName: "", namespaced: false, kind, verbs: ["get", "list", "watch"] });
        discovery.resources.push({ name: `${plural}/status`, singularName: "", namespaced: false, kind, verbs: ["get"] });
        lists.set(`/apis/constraints.gatekeeper.sh/v1beta1/${plural}`, items);
    }
    const server = https.createServer(
        {
            key: fs.readFileSync(pki.serverKey),
            cert: fs.readFileSync(pki.serverCert),
            ca: fs.readFileSync(pki.caCert),
            requestCert: true,
            rejectUnauthorized: false,
        },
        (req, res) => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            // An https server's request sockets are TLS sockets; `authorized` says the client certificate chains to the CA.
            const authorized = (req.socket as Partial<Pick<TLSSocket, "authorized">>).authorized === true;
            const authenticated = authorized ? "certificate" : req.headers.authorization === `Bearer ${token}` ? "token" : "";
            requests.push({ method: req.method ?? "", path: url.pathname, authenticated });
            res.setHeader("Content-Type", "application/json");
            const send = (code: number, body: string): void => {
                res.writeHead(code).end(body);
            };
            if (req.method !== "GET") {
                send(405, status(405, "MethodNotAllowed", "read-only test server"));
                return;
            }
            if (!authenticated) {
                send(401, status(401, "Unauthorized", "Unauthorized"));
                return;
            }
            if ((cluster.forbidden ?? []).includes(url.pathname)) {
                send(403, status(403, "Forbidden", `system:serviceaccount:reports:reporter cannot list resource at ${url.pathname}`));
                return;
            }
            if ((cluster.garbage ?? []).includes(url.pathname)) {
                send(200, "<html>not json");
                return;
            }
            if (url.pathname === "/apis/constraints.gatekeeper.sh/v1beta1" && cluster.constraints) {
                send(200, JSON.stringify(discovery));
                return;
            }
            const items = lists.get(url.pathname);
            if (!items) {
                send(404, status(404, "NotFound", "the server could not find the requested resource"));
                return;
            }
            let selected = items;
            const selector = url.searchParams.get("fieldSelector");
            if (selector?.startsWith("source=")) {
                const wanted = selector.slice("source=".length);
                selected = items.filter((i) => (i as { source?: { component?: string } }).source?.component === wanted);
            }
            const limit = Number(url.searchParams.get("limit") ?? "0") || selected.length;
            const pageSize = Math.min(limit, options.pageSize ?? limit);
            const start = Number(url.searchParams.get("continue") ?? "0");
            const page = selected.slice(start, start + pageSize);
            const next = start + pageSize < selected.length ? String(start + pageSize) : "";
            send(
                200,
                JSON.stringify({
                    kind: "List",
                    apiVersion: "v1",
                    metadata: { resourceVersion: "1", ...(next ? { continue: next } : {}) },
                    items: page,
                }),
            );
        },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `https://127.0.0.1:${port}`,
        token,
        requests,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A kubeconfig for the fake server: client certificate (default) or bearer token, files beside it. */
export function writeKubeconfig(
    dir: string,
    server: FakeApiServer,
    pki: TestPki,
    auth: "certificate" | "token" | "stranger" = "certificate",
    extra: Record<string, unknown> = {},
): string {
    const user =
        auth === "token"
            ? { token: server.token }
            : auth === "stranger"
              ? { "client-certificate": pki.strangerCert, "client-key": pki.strangerKey }
              : {
                    "client-certificate-data": fs.readFileSync(pki.clientCert).toString("base64"),
                    "client-key": path.basename(pki.clientKey),
                };
    const doc = {
        apiVersion: "v1",
        kind: "Config",
        "current-context": "test",
        contexts: [{ name: "test", context: { cluster: "fake", user: "reporter" } }],
        clusters: [{ name: "fake", cluster: { server: server.url, "certificate-authority": pki.caCert, ...extra } }],
        users: [{ name: "reporter", user }],
    };
    const file = path.join(dir, `kubeconfig-${auth}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
}
