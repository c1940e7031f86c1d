import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { enforcementFor, policyPackConfig, ruleSettings } from "../platform/policy-settings";
import { NAMESPACE_EXEMPTIONS, SYSTEM_NAMESPACES } from "../platform/exemptions";
import { RULES, ruleById } from "../policy-pack/catalogue";
import { ENVIRONMENTS } from "../stacks/types";
import { POLICY_CONFIG_DIR, renderPolicyConfig } from "../tools/policy-config";

describe("per-stack policy settings", () => {
    it("caps enforcement at the stack level and never raises a rule above its catalogue default", () => {
        for (const rule of RULES) {
            assert.equal(enforcementFor(rule, "mandatory"), rule.defaultEnforcement);
            assert.equal(enforcementFor(rule, "disabled"), "disabled");
            assert.notEqual(enforcementFor(rule, "advisory"), "mandatory", rule.id);
        }
    });

    it("puts system namespaces and every declared exemption into exemptNamespaces of the named rules", () => {
        const settings = ruleSettings({ enforcement: "mandatory", publicServiceNamespaces: [], allowedRegistries: [] });
        for (const rule of RULES.filter((r) => r.target === "kubernetes")) {
            const exempt = settings.get(rule.id)?.params.exemptNamespaces as string[];
            for (const ns of SYSTEM_NAMESPACES) assert.ok(exempt.includes(ns), `${rule.id} misses ${ns}`);
        }
        for (const exemption of NAMESPACE_EXEMPTIONS) {
            for (const id of exemption.rules) {
                assert.doesNotThrow(() => ruleById(id), `exemption for ${exemption.namespace} names unknown rule ${id}`);
                assert.ok(
                    (settings.get(id)?.params.exemptNamespaces as string[]).includes(exemption.namespace),
                    `${id} should exempt ${exemption.namespace}`,
                );
            }
        }
    });

    it("passes the stack's registries and public-service namespaces to their rules", () => {
        const config = policyPackConfig({
            enforcement: "advisory",
            publicServiceNamespaces: ["edge"],
            allowedRegistries: ["europe-docker.pkg.dev/acme/"],
        });
        assert.deepEqual(config["images-allowed-registries"].allowedRegistries, ["europe-docker.pkg.dev/acme/"]);
        assert.deepEqual(config["services-no-public-loadbalancer"].allowedNamespaces, ["edge"]);
        assert.ok(Object.values(config).every((c) => c.enforcementLevel !== "mandatory"));
    });

    for (const stack of ENVIRONMENTS) {
        it(`policy-config/${stack}.json is up to date (npm run policy-config regenerates it)`, () => {
            const committed = fs.readFileSync(path.join(POLICY_CONFIG_DIR, `${stack}.json`), "utf8");
            assert.equal(committed, renderPolicyConfig(stack));
        });
    }
});
