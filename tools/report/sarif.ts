// SARIF 2.1.0 output: one result per violation, rule metadata from the catalogue, so code scanning shows
// the title, remediation and framework mappings next to each finding.
import { createHash } from "crypto";
import { Rule, Severity } from "../../policy-pack/catalogue";
import { Report, Violation } from "./model";

/** GitHub code scanning reads `security-severity` (0-10) to rank findings. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

function level(violation: Violation): "error" | "warning" | "note" {
    if (violation.enforcement === "mandatory" || violation.enforcement === "remediate") return "error";
    return violation.enforcement === "advisory" ? "warning" : "note";
}

export interface SarifOptions {
    toolVersion: string;
    /** Artifact that plan results point at (plan has no source line per resource). */
    defaultArtifact: string;
    /** Distinguishes runs in code scanning, e.g. `plan/dev`. */
    category: string;
}

export function toSarif(report: Report, rules: readonly Rule[], options: SarifOptions): Record<string, unknown> {
    const evaluated = rules.filter((r) => report.rules.some((e) => e.id === r.id));
    const index = new Map(evaluated.map((r, i) => [r.id, i]));
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: {
                    driver: {
                        name: "secure-gitops-policies",
                        version: options.toolVersion,
                        informationUri: "https://github.com/acme/secure-gitops",
                        rules: evaluated.map((rule) => ({
                            id: rule.id,
                            name: rule.title.replace(/[^A-Za-z0-9]+/g, " ").trim().replace(/ (\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
                            shortDescription: { text: rule.title },
                            fullDescription: { text: rule.description },
                            help: { text: rule.remediation, markdown: `**Remediation:** ${rule.remediation}` },
                            defaultConfiguration: { level: rule.defaultEnforcement === "advisory" ? "warning" : "error" },
                            properties: {
                                tags: ["security", ...rule.frameworks.map((f) => `${f.framework}:${f.control}`)],
                                "security-severity": SECURITY_SEVERITY[rule.severity],
                                precision: "very-high",
                                severity: rule.severity,
                            },
                        })),
                    },
                },
                automationDetails: { id: `${options.category}/` },
                invocations: [{ executionSuccessful: true, endTimeUtc: report.generatedAt }],
                results: report.violations.map((v) => {
                    const logicalName = v.resource.urn ?? `${v.resource.type}/${v.resource.namespace ? `${v.resource.namespace}/` : ""}${v.resource.name}`;
                    return {
                        ruleId: v.ruleId,
                        ...(index.has(v.ruleId) ? { ruleIndex: index.get(v.ruleId) } : {}),
                        level: level(v),
                        message: { text: v.message },
                        locations: [
                            {
                                physicalLocation: {
                                    artifactLocation: { uri: v.resource.file ?? options.defaultArtifact },
                                    region: { startLine: v.resource.line ?? 1 },
                                },
                                logicalLocations: [{ fullyQualifiedName: logicalName, kind: "resource" }],
                            },
                        ],
                        partialFingerprints: {
                            resourceRule: createHash("sha256").update(`${v.ruleId}|${logicalName}|${v.message}`).digest("hex").slice(0, 32),
                        },
                        properties: { enforcement: v.enforcement, severity: v.severity, resourceType: v.resource.type },
                    };
                }),
            },
        ],
    };
}
