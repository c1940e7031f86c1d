// The pack's Pod Security rules against Kubernetes' own Pod Security Admission (tools/engines/psa-check:
// k8s.io/pod-security-admission's checks and pod-spec extractor, after the API server's defaults), check by
// check and profile by profile, at every PSS version boundary: (a) every pss-* corpus object, (b) a seeded
// generated set, (c) the baseline and restricted profiles. The Gatekeeper side (each rule's CEL) is compared
// on the same objects. Zero disagreements; the by-design differences are the named lists below.
import { strict as assert } from "assert";
import { K8sObject, KUBERNETES_RULES } from "../../policy-pack/catalogue";
import { effectiveParams, evaluateKubernetes, matchesKind } from "../../policy-pack/catalogue/evaluate";
import { loadCorpus } from "../../policy-pack/test/corpus";
import { evaluateCel } from "../../policy-pack/test/gatekeeper-cel";
import { requireTool } from "../support/engines";
import { PsaCheckVerdict, PsaRequest, PsaResult, runPsaCheck } from "../support/psa-check";
import { generatePssObjects } from "../support/pss-objects";

/** Our rule -> PSA's check (policy.DefaultChecks() ids). */
const RULE_TO_CHECK: Record<string, string> = {
    "pss-baseline-privileged": "privileged",
    "pss-baseline-host-namespaces": "hostNamespaces",
    "pss-baseline-host-ports": "hostPorts",
    "pss-baseline-host-path": "hostPathVolumes",
    "pss-baseline-capabilities": "capabilities_baseline",
    "pss-baseline-proc-mount": "procMount",
    "pss-baseline-sysctls": "sysctls",
    "pss-baseline-apparmor": "appArmorProfile",
    "pss-baseline-selinux": "seLinuxOptions",
    "pss-baseline-seccomp": "seccompProfile_baseline",
    "pss-baseline-host-probes": "hostProbesAndHostLifecycle",
    "pss-baseline-windows-host-process": "windowsHostProcess",
    "pss-restricted-volume-types": "restrictedVolumes",
    "pss-restricted-proc-mount": "procMount_restricted",
    "pss-restricted-privilege-escalation": "allowPrivilegeEscalation",
    "pss-restricted-run-as-non-root": "runAsNonRoot",
    "pss-restricted-run-as-user": "runAsUser",
    "pss-restricted-seccomp": "seccompProfile_restricted",
    "pss-restricted-capabilities": "capabilities_restricted",
};

/** PSA's version boundaries: each is the first version where some check changes (policy/check_*.go). */
const BOUNDARIES = [
    "v1.0",
    "v1.8",
    "v1.19",
    "v1.22",
    "v1.23",
    "v1.25",
    "v1.27",
    "v1.29",
    "v1.31",
    "v1.32",
    "v1.34",
    "v1.35",
    "v1.37",
    "latest",
];
/** The corpus also runs just below each boundary and past the newest one (which PSA evaluates as its newest). */
const CORPUS_VERSIONS = [
    ...new Set([...BOUNDARIES, "v1.7", "v1.18", "v1.21", "v1.24", "v1.26", "v1.28", "v1.30", "v1.33", "v1.36", "v1.38"]),
];

/**
 * PSA's restricted profile replaces some baseline checks (VersionedCheck.OverrideCheckIDs); our rules are per
 * check, so all pss-* rules ANDed can be stricter than PSA restricted where the replacing check admits what
 * the baseline one forbids (policy-pack/README.md, "Where we differ from PSA"). Every override PSA reports is
 * listed; `diverges` says whether the profiles can differ on it.
 */
