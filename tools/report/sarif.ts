// SARIF 2.1.0 output: one result per violation (one per object and rule), rule metadata from the catalogue,
// so code scanning shows the title, remediation and framework mappings next to each finding. Results point
// at the offending field's line, with repository-relative URIs; suppressed violations carry a SARIF
// `suppressions` entry with their reason. Results beyond the cap are cut lowest severity first, and the run
// says how many were cut.
import { createHash } from "crypto";
import { Rule, Severity } from "../../policy-pack/catalogue";
import { compareViolations, Report, Violation } from "./model";

/** GitHub code scanning reads `security-severity` (0-10) to rank findings. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/** GitHub code scanning stores at most 5,000 results per run (and rejects uploads over 25,000). */
export const SARIF_MAX_RESULTS = 5000;

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
    /** Cap on results (default SARIF_MAX_RESULTS). */
    maxResults?: number;
    /**
     * Where the app repository's files are: `app` (default) under the `APPROOT` base (the app repository at its
     * commit), `srcroot` when the SARIF goes to the app repository's own code scanning (its root is %SRCROOT%).
     */
    appRoot?: "app" | "srcroot";
}

/** The base id of the application repository's files (plan with the app rendered). */
export const APP_ROOT = "APPROOT";

/** `https://github.com/o/r(.git)` at a commit -> `https://github.com/o/r/blob/<commit>/`; other hosts: no URI. */
function appRootUri(repoUrl: string, ref: string): string | undefined {
    const m = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(repoUrl);
    return m && /^[A-Za-z0-9_./-]+$/.test(ref) ? `https://github.com/${m[1]}/${m[2]}/blob/${ref}/` : undefined;
}

/** A repository-relative path as a SARIF URI: forward slashes, each segment percent-encoded. */
export function relativeUri(file: string): string {
    return file.replace(/\\/g, "/").replace(/^\.\//, "").split("/").map(encodeURIComponent).join("/");
}

/** A location: repository-relative against %SRCROOT%, or an absolute file URI for a file outside the root. */
function artifactLocation(file: string): Record<string, string> {
    const posix = file.replace(/\\/g, "/");
    return posix.startsWith("/") ? { uri: `file://${relativeUri(posix)}` } : { uri: relativeUri(posix), uriBaseId: "%SRCROOT%" };
}

export function toSarif(report: Report, rules: readonly Rule[], options: SarifOptions): Record<string, unknown> {
    const evaluated = rules.filter((r) => report.rules.some((e) => e.id === r.id) || report.violations.some((v) => v.ruleId === r.id));
    const index = new Map(evaluated.map((r, i) => [r.id, i]));
    const max = options.maxResults ?? SARIF_MAX_RESULTS;
    // Active violations first, then suppressed; both critical first: a cut drops the least important.
    const ordered = [...report.violations].sort(
        (a, b) => Number(Boolean(a.suppressed)) - Number(Boolean(b.suppressed)) || compareViolations(a, b),
    );
    const kept = ordered.slice(0, max);
    const cut = ordered.length - kept.length;
    const cutNote =
        cut > 0
            ? `${cut} of ${ordered.length} results were cut (lowest severity first) to stay within GitHub code scanning's limit of ${max} results per run; every result is in ${report.tool}.json.`
            : undefined;
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
                            name: rule.title
                                .replace(/[^A-Za-z0-9]+/g, " ")
                                .trim()
                                .replace(/ (\w)/g, (_, c: string) => c.toUpperCase())
                                .replace(/^\w/, (c) => c.toUpperCase()),
                            shortDescription: { text: rule.title },
                            fullDescription: { text: rule.description },
                            help: { text: rule.remediation, markdown: `**Remediation:** ${rule.remediation}` },
                            defaultConfiguration: { level: rule.defaultEnforcement === "advisory" ? "warning" : "error" },
                            properties: {
                                // Code scanning keeps 10 tags per rule.
                                tags: ["security", ...rule.frameworks.map((f) => `${f.framework}:${f.control}`)].slice(0, 10),
                                "security-severity": SECURITY_SEVERITY[rule.severity],
                                precision: "very-high",
                                severity: rule.severity,
                            },
                        })),
                    },
                },
                automationDetails: { id: `${options.category}/` },
                originalUriBaseIds: {
                    "%SRCROOT%": { description: { text: "The repository root" } },
                    ...(report.app && options.appRoot !== "srcroot"
                        ? {
                              [APP_ROOT]: {
                                  ...(appRootUri(report.app.source.repoUrl, report.app.source.commit ?? report.app.source.revision)
                                      ? {
                                            uri: appRootUri(
                                                report.app.source.repoUrl,
                                                report.app.source.commit ?? report.app.source.revision,
                                            ),
                                        }
                                      : {}),
                                  description: {
                                      text: `The application repository ${report.app.source.repoUrl} at ${report.app.source.commit ?? report.app.source.revision}`,
                                  },
                              },
                          }
                        : {}),
                },
                invocations: [
                    {
                        executionSuccessful: true,
                        endTimeUtc: report.generatedAt,
                        ...(cutNote ? { toolExecutionNotifications: [{ level: "warning", message: { text: cutNote } }] } : {}),
                    },
                ],
                properties: { resultsTotal: ordered.length, resultsCut: cut },
                results: kept.map((v) => {
                    const logicalName =
                        v.resource.urn ?? `${v.resource.type}/${v.resource.namespace ? `${v.resource.namespace}/` : ""}${v.resource.name}`;
                    return {
                        ruleId: v.ruleId,
                        ...(index.has(v.ruleId) ? { ruleIndex: index.get(v.ruleId) } : {}),
                        level: level(v),
                        message: { text: v.message },
                        locations: [
                            {
                                physicalLocation: {
                                    artifactLocation:
                                        v.resource.origin === "app" && v.resource.file && options.appRoot !== "srcroot"
                                            ? { uri: relativeUri(v.resource.file), uriBaseId: APP_ROOT }
                                            : artifactLocation(v.resource.file ?? options.defaultArtifact),
                                    region: { startLine: v.line ?? v.resource.line ?? 1 },
                                },
                                logicalLocations: [{ fullyQualifiedName: logicalName, kind: "resource" }],
                            },
                        ],
                        ...(v.suppressed
                            ? {
                                  suppressions: [
                                      {
                                          kind: "inSource",
                                          status: "accepted",
                                          justification: `${v.suppressed.reason}${v.suppressed.expires ? ` (until ${v.suppressed.expires})` : ""}`,
                                      },
                                  ],
                              }
                            : {}),
                        partialFingerprints: {
                            resourceRule: createHash("sha256").update(`${v.ruleId}|${logicalName}`).digest("hex").slice(0, 32),
                        },
                        properties: {
                            enforcement: v.enforcement,
                            severity: v.severity,
                            resourceType: v.resource.type,
                            ...(v.resource.origin ? { origin: v.resource.origin } : {}),
                            ...(v.fields ? { fields: v.fields } : {}),
                        },
                    };
                }),
            },
        ],
    };
}
