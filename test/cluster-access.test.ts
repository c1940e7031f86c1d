// Existing-cluster mode: a Kubernetes provider from a kubeconfig, and no GCP resource at all.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ClusterAccess, ExistingCluster, ExistingClusterArgs } from "../components/cluster-access";
import { findResource, runProgram } from "../tools/mock-engine";

const KUBECONFIG_PATH = path.join(__dirname, "fixtures", "gke", "kubeconfig.yaml");
const KUBECONFIG = fs.readFileSync(KUBECONFIG_PATH, "utf8");

describe("ExistingCluster", () => {
    it("from a kubeconfig path: provider gets the file contents as a secret, plus the context", async () => {
        let access: ClusterAccess | undefined;
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => {
                access = new ExistingCluster("existing", { kubeconfigPath: KUBECONFIG_PATH, context: "other" });
            },
        });
        assert.deepEqual(
            run.resources.filter((r) => r.type.startsWith("gcp:")),
            [],
            "no GCP resources in existing mode",
        );
        assert.deepEqual(run.resources.map((r) => r.type).sort(), [
            "pulumi:providers:kubernetes",
            "pulumi:pulumi:Stack",
            "secure-gitops:kubernetes:ExistingCluster",
        ]);
        const provider = findResource(run, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.kubeconfig, KUBECONFIG);
        assert.equal(provider.inputs.context, "other");
        assert.ok(provider.secretPaths.includes("kubeconfig"), `secret paths: ${provider.secretPaths.join(",")}`);
        assert.equal(provider.parent, findResource(run, "secure-gitops:kubernetes:ExistingCluster").urn);
        assert.equal(await pulumi.isSecret((access as ClusterAccess).kubeconfig), true);
        assert.equal((access as ClusterAccess).workloadIdentityPool, undefined);
    });

    it("from kubeconfig contents: kept secret even when given in clear", async () => {
        let access: ClusterAccess | undefined;
        const run = await runProgram({
            stack: "dev",
            config: {},
            program: () => (access = new ExistingCluster("existing", { kubeconfig: KUBECONFIG, gcpProject: "acme" })),
        });
        const provider = findResource(run, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.kubeconfig, KUBECONFIG);
        assert.ok(provider.secretPaths.includes("kubeconfig"));
        assert.ok([true, "true"].includes(provider.inputs.enableServerSideApply));
        assert.equal(await pulumi.isSecret((access as ClusterAccess).kubeconfig), true);
        const pool = await new Promise<string>((resolve) => (access as ClusterAccess).workloadIdentityPool?.apply(resolve));
        assert.equal(pool, "acme.svc.id.goog");
    });

    it("needs exactly one kubeconfig source, and an existing file", async () => {
        const attempt = (args: ExistingClusterArgs) =>
            runProgram({ stack: "dev", config: {}, program: () => new ExistingCluster("x", args) });
        await assert.rejects(attempt({}), /exactly one/);
        await assert.rejects(attempt({ kubeconfig: KUBECONFIG, kubeconfigPath: KUBECONFIG_PATH }), /exactly one/);
        await assert.rejects(attempt({ kubeconfigPath: "/nonexistent/kubeconfig" }), /not found/);
    });
});
