// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at } from "../catalogue/view";
import { finding } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { CLUSTER } from "../lib/resource-types";

/** GKE's components when `loggingConfig` / `monitoringConfig` are omitted. */
const DEFAULT_LOGGING_COMPONENTS = ["SYSTEM_COMPONENTS", "WORKLOADS"];

const DEFAULT_MONITORING_COMPONENTS = ["SYSTEM_COMPONENTS"];

function missingComponents(value: unknown, defaults: string[], required: string[]): string[] | undefined {
    const components = value === undefined ? defaults : value;
    if (isUnknown(components) || !Array.isArray(components) || components.some(isUnknown)) return undefined;
    const missing = required.filter((c) => !components.includes(c));
    return missing.length ? missing : undefined;
}

export const rule = cloudRule<{ requiredLoggingComponents: string[]; requiredMonitoringComponents: string[] }>({
    id: "gke-logging-monitoring",
    title: "GKE sends control-plane and workload logs and metrics to Cloud Logging/Monitoring",
    description: "Cloud Logging and Monitoring must be on, including API server logs, so incidents can be detected and investigated.",
    severity: "high",
    remediation:
        "Set `loggingConfig.enableComponents` to include SYSTEM_COMPONENTS, APISERVER and WORKLOADS, `monitoringConfig.enableComponents` to include SYSTEM_COMPONENTS, and never set loggingService/monitoringService to none.",
    frameworks: [cisGke("5.7.1"), nist("AU-2"), nist("AU-12"), nist("SI-4"), soc2("CC7.2"), soc2("CC7.3"), pci("10.2.1"), pci("10.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: {
        requiredLoggingComponents: ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"],
        requiredMonitoringComponents: ["SYSTEM_COMPONENTS"],
    },
    paramsSchema: {
        requiredLoggingComponents: {
            type: "array",
            items: { type: "string" },
            description: "Components `loggingConfig.enableComponents` must include.",
        },
        requiredMonitoringComponents: {
            type: "array",
            items: { type: "string" },
            description: "Components `monitoringConfig.enableComponents` must include.",
        },
    },
    resourceTypes: [CLUSTER],
    check(props, params) {
        const findings: Finding[] = [];
        for (const key of ["loggingService", "monitoringService"]) {
            if (props[key] === "none")
                findings.push(
                    finding(
                        key,
                        `${key} is none: remove it (defaults to Cloud ${key === "loggingService" ? "Logging" : "Monitoring"} for Kubernetes)`,
                    ),
                );
        }
        const components = [
            {
                label: "logging",
                field: "loggingConfig.enableComponents",
                defaults: DEFAULT_LOGGING_COMPONENTS,
                required: params.requiredLoggingComponents,
            },
            {
                label: "monitoring",
                field: "monitoringConfig.enableComponents",
                defaults: DEFAULT_MONITORING_COMPONENTS,
                required: params.requiredMonitoringComponents,
            },
        ];
        for (const { label, field, defaults, required } of components) {
            const missing = missingComponents(at(props, field), defaults, required);
            if (missing) findings.push(finding(field, `${label} misses ${missing.join(", ")}: add them to \`${field}\``));
        }
        return findings;
    },
});
