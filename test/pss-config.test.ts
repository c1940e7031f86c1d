// The new parameters of the pod rules are validated where a stack's policy config is: the pack's
// configSchema (as the engine checks it before Configure) rejects a bad podSecurityVersion, a malformed
// podTemplateKinds entry and a limit maximum that is not a quantity.
import { strict as assert } from "assert";
import { KubernetesRule, ruleById } from "../policy-pack/catalogue";
import { configSchemaFor } from "../policy-pack/pack/policies";
import { validateAgainstSchema } from "../tools/analyzer/policy-config";

function errorsFor(ruleId: string, config: Record<string, unknown>): string[] {
    const schema = configSchemaFor(ruleById(ruleId)) as unknown as Record<string, unknown>;
    return validateAgainstSchema(config, { type: "object", ...schema }, ruleId);
}

describe("policy config of the PSS version, pod-template kinds and limit parameters", () => {
    it("accepts PSA's version syntax and rejects anything else", () => {
        for (const v of ["latest", "v1.0", "v1.25", "v1.37", "v1.99"])
            assert.deepEqual(errorsFor("pss-baseline-sysctls", { podSecurityVersion: v }), [], v);
        for (const v of ["Latest", "1.30", "v1.030", "v2.0", "v1.30-rc"]) {
            const errors = errorsFor("pss-baseline-sysctls", { podSecurityVersion: v });
            assert.equal(errors.length, 1, v);
            assert.match(errors[0], /podSecurityVersion: Does not match pattern/);
        }
        assert.match(errorsFor("pss-restricted-seccomp", { podSecurityVersion: 30 })[0], /Invalid type/);
    });

    it("takes podTemplateKinds as group/Kind or a bare Kind", () => {
        assert.deepEqual(
            errorsFor("images-disallow-latest", { podTemplateKinds: ["argoproj.io/Rollout", "Widget", "apps.example.com/Workload"] }),
            [],
        );
        for (const bad of ["rollout", "argoproj.io/", "/Rollout", "Argoproj.io/Rollout", "argoproj.io/Rollout/x"]) {
            assert.equal(errorsFor("pss-baseline-privileged", { podTemplateKinds: [bad] }).length, 1, bad);
        }
        // Rules over other kinds do not take it.
        assert.equal((ruleById("services-no-public-loadbalancer") as KubernetesRule).defaultParams.podTemplateKinds, undefined);
    });

    it("takes limit maxima as quantities and ratios as numbers", () => {
        assert.deepEqual(
            errorsFor("resources-requests-limits", {
                maxCpuLimit: "1500m",
                maxMemoryLimit: "2Gi",
                maxLimitRequestRatio: "1.5",
                maxCpuLimitRequestRatio: "",
            }),
            [],
        );
        assert.equal(errorsFor("resources-requests-limits", { maxMemoryLimit: "2GB" }).length, 1);
        assert.equal(errorsFor("resources-requests-limits", { maxLimitRequestRatio: "2x" }).length, 1);
        assert.equal(errorsFor("resources-requests-limits", { maxCpuLimit: 2 }).length, 1);
    });
});
