// Drives tools/engines/psa-check (Kubernetes' Pod Security Admission) over JSON lines: one request per
// object and version, one verdict per request, in order.
import { spawnSync } from "child_process";
import { K8sObject } from "../../policy-pack/catalogue";

export interface PsaRequest {
    id: string;
    version: string;
    object: K8sObject;
}

export interface PsaCheckVerdict {
    allowed: boolean;
    reason?: string;
    detail?: string;
}

export interface PsaResult {
    id: string;
    kind?: string;
    /** False when PSA extracts no pod from the object (a kind outside its pod-spec resources). */
    evaluated?: boolean;
    reason?: string;
    /** The API server would reject the object (it does not decode into the typed object). */
    error?: string;
    /** Per PSA check id; null when the check is not part of the standard at that version. */
    checks?: Record<string, PsaCheckVerdict | null>;
    baseline?: { allowed: boolean; forbidden?: string[] };
    restricted?: { allowed: boolean; forbidden?: string[] };
    /** Baseline check id -> the restricted check that replaces it in the restricted profile at that version. */
    restrictedOverrides?: Record<string, string>;
}

/** Runs psa-check once over every request; the results come back in request order, one each. */
export function runPsaCheck(tool: string, requests: readonly PsaRequest[]): PsaResult[] {
    const input = requests.map((r) => JSON.stringify(r)).join("\n") + "\n";
    const run = spawnSync(tool, [], { input, encoding: "utf8", maxBuffer: 2 ** 30 });
    if (run.status !== 0) throw new Error(`psa-check exited ${run.status}: ${run.stderr}`);
    const results = run.stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as PsaResult);
    if (results.length !== requests.length) throw new Error(`psa-check answered ${results.length} of ${requests.length} requests`);
    results.forEach((r, i) => {
        if (r.id !== requests[i].id) throw new Error(`psa-check answer ${i} is for ${r.id}, not ${requests[i].id}`);
    });
    return results;
}
