// The pack as an org-wide gate, over the real Analyzer gRPC protocol (the pack spawned as the engine spawns
// it): hostile input never fails a request, one resource's response stays under 1 MB, secrets never reach
// an output (pack messages, plan/check JSON, Markdown, SARIF), and a policy config fails closed.
// In-process counterparts (every rule, more cases): policy-pack/test/robustness.test.ts.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { RULES, ruleById } from "../policy-pack/catalogue";
import { MAX_FINDINGS_PER_RULE } from "../policy-pack/catalogue/evaluate";
import { UNKNOWN_SENTINEL } from "../policy-pack/catalogue/types";
import { policyConfigProblems } from "../policy-pack/pack/config";
import { REDACTED } from "../policy-pack/pack/secrets";
import { loadCorpus } from "../policy-pack/test/corpus";
import {
    corpusResource,
    craftedStrings,
    hostileValue,
    pick,
    prng,
    replaceAt,
    samplePaths,
    secret,
    subtreePaths,
} from "../policy-pack/test/support/hostile";
import { AnalyzerResourceInput, Diagnostic, PolicyPackAnalyzer } from "../tools/analyzer/analyzer";
import { runCheck, settingsFromPolicyConfig } from "../tools/check";
import { coverageFrom, Report, REPORT_FORMAT_VERSION, scoreCompliance, Violation } from "../tools/report/model";
import { writeReport } from "../tools/report/write";

const ROOT = path.join(__dirname, "..");
const ONE_MB = 1024 * 1024;

function perPolicy(diagnostics: readonly Diagnostic[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const d of diagnostics) counts.set(d.policyName, (counts.get(d.policyName) ?? 0) + 1);
    return counts;
}

/** Every text file a report writes, concatenated (JSON, Markdown, SARIF). */
function writtenReport(report: Report): string {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "robust-report-"));
    const written = writeReport(report, RULES, { dir: out, defaultArtifact: "Pulumi.dev.yaml" });
    return [written.json, written.markdown, written.sarif].map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** A plan-style report from pack diagnostics, as tools/plan.ts builds it. */
function planReport(diagnostics: readonly { d: Diagnostic; resource: AnalyzerResourceInput }[]): Report {
    const violations: Violation[] = diagnostics.map(({ d, resource }) => ({
        ruleId: d.policyName,
        severity: ruleById(d.policyName).severity,
        enforcement: d.enforcementLevel,
        message: d.message,
        resource: { type: resource.type, name: resource.name, urn: d.urn },
    }));
    return {
        formatVersion: REPORT_FORMAT_VERSION,
        exemptions: [],
        tool: "plan",
        generatedAt: new Date(0).toISOString(),
        stack: "dev",
        inputs: ["Pulumi.dev.yaml"],
        resources: [],
        violations,
        compliance: scoreCompliance(RULES, (r) => r.defaultEnforcement, coverageFrom([], violations)),
        rules: RULES.map((r) => ({ id: r.id, enforcement: r.defaultEnforcement })),
    };
}

// Distinctive plaintexts: none of them occurs in any rule text, so a hit in an output is a leak.
const S = {
    name: "s3cr3t-name-4f1a",
    namespace: "s3cr3t-ns-9c2e",
    container: "s3cr3t-container-77b0",
    image: "s3cr3t-registry-a81d.example/app:latest",
    serviceAccount: "s3cr3t-sa-5d3c",
    label: "s3cr3t-label-e4f9",
    providerNamespace: "s3cr3t-provider-ns-0b7d",
    environment: "s3cr3t-env-c6a2",
    imageType: "S3CR3T_IMAGE_TYPE_1e55",
    channel: "S3CR3T_CHANNEL_9a0f",
    sysctl: "s3cr3t.sysctl.d41c",
    volume: "s3cr3t-volume-2b8e",
    hostPort: 31337,
    procMount: "S3cr3tProcMount",
};

/** Plaintexts that also occur in rule texts (SARIF rule help): checked in the pack's messages only. */
const S_MESSAGES_ONLY = { member: "allUsers", sourceRange: "0.0.0.0/0" };

