import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";
import {
    CONFIG_KEYS,
    ConfigKey,
    ConfigKeySpec,
    ConfigSource,
    StackConfigError,
    loadStackConfig,
    parseStackConfig,
    plainConfigSource,
} from "../stacks/config";
import { CONFIG_FIXTURES_DIR, normalizeConfigMap, readConfigFixture } from "./support/config-fixtures";
import { GkeClusterConfig, StackConfig } from "../stacks/types";
import { PROJECT_ROOT, readStackConfigFile, runProgram } from "../tools/mock-engine";

type RawConfig = Record<string, unknown>;

interface InvalidCase {
    name: string;
    stack: string;
    base?: string;
    config: RawConfig;
    secretKeys?: string[];
    expectKey: string;
    expectValueFragment: string;
    expectAllowedFragment: string;
}

const invalid = parseYaml(fs.readFileSync(path.join(CONFIG_FIXTURES_DIR, "invalid.yaml"), "utf8")) as {
    bases: Record<string, RawConfig>;
    cases: InvalidCase[];
};

const SECRET_KEYS = (Object.keys(CONFIG_KEYS) as ConfigKey[]).filter((k) => (CONFIG_KEYS[k] as ConfigKeySpec).secret);

/** Merges a case over its base (null removes a key) and marks every set secret key as encrypted by default. */
function sourceFor(raw: RawConfig, secretKeys?: string[]): ConfigSource {
    const merged: RawConfig = {};
    for (const [k, v] of Object.entries(raw)) if (v !== null) merged[k] = v;
    const { config } = normalizeConfigMap(merged);
    const secrets = secretKeys ?? SECRET_KEYS.filter((k) => k in merged);
    return plainConfigSource(config, secrets);
}

function caseSource(c: InvalidCase): ConfigSource {
    return sourceFor({ ...invalid.bases[c.base ?? "gke"], ...c.config }, c.secretKeys);
}

function parseError(fn: () => unknown): StackConfigError {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof StackConfigError, `expected StackConfigError, got ${String(e)}`);
        return e;
    }
    assert.fail("expected a StackConfigError, nothing was thrown");
}

function stackFile(stack: string): StackConfig {
    const { config, secretKeys } = readStackConfigFile(stack);
    return parseStackConfig(plainConfigSource(config, secretKeys), stack);
}

function gke(config: StackConfig): GkeClusterConfig {
    assert.equal(config.cluster.mode, "gke");
    return config.cluster;
}

/** The smallest valid gke-mode config: what a stack must set because no safe default exists. */
const MINIMAL: RawConfig = {
    environment: "dev",
    gcpProject: "acme-secure-gitops-dev",
    appRepoUrl: "https://github.com/acme/missing-table-deploy",
    appNamespaces: ["missing-table"],
};

