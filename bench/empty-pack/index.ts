// The benchmark floor: a policy pack with one no-op resource policy. It runs through the same
// run-policy-pack entry point, @pulumi/policy server and Analyzer protocol as the real pack, so the
// difference in time and memory is what the rule catalogue itself costs.
import { PolicyPack } from "@pulumi/policy";

new PolicyPack("bench-empty", {
    enforcementLevel: "advisory",
    policies: [
        {
            name: "no-op",
            description: "Accepts every resource.",
            validateResource: () => undefined,
        },
    ],
});