/** Resources in which every field a message can name is a secret, each with a rule that must report on it. */
function secretResources(): { resource: AnalyzerResourceInput; rules: string[] }[] {
    const pod = {
        metadata: { name: secret(S.name), namespace: secret(S.namespace), labels: { "app.kubernetes.io/name": secret(S.label) } },
        spec: {
            serviceAccountName: secret(S.serviceAccount),
            securityContext: { sysctls: [{ name: secret(S.sysctl), value: "1" }] },
            volumes: [{ name: secret(S.volume), hostPath: { path: "/var/run" } }],
            containers: [
                {
                    name: secret(S.container),
                    image: secret(S.image),
                    ports: [{ containerPort: 80, hostPort: secret(S.hostPort) }],
                    securityContext: { privileged: true, procMount: secret(S.procMount) },
                },
            ],
        },
    };
    return [
        {
            resource: { type: "kubernetes:core/v1:Pod", name: "secret-pod", props: pod },
            rules: [
                "images-disallow-latest",
                "pss-baseline-privileged",
                "pods-no-automount-service-account-token",
                "resources-requests-limits",
                "pss-baseline-sysctls",
                "metadata-required-labels",
                "pss-baseline-host-path",
                "pss-baseline-host-ports",
                "pss-baseline-proc-mount",
            ],
        },
        {
            resource: {
                type: "kubernetes:apps/v1:Deployment",
                name: "secret-deployment",
                props: {
                    metadata: { name: "d" },
                    spec: { template: { metadata: { labels: {} }, spec: { containers: [{ name: "app", image: "nginx:latest" }] } } },
                },
                provider: {
                    type: "pulumi:providers:kubernetes",
                    urn: "urn:pulumi:dev::secure-gitops::pulumi:providers:kubernetes::k8s",
                    name: "k8s",
                    props: { namespace: secret(S.providerNamespace) },
                },
            },
            rules: ["images-disallow-latest"],
        },
        {
            resource: {
                type: "kubernetes:core/v1:Service",
                name: "secret-service",
                props: { metadata: { name: secret(S.name), namespace: secret(S.namespace) }, spec: { type: "LoadBalancer" } },
            },
            rules: ["services-no-public-loadbalancer"],
        },
        {
            resource: {
                type: "gcp:container/cluster:Cluster",
                name: "secret-cluster",
                props: {
                    deletionProtection: false,
                    resourceLabels: { environment: secret(S.environment) },
                    releaseChannel: { channel: secret(S.channel) },
                    nodeConfig: { imageType: secret(S.imageType) },
                },
            },
            rules: ["gke-deletion-protection", "gke-release-channel", "gke-cos-containerd"],
        },
        {
            resource: {
                type: "gcp:storage/bucketIAMMember:BucketIAMMember",
                name: "secret-member",
                props: { bucket: "b", role: "roles/storage.objectViewer", member: secret(S_MESSAGES_ONLY.member) },
            },
            rules: ["gcs-no-public-access"],
        },
        {
            resource: {
                type: "gcp:compute/firewall:Firewall",
                name: "secret-firewall",
                props: { network: "n", sourceRanges: [secret(S_MESSAGES_ONLY.sourceRange)], allows: [{ protocol: "tcp", ports: ["22"] }] },
            },
            rules: ["firewall-no-public-ssh-rdp"],
        },
    ];
}

