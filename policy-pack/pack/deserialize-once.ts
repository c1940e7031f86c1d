// Deserialize a resource's props once per request instead of once per policy.
//
// @pulumi/policy 1.21.0's Analyze and AnalyzeStack handlers call `deserializeProperties(struct, false)`
// for EVERY policy on every resource - the same protobuf Struct turned into JSON once per policy (43 times) for this
// pack - and that was the largest per-resource cost left in the pack (bench/: `npm run bench`, profile
// with bench/profile-pack.ts). The handlers reach the function through the module object at call time, so
// wrapping the export makes the repeats hit a cache keyed by the Struct instance (one per request). The
// cache holds the last 64 requests only (the engine sends one at a time; the rest covers concurrent
// callers): a WeakMap kept every request's props alive until a full GC and doubled the pack's peak RSS.
//
// Sharing the result between policies is safe here because no policy in this pack writes to the props it
// validates. The result is plain JSON made here (unknowns as UNKNOWN_SENTINEL), so the policies read it
// as it is rather than copying it again (unknowns.ts markPlain). Only the `proxySecrets === false` calls are cached:
// the Remediate handler deserializes with `true`, once per request, and then mutates that object on
// purpose, so it keeps getting a fresh one.
//
// While deserializing, the wrapper also notes the plaintext of every secret in the request
// (pack/secrets.ts), so the pack can print `[secret]` in its messages: the SDK unwraps secrets for Analyze
// and would otherwise leave no trace of which values were secret.
//
// This patches an internal of one SDK version. On any other version, or when the internal is gone, it
// throws at pack load instead of silently sharing objects a newer SDK might mutate: re-check the SDK's
// server.js call sites, then update PATCHED_SDK_VERSION. test/deserialize-once.test.ts pins the call
// sites and the caching behaviour.
import { deserializeNoting, NotPlainJson, rememberSecrets, secretsIn } from "./secrets";
import { markPlain } from "./unknowns";

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

interface DeserializeModule {
    deserializeProperties: Deserialize;
}

const CACHED = Symbol.for("secure-gitops.deserializeOnce");
/** Requests remembered; a miss only costs the deserialization the SDK would have done anyway. */
const SLOTS = 64;
/**
 * The @pulumi/policy version whose handlers this was checked against (package.json pins it exactly). The
 * same check guards pack/policies.ts's reliance on that version's server.js: reportViolation's object form
 * and the `__pulumiType` type filter.
 */
export const PATCHED_SDK_VERSION = "1.21.0";

/** The installed @pulumi/policy version (its package.json spells it `v1.21.0`). */
export function installedSdkVersion(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file read at run time, outside the compiled tree
    const manifest = require("@pulumi/policy/package.json") as { version?: unknown };
    const version = manifest.version;
    return typeof version === "string" ? version.replace(/^v/, "") : String(version);
}

export function deserializeOncePerRequest(): void {
    const installed = installedSdkVersion();
    if (installed !== PATCHED_SDK_VERSION) {
        throw new Error(
            `pack/deserialize-once.ts patches an internal of @pulumi/policy ${PATCHED_SDK_VERSION}, but ${installed} is installed: ` +
                "check that its Analyze handlers still call deserialize.deserializeProperties(struct, false) through the module and never " +
                "mutate the result, and that reportViolation still takes an object and __pulumiType still filters (pack/policies.ts), " +
                "then update PATCHED_SDK_VERSION (or drop the patch).",
        );
    }
    // The SDK's internal module (not part of its typed API): pinned by package.json, checked above.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mutable CommonJS module object, patched below
    const module = require("@pulumi/policy/deserialize") as DeserializeModule & { [CACHED]?: true };
    if (module[CACHED]) return;
    if (typeof module.deserializeProperties !== "function") {
        throw new Error(
            `@pulumi/policy ${installed}: deserialize.deserializeProperties is not a function; pack/deserialize-once.ts cannot patch it.`,
        );
    }
    const original = module.deserializeProperties;
    const structs = new Array<object | undefined>(SLOTS);
    const results = new Array<Record<string, unknown> | undefined>(SLOTS);
    let next = 0;
    module.deserializeProperties = (struct, proxySecrets) => {
        if (proxySecrets || struct === null || typeof struct !== "object") return original(struct, proxySecrets);
        const slot = structs.indexOf(struct);
        const remembered = slot >= 0 ? results[slot] : undefined;
        if (remembered !== undefined) return remembered;
        const props = deserializeRemembering(struct, original);
        structs[next] = struct;
        results[next] = props;
        next = (next + 1) % SLOTS;
        return props;
    };
    if (module.deserializeProperties === original)
        throw new Error("@pulumi/policy deserialize.deserializeProperties is read-only; pack/deserialize-once.ts cannot patch it.");
    module[CACHED] = true;
}

/** The SDK's result for (struct, false), with the request's secrets noted against it. */
function deserializeRemembering(struct: object, original: Deserialize): Record<string, unknown> {
    const toJavaScript = (struct as { toJavaScript?: unknown }).toJavaScript;
    if (typeof toJavaScript !== "function") return original(struct, false);
    const json: unknown = toJavaScript.call(struct);
    const secrets = new Set<string>();
    let props: Record<string, unknown>;
    try {
        const value = deserializeNoting(json, secrets);
        if (value === null || typeof value !== "object" || Array.isArray(value)) return original(struct, false);
        props = value as Record<string, unknown>;
        markPlain(props);
    } catch (error) {
        // Assets and archives: the SDK builds their runtime objects.
        if (!(error instanceof NotPlainJson)) throw error;
        props = original(struct, false);
        for (const secret of secretsIn(json)) secrets.add(secret);
    }
    rememberSecrets(props, secrets);
    return props;
}
