// The harness's daemons: each started in its own process group with its output in `<dir>/logs/<name>.log` and
// its PID in `<dir>/pids/<name>.pid`, and stopped by that PID (the whole group). A reaper process stops them all
// when the process that started them exits or their time is up, so nothing outlives a crashed test.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Daemon {
    name: string;
    pid: number;
    log: string;
}

function pidsDir(dir: string): string {
    return path.join(dir, "pids");
}

/** Starts `bin args` detached (own process group), output to its log file, PID recorded. */
export function startDaemon(
    dir: string,
    name: string,
    bin: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
    cwd: string = dir,
): Daemon {
    fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
    fs.mkdirSync(pidsDir(dir), { recursive: true });
    const log = path.join(dir, "logs", `${name}.log`);
    const out = fs.openSync(log, "a");
    const child = spawn(bin, args, { cwd, env, detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
    child.unref();
    fs.writeFileSync(path.join(pidsDir(dir), `${name}.pid`), String(child.pid));
    return { name, pid: child.pid, log };
}

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The recorded PID of a daemon, when it is still running. */
export function runningPid(dir: string, name: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(path.join(pidsDir(dir), `${name}.pid`), "utf8"));
        return Number.isInteger(pid) && pid > 1 && alive(pid) ? pid : undefined;
    } catch {
        return undefined;
    }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        try {
            process.kill(pid, signal);
        } catch {
            // already gone
        }
    }
}

/** Stops one daemon by its recorded PID: SIGTERM to its group, SIGKILL after `graceMs`. */
export async function stopDaemon(dir: string, name: string, graceMs = 10_000): Promise<void> {
    const pid = runningPid(dir, name);
    if (pid !== undefined) {
        signalGroup(pid, "SIGTERM");
        const deadline = Date.now() + graceMs;
        while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (alive(pid)) signalGroup(pid, "SIGKILL");
    }
    fs.rmSync(path.join(pidsDir(dir), `${name}.pid`), { force: true });
}

/** Every daemon with a PID file, newest first (so dependants stop before what they depend on). */
export function recordedDaemons(dir: string): string[] {
    let files: fs.Dirent[];
    try {
        files = fs.readdirSync(pidsDir(dir), { withFileTypes: true });
    } catch {
        return [];
    }
    return files
        .filter((f) => f.isFile() && f.name.endsWith(".pid"))
        .map((f) => ({ name: f.name.slice(0, -4), mtime: fs.statSync(path.join(pidsDir(dir), f.name)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime)
        .map((f) => f.name);
}

/** Stops every recorded daemon, dependants first. */
export async function stopAll(dir: string): Promise<void> {
    for (const name of recordedDaemons(dir)) if (name !== "reaper") await stopDaemon(dir, name);
    await stopDaemon(dir, "reaper", 1_000);
}

/**
 * A reaper (plain bash, no Node.js) that kills every recorded daemon's group when `ownerPid` exits or after
 * `ttlSeconds`, whichever comes first; with `removeDir` it also deletes the run's directory.
 */
export function startReaper(dir: string, ownerPid: number | undefined, ttlSeconds: number, removeDir: boolean): Daemon {
    const script = [
        'dir="$1"; owner="$2"; deadline=$(( $(date +%s) + $3 )); remove="$4"',
        'while [ "$(date +%s)" -lt "$deadline" ]; do',
        '  if [ "$owner" != 0 ] && ! kill -0 "$owner" 2>/dev/null; then break; fi',
        "  sleep 2",
        "done",
        'for f in "$dir"/pids/*.pid; do',
        '  [ "$(basename "$f")" = reaper.pid ] && continue',
        '  p=$(cat "$f" 2>/dev/null) || continue',
        '  kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null',
        "done",
        "sleep 5",
        'for f in "$dir"/pids/*.pid; do',
        '  [ "$(basename "$f")" = reaper.pid ] && continue',
        '  p=$(cat "$f" 2>/dev/null) || continue',
        '  kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null',
        "done",
        'if [ "$remove" = true ]; then rm -rf "$dir"; fi',
    ].join("\n");
    return startDaemon(dir, "reaper", "bash", ["-c", script, "reaper", dir, String(ownerPid ?? 0), String(ttlSeconds), String(removeDir)]);
}

/** Whether a binary runs at all (a quick `--version`-style probe). */
export function runs(bin: string, args: string[]): boolean {
    return spawnSync(bin, args, { stdio: "ignore", timeout: 30_000 }).status === 0;
}
