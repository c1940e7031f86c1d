// Starting the stand-in providers (stand-in-provider.ts) the end-to-end tests attach to the engine through
// PULUMI_DEBUG_PROVIDERS, each reporting the version the program's SDK package asks for.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/mock-engine";

const STAND_IN = path.join(PROJECT_ROOT, "test", "support", "stand-in-provider.ts");

/** The provider version the program's SDK package asks for (the stand-in reports it, so the engine sees no mismatch). */
function sdkVersion(pkg: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
    };
    return manifest.dependencies[`@pulumi/${pkg}`];
}

/** Starts one stand-in provider and resolves with the port it prints. */
export function startStandIn(pkg: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(process.execPath, ["--import", "tsx", STAND_IN, pkg, sdkVersion(pkg)], {
        cwd: PROJECT_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stand-in ${pkg} reported no port in 60 s:\n${stderr}`)), 60_000);
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            const match = /^(\d+)\s*$/m.exec(stdout);
            if (match) {
                clearTimeout(timer);
                resolve({ child, port: Number(match[1]) });
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`stand-in ${pkg} exited with ${code}:\n${stderr}`));
        });
    });
}