describe("stack configuration", () => {
    describe("invalid configurations (test/fixtures/config/invalid.yaml)", () => {
        it("has at least 20 cases", () => assert.ok(invalid.cases.length >= 20, `only ${invalid.cases.length} cases`));

        for (const [name, base] of Object.entries(invalid.bases)) {
            it(`base "${name}" is itself valid`, () => {
                const stack = String(base.environment);
                parseStackConfig(sourceFor(base), stack);
            });
        }

        for (const c of invalid.cases) {
            it(c.name, () => {
                const error = parseError(() => parseStackConfig(caseSource(c), c.stack));
                const problem = error.problems.find((p) => p.key === c.expectKey);
                assert.ok(problem, `no problem for ${c.expectKey}; got:\n${error.message}`);
                assert.ok(problem.value.includes(c.expectValueFragment), `value ${problem.value} lacks ${c.expectValueFragment}`);
                assert.ok(
                    problem.allowed.includes(c.expectAllowedFragment),
                    `allowed "${problem.allowed}" lacks "${c.expectAllowedFragment}"`,
                );
                const line = error.message.split("\n").find((l) => l.includes(`${c.expectKey}:`));
                assert.ok(line, `message does not name ${c.expectKey}:\n${error.message}`);
                assert.ok(
                    line.includes(c.expectValueFragment) && line.includes(c.expectAllowedFragment),
                    `message line incomplete: ${line}`,
                );
            });
        }

        it("never shows a secret's value in the message", () => {
            const token = "https://hooks.slack.com/services/T000/B000/very-secret-token";
            const error = parseError(() => parseStackConfig(sourceFor({ ...invalid.bases.gke, slackWebhookUrl: token }, []), "dev"));
            assert.ok(error.problems.some((p) => p.key === "secure-gitops:slackWebhookUrl"));
            assert.ok(!error.message.includes("very-secret-token"), error.message);
        });

        it("collects every problem into one error", () => {
            const error = parseError(() =>
                parseStackConfig(
                    sourceFor({
                        ...invalid.bases.gkeProd,
                        spotNodes: "true",
                        regional: "false",
                        policyEnforcement: "advisory",
                        nodeMinCount: "0",
                    }),
                    "prod",
                ),
            );
            const keys = error.problems.map((p) => p.key).sort();
            assert.deepEqual(keys, [
                "secure-gitops:nodeMinCount",
                "secure-gitops:policyEnforcement",
                "secure-gitops:regional",
                "secure-gitops:spotNodes",
            ]);
            assert.match(error.message, /4 problems/);
        });

        it("allows other stack names when the environment is set", () => {
            const config = parseStackConfig(sourceFor({ ...invalid.bases.gke }), "feature-x");
            assert.equal(config.environment, "dev");
        });

        it("allows 0.0.0.0/0 outside prod only with the explicit opt-out", () => {
            const config = parseStackConfig(
                sourceFor({
                    ...invalid.bases.gke,
                    allowPublicControlPlane: "true",
                    masterAuthorizedNetworks: '[{"cidrBlock": "0.0.0.0/0", "displayName": "anywhere"}]',
                }),
                "dev",
            );
            assert.deepEqual(gke(config).masterAuthorizedNetworks, [{ cidrBlock: "0.0.0.0/0", displayName: "anywhere" }]);
        });

        it("reports a bad list entry once, not also as a missing list", () => {
            const cases: [RawConfig, string, string][] = [
                [{ ...invalid.bases.gke, appNamespaces: ["Bad_Name"] }, "dev", "appNamespaces"],
                [{ ...invalid.bases.gke, trivySeverities: ["SEVERE"] }, "dev", "trivySeverities"],
                [{ ...invalid.bases.existing, apiServerCidrs: ["10.0.0.2"] }, "staging", "apiServerCidrs"],
            ];
            for (const [raw, stack, key] of cases) {
                const keys = parseError(() => parseStackConfig(sourceFor(raw), stack)).problems.map((p) => p.key);
                assert.deepEqual(keys, [`secure-gitops:${key}[0]`], key);
            }
        });

        it("accepts values at the edges of what is allowed", () => {
            const config = parseStackConfig(
                sourceFor({
                    ...invalid.bases.gke,
                    nodeMinCount: "2",
                    nodeMaxCount: "2",
                    nodeInitialCount: "2",
                    trivyComplianceCron: "0  */6 * * *",
                    allowedRegistries: ["registry.acme.example:5000/team/", "gcr.io", "LOCALHOST:5000"],
                    appSource: "helm",
                    appHelmValueFiles: ["values.yml", "envs/dev.yaml"],
                    appHelmReleaseName: "m".repeat(53),
                    appHelmParameters: '{"ingress.hostSuffix": "x}", "ingress.hostPrefix": "{x"}',
                }),
                "dev",
            );
            assert.deepEqual(gke(config).nodePool.minNodeCount, 2);
            assert.equal(config.trivy.complianceCron, "0  */6 * * *");
            assert.deepEqual(config.policy.allowedRegistries, ["registry.acme.example:5000/team/", "gcr.io", "LOCALHOST:5000"]);
            assert.deepEqual(config.argocd.appSource, {
                type: "helm",
                valueFiles: ["values.yml", "envs/dev.yaml"],
                releaseName: "m".repeat(53),
                parameters: [
                    { name: "ingress.hostSuffix", value: "x}" },
                    { name: "ingress.hostPrefix", value: "{x" },
                ],
            });
        });

        it("needs no repository or application namespace while Argo CD is disabled", () => {
            const config = parseStackConfig(
                sourceFor({ ...invalid.bases.gke, features: '{"argocd": false}', appRepoUrl: null, appNamespaces: null }),
                "dev",
            );
            assert.equal(config.features.argocd, false);
            assert.equal(config.argocd.appRepoUrl, "");
        });

        it("reads the project's own keys, with or without prefix, and ignores other namespaces", () => {
            const source = plainConfigSource({ "secure-gitops:environment": "dev", gcpRegion: "europe-west1", "gcp:project": "other" }, [
                "secure-gitops:repoPassword",
            ]);
            assert.deepEqual(source.keys?.(), ["environment", "gcpRegion"]);
            assert.equal(source.get("environment"), "dev");
            assert.equal(source.isSecret?.("repoPassword"), true);
            assert.equal(source.getSecret("project"), undefined);
        });
    });

    describe("stack files", () => {
        it("dev: small zonal spot cluster, advisory policies, webhook failing open", () => {
            const config = stackFile("dev");
            const cluster = gke(config);
            assert.equal(config.environment, "dev");
            assert.equal(config.gcpProject, "acme-secure-gitops-dev");
            assert.equal(cluster.regional, false);
            assert.equal(cluster.nodePool.spot, true);
            assert.equal(cluster.nodePool.machineType, "e2-standard-2");
            assert.deepEqual([cluster.nodePool.minNodeCount, cluster.nodePool.initialNodeCount, cluster.nodePool.maxNodeCount], [1, 1, 3]);
            assert.equal(cluster.deletionProtection, false);
            assert.deepEqual(
                cluster.masterAuthorizedNetworks.map((n) => n.cidrBlock),
                ["203.0.113.0/24", "198.51.100.0/28"],
            );
            assert.equal(config.policy.enforcement, "advisory");
            assert.equal(config.policy.webhookFailurePolicy, "Ignore");
            assert.equal(config.argocd.appRepoUrl, "https://github.com/silverbeer/missing-table");
            assert.equal(config.argocd.appPath, "helm/missing-table");
            assert.deepEqual(config.argocd.appSource, {
                type: "helm",
                valueFiles: ["values-prod.yaml"],
                parameters: [
                    { name: "ingress.enabled", value: "false" },
                    { name: "backend.env.environment", value: "development" },
                ],
                releaseName: "missing-table",
            });
            assert.equal(config.policy.appEnforcement, "advisory");
            assert.deepEqual(config.argocd.appNamespaces, ["missing-table"]);
            assert.deepEqual(config.trivy.severities, ["CRITICAL", "HIGH", "MEDIUM"]);
            assert.equal(config.audit.retentionDays, 30);
        });

        it("staging: regional, mandatory, failing closed", () => {
            const config = stackFile("staging");
            const cluster = gke(config);
            assert.equal(config.environment, "staging");
            assert.equal(cluster.regional, true);
            assert.equal(cluster.nodePool.spot, false);
            assert.equal(cluster.masterCidr, "172.16.0.16/28");
            assert.equal(config.policy.enforcement, "mandatory");
            assert.equal(config.policy.webhookFailurePolicy, "Fail");
            assert.equal(config.argocd.appPath, "helm/missing-table");
            assert.equal(config.argocd.appSource.type, "helm");
            // The app's migration step: warnings in staging while the platform namespaces deny.
            assert.equal(config.policy.appEnforcement, "advisory");
        });

        it("prod: regional, protected, restricted control plane, bigger nodes, a year of audit logs", () => {
            const config = stackFile("prod");
            const cluster = gke(config);
            assert.equal(config.environment, "prod");
            assert.equal(cluster.releaseChannel, "STABLE");
            assert.equal(cluster.regional, true);
            assert.equal(cluster.deletionProtection, true);
            assert.equal(cluster.privateEndpoint, false);
            assert.equal(cluster.nodePool.spot, false);
            assert.equal(cluster.nodePool.machineType, "e2-standard-8");
            assert.deepEqual([cluster.nodePool.minNodeCount, cluster.nodePool.maxNodeCount, cluster.nodePool.diskSizeGb], [2, 6, 200]);
            assert.ok(cluster.masterAuthorizedNetworks.length > 0);
            for (const n of cluster.masterAuthorizedNetworks)
                assert.ok(Number(n.cidrBlock.split("/")[1]) >= 24, `${n.cidrBlock} too broad for prod`);
            assert.equal(config.policy.enforcement, "mandatory");
            assert.equal(config.policy.webhookFailurePolicy, "Fail");
            assert.equal(config.argocd.appRepoUrl, "https://github.com/silverbeer/missing-table");
            assert.equal(config.argocd.appPath, "helm/missing-table");
            assert.deepEqual(config.argocd.appSource, {
                type: "helm",
                valueFiles: ["values-prod.yaml"],
                parameters: [],
                releaseName: "missing-table",
            });
            assert.equal(config.policy.appEnforcement, "mandatory");
            assert.equal(config.audit.retentionDays, 365);
            assert.equal(config.trivy.concurrentScanJobs, 5);
        });

        it("no stack points Argo CD at a placeholder repository", () => {
            for (const stack of ["dev", "staging", "prod"]) {
                const url = stackFile(stack).argocd.appRepoUrl;
                assert.ok(!/acme|example/.test(url), `${stack}: ${url}`);
            }
        });

        it("existing-cluster fixture: kubeconfig stays secret, no GKE settings", async () => {
            const fixture = readConfigFixture("existing");
            const config = parseStackConfig(plainConfigSource(fixture.config, fixture.secretKeys), fixture.stack);
            assert.equal(config.cluster.mode, "existing");
            if (config.cluster.mode !== "existing") return;
            assert.ok(config.cluster.kubeconfig, "kubeconfig missing");
            assert.equal(await pulumi.isSecret(config.cluster.kubeconfig), true);
            assert.equal(config.cluster.context, "missing-table-staging");
            assert.equal(config.features.grafana, false);
            assert.equal(config.features.auditLogging, true);
            assert.equal(config.argocd.appRepoUrl, "git@github.com:acme/missing-table-deploy.git");
        });
    });

    describe("defaults", () => {
        const project = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as {
            name: string;
            config: Record<
                string,
                { type: string; description?: string; default?: string | number | boolean | unknown[]; items?: { type: string } }
            >;
        };

        it("Pulumi.yaml declares exactly the keys the loader reads, with the same types and defaults", () => {
            assert.equal(project.name, "secure-gitops");
            assert.deepEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_KEYS).sort());
            for (const [key, declared] of Object.entries(project.config)) {
                const spec: ConfigKeySpec = CONFIG_KEYS[key as ConfigKey];
                assert.equal(declared.type, spec.type, `${key} type`);
                assert.ok(declared.description && declared.description.length > 10, `${key} needs a description`);
                assert.deepEqual(declared.default, spec.default, `${key} default`);
                if (declared.type === "array") assert.deepEqual(declared.items, { type: "string" }, `${key} items`);
            }
        });

        it("setting every Pulumi.yaml default explicitly changes nothing", () => {
            const explicit: RawConfig = {};
            for (const [key, declared] of Object.entries(project.config)) {
                if (declared.default !== undefined)
                    explicit[key] = Array.isArray(declared.default) ? declared.default : String(declared.default);
            }
            const implicitConfig = parseStackConfig(sourceFor(MINIMAL), "dev");
            const explicitConfig = parseStackConfig(sourceFor({ ...explicit, ...MINIMAL }), "dev");
            assert.deepEqual(explicitConfig, implicitConfig);
        });

        it("applies the secure defaults", () => {
            const config = parseStackConfig(sourceFor(MINIMAL), "dev");
            const cluster = gke(config);
            assert.equal(cluster.regional, true);
            assert.equal(cluster.deletionProtection, true);
            assert.equal(cluster.nodePool.spot, false);
            assert.equal(cluster.privateEndpoint, false);
            assert.deepEqual(cluster.masterAuthorizedNetworks, []);
            assert.equal(cluster.releaseChannel, "REGULAR");
            assert.deepEqual(
                [cluster.subnetCidr, cluster.podsCidr, cluster.servicesCidr, cluster.masterCidr],
                ["10.10.0.0/20", "10.16.0.0/14", "10.20.0.0/20", "172.16.0.0/28"],
            );
            assert.equal(config.gcpRegion, "europe-west1");
            assert.deepEqual(config.features, {
                argocd: true,
                gatekeeper: true,
                falco: true,
                trivy: true,
                auditLogging: true,
                monitoring: true,
                grafana: true,
                ingress: false,
            });
            assert.equal(config.policy.enforcement, "mandatory");
            assert.equal(config.policy.webhookFailurePolicy, "Fail");
            assert.equal(config.argocd.autoSyncPrune, true);
            assert.equal(config.argocd.autoSyncSelfHeal, true);
            assert.equal(config.argocd.appPath, ".");
            assert.equal(config.argocd.appRevision, "HEAD");
            assert.equal(config.argocd.oidc, undefined);
            assert.equal(config.alerting.minimumPriority, "warning");
            assert.equal(config.alerting.slackWebhookUrl, undefined);
            assert.deepEqual(config.trivy, { severities: ["CRITICAL", "HIGH"], concurrentScanJobs: 3, complianceCron: "0 */6 * * *" });
            assert.equal(config.audit.retentionDays, 90);
        });
    });

    describe("secrets", () => {
        it("stay secret Outputs", async () => {
            const config = parseStackConfig(
                sourceFor({
                    ...MINIMAL,
                    oidcIssuer: "https://accounts.google.com",
                    oidcClientId: "argocd",
                    oidcClientSecret: "oidc-secret",
                    repoUsername: "git",
                    repoPassword: "repo-token",
                    slackWebhookUrl: "https://hooks.slack.com/services/x",
                    pagerDutyRoutingKey: "pd-key",
                }),
                "dev",
            );
            const outputs = {
                oidcClientSecret: config.argocd.oidc?.clientSecret,
                repoPassword: config.argocd.repoPassword,
                slackWebhookUrl: config.alerting.slackWebhookUrl,
                pagerDutyRoutingKey: config.alerting.pagerDutyRoutingKey,
            };
            for (const [key, output] of Object.entries(outputs)) {
                assert.ok(pulumi.Output.isInstance(output), `${key} is not an Output`);
                assert.equal(await pulumi.isSecret(output), true, `${key} is not secret`);
            }
        });

        it("reach resources as secrets when the program runs", async () => {
            const { config, secretKeys } = normalizeConfigMap({ ...MINIMAL, slackWebhookUrl: "https://hooks.slack.com/services/x" });
            const run = await runProgram({
                stack: "dev",
                config,
                secretKeys: [...secretKeys, "secure-gitops:slackWebhookUrl"],
                program: () => {
                    const stackConfig = loadStackConfig();
                    // A ConfigMap, not a Secret: the kubernetes SDK marks Secret data secret on its own, which
                    // would hide a plaintext Output here.
                    new k8s.core.v1.ConfigMap("alerts", { data: { slack: stackConfig.alerting.slackWebhookUrl as pulumi.Output<string> } });
                },
            });
            const configMap = run.resources.find((r) => r.name === "alerts");
            assert.ok(configMap, "config map not declared");
            assert.equal(configMap.inputs.data.slack, "https://hooks.slack.com/services/x");
            assert.ok(
                configMap.secretPaths.some((p) => p.startsWith("data")),
                `secret paths: ${configMap.secretPaths.join(",")}`,
            );
        });
    });

    describe("loadStackConfig", () => {
        /** A stand-in for index.ts: config first, then resources. */
        const program = () => {
            const stackConfig = loadStackConfig();
            new k8s.core.v1.Namespace("apps", { metadata: { name: stackConfig.argocd.appNamespaces[0] } });
        };

        /** Runs `program` under the engine with this config and returns what it threw, plus the run. */
        const runCatching = async (stack: string, config: Record<string, string>, secretKeys?: string[]) => {
            let caught: unknown;
            const run = await runProgram({
                stack,
                config,
                secretKeys,
                program: () => {
                    try {
                        program();
                    } catch (e) {
                        caught = e;
                    }
                },
            });
            return { caught, run };
        };

        it("throws before any resource is declared", async () => {
            const { config } = readStackConfigFile("prod");
            const { caught, run } = await runCatching("prod", { ...config, "secure-gitops:spotNodes": "true" });
            assert.ok(caught instanceof StackConfigError, `expected StackConfigError, got ${String(caught)}`);
            assert.match(caught.message, /secure-gitops:spotNodes/);
            assert.deepEqual(
                run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                [],
            );
        });

        it("reads the stack's config and name under the engine", async () => {
            const run = await runProgram({ stack: "prod", program });
            assert.deepEqual(
                run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name),
                ["missing-table"],
            );
        });

        it("rejects a misspelled key and a plaintext secret from the engine's config", async () => {
            const { config } = readStackConfigFile("dev");
            const { caught } = await runCatching(
                "dev",
                {
                    ...config,
                    "secure-gitops:enviroment": "dev",
                    "secure-gitops:repoUsername": "git",
                    "secure-gitops:repoPassword": "plain",
                },
                [],
            );
            assert.ok(caught instanceof StackConfigError, `expected StackConfigError, got ${String(caught)}`);
            assert.deepEqual(caught.problems.map((p) => p.key).sort(), ["secure-gitops:enviroment", "secure-gitops:repoPassword"]);
        });
    });
});
