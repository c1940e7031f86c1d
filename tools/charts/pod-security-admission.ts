// Kubernetes' own Pod Security Admission in the offline plan: every pod-producing object (a Pod, or a
// workload whose controller creates pods from its template) is judged against the PSA labels its namespace
// carries in the program (SecureNamespace), with the pack's pss-* rules at that level and version: the rules
// are proven equal to PSA check by check (test/engines/psa.test.ts, psa-check). PSA is a second admission
// layer beside Gatekeeper, so its verdict is reported on its own: `denied (Pod Security Admission:
// restricted v1.33)`. As in the cluster: `enforce` forbids the pods (a Deployment is stored, the ReplicaSet
// controller's pods are refused), `warn` and `audit` only warn and annotate, on the workload and its pods.
import { K8sObject, KUBERNETES_RULES, KubernetesRule } from "../../policy-pack/catalogue";
import { effectiveParams, evaluateKubernetesWith } from "../../policy-pack/catalogue/evaluate";
import type { ProgramRun } from "../mock-engine";
import { PodSecurityLevel } from "../../platform/exemptions";
import { ModeSetting, POD_SECURITY_MODES, PodSecurityMode, podSecurityFromLabels } from "../../platform/pod-security";

/** group/kind PSA extracts a pod spec from (admission.DefaultPodSpecExtractor): Pods and the built-in workload kinds. */
const PSA_POD_KINDS = new Set([
    "/Pod",
    "/ReplicationController",
    "/PodTemplate",
    "apps/ReplicaSet",
    "apps/Deployment",
    "apps/StatefulSet",
    "apps/DaemonSet",
    "batch/Job",
    "batch/CronJob",
]);

/** Findings shown per object and mode; the rest are counted. */
export const MAX_PSA_FINDINGS = 12;

const PSS_RULES: readonly KubernetesRule[] = KUBERNETES_RULES.filter((r) => r.id.startsWith("pss-"));

/** The pss-* rules that make up a Pod Security Standards level (restricted includes baseline). */
export function pssRulesFor(level: PodSecurityLevel, rules: readonly KubernetesRule[] = PSS_RULES): KubernetesRule[] {
    if (level === "privileged") return [];
    return rules.filter((r) => r.id.startsWith("pss-baseline-") || (level === "restricted" && r.id.startsWith("pss-restricted-")));
}

export interface PsaFinding {
    ruleId: string;
    message: string;
    /** The offending field (JSON path within the object). */
    field: string;
}

export interface PsaModeVerdict {
    mode: PodSecurityMode;
    level: PodSecurityLevel;
    version: string;
    allowed: boolean;
    findings: PsaFinding[];
    /** Findings beyond MAX_PSA_FINDINGS. */
    more: number;
}

export interface PodSecurityVerdict {
    namespace: string;
    /** `program`: the namespace's labels as the program declares them; `undeclared`: the program declares no such namespace. */
    labels: "program" | "undeclared";
    /** `pod` for a Pod; `pods from the template` for a workload (enforce applies to the pods its controller creates). */
    subject: "pod" | "pods from the template";
    enforce: PsaModeVerdict;
    warn: PsaModeVerdict;
    audit: PsaModeVerdict;
    /** `denied`, `warned` (warn or audit mode finds something) or `admitted`. */
    outcome: "denied" | "warned" | "admitted";
    /** `denied (Pod Security Admission: restricted v1.33)` and the like. */
    summary: string;
}

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** Whether PSA evaluates this object at all (a pod or a built-in workload with a pod template). */
export function isPsaPodObject(object: K8sObject): boolean {
    const apiVersion = str(object.apiVersion) ?? "";
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    return PSA_POD_KINDS.has(`${group}/${str(object.kind) ?? ""}`);
}

