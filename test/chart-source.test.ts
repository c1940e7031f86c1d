import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { CHART_PINS, chartsFor } from "../platform/chart-pins";
import { chartSourceProblems, locateLocalChart, packagedChartVersion, releaseChart } from "../platform/chart-source";
import { pinnedRelease } from "../platform/pinned-chart";
import { parseStackConfig, plainConfigSource } from "../stacks/config";
import { FEATURE_NAMES } from "../stacks/config";
import { FeatureSwitches } from "../stacks/types";
import { findResource, runProgram } from "../tools/mock-engine";

const PIN = { chart: "tool", version: "1.2.3", repo: "https://charts.example.org" };

/** A chart directory `<dir>/<name>/` declaring `version`, and optionally its packaged `.tgz` (tar of the directory). */
function makeChart(dir: string, name: string, version: string, pack?: { as: string }): void {
    const chartDir = path.join(dir, "src", name);
    fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
    fs.writeFileSync(path.join(chartDir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
    fs.writeFileSync(path.join(chartDir, "values.yaml"), "{}\n");
    if (pack) execFileSync("tar", ["-czf", path.join(dir, pack.as), "-C", path.join(dir, "src"), name]);
    else fs.cpSync(chartDir, path.join(dir, name), { recursive: true });
}

describe("pinned charts from a directory or a mirror", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-source-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the version of a packaged chart from its Chart.yaml, not from the file name", () => {
        makeChart(dir, "tool", "1.2.3", { as: "tool-1.2.3.tgz" });
        assert.equal(packagedChartVersion(path.join(dir, "tool-1.2.3.tgz")), "1.2.3");
        assert.deepEqual(locateLocalChart(dir, PIN), { path: path.join(dir, "tool-1.2.3.tgz") });
        fs.rmSync(path.join(dir, "tool-1.2.3.tgz"));
        makeChart(dir, "tool", "1.2.4", { as: "tool-1.2.3.tgz" }); // renamed: the file name lies
        const located = locateLocalChart(dir, PIN);
        assert.ok(
            "missing" in located && located.missing.includes("is chart version 1.2.4, the program pins 1.2.3"),
            JSON.stringify(located),
        );
    });

    it("takes an unpacked chart only at the pinned version, and says what is missing", () => {
        makeChart(dir, "tool", "1.2.2");
        const wrong = locateLocalChart(dir, PIN);
        assert.ok("missing" in wrong && wrong.missing.includes("is chart version 1.2.2"), JSON.stringify(wrong));
        const absent = locateLocalChart(dir, { chart: "other", version: "0.1.0" });
        assert.ok("missing" in absent && absent.missing.includes("neither other-0.1.0.tgz nor other/"), JSON.stringify(absent));
        fs.rmSync(path.join(dir, "tool"), { recursive: true });
        makeChart(dir, "tool", "1.2.3");
        assert.deepEqual(locateLocalChart(dir, PIN), { path: path.join(dir, "tool") });
        assert.deepEqual(chartSourceProblems({ kind: "directory", dir }, [PIN]), []);
        assert.equal(chartSourceProblems({ kind: "directory", dir }, [PIN, { ...PIN, chart: "absent" }]).length, 1);
        assert.deepEqual(
            chartSourceProblems({ kind: "official" }, [{ ...PIN, chart: "absent" }]),
            [],
            "official repositories are not checked offline",
        );
    });

    it("an unreadable archive is not a chart", () => {
        fs.writeFileSync(path.join(dir, "tool-1.2.3.tgz"), "not gzip");
        assert.equal(packagedChartVersion(path.join(dir, "tool-1.2.3.tgz")), undefined);
        const located = locateLocalChart(dir, PIN);
        assert.ok("missing" in located && located.missing.includes("(unreadable)"));
    });

    it("gives Helm the official repository, the mirror, an OCI reference or the local path", () => {
        assert.deepEqual(releaseChart(PIN, { kind: "official" }), { chart: "tool", version: "1.2.3", repositoryOpts: { repo: PIN.repo } });
        assert.deepEqual(releaseChart(PIN, { kind: "mirror", url: "https://mirror.example.org/charts" }), {
            chart: "tool",
            version: "1.2.3",
            repositoryOpts: { repo: "https://mirror.example.org/charts" },
        });
        assert.deepEqual(releaseChart(PIN, { kind: "mirror", url: "oci://mirror.example.org/charts/" }), {
            chart: "oci://mirror.example.org/charts/tool",
            version: "1.2.3",
        });
        makeChart(dir, "tool", "1.2.3", { as: "tool-1.2.3.tgz" });
        assert.deepEqual(releaseChart(PIN, { kind: "directory", dir }), { chart: path.join(dir, "tool-1.2.3.tgz"), version: "1.2.3" });
        assert.throws(() => releaseChart({ ...PIN, chart: "absent" }, { kind: "directory", dir }), /chart absent 1\.2\.3: neither/);
    });

    it("a Release declared from a directory installs the local chart, atomically as ever", async () => {
        makeChart(dir, "tool", "1.2.3");
        const run = await runProgram({
            stack: "unit",
            config: {},
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
                pinnedRelease(
                    "tool",
                    PIN,
                    { releaseName: "tool", namespace: "tools", values: {}, chartSource: { kind: "directory", dir } },
                    { provider },
                );
            },
        });
        const release = findResource(run, "kubernetes:helm.sh/v3:Release", "tool");
        assert.equal(release.inputs.chart, path.join(dir, "tool"));
        assert.equal(release.inputs.version, "1.2.3");
        assert.equal(release.inputs.repositoryOpts, undefined);
        assert.equal(release.inputs.atomic, true);
    });

    it("the stack setting is validated and resolved; the program refuses a directory missing a chart before any resource", async () => {
        const base = {
            environment: "dev",
            clusterMode: "existing",
            kubeconfigPath: __filename,
            apiServerCidrs: '["10.0.0.2/32"]',
            features: '{"argocd": false}',
        };
        const config = parseStackConfig(plainConfigSource({ ...base, chartDirectory: dir }), "dev");
        assert.deepEqual(config.charts, { kind: "directory", dir });
        assert.deepEqual(parseStackConfig(plainConfigSource(base), "dev").charts, { kind: "official" });
        assert.deepEqual(
            parseStackConfig(plainConfigSource({ ...base, chartRepositoryMirror: "oci://mirror.example.org/charts/" }), "dev").charts,
            {
                kind: "mirror",
                url: "oci://mirror.example.org/charts",
            },
        );
        await assert.rejects(
            runProgram({
                stack: "dev",
                config: Object.fromEntries(Object.entries({ ...base, chartDirectory: dir }).map(([k, v]) => [`secure-gitops:${k}`, v])),
            }),
            (error: Error) =>
                /chartDirectory: \d+ pinned chart\(s\) missing/.test(error.message) && error.message.includes("gatekeeper-3.23.0.tgz"),
        );
    });

    it("every feature's charts come from the one table of pins", () => {
        const all = Object.fromEntries(FEATURE_NAMES.map((f) => [f, true])) as unknown as FeatureSwitches;
        const none = Object.fromEntries(FEATURE_NAMES.map((f) => [f, false])) as unknown as FeatureSwitches;
        assert.deepEqual(chartsFor(all), Object.values(CHART_PINS));
        assert.deepEqual(chartsFor(none), []);
        assert.deepEqual(chartsFor({ ...none, falco: true }), [CHART_PINS.falco, CHART_PINS.falcoTalon]);
    });
});
