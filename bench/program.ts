// Program evaluation cost: the prod program declared under mocks vs just importing the two provider SDKs,
// each in a fresh child process (node + tsx, as `pulumi preview` runs node + ts-node), measured from spawn
// to exit by the parent, interleaved so machine noise hits both alike.
import { spawn } from "child_process";
import * as path from "path";
import { median } from "./lib/stats";

const CHILD = path.join(__dirname, "program-child.ts");

export interface ChildRun {
    wallMs: number;
    sinceStartMs: number;
    /** CPU the child used (user + system, its own process.cpuUsage at exit). */
    cpuMs: number;
    maxRssKiB: number;
    resources: number;
}

function runChild(mode: "program" | "imports", stack: string): Promise<ChildRun> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn(process.execPath, ["--require", "tsx/cjs", CHILD, mode, stack], {
            cwd: path.resolve(__dirname, ".."),
            env: { ...process.env, NODE_OPTIONS: "" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("exit", (code) => {
            const wallMs = performance.now() - started;
            const line = stdout.trim().split("\n").pop() ?? "";
            if (code !== 0 || !line.startsWith("{")) {
                reject(new Error(`${mode} child exited ${code}:\n${stderr.slice(-2000)}`));
                return;
            }
            const parsed = JSON.parse(line) as Omit<ChildRun, "wallMs">;
            resolve({
                wallMs,
                sinceStartMs: parsed.sinceStartMs,
                cpuMs: parsed.cpuMs,
                maxRssKiB: parsed.maxRssKiB,
                resources: parsed.resources,
            });
        });
    });
}

export interface ProgramResult {
    label: string;
    runs: ChildRun[];
    medianWallMs: number;
    medianCpuMs: number;
    medianMaxRssKiB: number;
    resources: number;
}

export async function measureProgram(
    runs: number,
    stack = "prod",
    log?: (line: string) => void,
): Promise<{ program: ProgramResult; imports: ProgramResult }> {
    const program: ChildRun[] = [];
    const imports: ChildRun[] = [];
    for (let i = 0; i < runs; i++) {
        // Alternating order: neither always runs right after the other.
        const order = i % 2 === 0 ? (["program", "imports"] as const) : (["imports", "program"] as const);
        for (const mode of order) (mode === "program" ? program : imports).push(await runChild(mode, stack));
        const p = program[program.length - 1];
        const f = imports[imports.length - 1];
        log?.(
            `  program ${i + 1}/${runs}: ${Math.round(p.cpuMs)} ms CPU, ${Math.round(p.wallMs)} ms wall (${p.resources} resources); imports only: ${Math.round(f.cpuMs)} ms CPU, ${Math.round(f.wallMs)} ms wall`,
        );
    }
    const summarize = (label: string, list: ChildRun[]): ProgramResult => ({
        label,
        runs: list,
        medianWallMs: median(list.map((r) => r.wallMs)),
        medianCpuMs: median(list.map((r) => r.cpuMs)),
        medianMaxRssKiB: median(list.map((r) => r.maxRssKiB)),
        resources: list[0]?.resources ?? 0,
    });
    return { program: summarize("program", program), imports: summarize("imports", imports) };
}
