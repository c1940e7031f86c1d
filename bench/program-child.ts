// Child process for the program benchmark (bench/program.ts spawns it fresh each run):
//   program - declare the whole prod graph under mocks (tools/mock-engine.ts runProgram)
//   imports - only import @pulumi/gcp and @pulumi/kubernetes (the floor: what any program on them pays)
// Prints one JSON line: time since process start, CPU used (user + system), peak RSS, resources declared.
const mode = process.argv[2];

async function main(): Promise<number> {
    if (mode === "imports") {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- timed on purpose, after process start
        require("@pulumi/gcp");
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- timed on purpose, after process start
        require("@pulumi/kubernetes");
        return 0;
    }
    if (mode === "program") {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- timed on purpose, after process start
        const { runProgram } = require("../tools/mock-engine") as typeof import("../tools/mock-engine");
        const run = await runProgram({ stack: process.argv[3] ?? "prod" });
        return run.resources.length;
    }
    throw new Error(`unknown mode ${mode} (program|imports)`);
}

main().then(
    (resources) => {
        // performance.now() counts from the process's time origin (process start).
        const cpu = process.cpuUsage();
        process.stdout.write(
            `${JSON.stringify({ mode, sinceStartMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS, resources })}\n`,
        );
        process.exit(0);
    },
    (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
    },
);
