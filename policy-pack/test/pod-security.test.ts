// Pod Security rules beyond the shared corpus tests: the automatic fixes (fixtures/pod-security-remediate.yaml)
// and the CEL verdict on the unknown-value corpus cases, which the agreement test skips because Gatekeeper
// never sees them - but the same CEL must not deny a preview-time object the pack would admit.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RULES, ruleById } from "../catalogue";
import { effectiveParams, evaluateKubernetes } from "../catalogue/evaluate";
import { K8sObject, KubernetesRule } from "../catalogue/types";
import { loadCorpus } from "./corpus";
import { evaluateCel } from "./gatekeeper-cel";
import { isValidPodSecurityVersion, LATEST_MINOR, NEWEST_KNOWN_MINOR, POD_SECURITY_VERSION_PATTERN, pssMinor } from "../lib/pss-version";
import { PssParams } from "../lib/define-rule";

/** The Pod Security Standards rules plus readOnlyRootFilesystem, which is written the same way. */
const podSecurityRules = RULES.filter((r) => r.id.startsWith("pss-") || r.id === "containers-read-only-root-filesystem");

interface RemediationCase {
    name: string;
    rule: string;
    params?: Record<string, unknown>;
    object: K8sObject;
    expected?: K8sObject;
    unchanged?: boolean;
    stillViolates?: boolean;
}

const remediationCases = (
    parse(fs.readFileSync(path.join(__dirname, "fixtures", "pod-security-remediate.yaml"), "utf8")) as { cases: RemediationCase[] }
).cases;

describe("Pod Security remediation", () => {
    it("is defined exactly for the rules with a safe fix", () => {
        const withFix = podSecurityRules.filter((r) => r.target === "kubernetes" && r.remediate !== undefined).map((r) => r.id);
        assert.deepEqual(withFix.sort(), ["pss-restricted-privilege-escalation", "pss-restricted-seccomp"]);
    });

    for (const c of remediationCases) {
        it(`${c.rule}: ${c.name}`, () => {
            const rule = ruleById(c.rule) as KubernetesRule;
            assert.ok(rule.remediate !== undefined, `${c.rule} has no remediate`);
            const input = structuredClone(c.object);
            const fixed = rule.remediate(input, effectiveParams(rule, c.params));
            assert.deepEqual(input, c.object, "remediate must not mutate its input");
            assert.deepEqual(fixed, c.unchanged ? c.object : c.expected);
            const remaining = evaluateKubernetes(rule, fixed, c.params);
            if (c.stillViolates) assert.ok(remaining.length > 0, "the explicit choice left for a human should still be reported");
            else assert.deepEqual(remaining, [], "the fixed object should pass the rule");
        });
    }
});

describe("Pod Security CEL on preview-time (unknown) values", () => {
    for (const c of loadCorpus().filter((k) => k.unknown && podSecurityRules.some((r) => r.id === k.rule))) {
        it(`${c.rule}: ${c.name}`, () => {
            const rule = ruleById(c.rule) as KubernetesRule;
            // Gatekeeper gets exemptNamespaces as match.excludedNamespaces, not as a parameter.
            const { exemptNamespaces, ...parameters }: Record<string, unknown> = { ...effectiveParams(rule, c.params) };
            assert.ok(Array.isArray(exemptNamespaces));
            const verdict = evaluateCel(rule.cel, c.object, parameters);
            assert.deepEqual(verdict.errors, []);
            assert.equal(verdict.allowed, c.expect === "pass", verdict.messages.join(" | "));
        });
    }
});

