import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { runProgram, findResource } from "../tools/mock-engine";

class Box extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:test:Box", name, {}, opts);
        new k8s.core.v1.Secret(`${name}-secret`, { stringData: { password: pulumi.secret("s3cret") } }, { parent: this });
        this.registerOutputs({});
    }
}

describe("mock engine", () => {
    it("records parents, inputs and secret paths of every registration", async () => {
        const run = await runProgram({ stack: "unit", config: {}, program: () => new Box("box") });
        const box = findResource(run, "secure-gitops:test:Box", "box");
        const secret = findResource(run, "kubernetes:core/v1:Secret", "box-secret");
        assert.equal(secret.parent, box.urn);
        assert.equal(secret.inputs.stringData.password, "s3cret");
        assert.ok(
            secret.secretPaths.some((p) => p.startsWith("stringData")),
            `secret paths: ${secret.secretPaths.join(",")}`,
        );
    });
});
