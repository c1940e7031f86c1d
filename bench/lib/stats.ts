// Small helpers shared by the benchmarks: medians, process memory and CPU from /proc.
import * as fs from "fs";

export function median(values: readonly number[]): number {
    return quantile(values, 0.5);
}

/** The q-quantile (0..1) of the values, interpolated between the two nearest ranks; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (sorted.length - 1) * Math.min(1, Math.max(0, q));
    const below = Math.floor(rank);
    const above = Math.ceil(rank);
    return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

export function round(value: number, digits = 1): number {
    const f = 10 ** digits;
    return Math.round(value * f) / f;
}

/** Peak resident set size of a live process in KiB (VmHWM), or undefined when it is gone. */
export function peakRssKiB(pid: number): number | undefined {
    try {
        const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) : undefined;
    } catch {
        return undefined;
    }
}

/** Kernel clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** User + system CPU time a live process has used, in ms. */
export function cpuMs(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * The pid of this process's child that runs a policy pack from `packDir` (the harness does not expose its
 * child; the pack is the only child with that working directory).
 */
export function packChildPid(packDir: string): number {
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            if (ppid !== process.pid) continue;
            if (fs.realpathSync(`/proc/${entry}/cwd`) === fs.realpathSync(packDir)) return Number(entry);
        } catch {
            // The process ended while we looked; not ours.
        }
    }
    throw new Error(`no child process of ${process.pid} runs in ${packDir}`);
}
