// Every upstream tool is installed from its official Helm chart at an exact version, the same way: into a
// namespace the platform created (with its Pod Security labels and NetworkPolicies), atomically - a failed
// install or upgrade rolls back instead of leaving a half-configured security tool running.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartInstallSource } from "../stacks/types";
import { PinnedChart } from "./chart-pins";
import { releaseChart } from "./chart-source";

export type { PinnedChart } from "./chart-pins";

export interface PinnedReleaseArgs {
    /** Helm release name; fixed, because the charts derive service and account names from it. */
    releaseName: string;
    namespace: pulumi.Input<string>;
    values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release's workloads. Defaults to Helm's 300. */
    timeoutSeconds?: number;
    /** The chart's CRDs are installed by another release. */
    skipCrds?: boolean;
    /** Where the chart is installed from (stack config `chartDirectory`/`chartRepositoryMirror`); official repository by default. */
    chartSource?: ChartInstallSource;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

export function pinnedRelease(
    name: string,
    chart: PinnedChart,
    args: PinnedReleaseArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    if (!EXACT_VERSION.test(chart.version))
        throw new Error(`chart ${chart.chart}: version "${chart.version}" is not an exact x.y.z version`);
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            namespace: args.namespace,
            ...releaseChart(chart, args.chartSource ?? { kind: "official" }),
            createNamespace: false,
            atomic: true,
            cleanupOnFail: true,
            ...(args.timeoutSeconds !== undefined ? { timeout: args.timeoutSeconds } : {}),
            ...(args.skipCrds ? { skipCrds: true } : {}),
            values: args.values,
        },
        opts,
    );
}
