// Arguments of the bench's command-line tools: a bad one is an error line and the usage on stderr, exit 2.

export interface BenchCli {
    /** Prints `<tool>: <message>` and the usage, then exits 2. */
    usage: (message: string) => never;
    /** The argument as a positive integer, `fallback` when absent; anything else is a usage error. */
    positiveInteger: (raw: string | undefined, name: string, fallback: number) => number;
}

export function benchCli(tool: string, usageLine: string): BenchCli {
    const usage = (message: string): never => {
        console.error(`${tool}: ${message}\nusage: ${usageLine}`);
        process.exit(2);
    };
    const positiveInteger = (raw: string | undefined, name: string, fallback: number): number => {
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (!Number.isInteger(value) || value <= 0) usage(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
        return value;
    };
    return { usage, positiveInteger };
}
