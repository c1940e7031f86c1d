// The app plan's result types (tools/charts/app.ts produces them; the report model and writers read them).
// Types only, so the report model can name them without importing the renderer.
import type { GatekeeperAction } from "../../policy-pack/catalogue";
import type { HelmParameter, PolicyEnforcement } from "../../stacks/types";
import type { PodSecurityVerdict } from "./pod-security-admission";

export type AppVerdict = "excluded" | "refused" | "denied" | "warned" | "audited" | "admitted";
export interface AppFinding {
    ruleId: string;
    /** What Gatekeeper does with it in this stack's app namespaces. */
    action: GatekeeperAction;
    message: string;
}

/** Gatekeeper's own verdict on an object (its constraints at the app's level), apart from Pod Security Admission. */
export type GatekeeperAppVerdict = "denied" | "warned" | "audited" | "admitted";

export interface AppObjectVerdict {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    /** Argo CD hook phase (argocd.argoproj.io/hook, or helm.sh/hook as Argo CD maps it), e.g. PostSync. */
    hook?: string;
    /** Where it comes from in the app repository (repository-relative; helm's `# Source:` for a chart) and the line of its kind. */
    template?: string;
    line?: number;
    /** Both admission layers together, the AppProject and Argo CD's filter first. */
    verdict: AppVerdict;
    /** Why, in a sentence each (the project rule, the exclusion, the findings' count, Pod Security Admission). */
    reasons: string[];
    /** Gatekeeper's findings (the catalogue's rules at the app's level). */
    findings: AppFinding[];
    /** Gatekeeper's verdict alone (unset for excluded and refused objects, which never reach admission). */
    gatekeeper?: GatekeeperAppVerdict;
    /** Pod Security Admission's verdict, for the objects it evaluates (pods and workloads with pod templates). */
    podSecurity?: PodSecurityVerdict;
    /** Rules whose kinds match this object: 0 means nothing was evaluated (said so, never a silent pass). */
    rulesApplied: number;
}

export interface AppSourceInfo {
    repoUrl: string;
    /** The Application's `targetRevision` (branch, tag or commit). */
    revision: string;
    /** The commit the checkout was at (`git rev-parse HEAD`), when the checkout is a Git work tree. */
    commit?: string;
    path: string;
    type: string;
    valueFiles?: string[];
    parameters?: HelmParameter[];
    releaseName?: string;
}

export interface AppPlan {
    stack: string;
    appEnforcement: PolicyEnforcement;
    source: AppSourceInfo;
    /** `.Capabilities` the source was rendered with (the stack's cluster). */
    kubeVersion?: string;
    /** Unset when the objects were rendered and checked; otherwise why not (then `objects` is empty). */
    notEvaluated?: string;
    objects: AppObjectVerdict[];
    counts: Record<AppVerdict, number>;
}
