// How the catalogue is wired into @pulumi/policy policies: which policies the SDK filters by type itself.
// test/policy-protocol.test.ts checks the same over the real gRPC protocol (the SDK's reason in the response).
import * as assert from "assert";
import { RULES } from "../catalogue";
import { CloudRule } from "../catalogue/types";
import { buildPolicies } from "../pack/policies";

/** What `validateResourceOfType` attaches and the SDK's server reads (policy.js getPulumiType). */
function typeFilterOf(validate: unknown): unknown {
    return typeof validate === "function" ? (validate as { __pulumiType?: unknown }).__pulumiType : undefined;
}

describe("policy wiring", () => {
    const policies = buildPolicies(RULES);

    it("lets the SDK filter exactly the rules of one resource type", () => {
        const filtered = policies.filter((p) => typeFilterOf(p.validateResource) !== undefined);
        const oneType = RULES.filter((r): r is CloudRule => r.target === "gcp" && r.resourceTypes.length === 1);
        assert.ok(oneType.length > 0, "the catalogue has single-type rules");
        assert.deepEqual(
            filtered.map((p) => p.name),
            oneType.map((r) => r.id),
        );
        for (const rule of oneType) {
            const policy = policies.find((p) => p.name === rule.id);
            assert.equal(typeFilterOf(policy?.validateResource), rule.resourceTypes[0], rule.id);
        }
    });

    it("never filters a Kubernetes rule by type (stack config can add pod template kinds)", () => {
        const kubernetes = RULES.filter((r) => r.target === "kubernetes").map((r) => r.id);
        assert.ok(kubernetes.length > 0);
        for (const policy of policies.filter((p) => kubernetes.includes(p.name))) {
            assert.equal(typeFilterOf(policy.validateResource), undefined, policy.name);
            assert.equal(typeFilterOf(policy.remediateResource), undefined, policy.name);
        }
    });
});
