// Engine tests need tools from `bash tools/install-tools.sh`. On a developer machine without them a test
// skips with one line naming the install command; in CI (CI=true) a missing tool fails the test.
import { EngineTool, INSTALL_COMMAND, locateTool, toolsRequired } from "../../tools/engines/locate";

const announced = new Set<string>();

/** The tool's path, or skips the calling suite/test (fails in CI) when it is not installed. */
export function requireTool(ctx: Mocha.Context, name: EngineTool): string {
    const found = locateTool(name);
    if (found) return found;
    const line = `${name} is not installed: run \`${INSTALL_COMMAND}\``;
    if (toolsRequired()) throw new Error(`${line} (CI runs every engine test)`);
    if (!announced.has(name)) {
        announced.add(name);
        process.stderr.write(`skip: ${line}\n`);
    }
    ctx.skip();
}