const RESTRICTED_OVERRIDES = [
    {
        baseline: "capabilities_baseline",
        restricted: "capabilities_restricted",
        diverges: true,
        why: "from v1.25 restricted capabilities exempts Windows pods, so restricted admits a Windows pod adding a non-default capability that baseline forbids",
    },
    {
        baseline: "seccompProfile_baseline",
        restricted: "seccompProfile_restricted",
        diverges: true,
        why: "from v1.25 restricted seccomp exempts Windows pods, so restricted admits a Windows pod with an Unconfined profile that baseline forbids",
    },
    {
        baseline: "hostPathVolumes",
        restricted: "restrictedVolumes",
        diverges: true,
        why: "restrictedVolumes admits a volume that names an allowed source next to hostPath (the API server's validation refuses two sources)",
    },
    {
        baseline: "procMount",
        restricted: "procMount_restricted",
        diverges: false,
        why: "restricted forbids every procMount that baseline forbids",
    },
];

/** Kinds PSA never evaluates that our rules judge (policy-pack/README.md, "Where we differ from PSA"). */
const KINDS_ONLY_WE_JUDGE = ["argoproj.io/v1alpha1 Rollout"];

/**
 * Corpus objects with a field of the wrong type (or a preview-time unknown in a typed field): the API server
 * refuses to decode them, so PSA never judges them; the corpus pins what our rules do with malformed input.
 */
const REJECTED_BY_THE_API_SERVER = [
    "pss-baseline-capabilities / a capability of the wrong type is outside the default set (malformed)",
    "pss-baseline-host-probes / a probe handler of the wrong type holds no host (malformed, skipped)",
    "pss-baseline-host-probes / a host of the wrong type is not empty (malformed, reported)",
    "pss-baseline-privileged / privileged as a string is not true (malformed, not judged as true)",
    "pss-baseline-seccomp / a seccompProfile string instead of an object is not an allowed profile (malformed)",
    "pss-baseline-sysctls / a sysctl name of the wrong type is not a safe one (malformed)",
    "pss-baseline-windows-host-process / a hostProcess string is not true (malformed, not judged as true)",
    "pss-restricted-privilege-escalation / allowPrivilegeEscalation as a string is not false (malformed)",
    "pss-restricted-run-as-non-root / unknown pod value does not hide a container false",
];

const pssRules = KUBERNETES_RULES.filter((r) => r.id.startsWith("pss-"));
const isBaseline = (ruleId: string) => ruleId.startsWith("pss-baseline-");

interface Sample extends PsaRequest {
    /** Where the object comes from, for messages. */
    source: string;
    /** The version is one the corpus case names itself. */
    named?: boolean;
}

interface Verdicts {
    /** Rule id -> allowed. */
    rules: Map<string, boolean>;
}

function packVerdicts(object: K8sObject, version: string): Verdicts {
    const rules = new Map<string, boolean>();
    for (const rule of pssRules) rules.set(rule.id, evaluateKubernetes(rule, object, { podSecurityVersion: version }).length === 0);
    return { rules };
}

/** The rule's CEL as Gatekeeper runs it (only on kinds the constraint matches; parameters minus exemptNamespaces). */
function celVerdicts(object: K8sObject, version: string): { rules: Map<string, boolean>; errors: string[] } {
    const rules = new Map<string, boolean>();
    const errors: string[] = [];
    for (const rule of pssRules) {
        const params: Record<string, unknown> = { ...effectiveParams(rule, { podSecurityVersion: version }) };
        if (!matchesKind(rule, object, params)) {
            rules.set(rule.id, true);
            continue;
        }
        // Gatekeeper gets exemptNamespaces as match.excludedNamespaces, not as a parameter.
        const { exemptNamespaces, ...parameters } = params;
        assert.ok(Array.isArray(exemptNamespaces));
        const verdict = evaluateCel(rule.cel, object, parameters);
        errors.push(...verdict.errors.map((e) => `${rule.id}: ${e}`));
        rules.set(rule.id, verdict.allowed);
    }
    return { rules, errors };
}

