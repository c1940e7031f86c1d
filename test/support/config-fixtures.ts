// Test support: reads a config fixture (test/fixtures/config/<name>.yaml) - a stack file's `config:` map
// plus the stack name - into the shape `runProgram` and `plainConfigSource` take, normalized exactly as
// `readStackConfigFile` normalizes a real stack file.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { normalizeConfigMap } from "../../tools/mock-engine";

export { normalizeConfigMap };

export const CONFIG_FIXTURES_DIR = path.resolve(__dirname, "..", "fixtures", "config");

export interface ConfigFixture {
    stack: string;
    /** Fully-qualified keys (secure-gitops:...) to string values. */
    config: Record<string, string>;
    secretKeys: string[];
}

export function readConfigFixture(name: string, dir = CONFIG_FIXTURES_DIR): ConfigFixture {
    const doc = parseYaml(fs.readFileSync(path.join(dir, `${name}.yaml`), "utf8")) as { stack: string; config: Record<string, unknown> };
    return { stack: doc.stack, ...normalizeConfigMap(doc.config ?? {}) };
}
