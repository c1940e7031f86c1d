// The live report's cost grows linearly with the cluster's objects: the same generated cluster shape at two
// sizes (the benchmark's, bench/live-report.ts, scaled down), CPU time of fake server and reporter together.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateLiveCluster, LiveClusterSize, objectCount } from "../bench/lib/live-cluster";
import { connectionFromKubeconfig } from "../tools/live/kube";
import { runLiveReport } from "../tools/live-report";
import { makeTestPki, startFakeApiServer, TestPki, writeKubeconfig } from "./support/fake-apiserver";

const SMALL: LiveClusterSize = { pods: 250, constraints: 26, violationsEach: 20, trivyReports: 100, events: 50 };
const LARGE: LiveClusterSize = { pods: 1000, constraints: 26, violationsEach: 80, trivyReports: 400, events: 200 };

describe("live report cost", function () {
    this.timeout(180_000);
    let pki: TestPki;
    let tmp: string;
    before(() => {
        pki = makeTestPki();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "live-cost-"));
    });
    after(() => {
        fs.rmSync(pki.dir, { recursive: true, force: true });
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function cpuMs(size: LiveClusterSize): Promise<number> {
        const server = await startFakeApiServer(pki, generateLiveCluster(size, new Date()));
        try {
            const connection = connectionFromKubeconfig(writeKubeconfig(pki.dir, server, pki, "token"));
            const runs: number[] = [];
            for (let i = 0; i < 3; i++) {
                const before = process.cpuUsage();
                const { report } = await runLiveReport({
                    stack: "prod",
                    connection,
                    kind: "daily",
                    outDir: path.join(tmp, `${size.pods}-${i}`),
                });
                const used = process.cpuUsage(before);
                runs.push((used.user + used.system) / 1000);
                assert.equal(
                    report.live?.trivy.reduce((n, k) => n + k.reports, 0),
                    size.trivyReports,
                );
            }
            return Math.min(...runs);
        } finally {
            await server.stop();
        }
    }

    it("4x the objects cost well under 16x the CPU (linear, not quadratic)", async () => {
        await cpuMs(SMALL); // warm-up: modules and JIT
        const small = await cpuMs(SMALL);
        const large = await cpuMs(LARGE);
        const ratio = large / small;
        const objects = objectCount(LARGE) / objectCount(SMALL);
        console.log(
            `      ${objectCount(SMALL)} objects ${small.toFixed(0)} ms CPU, ${objectCount(LARGE)} objects ${large.toFixed(0)} ms CPU: ${ratio.toFixed(2)}x for ${objects.toFixed(1)}x`,
        );
        assert.ok(ratio < objects * 1.75, `${ratio.toFixed(2)}x CPU for ${objects.toFixed(1)}x objects`);
    });
});
