// Writes the CrossGuard policy configuration of each stack (policy-config/<stack>.json) for
// `pulumi preview|up --policy-pack policy-pack --policy-pack-config policy-config/<stack>.json`.
// The same settings render the Gatekeeper constraints, so both enforcement points agree. A test fails
// when a committed file is stale. Usage: npm run policy-config [-- --stack dev]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { policyPackConfig } from "../platform/policy-settings";
import { parseStackConfig, plainConfigSource } from "../stacks/config";
import { ENVIRONMENTS } from "../stacks/types";
import { PROJECT_ROOT, readStackConfigFile } from "./mock-engine";

export const POLICY_CONFIG_DIR = path.join(PROJECT_ROOT, "policy-config");

/** The policy config JSON text for a stack, from its Pulumi.<stack>.yaml (in `root`, the project by default). */
export function renderPolicyConfig(stack: string, root = PROJECT_ROOT): string {
    const { config, secretKeys } = readStackConfigFile(stack, root);
    const stackConfig = parseStackConfig(plainConfigSource(config, secretKeys), stack);
    return JSON.stringify(policyPackConfig(stackConfig.policy), null, 2) + "\n";
}

if (require.main === module) {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { stack: { type: "string", multiple: true } } });
    fs.mkdirSync(POLICY_CONFIG_DIR, { recursive: true });
    for (const stack of values.stack ?? ENVIRONMENTS) {
        const file = path.join(POLICY_CONFIG_DIR, `${stack}.json`);
        fs.writeFileSync(file, renderPolicyConfig(stack));
        console.log(`wrote ${path.relative(PROJECT_ROOT, file)}`);
    }
}
