// The one mapping between CrossGuard enforcement levels and Gatekeeper enforcement actions.
import { strict as assert } from "assert";
import { GATEKEEPER_ACTION, LEVEL_FOR_ACTION, MIGRATION_PATH, toGatekeeperAction } from "../catalogue/enforcement";
import { Enforcement } from "../catalogue/types";

describe("enforcement levels and Gatekeeper actions", () => {
    it("map each level to the action with the same effect at admission", () => {
        assert.equal(toGatekeeperAction("mandatory"), "deny");
        assert.equal(toGatekeeperAction("advisory"), "warn");
        // A rule disabled at preview is still audited in the cluster, never silently blind.
        assert.equal(toGatekeeperAction("disabled"), "dryrun");
        // A validating constraint cannot mutate: what reaches the API server unfixed is rejected.
        assert.equal(toGatekeeperAction("remediate"), "deny");
        assert.deepEqual(Object.keys(GATEKEEPER_ACTION).sort(), ["advisory", "disabled", "mandatory", "remediate"]);
    });

    it("reject an unknown level, naming it and the known ones", () => {
        assert.throws(
            () => toGatekeeperAction("Mandatory" as Enforcement),
            /^Error: unknown enforcement level "Mandatory"; expected one of mandatory, advisory, disabled, remediate$/,
        );
        assert.throws(() => toGatekeeperAction("toString" as Enforcement), /unknown enforcement level "toString"/);
    });

    it("roll out audit first, then warn, then deny, and invert each action to the level producing it", () => {
        assert.deepEqual(MIGRATION_PATH, ["dryrun", "warn", "deny"]);
        for (const action of MIGRATION_PATH) assert.equal(toGatekeeperAction(LEVEL_FOR_ACTION[action]), action);
        assert.deepEqual(LEVEL_FOR_ACTION, { dryrun: "disabled", warn: "advisory", deny: "mandatory" });
    });
});
