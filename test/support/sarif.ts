// Validates SARIF output against the official SARIF 2.1.0 JSON schema shipped in schemas/.
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv-draft-04";

let validator: ReturnType<Ajv["compile"]> | undefined;

export function sarifSchemaErrors(log: unknown): string[] {
    if (!validator) {
        const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schemas", "sarif-2.1.0.json"), "utf8")) as Record<
            string,
            unknown
        >;
        delete schema.id; // the schema's remote id is informational; validate offline
        // The schema's patterns are written for .NET/ECMAScript without the `u` flag (one has a stray `]`), and
        // its `format`s are annotations here (ajv-formats is not installed): validate structure and types.
        validator = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false }).compile(schema);
    }
    return validator(log) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}
