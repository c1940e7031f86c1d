// Uploads a report's files to the retention-locked bucket (gke mode, from the CronJob): the pod's Workload
// Identity token from the GKE metadata server, then one create-only upload per file through the Cloud Storage
// JSON API with `ifGenerationMatch=0`, so an existing object is never overwritten (the request fails with 412;
// the bucket's retention policy and the writer's objectCreator role refuse it too).
import * as http from "http";
import * as https from "https";
import * as fs from "fs";
import * as path from "path";

export const METADATA_TOKEN_URL = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token";
export const STORAGE_UPLOAD_URL = "https://storage.googleapis.com/upload/storage/v1/b";

export interface UploadOptions {
    bucket: string;
    /** Object name prefix, e.g. `prod/2026/12/07/daily`. */
    prefix: string;
    /** Overridable for tests (a local server); the CLI always uses the real endpoints. */
    tokenUrl?: string;
    storageUrl?: string;
}

function request(url: URL, options: http.RequestOptions, body?: Buffer): Promise<{ status: number; text: string }> {
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        const req = lib.request(url, { ...options, timeout: 60_000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8").slice(0, 2000) }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 60s")));
        req.on("error", reject);
        req.end(body);
    });
}

/** Uploads each file as `<prefix>/<file name>`; returns the object names. Throws a one-line Error on any failure. */
export async function uploadReports(files: readonly string[], options: UploadOptions): Promise<string[]> {
    if (!/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/.test(options.bucket))
        throw new Error(`--upload-bucket ${options.bucket}: not a bucket name`);
    const tokenAnswer = await request(new URL(options.tokenUrl ?? METADATA_TOKEN_URL), {
        method: "GET",
        headers: { "Metadata-Flavor": "Google" },
    });
    if (tokenAnswer.status !== 200)
        throw new Error(`upload: the metadata server gave no token (HTTP ${tokenAnswer.status}); is Workload Identity set up?`);
    let token: unknown;
    try {
        token = (JSON.parse(tokenAnswer.text) as { access_token?: unknown }).access_token;
    } catch {
        token = undefined;
    }
    if (typeof token !== "string" || token === "") throw new Error("upload: the metadata server's answer has no access_token");
    const names: string[] = [];
    for (const file of files) {
        const name = `${options.prefix}/${path.basename(file)}`;
        const url = new URL(`${options.storageUrl ?? STORAGE_UPLOAD_URL}/${encodeURIComponent(options.bucket)}/o`);
        url.searchParams.set("uploadType", "media");
        url.searchParams.set("name", name);
        url.searchParams.set("ifGenerationMatch", "0");
        const body = fs.readFileSync(file);
        const type = file.endsWith(".html")
            ? "text/html; charset=utf-8"
            : file.endsWith(".md")
              ? "text/markdown; charset=utf-8"
              : "application/json";
        const answer = await request(
            url,
            { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": type, "Content-Length": body.length } },
            body,
        );
        if (answer.status === 412) throw new Error(`upload: gs://${options.bucket}/${name} already exists; reports are never overwritten`);
        if (answer.status !== 200) throw new Error(`upload: gs://${options.bucket}/${name}: HTTP ${answer.status}`);
        names.push(name);
    }
    return names;
}
