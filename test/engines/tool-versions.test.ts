// The engines the tests run must be the versions the project ships: gator at the Gatekeeper chart's version,
// the Pulumi CLI at the @pulumi/pulumi the program and the pack pin, psa-check at the Pod Security Admission
// its go.mod requires (with the k8s.io/api of the same release). A bump on one side fails here.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { GATEKEEPER_CHART } from "../../components/gatekeeper";
import { PROJECT_ROOT } from "../../tools/mock-engine";
import { requireTool } from "../support/engines";

const script = fs.readFileSync(path.join(PROJECT_ROOT, "tools", "install-tools.sh"), "utf8");

function pinned(name: string): string {
    const match = new RegExp(`^${name}=(v?[0-9][0-9a-f.-]*)$`, "m").exec(script);
    assert.ok(match, `tools/install-tools.sh pins no ${name}`);
    return match[1];
}

function packageVersion(file: string, dependency: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as { dependencies: Record<string, string> };
    return manifest.dependencies[dependency];
}

/** The version tools/engines/psa-check/go.mod requires of a module. */
function psaCheckRequires(module: string): string {
    const goMod = fs.readFileSync(path.join(PROJECT_ROOT, "tools", "engines", "psa-check", "go.mod"), "utf8");
    const match = new RegExp(`^\\s+${module.replace(/\./g, "\\.")}\\s+(v\\S+)`, "m").exec(goMod);
    assert.ok(match, `tools/engines/psa-check/go.mod requires no ${module}`);
    return match[1];
}

describe("engine versions", () => {
    it("psa-check builds Pod Security Admission v0.37.2 against the k8s.io/api and apimachinery of the same release", () => {
        const psa = psaCheckRequires("k8s.io/pod-security-admission");
        assert.equal(psa, "v0.37.2");
        assert.equal(psaCheckRequires("k8s.io/api"), psa);
        assert.equal(psaCheckRequires("k8s.io/apimachinery"), psa);
    });

    it("the installed psa-check was built with the Pod Security Admission its go.mod requires", function () {
        const psaCheck = requireTool(this, "psa-check");
        const reported = spawnSync(psaCheck, ["--version"], { encoding: "utf8" }).stdout.trim();
        assert.equal(reported, `k8s.io/pod-security-admission ${psaCheckRequires("k8s.io/pod-security-admission")}`);
    });

    it("gator is pinned at the Gatekeeper chart's version", () => {
        assert.equal(pinned("GATOR_VERSION"), `v${GATEKEEPER_CHART.version}`);
    });

    it("the Pulumi CLI is pinned at the @pulumi/pulumi version of the program and the pack", () => {
        assert.equal(pinned("PULUMI_VERSION"), `v${packageVersion("package.json", "@pulumi/pulumi")}`);
        assert.equal(pinned("PULUMI_VERSION"), `v${packageVersion("policy-pack/package.json", "@pulumi/pulumi")}`);
    });

    it("the cluster harness runs the Kubernetes of psa-check's Pod Security Admission, and the provider the SDK's version", () => {
        // The API server's PodSecurity plugin and psa-check then judge with the same code.
        assert.equal(pinned("KUBERNETES_VERSION").replace(/^v1\./, "v0."), psaCheckRequires("k8s.io/pod-security-admission"));
        assert.equal(pinned("K8S_PROVIDER_VERSION"), packageVersion("package.json", "@pulumi/kubernetes"));
        assert.match(
            pinned("K8S_PROVIDER_MODULE_VERSION"),
            /^v4\.0\.0-\d{14}-[0-9a-f]{12}$/,
            "the one provider/v4 version the module proxy serves",
        );
    });

    it("the installed harness binaries are the pinned versions", function () {
        const apiserver = requireTool(this, "kube-apiserver");
        const manager = requireTool(this, "gatekeeper");
        const provider = requireTool(this, "pulumi-resource-kubernetes");
        assert.match(
            spawnSync(apiserver, ["--version"], { encoding: "utf8" }).stdout,
            new RegExp(`Kubernetes ${pinned("KUBERNETES_VERSION").replace(/\./g, "\\.")}\\b`),
        );
        assert.match(
            spawnSync("go", ["version", "-m", manager], { encoding: "utf8" }).stdout,
            new RegExp(`gatekeeper/v3\\s+${pinned("GATOR_VERSION").replace(/\./g, "\\.")}\\s`),
        );
        assert.match(spawnSync("go", ["version", "-m", provider], { encoding: "utf8" }).stdout, /pulumi-kubernetes\/provider\/v4/);
    });

    it("the installed pulumi and gator are the pinned versions", function () {
        const pulumi = requireTool(this, "pulumi");
        const gator = requireTool(this, "gator");
        const pulumiVersion = spawnSync(pulumi, ["version"], {
            encoding: "utf8",
            env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        }).stdout.trim();
        assert.equal(pulumiVersion, pinned("PULUMI_VERSION"));
        // `go install` embeds the module version in the binary's build info (gator's own --version says "devel").
        const buildInfo = spawnSync("go", ["version", "-m", gator], { encoding: "utf8" }).stdout;
        assert.match(
            buildInfo,
            new RegExp(`\\bmod\\s+github\\.com/open-policy-agent/gatekeeper/v3\\s+${pinned("GATOR_VERSION").replace(/\./g, "\\.")}\\s`),
        );
    });
});
