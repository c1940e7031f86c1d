// One live report in a fresh process (the benchmark's child): reads the given cluster through its kubeconfig,
// writes the four files and prints its own CPU time and peak RSS as one JSON line.
import { connectionFromKubeconfig } from "../tools/live/kube";
import { runLiveReport } from "../tools/live-report";

async function run(): Promise<void> {
    const [kubeconfig, outDir] = process.argv.slice(2);
    const loaded = process.cpuUsage();
    const started = performance.now();
    const { report, requests } = await runLiveReport({
        stack: "prod",
        connection: connectionFromKubeconfig(kubeconfig),
        kind: "daily",
        outDir,
    });
    const total = process.cpuUsage();
    const usage = process.resourceUsage();
    console.log(
        JSON.stringify({
            cpuMs: (total.user + total.system) / 1000,
            reportCpuMs: (total.user + total.system - loaded.user - loaded.system) / 1000,
            reportWallMs: performance.now() - started,
            maxRssMiB: usage.maxRSS / 1024,
            requests,
            resources: report.resources.length,
            violations: report.violations.length,
        }),
    );
}

run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
});