interface Comparison {
    compared: number;
    /** `<rule> ours=<pass|deny> psa=<pass|deny>` -> sample ids. */
    checkDisagreements: Map<string, string[]>;
    profileDisagreements: Map<string, string[]>;
    /** Samples where all rules ANDed deny and PSA restricted admits, by the override that explains it. */
    overrideDivergences: Map<string, string[]>;
    notEvaluatedKinds: Set<string>;
    rejected: Map<string, string>;
    overridesSeen: Set<string>;
    celErrors: string[];
}

function newComparison(): Comparison {
    return {
        compared: 0,
        checkDisagreements: new Map(),
        profileDisagreements: new Map(),
        overrideDivergences: new Map(),
        notEvaluatedKinds: new Set(),
        rejected: new Map(),
        overridesSeen: new Set(),
        celErrors: [],
    };
}

function note(map: Map<string, string[]>, key: string, id: string) {
    const list = map.get(key) ?? [];
    list.push(id);
    map.set(key, list);
}

const word = (allowed: boolean) => (allowed ? "pass" : "deny");

/** Compares one side (pack or CEL) with PSA over every sample; profile checks only for the pack. */
function compare(samples: readonly Sample[], results: readonly PsaResult[], side: "pack" | "cel"): Comparison {
    const out = newComparison();
    samples.forEach((sample, i) => {
        const psa = results[i];
        if (psa.error !== undefined) {
            out.rejected.set(sample.source, psa.error);
            return;
        }
        if (!psa.evaluated) {
            out.notEvaluatedKinds.add(`${String(sample.object.apiVersion)} ${String(sample.object.kind)}`);
            return;
        }
        out.compared++;
        let ours: Map<string, boolean>;
        if (side === "pack") ours = packVerdicts(sample.object, sample.version).rules;
        else {
            const cel = celVerdicts(sample.object, sample.version);
            out.celErrors.push(...cel.errors.map((e) => `${sample.source}@${sample.version}: ${e}`));
            ours = cel.rules;
        }
        const checks = psa.checks ?? {};
        for (const [ruleId, checkId] of Object.entries(RULE_TO_CHECK)) {
            // A check that is not part of the standard at this version admits everything.
            const verdict: PsaCheckVerdict | null | undefined = checks[checkId];
            if (verdict === undefined) throw new Error(`psa-check reported no ${checkId} for ${sample.source}`);
            const psaAllowed = verdict === null ? true : verdict.allowed;
            const ourAllowed = ours.get(ruleId)!;
            if (ourAllowed !== psaAllowed)
                note(
                    out.checkDisagreements,
                    `${ruleId} ${side}=${word(ourAllowed)} psa=${word(psaAllowed)}`,
                    `${sample.source}@${sample.version}`,
                );
        }
        if (side === "cel") return;
        const overrides = psa.restrictedOverrides ?? {};
        for (const [baseline, restricted] of Object.entries(overrides)) out.overridesSeen.add(`${baseline}->${restricted}`);
        const baselineOurs = [...ours].filter(([id]) => isBaseline(id)).every(([, allowed]) => allowed);
        if (baselineOurs !== psa.baseline!.allowed)
            note(
                out.profileDisagreements,
                `baseline ours=${word(baselineOurs)} psa=${word(psa.baseline!.allowed)}`,
                `${sample.source}@${sample.version}`,
            );
        // Restricted as PSA composes it: our restricted rules plus the baseline rules it does not override.
        const overridden = new Set(Object.keys(overrides));
        const restrictedOurs = [...ours]
            .filter(([id]) => !isBaseline(id) || !overridden.has(RULE_TO_CHECK[id]))
            .every(([, allowed]) => allowed);
        if (restrictedOurs !== psa.restricted!.allowed)
            note(
                out.profileDisagreements,
                `restricted ours=${word(restrictedOurs)} psa=${word(psa.restricted!.allowed)}`,
                `${sample.source}@${sample.version}`,
            );
        // All our rules ANDed: stricter than PSA restricted only where a documented override explains it.
        const allOurs = [...ours.values()].every(Boolean);
        if (allOurs !== psa.restricted!.allowed) {
            const failing = [...ours].filter(([, allowed]) => !allowed).map(([id]) => RULE_TO_CHECK[id]);
            const explained =
                !allOurs &&
                psa.restricted!.allowed &&
                failing.every((check) => RESTRICTED_OVERRIDES.some((o) => o.diverges && o.baseline === check && overridden.has(check)));
            note(
                explained ? out.overrideDivergences : out.profileDisagreements,
                explained
                    ? failing.sort().join("+")
                    : `all rules ANDed ours=${word(allOurs)} psa restricted=${word(psa.restricted!.allowed)}`,
                `${sample.source}@${sample.version}`,
            );
        }
    });
    return out;
}

