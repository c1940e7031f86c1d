// Benchmark of `npm run report`: a generated cluster (default 5,000 pods, 26 constraints x 500 violations,
// 2,000 Trivy reports, 1,000 Talon events) served by our fake API server on 127.0.0.1 from this process, one
// report per fresh child process (bench/live-report-child.ts) measured on the child's own CPU time and peak RSS;
// then the same at a quarter and a half of the size, to show how the cost grows.
// Usage: npx tsx bench/live-report.ts [scale=1] ; targets: <= 30 s CPU and <= 300 MiB peak RSS at scale 1.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeTestPki, startFakeApiServer, writeKubeconfig } from "../test/support/fake-apiserver";
import { BENCH_SIZE, generateLiveCluster, LiveClusterSize, objectCount } from "./lib/live-cluster";

interface ChildResult {
    cpuMs: number;
    reportCpuMs: number;
    reportWallMs: number;
    maxRssMiB: number;
    requests: number;
    resources: number;
    violations: number;
}

function child(kubeconfig: string, outDir: string): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ["--require", "tsx/cjs", path.join(__dirname, "live-report-child.ts"), kubeconfig, outDir], {
            cwd: path.resolve(__dirname, ".."),
            env: { ...process.env, NODE_OPTIONS: "" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (err += d.toString()));
        p.on("close", (code) =>
            code === 0
                ? resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as ChildResult)
                : reject(new Error(`child exited ${code}: ${err.slice(-500)}`)),
        );
    });
}

const scaled = (s: LiveClusterSize, f: number): LiveClusterSize => ({
    pods: Math.round(s.pods * f),
    constraints: s.constraints,
    violationsEach: Math.round(s.violationsEach * f),
    trivyReports: Math.round(s.trivyReports * f),
    events: Math.round(s.events * f),
});

async function main(): Promise<void> {
    const scale = Number(process.argv[2] ?? "1");
    if (!(scale > 0)) throw new Error("usage: npx tsx bench/live-report.ts [scale > 0]");
    const pki = makeTestPki();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-live-"));
    try {
        const rows: string[] = [];
        for (const f of [0.25, 0.5, 1].map((x) => x * scale)) {
            const size = scaled(BENCH_SIZE, f);
            const server = await startFakeApiServer(pki, generateLiveCluster(size, new Date()));
            try {
                const kubeconfig = writeKubeconfig(pki.dir, server, pki, "token");
                const r = await child(kubeconfig, path.join(tmp, `out-${f}`));
                const bytes = fs.statSync(path.join(tmp, `out-${f}`, "report.json")).size;
                rows.push(
                    `| ${size.pods} pods, ${size.constraints}x${size.violationsEach} violations, ${size.trivyReports} Trivy reports, ${size.events} events (${objectCount(size)} objects) | ${(r.cpuMs / 1000).toFixed(2)} s | ${(r.reportCpuMs / 1000).toFixed(2)} s | ${(r.reportCpuMs / objectCount(size)).toFixed(3)} ms | ${r.maxRssMiB.toFixed(0)} MiB | ${r.requests} | ${(bytes / 1048576).toFixed(1)} MiB |`,
                );
                if (f === scale) {
                    const ok = r.cpuMs <= 30_000 && r.maxRssMiB <= 300;
                    rows.push(
                        `\nTarget at full size: <= 30 s CPU and <= 300 MiB peak RSS: ${ok ? "PASS" : "FAIL"} (${(r.cpuMs / 1000).toFixed(2)} s, ${r.maxRssMiB.toFixed(0)} MiB)`,
                    );
                }
            } finally {
                await server.stop();
            }
        }
        console.log(
            "| cluster | child CPU (total) | report CPU (after imports) | report CPU per object | peak RSS | requests | report.json |",
        );
        console.log("|---|---|---|---|---|---|---|");
        for (const r of rows) console.log(r);
        console.log(
            `\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}`,
        );
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.rmSync(pki.dir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(`bench/live-report: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
});