/** Each namespace's PSA setting per mode, read from the Namespaces the program declares (as PSA reads labels). */
export function namespacePodSecurity(run: Pick<ProgramRun, "resources">): Map<string, Record<PodSecurityMode, ModeSetting>> {
    const out = new Map<string, Record<PodSecurityMode, ModeSetting>>();
    for (const r of run.resources) {
        if (r.type !== "kubernetes:core/v1:Namespace") continue;
        const metadata = (r.inputs as { metadata?: { name?: unknown; labels?: unknown } }).metadata;
        const name = str(metadata?.name);
        if (name) out.set(name, podSecurityFromLabels(metadata?.labels));
    }
    return out;
}

function judgeMode(object: K8sObject, mode: PodSecurityMode, setting: ModeSetting): PsaModeVerdict {
    const findings: PsaFinding[] = [];
    for (const rule of pssRulesFor(setting.level)) {
        // PSA knows no Gatekeeper exemption: only the version is a parameter.
        const params = { ...effectiveParams(rule, { podSecurityVersion: setting.version }), exemptNamespaces: [] };
        for (const f of evaluateKubernetesWith(rule, object, params)) findings.push({ ruleId: rule.id, message: f.message, field: f.path });
    }
    return {
        mode,
        level: setting.level,
        version: setting.version,
        allowed: findings.length === 0,
        findings: findings.slice(0, MAX_PSA_FINDINGS),
        more: Math.max(0, findings.length - MAX_PSA_FINDINGS),
    };
}

/**
 * PSA's verdict on one object in its namespace, or undefined when PSA does not evaluate the kind. A
 * namespace the program does not declare gets no labels from it: PSA's defaults apply (privileged), which
 * is said, never passed silently.
 */
export function judgePodSecurity(
    object: K8sObject,
    namespace: string,
    settings: ReadonlyMap<string, Record<PodSecurityMode, ModeSetting>>,
): PodSecurityVerdict | undefined {
    if (!isPsaPodObject(object)) return undefined;
    const declared = settings.get(namespace);
    const setting = declared ?? podSecurityFromLabels({});
    const [enforce, audit, warn] = POD_SECURITY_MODES.map((mode) => judgeMode(object, mode, setting[mode]));
    const outcome = !enforce.allowed ? "denied" : !warn.allowed || !audit.allowed ? "warned" : "admitted";
    const at = (v: PsaModeVerdict) => `${v.level} ${v.version}`;
    const failing = [warn, audit].filter((v) => !v.allowed);
    const summary =
        outcome === "denied"
            ? `denied (Pod Security Admission: ${at(enforce)})`
            : outcome === "warned"
              ? `warned (Pod Security Admission: enforce ${at(enforce)} admits; ${failing.map((v) => `${v.mode} ${at(v)}`).join(", ")} finds ${failing[0].findings.length + failing[0].more})`
              : `admitted (Pod Security Admission: ${at(enforce)}${declared ? "" : `, namespace ${namespace} is not declared by the program: no labels, PSA's default`})`;
    return {
        namespace,
        labels: declared ? "program" : "undeclared",
        subject: str(object.kind) === "Pod" ? "pod" : "pods from the template",
        enforce,
        warn,
        audit,
        outcome,
        summary,
    };
}

/** One line per mode that finds something, for reasons and consoles. */
export function podSecurityReason(verdict: PodSecurityVerdict): string {
    const who = verdict.subject === "pod" ? "the pod" : "the pods its controller creates";
    if (verdict.outcome === "denied")
        return `Pod Security Admission (enforce ${verdict.enforce.level} ${verdict.enforce.version}) forbids ${who}: ${verdict.enforce.findings.length + verdict.enforce.more} finding(s)`;
    if (verdict.outcome === "warned") {
        const modes = [verdict.warn, verdict.audit].filter((v) => !v.allowed);
        return `Pod Security Admission admits ${who} (enforce ${verdict.enforce.level} ${verdict.enforce.version}) with ${modes.map((v) => `${v.mode} ${v.level}: ${v.findings.length + v.more} finding(s)`).join(", ")}`;
    }
    return `Pod Security Admission admits ${who} (enforce ${verdict.enforce.level} ${verdict.enforce.version})${verdict.labels === "undeclared" ? `: namespace ${verdict.namespace} is not declared by the program, so no labels and PSA's default (privileged) applies` : ""}`;
}