function describeDisagreements(map: Map<string, string[]>): string {
    return [...map].map(([key, ids]) => `  ${key}: ${ids.length} (e.g. ${ids.slice(0, 3).join(", ")})`).join("\n");
}

function corpusSamples(): Sample[] {
    const cases = loadCorpus().filter((c) => c.rule.startsWith("pss-") && !c.unknown && c.object);
    const seen = new Set<string>();
    const samples: Sample[] = [];
    for (const c of cases) {
        const key = JSON.stringify(c.object);
        const own = typeof c.params?.podSecurityVersion === "string" ? [c.params.podSecurityVersion] : [];
        for (const version of new Set([...own, ...CORPUS_VERSIONS])) {
            if (seen.has(`${version} ${key}`)) continue;
            seen.add(`${version} ${key}`);
            samples.push({
                id: `${samples.length}`,
                version,
                object: c.object as K8sObject,
                source: `${c.rule} / ${c.name}`,
                named: own.includes(version),
            });
        }
    }
    return samples;
}

function report(label: string, c: Comparison, samples: number) {
    const count = (map: Map<string, string[]>) => [...map.values()].reduce((sum, ids) => sum + ids.length, 0);
    process.stdout.write(
        `      ${label}: ${c.compared} object-versions compared x ${Object.keys(RULE_TO_CHECK).length} checks (${samples} sent; ` +
            `${c.notEvaluatedKinds.size} kind(s) PSA does not evaluate, ${c.rejected.size} rejected by the API server); ` +
            `disagreements: ${count(c.checkDisagreements)} check verdicts, ${count(c.profileDisagreements)} profile verdicts; ` +
            `by-design restricted overrides: ${count(c.overrideDivergences)}\n`,
    );
}

