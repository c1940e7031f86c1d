// Deserialize a resource's props once per request instead of once per policy.
//
// @pulumi/policy 1.21.0's Analyze and AnalyzeStack handlers call `deserializeProperties(struct, false)`
// for EVERY policy on every resource - the same protobuf Struct turned into JSON 40 times over for this
// pack - and that was the largest per-resource cost left in the pack (bench/: `npm run bench`, profile
// with bench/profile-pack.ts). The handlers reach the function through the module object at call time, so
// wrapping the export makes the repeats hit a cache keyed by the Struct instance (one per request). The
// cache holds the last 64 requests only (the engine sends one at a time; the rest covers concurrent
// callers): a WeakMap kept every request's props alive until a full GC and doubled the pack's peak RSS.
//
// Sharing the result between policies is safe here because no policy in this pack writes to the props it
// validates (they read a plain copy, see unknowns.ts). Only the `proxySecrets === false` calls are cached:
// the Remediate handler deserializes with `true`, once per request, and then mutates that object on
// purpose, so it keeps getting a fresh one.
type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

interface DeserializeModule {
    deserializeProperties: Deserialize;
}

const CACHED = Symbol.for("secure-gitops.deserializeOnce");
/** Requests remembered; a miss only costs the deserialization the SDK would have done anyway. */
const SLOTS = 64;

export function deserializeOncePerRequest(): void {
    // The SDK's internal module (not part of its typed API): pinned by package.json, checked below.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require("@pulumi/policy/deserialize") as DeserializeModule & { [CACHED]?: true };
    if (typeof module.deserializeProperties !== "function" || module[CACHED]) return;
    const original = module.deserializeProperties;
    const structs: (object | undefined)[] = new Array(SLOTS);
    const results: (Record<string, unknown> | undefined)[] = new Array(SLOTS);
    let next = 0;
    module.deserializeProperties = (struct, proxySecrets) => {
        if (proxySecrets || struct === null || typeof struct !== "object") return original(struct, proxySecrets);
        const slot = structs.indexOf(struct);
        if (slot >= 0) return results[slot]!;
        const props = original(struct, proxySecrets);
        structs[next] = struct;
        results[next] = props;
        next = (next + 1) % SLOTS;
        return props;
    };
    module[CACHED] = true;
}
