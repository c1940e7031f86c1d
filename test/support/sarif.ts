// Validates SARIF output against the official SARIF 2.1.0 JSON schema shipped in schemas/.
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv-draft-04";

let validator: ReturnType<Ajv["compile"]> | undefined;

export function sarifSchemaErrors(log: unknown): string[] {
    if (!validator) {
        const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schemas", "sarif-2.1.0.json"), "utf8")) as Record<string, unknown>;
        delete schema.id; // the schema's remote id is informational; validate offline
        validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
    }
    return validator(log) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}