describe("real engine: Kubernetes Pod Security Admission (psa-check)", function () {
    this.timeout(300_000);
    let psaCheck: string;

    before(function () {
        psaCheck = requireTool(this, "psa-check");
    });

    it("maps every pss-* rule to a PSA check and every PSA check to a rule", () => {
        const probe = runPsaCheck(psaCheck, [
            {
                id: "probe",
                version: "latest",
                object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [] } },
            },
        ])[0];
        const psaChecks = Object.keys(probe.checks ?? {}).sort();
        assert.equal(psaChecks.length, 19, `PSA reports ${psaChecks.length} checks`);
        assert.deepEqual(Object.values(RULE_TO_CHECK).sort(), psaChecks);
        assert.deepEqual(Object.keys(RULE_TO_CHECK).sort(), pssRules.map((r) => r.id).sort());
    });

    describe("(a) every pss corpus object at every version it names and at every boundary", () => {
        let samples: Sample[];
        let results: PsaResult[];
        before(() => {
            samples = corpusSamples();
            results = runPsaCheck(psaCheck, samples);
        });

        it("the pack agrees with PSA check by check and profile by profile", () => {
            assert.ok(samples.length > 1000, `only ${samples.length} corpus samples`);
            const c = compare(samples, results, "pack");
            report("corpus, pack", c, samples.length);
            assert.deepEqual([...c.notEvaluatedKinds].sort(), [...KINDS_ONLY_WE_JUDGE].sort(), "kinds PSA does not evaluate");
            assert.deepEqual(
                [...c.rejected.keys()].sort(),
                [...REJECTED_BY_THE_API_SERVER].sort(),
                "corpus objects the API server would reject",
            );
            assert.equal(c.checkDisagreements.size, 0, `per-check disagreements:\n${describeDisagreements(c.checkDisagreements)}`);
            assert.equal(c.profileDisagreements.size, 0, `profile disagreements:\n${describeDisagreements(c.profileDisagreements)}`);
        });

        it("the Gatekeeper CEL agrees with PSA check by check (at the boundaries)", () => {
            // CEL evaluation is ~20x slower than the pack: the boundaries and the cases' own versions only.
            const atBoundaries = samples.map((s, i) => [s, results[i]] as const).filter(([s]) => BOUNDARIES.includes(s.version) || s.named);
            assert.ok(atBoundaries.length > 500, `only ${atBoundaries.length} corpus samples at the boundaries`);
            const c = compare(
                atBoundaries.map(([s]) => s),
                atBoundaries.map(([, r]) => r),
                "cel",
            );
            report("corpus, CEL", c, atBoundaries.length);
            assert.deepEqual(c.celErrors.slice(0, 5), []);
            assert.equal(c.checkDisagreements.size, 0, `per-check disagreements:\n${describeDisagreements(c.checkDisagreements)}`);
        });
    });

    describe("(b, c) a seeded generated set of pod-bearing objects at every boundary", () => {
        const SEED = 20261130;
        const COUNT = 3000;
        const CEL_COUNT = 250;
        let samples: Sample[];
        let results: PsaResult[];
        before(() => {
            samples = generatePssObjects(SEED, COUNT).flatMap((g) =>
                BOUNDARIES.map((version) => ({ id: `${g.id}@${version}`, version, object: g.object, source: g.id })),
            );
            results = runPsaCheck(psaCheck, samples);
        });

        it("the pack agrees with PSA check by check, and its baseline rules ANDed with PSA's baseline profile", () => {
            const c = compare(samples, results, "pack");
            report("generated, pack", c, samples.length);
            assert.equal(c.compared, samples.length, "PSA evaluates every generated object");
            assert.equal(c.checkDisagreements.size, 0, `per-check disagreements:\n${describeDisagreements(c.checkDisagreements)}`);
            assert.equal(c.profileDisagreements.size, 0, `profile disagreements:\n${describeDisagreements(c.profileDisagreements)}`);
            // The by-design differences: PSA reports exactly the documented overrides, and every divergence of
            // all rules ANDed from PSA restricted is one of them (each of which the set exercises).
            assert.deepEqual([...c.overridesSeen].sort(), RESTRICTED_OVERRIDES.map((o) => `${o.baseline}->${o.restricted}`).sort());
            const divergent = RESTRICTED_OVERRIDES.filter((o) => o.diverges).map((o) => o.baseline);
            assert.ok(divergent.length > 0);
            assert.deepEqual(
                [...c.overrideDivergences.keys()]
                    .flatMap((k) => k.split("+"))
                    .filter((v, i, a) => a.indexOf(v) === i)
                    .sort(),
                [...divergent].sort(),
                `divergences:\n${describeDisagreements(c.overrideDivergences)}`,
            );
        });

        it("the Gatekeeper CEL agrees with PSA check by check", () => {
            const subset = samples.slice(0, CEL_COUNT * BOUNDARIES.length);
            const c = compare(subset, results.slice(0, subset.length), "cel");
            report("generated, CEL", c, subset.length);
            assert.equal(c.compared, subset.length);
            assert.deepEqual(c.celErrors.slice(0, 5), []);
            assert.equal(c.checkDisagreements.size, 0, `per-check disagreements:\n${describeDisagreements(c.checkDisagreements)}`);
        });
    });
});