describe("the pack on hostile input over the Analyzer protocol", function () {
    this.timeout(300000);
    let analyzer: PolicyPackAnalyzer;

    before(async () => {
        analyzer = await PolicyPackAnalyzer.start();
        await analyzer.configure({});
    });
    after(async () => {
        if (analyzer) await analyzer.close();
    });

    it("answers a Pod with a 1 MB crafted image about as fast as one with a 1 MB plain image (no backtracking)", async () => {
        const pod = (image: string): AnalyzerResourceInput => ({
            type: "kubernetes:core/v1:Pod",
            name: "big-image",
            props: { metadata: { name: "p", namespace: "apps" }, spec: { containers: [{ name: "app", image }] } },
        });
        const timed = async (image: string, expectFinding: boolean, runs: number): Promise<number> => {
            const times: number[] = [];
            for (let i = 0; i < runs; i++) {
                const start = process.hrtime.bigint();
                const result = await analyzer.analyzeWithSize(pod(image));
                times.push(Number(process.hrtime.bigint() - start) / 1e6);
                assert.ok(result.bytes < ONE_MB, `response of ${result.bytes} bytes`);
                assert.deepEqual(
                    result.diagnostics.filter((d) => d.message.includes("can't run")),
                    [],
                );
                if (expectFinding) assert.equal(result.diagnostics.filter((d) => d.policyName === "images-disallow-latest").length, 1);
            }
            return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
        };
        const plain = await timed("a".repeat(ONE_MB - 8) + ":latest", true, 3);
        for (const [shape, image] of Object.entries(craftedStrings(ONE_MB))) {
            const crafted = await timed(image, false, 1);
            // Side by side on the same machine: the crafted shapes took 13-27 s against well under 1 s before.
            assert.ok(crafted < plain * 4 + 200, `${shape}: ${crafted.toFixed(0)} ms vs ${plain.toFixed(0)} ms for a plain image`);
        }
    });

    it("keeps one resource's response under 1 MB: a Pod with 5,000 :latest containers", async () => {
        const containers = Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: "nginx:latest" }));
        const result = await analyzer.analyzeWithSize({
            type: "kubernetes:core/v1:Pod",
            name: "wide",
            props: { metadata: { name: "wide", namespace: "apps" }, spec: { containers } },
        });
        assert.ok(result.bytes < ONE_MB, `response of ${result.bytes} bytes`);
        const counts = perPolicy(result.diagnostics);
        assert.equal(counts.get("images-disallow-latest"), MAX_FINDINGS_PER_RULE + 1);
        assert.ok(
            [...counts.values()].every((n) => n <= MAX_FINDINGS_PER_RULE + 1),
            JSON.stringify([...counts]),
        );
        const more = result.diagnostics.filter((d) => d.policyName === "images-disallow-latest").pop()!;
        assert.match(more.message, /4980 more finding\(s\) of this rule on this resource/);
    });

    it("prints every secret-wrapped field a message can name as [secret]: pack messages, plan JSON, Markdown and SARIF", async () => {
        const cases = secretResources();
        const all: { d: Diagnostic; resource: AnalyzerResourceInput }[] = [];
        for (const { resource, rules } of cases) {
            const diagnostics = await analyzer.analyze(resource);
            for (const rule of rules)
                assert.ok(
                    diagnostics.some((d) => d.policyName === rule),
                    `${resource.name}: ${rule} reports (the field is judged by its value)`,
                );
            assert.ok(
                diagnostics.some((d) => d.message.includes(REDACTED)),
                `${resource.name}: some message shows [secret]`,
            );
            all.push(...diagnostics.map((d) => ({ d, resource })));
        }
        // The SDK prefixes each message with the policy's description (rule text, which may name "allUsers").
        const messages = all.map(({ d }) => d.message.replace(ruleById(d.policyName).description, "")).join("\n");
        const outputs = [messages, writtenReport(planReport(all))];
        for (const text of outputs)
            for (const plaintext of Object.values(S)) assert.ok(!text.includes(String(plaintext)), `${plaintext} leaked`);
        for (const plaintext of Object.values(S_MESSAGES_ONLY))
            assert.ok(!messages.includes(plaintext), `${plaintext} leaked:\n${messages}`);
        assert.ok(outputs[1].includes(REDACTED), "the written reports show [secret]");
    });

    it("fuzz (seeded, bounded): hostile corpus variants never fail a request, stay capped and small, leak no secret, and unknowns add nothing", async () => {
        const rng = prng(7);
        const corpus = loadCorpus();
        let requests = 0;
        let unknownOnly = 0;
        for (let i = 0; i < 160; i++) {
            const c = pick(rng, corpus);
            const { type, props } = corpusResource(c);
            const paths = subtreePaths(props);
            if (paths.length === 0) continue;
            const onlyUnknowns = c.expect === "pass" && !c.params && rng() < 0.4;
            let mutated = props;
            for (const p of samplePaths(paths, 1 + Math.floor(rng() * 3), rng)) {
                // A replaced parent makes deeper paths vanish: replace only where the path still exists.
                try {
                    mutated = replaceAt(mutated, p, onlyUnknowns ? UNKNOWN_SENTINEL : hostileValue(rng));
                } catch {
                    continue;
                }
            }
            const resource: AnalyzerResourceInput = { type, name: `fuzz-${i}`, props: mutated };
            let result: Awaited<ReturnType<PolicyPackAnalyzer["analyzeWithSize"]>>;
            try {
                result = await analyzer.analyzeWithSize(resource);
            } catch (error) {
                assert.fail(`case ${i} (${c.file} / ${c.name}): RPC error ${(error as Error).message}`);
            }
            requests++;
            assert.ok(result.bytes < ONE_MB, `case ${i}: ${result.bytes} bytes`);
            assert.deepEqual(
                result.diagnostics.filter((d) => d.message.includes("can't run")),
                [],
                `case ${i}: SDK unknown-value advisory`,
            );
            for (const [policy, n] of perPolicy(result.diagnostics))
                assert.ok(n <= MAX_FINDINGS_PER_RULE + 1, `case ${i}: ${policy} sent ${n}`);
            for (const d of result.diagnostics)
                assert.ok(!d.message.includes("hunter2-secret-value"), `case ${i}: secret in ${d.policyName}`);
            if (onlyUnknowns) {
                unknownOnly++;
                const baseline = perPolicy(await analyzer.analyze({ type, name: `fuzz-${i}`, props }));
                for (const [policy, n] of perPolicy(result.diagnostics))
                    assert.ok(n <= (baseline.get(policy) ?? 0), `case ${i} (${c.file} / ${c.name}): unknowns added ${policy}`);
            }
        }
        assert.ok(requests > 120 && unknownOnly > 10, `${requests} requests, ${unknownOnly} unknown-only`);
        assert.equal(analyzer.stderr.trim(), "", "nothing on the pack's stderr");
    });
});

