// The stack's application source as `key=value` lines for $GITHUB_OUTPUT: the PR workflow checks the app
// repository out at the Application's targetRevision with them, so the plan renders what Argo CD will sync.
// Usage: npm run --silent app-source -- --stack <dev|staging|prod>   (exit 2 with one line on a bad stack)
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parseStackConfig, plainConfigSource } from "../stacks/config";
import { repositoryDirName } from "./charts/app";
import { PROJECT_ROOT, readStackConfigFile } from "./mock-engine";

export function appSourceLines(stack: string): string[] {
    if (!/^[a-z0-9-]+$/.test(stack) || !fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`)))
        throw new Error(`--stack ${stack}: no Pulumi.${stack}.yaml`);
    const file = readStackConfigFile(stack);
    const config = parseStackConfig(plainConfigSource(file.config, file.secretKeys), stack);
    const a = config.argocd;
    // Validated config: the URL and the revision hold no whitespace, so each is one output line.
    return [
        `enabled=${config.features.argocd && a.appNamespaces.length > 0}`,
        `repository=${a.appRepoUrl}`,
        `revision=${a.appRevision}`,
        `path=${a.appPath}`,
        `name=${repositoryDirName(a.appRepoUrl)}`,
    ];
}

if (require.main === module) {
    try {
        const { values } = parseArgs({ args: process.argv.slice(2), options: { stack: { type: "string" } } });
        if (!values.stack) throw new Error("--stack is required");
        for (const line of appSourceLines(values.stack)) console.log(line);
    } catch (error) {
        console.error(`app-source: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
        process.exit(2);
    }
}
