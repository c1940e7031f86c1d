// A resource as the engine hands it to an analyzer (Analyze, AnalyzeStack): its own module so that the
// harness (analyzer.ts) and the conversion from a program run (program-resources.ts) share it without an
// import cycle.

export interface AnalyzerResourceInput {
    type: string;
    urn?: string;
    name: string;
    props: Record<string, unknown>;
    options?: {
        protect?: boolean;
        ignoreChanges?: string[];
        deleteBeforeReplace?: boolean;
        additionalSecretOutputs?: string[];
        aliases?: string[];
        parent?: string;
    };
    provider?: { type: string; urn: string; name: string; props: Record<string, unknown> };
    /** AnalyzeStack only. */
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}