describe("secrets in the manifest check", () => {
    it("judges secret-wrapped values but prints them as [secret] in every report file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-secrets-"));
        const deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: secret(S.name), namespace: secret(S.namespace) },
            spec: { template: { spec: { containers: [{ name: secret(S.container), image: secret(S.image) }] } } },
        };
        fs.writeFileSync(path.join(dir, "d.yaml"), stringify(deployment));
        const { report, problems } = runCheck([dir], settingsFromPolicyConfig());
        assert.deepEqual(problems, []);
        assert.ok(
            report.violations.some((v) => v.ruleId === "images-disallow-latest"),
            "the secret image is still judged",
        );
        const text = JSON.stringify(report) + writtenReport(report);
        for (const plaintext of [S.name, S.namespace, S.container, S.image]) assert.ok(!text.includes(plaintext), `${plaintext} leaked`);
        assert.ok(text.includes(REDACTED));
    });
});

describe("policy config fails closed", () => {
    it("rejects unknown rule ids, inexact levels, unknown parameters and wrong types, naming each", () => {
        const cases: [unknown, RegExp][] = [
            [{ "images-disallow-latest": "Mandatory" }, /"images-disallow-latest": "Mandatory" is not a valid enforcement level/],
            [{ "images-disallow-latest": "mandatory " }, /"mandatory " is not a valid enforcement level/],
            [{ all: "bogus" }, /"all": "bogus" is not a valid enforcement level/],
            [{ "images-disallow-latst": "advisory" }, /unknown rule id "images-disallow-latst"/],
            [
                { "images-disallow-latest": { enforcementLevel: "MANDATORY" } },
                /enforcementLevel: "MANDATORY" is not a valid enforcement level/,
            ],
            [{ "images-disallow-latest": { exemptNamespace: ["a"] } }, /unknown parameter "exemptNamespace"/],
            [{ "images-disallow-latest": { requireDigest: "true" } }, /requireDigest: expected boolean, got string/],
            [{ "images-allowed-registries": { allowedRegistries: ["a/", 3] } }, /allowedRegistries\[1\]: expected string, got number/],
            [{ "metadata-required-labels": { labels: [{ key: "a", regex: "x" }] } }, /labels\[0\]: unknown property "regex"/],
            [{ "services-no-public-loadbalancer": { clouds: ["GKE"] } }, /clouds\[0\]: "GKE" is not one of/],
            [{ "firewall-no-public-ssh-rdp": { ports: [0] } }, /ports\[0\]: must be >= 1/],
            [{ "gke-release-channel": 3 }, /expected an enforcement level or an object, got number/],
            [[], /must be a JSON object/],
        ];
        for (const [config, expected] of cases) {
            const problems = policyConfigProblems(config, RULES);
            assert.equal(problems.length, 1, `${JSON.stringify(config)}: ${problems.join(" | ")}`);
            assert.match(problems[0], expected);
        }
    });

    it("accepts the example config and every generated per-stack config", () => {
        const files = [
            path.join(ROOT, "policy-pack/test/fixtures/policy-config.json"),
            ...fs.readdirSync(path.join(ROOT, "policy-config")).map((f) => path.join(ROOT, "policy-config", f)),
        ];
        assert.ok(files.length >= 4);
        for (const file of files) assert.deepEqual(policyConfigProblems(JSON.parse(fs.readFileSync(file, "utf8")), RULES), [], file);
    });

    it("npm run check --policy-config exits 2 with one line and checks nothing when the config is invalid", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-config-"));
        const config = path.join(dir, "policy.json");
        fs.writeFileSync(config, JSON.stringify({ "images-disallow-latest": "Mandatory", "no-such-rule": "advisory" }));
        const out = path.join(dir, "out");
        const run = spawnSync(
            process.execPath,
            [
                "--import",
                "tsx",
                path.join(ROOT, "tools/check.ts"),
                "--policy-config",
                config,
                "--out",
                out,
                path.join(ROOT, "test/fixtures/manifests/app"),
            ],
            { encoding: "utf8" },
        );
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stdout, "", "nothing was checked");
        const lines = run.stderr.trim().split("\n");
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
            lines[0],
            /^check: --policy-config .*policy\.json: .*"Mandatory" is not a valid enforcement level.*unknown rule id "no-such-rule"/,
        );
        assert.equal(fs.existsSync(out), false, "no report written");
    });
});
