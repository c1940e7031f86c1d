// Turns a program run recorded by tools/mock-engine.ts into the resources the engine would hand the
// analyzer: custom resources (providers included, as they are registered resources too), each with its
// URN, type, name, inputs, parent, dependencies and the provider resource it is created with.
import type { ProgramRun, RecordedResource } from "../mock-engine";
import type { AnalyzerResourceInput } from "./resource";

/** A provider reference is `<provider urn>::<provider id>`; the URN itself contains `::`. */
function providerUrn(reference: string): string {
    const i = reference.lastIndexOf("::");
    return i > 0 ? reference.slice(0, i) : reference;
}

function isProvider(r: RecordedResource): boolean {
    return r.type.startsWith("pulumi:providers:");
}

export function resourcesFromProgramRun(run: ProgramRun): AnalyzerResourceInput[] {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    return run.resources
        .filter((r) => r.custom)
        .map((r) => {
            const provider = r.provider ? byUrn.get(providerUrn(r.provider)) : undefined;
            const input: AnalyzerResourceInput = {
                type: r.type,
                urn: r.urn,
                name: r.name,
                props: r.inputs,
                options: {
                    protect: r.protect,
                    ignoreChanges: r.ignoreChanges,
                    deleteBeforeReplace: r.deleteBeforeReplace,
                    parent: r.parent,
                },
                parent: r.parent,
                dependencies: r.dependencies,
            };
            if (provider && isProvider(provider))
                input.provider = { type: provider.type, urn: provider.urn, name: provider.name, props: provider.inputs };
            return input;
        });
}
