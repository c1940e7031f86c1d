// What a component's workloads (Helm releases, Argo CD objects) must wait for: the resources in
// `args.dependsOn` plus the component's own `dependsOn` option. Pulumi does not pass a component's
// dependsOn on to its children, and nothing may be installed before admission control enforces.
import * as pulumi from "@pulumi/pulumi";

export function admissionGates(
    args: { dependsOn?: pulumi.Resource[] },
    opts?: pulumi.ComponentResourceOptions,
): pulumi.Input<pulumi.Resource>[] {
    const inherited = opts?.dependsOn;
    const fromOpts =
        inherited === undefined
            ? []
            : Array.isArray(inherited)
              ? inherited
              : pulumi.Resource.isInstance(inherited)
                ? [inherited]
                : undefined;
    if (fromOpts === undefined) throw new Error("pass dependsOn as a list of resources (args.dependsOn), not an Output");
    return [...(args.dependsOn ?? []), ...fromOpts];
}
