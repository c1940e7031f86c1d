// The CrossGuard policy pack: every catalogue rule as a resource policy, checked at `pulumi preview`/`up`
// with the same verdicts Gatekeeper's constraints give at admission (see README.md).
// Published on its own: imports only the catalogue and @pulumi/policy (no @pulumi/kubernetes or @pulumi/gcp,
// which would add seconds of startup for type information the rules do not need).
import { PolicyPack } from "@pulumi/policy";
import { RULES } from "./catalogue";
import { deserializeOncePerRequest } from "./pack/deserialize-once";
import { buildPolicies } from "./pack/policies";

// Performance: one props deserialization per request rather than one per policy (see the module).
deserializeOncePerRequest();

new PolicyPack("secure-gitops", {
    displayName: "Secure GitOps platform policies",
    description:
        "Pod Security Standards, image provenance, resource hygiene and GKE/GCS hardening; the same catalogue Gatekeeper enforces at admission.",
    tags: ["kubernetes", "gcp", "gke", "pod-security", "supply-chain"],
    // Each policy carries its own level (the rule's defaultEnforcement); this is only the fallback.
    enforcementLevel: "advisory",
    policies: buildPolicies(RULES),
});