describe("Pod Security version parameter (podSecurityVersion)", () => {
    const pssRules = podSecurityRules.filter((r): r is KubernetesRule => r.target === "kubernetes" && r.id.startsWith("pss-"));

    it("every PSS rule takes podSecurityVersion, default latest, with PSA's syntax as its schema pattern", () => {
        assert.ok(pssRules.length >= 19, `only ${pssRules.length} PSS rules`);
        for (const rule of pssRules) {
            assert.equal((rule.defaultParams as Partial<PssParams>).podSecurityVersion, "latest", rule.id);
            assert.equal(rule.paramsSchema.podSecurityVersion?.pattern, POD_SECURITY_VERSION_PATTERN, rule.id);
        }
        // readOnlyRootFilesystem is not a Pod Security Standard, so it has no version.
        assert.equal((ruleById("containers-read-only-root-filesystem") as KubernetesRule).paramsSchema.podSecurityVersion, undefined);
    });

    const valid = ["latest", "v1.0", "v1.8", "v1.19", "v1.35", "v1.37", "v1.40", "v1.123", "v1.123456789"];
    const invalid = ["", "Latest", "1.35", "v1.035", "v2.1", "v1.", "v1.3a", " v1.35", "v1.35 ", "v1.-1"];

    it("accepts latest and v1.NN, and nothing else (schema pattern and the rules' own check agree)", () => {
        const pattern = new RegExp(POD_SECURITY_VERSION_PATTERN);
        for (const v of valid) {
            assert.ok(pattern.test(v), `pattern rejects ${v}`);
            assert.ok(isValidPodSecurityVersion(v), `isValidPodSecurityVersion rejects ${v}`);
        }
        for (const v of invalid) {
            assert.ok(!pattern.test(v), `pattern accepts ${JSON.stringify(v)}`);
            assert.ok(!isValidPodSecurityVersion(v), `isValidPodSecurityVersion accepts ${JSON.stringify(v)}`);
        }
        assert.ok(!isValidPodSecurityVersion(135), "a number is not a version");
    });

    it("maps versions to the minor PSA evaluates, newer than known and latest alike, in TypeScript and CEL", () => {
        const expected: [unknown, number][] = [
            ["v1.0", 0],
            ["v1.18", 18],
            ["v1.34", 34],
            [`v1.${NEWEST_KNOWN_MINOR}`, NEWEST_KNOWN_MINOR],
            [`v1.${NEWEST_KNOWN_MINOR + 1}`, LATEST_MINOR],
            ["latest", LATEST_MINOR],
            [undefined, LATEST_MINOR],
        ];
        const rule = ruleById("pss-baseline-sysctls") as KubernetesRule;
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p", namespace: "a" },
            spec: { containers: [{ name: "c", image: "i:1" }] },
        };
        for (const [version, minor] of expected) {
            assert.equal(pssMinor({ podSecurityVersion: version }), minor, String(version));
            // The CEL variable reaches the same number: a validation that is true exactly at that minor.
            const cel = { variables: rule.cel.variables, validations: [{ expression: `variables.pssMinor == ${minor}`, message: "x" }] };
            const verdict = evaluateCel(cel, pod, version === undefined ? {} : { podSecurityVersion: version });
            assert.deepEqual(verdict.errors, []);
            assert.ok(verdict.allowed, `CEL pssMinor != ${minor} for ${String(version)}`);
        }
    });

    it("changes verdicts at PSA's thresholds (one control per threshold, either side)", () => {
        const pod = (spec: Record<string, unknown>): K8sObject => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p", namespace: "a" },
            spec,
        });
        const app = { name: "app", image: "registry.example.com/a:1" };
        const cases: [string, K8sObject, number][] = [
            ["pss-restricted-privilege-escalation", pod({ containers: [app] }), 8],
            ["pss-restricted-seccomp", pod({ containers: [app] }), 19],
            ["pss-restricted-capabilities", pod({ containers: [app] }), 22],
            ["pss-restricted-run-as-user", pod({ securityContext: { runAsUser: 0 }, containers: [app] }), 23],
            [
                "pss-baseline-sysctls",
                pod({ securityContext: { sysctls: [{ name: "net.ipv4.ip_local_reserved_ports" }] }, containers: [app] }),
                27,
            ],
            ["pss-baseline-selinux", pod({ securityContext: { seLinuxOptions: { type: "container_engine_t" } }, containers: [app] }), 31],
            [
                "pss-baseline-host-probes",
                pod({ containers: [{ ...app, readinessProbe: { tcpSocket: { host: "10.0.0.1", port: 1 } } }] }),
                34,
            ],
            [
                "pss-restricted-proc-mount",
                pod({ hostUsers: false, containers: [{ ...app, securityContext: { procMount: "Unmasked" } }] }),
                35,
            ],
        ];
        for (const [id, object, since] of cases) {
            const rule = ruleById(id) as KubernetesRule;
            const before = evaluateKubernetes(rule, object, { podSecurityVersion: `v1.${since - 1}` }).length > 0;
            const at = evaluateKubernetes(rule, object, { podSecurityVersion: `v1.${since}` }).length > 0;
            // Some controls start at the threshold (pass, then violation); the relaxations and additions end one (violation, then pass).
            assert.notEqual(before, at, `${id}: same verdict at v1.${since - 1} and v1.${since}`);
            const { exemptNamespaces, ...params }: Record<string, unknown> = {
                ...effectiveParams(rule, { podSecurityVersion: `v1.${since}` }),
            };
            assert.ok(Array.isArray(exemptNamespaces));
            assert.equal(evaluateCel(rule.cel, object, params).allowed, !at, `${id}: CEL disagrees at v1.${since}`);
        }
    });
});

