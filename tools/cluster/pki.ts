// Certificates and keys for one harness run, generated with openssl into the run's directory (owner-only files):
// a CA, the API server's serving certificate, a client certificate per component, the Gatekeeper webhook's
// serving certificate and the service-account signing key. Nothing outlives the run's directory.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ClusterPki {
    dir: string;
    caCert: string;
    caKey: string;
    apiserverCert: string;
    apiserverKey: string;
    serviceAccountKey: string;
    serviceAccountPub: string;
    webhookCert: string;
    webhookKey: string;
    /** Client certificate and key per identity (admin, controller-manager, scheduler). */
    clients: Record<ClientIdentity, { cert: string; key: string }>;
}

export type ClientIdentity = "admin" | "controller-manager" | "scheduler";

/** The client identities, as the API server's RBAC knows them (system:masters for the harness's own admin). */
const CLIENT_SUBJECTS: Record<ClientIdentity, string> = {
    admin: "/O=system:masters/CN=secure-gitops-harness-admin",
    "controller-manager": "/CN=system:kube-controller-manager",
    scheduler: "/CN=system:kube-scheduler",
};

/** Certificates live for the run only; two days covers any test and any manual session. */
const DAYS = "2";

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function newKey(dir: string, name: string): string {
    const file = path.join(dir, `${name}.key`);
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file], dir);
    fs.chmodSync(file, 0o600);
    return file;
}

function signed(dir: string, name: string, subject: string, extensions: string[]): { cert: string; key: string } {
    const key = newKey(dir, name);
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    const cert = path.join(dir, `${name}.crt`);
    openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], dir);
    fs.writeFileSync(ext, `${extensions.join("\n")}\n`);
    openssl(
        ["x509", "-req", "-in", csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", DAYS, "-extfile", ext, "-out", cert],
        dir,
    );
    fs.rmSync(csr);
    fs.rmSync(ext);
    return { cert, key };
}

/** Generates every certificate and key of a run into `dir` (created, owner-only). */
export function generatePki(dir: string): ClusterPki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const caKey = newKey(dir, "ca");
    const caCert = path.join(dir, "ca.crt");
    openssl(
        [
            "req",
            "-x509",
            "-new",
            "-key",
            caKey,
            "-subj",
            "/CN=secure-gitops-harness-ca",
            "-days",
            DAYS,
            "-out",
            caCert,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    const serverExtensions = (sans: string) => [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        `subjectAltName=${sans}`,
    ];
    const apiserver = signed(
        dir,
        "apiserver",
        "/CN=kube-apiserver",
        serverExtensions("IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"),
    );
    const webhook = signed(dir, "gatekeeper-webhook", "/CN=gatekeeper-webhook-service", serverExtensions("IP:127.0.0.1"));
    const clientExtensions = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"];
    const clients = Object.fromEntries(
        (Object.keys(CLIENT_SUBJECTS) as ClientIdentity[]).map((id) => [
            id,
            signed(dir, `client-${id}`, CLIENT_SUBJECTS[id], clientExtensions),
        ]),
    ) as ClusterPki["clients"];
    // Service-account tokens are signed with RSA, the one algorithm every consumer of the tokens accepts.
    const serviceAccountKey = path.join(dir, "service-account.key");
    const serviceAccountPub = path.join(dir, "service-account.pub");
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", serviceAccountKey], dir);
    fs.chmodSync(serviceAccountKey, 0o600);
    openssl(["pkey", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPub], dir);
    return {
        dir,
        caCert,
        caKey,
        apiserverCert: apiserver.cert,
        apiserverKey: apiserver.key,
        serviceAccountKey,
        serviceAccountPub,
        webhookCert: webhook.cert,
        webhookKey: webhook.key,
        clients,
    };
}

/** A kubeconfig for one identity, with the CA and client certificate embedded (the file is owner-only). */
export function writeKubeconfig(file: string, server: string, pki: ClusterPki, identity: ClientIdentity): void {
    const b64 = (f: string) => fs.readFileSync(f).toString("base64");
    const client = pki.clients[identity];
    const text = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: harness",
        "    cluster:",
        `      server: ${server}`,
        `      certificate-authority-data: ${b64(pki.caCert)}`,
        "users:",
        `  - name: ${identity}`,
        "    user:",
        `      client-certificate-data: ${b64(client.cert)}`,
        `      client-key-data: ${b64(client.key)}`,
        "contexts:",
        "  - name: harness",
        "    context:",
        "      cluster: harness",
        `      user: ${identity}`,
        "current-context: harness",
        "",
    ].join("\n");
    fs.writeFileSync(file, text, { mode: 0o600 });
}
