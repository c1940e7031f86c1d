// Regenerates every file derived from the rule catalogue and the stack files, in one command:
// the rule table in policy-pack/README.md and policy-config/<stack>.json for every stack.
// Usage: npm run generate      (no options; the staleness tests say when it is needed)
import * as fs from "fs";
import * as path from "path";
import { RULES } from "../policy-pack/catalogue";
import { README_PATH, ruleTableMarkdown, withTable } from "../policy-pack/pack/rule-table";
import { ENVIRONMENTS } from "../stacks/types";
import { PROJECT_ROOT } from "./mock-engine";
import { POLICY_CONFIG_DIR, renderPolicyConfig } from "./policy-config";

/** Every generated file with the content it should have now (absolute path -> text). */
export function generatedFiles(): Map<string, string> {
    const files = new Map<string, string>();
    files.set(README_PATH, withTable(fs.readFileSync(README_PATH, "utf8"), ruleTableMarkdown(RULES)));
    for (const stack of ENVIRONMENTS) files.set(path.join(POLICY_CONFIG_DIR, `${stack}.json`), renderPolicyConfig(stack));
    return files;
}

/** Writes the files whose content changed; returns their paths relative to the project. */
export function writeGenerated(): string[] {
    const changed: string[] = [];
    fs.mkdirSync(POLICY_CONFIG_DIR, { recursive: true });
    for (const [file, text] of generatedFiles()) {
        if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) continue;
        fs.writeFileSync(file, text);
        changed.push(path.relative(PROJECT_ROOT, file));
    }
    return changed;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    if (args.length > 0) {
        console.error(`generate: unexpected argument "${args[0]}" (npm run generate takes no options)`);
        process.exit(2);
    }
    try {
        const changed = writeGenerated();
        console.log(changed.length === 0 ? "generate: every generated file is up to date" : `generate: wrote ${changed.join(", ")}`);
    } catch (error) {
        console.error(`generate failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(2);
    }
}