describe("Pod Security rules on malformed input", () => {
    // Values no API server would decode: every rule must still answer (never throw), and its CEL must
    // evaluate without errors and agree with the TypeScript verdict.
    const hostile: unknown[] = [
        { toString: "x", valueOf: "y" },
        ["a", { toString: 1 }],
        42,
        true,
        "",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9x",
        { type: { toString: "x" } },
    ];
    const fields = [
        (v: unknown) => ({ securityContext: v, containers: [{ name: "c", image: "i:1" }] }),
        (v: unknown) => ({
            securityContext: { sysctls: [v], seccompProfile: v, appArmorProfile: v, seLinuxOptions: v, windowsOptions: v },
            containers: [{ name: "c", image: "i:1" }],
        }),
        (v: unknown) => ({
            hostUsers: v,
            os: v,
            volumes: [{ name: "x", hostPath: v }, v],
            containers: [{ name: "c", image: "i:1", securityContext: v }],
        }),
        (v: unknown) => ({
            containers: [
                {
                    name: v,
                    image: "i:1",
                    ports: [v],
                    livenessProbe: v,
                    lifecycle: { preStop: v },
                    securityContext: { capabilities: { add: [v], drop: v }, procMount: v, privileged: v },
                },
            ],
        }),
        (v: unknown) => ({
            containers: [
                v,
                {
                    name: "c",
                    image: v,
                    readinessProbe: { httpGet: { host: v } },
                    securityContext: { runAsUser: v, runAsNonRoot: v, allowPrivilegeEscalation: v },
                },
            ],
        }),
        (v: unknown) => ({ containers: v, initContainers: [{ name: "i", image: "i:1" }], ephemeralContainers: v }),
    ];

    it("never throws, and CEL answers without errors and as TypeScript does", () => {
        const rules = podSecurityRules.filter((r): r is KubernetesRule => r.target === "kubernetes");
        assert.ok(rules.length > 0 && hostile.length > 0 && fields.length > 0);
        for (const rule of rules) {
            for (const value of hostile) {
                for (const [index, build] of fields.entries()) {
                    const object = {
                        apiVersion: "v1",
                        kind: "Pod",
                        metadata: { name: "p", namespace: "a", annotations: { "seccomp.security.alpha.kubernetes.io/pod": value } },
                        spec: build(value),
                    } as K8sObject;
                    for (const podSecurityVersion of ["latest", "v1.18"]) {
                        const where = `${rule.id} / field set ${index} / ${JSON.stringify(value)} / ${podSecurityVersion}`;
                        let findings: unknown[] = [];
                        assert.doesNotThrow(() => (findings = evaluateKubernetes(rule, object, { podSecurityVersion })), where);
                        for (const f of findings as { message: string }[]) assert.equal(typeof f.message, "string", where);
                        const { exemptNamespaces, ...params }: Record<string, unknown> = {
                            ...effectiveParams(rule, { podSecurityVersion }),
                        };
                        assert.ok(Array.isArray(exemptNamespaces));
                        const verdict = evaluateCel(rule.cel, object, params);
                        assert.deepEqual(verdict.errors, [], where);
                        assert.equal(
                            verdict.allowed,
                            findings.length === 0,
                            `${where}: CEL ${verdict.allowed ? "allows" : "denies"}, TypeScript found ${findings.length}`,
                        );
                    }
                }
            }
        }
    });
});
