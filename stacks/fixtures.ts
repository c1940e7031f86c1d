// Test support: reads a config fixture (test/fixtures/config/<name>.yaml) - a stack file's `config:` map
// plus the stack name - into the shape `runProgram` and `plainConfigSource` take. Values are normalized
// exactly as `readStackConfigFile` does: structures become JSON, `secure:` values become secret placeholders.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE } from "./config";

export const CONFIG_FIXTURES_DIR = path.resolve(__dirname, "..", "test", "fixtures", "config");

export interface ConfigFixture {
    stack: string;
    /** Fully-qualified keys (secure-gitops:...) to string values. */
    config: Record<string, string>;
    secretKeys: string[];
}

export function normalizeConfigMap(raw: Record<string, unknown>): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
        const fullKey = key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[fullKey] = `offline-placeholder-for-${key}`;
            secretKeys.push(fullKey);
        } else {
            config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

export function readConfigFixture(name: string, dir = CONFIG_FIXTURES_DIR): ConfigFixture {
    const doc = parseYaml(fs.readFileSync(path.join(dir, `${name}.yaml`), "utf8")) as { stack: string; config: Record<string, unknown> };
    return { stack: doc.stack, ...normalizeConfigMap(doc.config ?? {}) };
}
