// Pins pack/deserialize-once.ts to the @pulumi/policy internals it patches: the exact SDK version, the
// handlers' call sites (through the module object, `false` for Analyze/AnalyzeStack/provider props, `true`
// for Remediate), and the caching behaviour itself. An SDK upgrade fails here (and at pack load) until the
// patch is re-checked against the new server.js.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { UNKNOWN_SENTINEL } from "../catalogue/types";
import { deserializeOncePerRequest, installedSdkVersion, PATCHED_SDK_VERSION } from "../pack/deserialize-once";
import { plainProps } from "../pack/unknowns";

const PACK_DIR = path.join(__dirname, "..");
const resolveFromPack = (request: string): string => require.resolve(request, { paths: [PACK_DIR] });

describe("deserialize-once patch of @pulumi/policy", () => {
    it("targets the exact SDK version the pack pins", () => {
        const pinned = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")).dependencies["@pulumi/policy"];
        assert.equal(pinned, PATCHED_SDK_VERSION, "policy-pack/package.json must pin @pulumi/policy exactly to the patched version");
        assert.equal(installedSdkVersion(), PATCHED_SDK_VERSION, "installed @pulumi/policy differs from the patched version");
    });

    it("matches the SDK handlers' call sites (through the module object, false except in Remediate)", () => {
        const server = fs.readFileSync(resolveFromPack("@pulumi/policy/server"), "utf8");
        const calls = [...server.matchAll(/deserializeProperties\(([^()]*(?:\([^()]*\))?[^()]*)\)/g)].map((m) => m[1]);
        assert.deepEqual(calls, [
            "req.getProperties(), false",
            "r.getProperties(), false",
            "prov.getProperties(), false",
            "req.getProperties(), true",
        ]);
        const viaModule = server.match(/deserialize_1\.deserializeProperties\(/g) ?? [];
        assert.equal(viaModule.length, calls.length, "every call must go through the module object, or the wrapper is bypassed");
    });

    it("returns one object per Struct for proxySecrets=false and a fresh one for proxySecrets=true", () => {
        deserializeOncePerRequest();
        deserializeOncePerRequest(); // idempotent: no second wrapper
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, as the patch sees it
        const sdk = require(resolveFromPack("@pulumi/policy/deserialize")) as {
            deserializeProperties(s: object, p: boolean): Record<string, unknown>;
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's own copy of google-protobuf, resolved from it
        const { Struct } = require(
            require.resolve("google-protobuf/google/protobuf/struct_pb", {
                paths: [path.dirname(resolveFromPack("@pulumi/policy/server"))],
            }),
        );
        const struct = Struct.fromJavaScript({ metadata: { name: "a" }, spec: { replicas: 2 } });
        const other = Struct.fromJavaScript({ metadata: { name: "b" } });

        const first = sdk.deserializeProperties(struct, false);
        assert.deepEqual(first, { metadata: { name: "a" }, spec: { replicas: 2 } });
        assert.equal(sdk.deserializeProperties(struct, false), first, "a repeat for the same Struct must hit the cache");
        assert.deepEqual(sdk.deserializeProperties(other, false), { metadata: { name: "b" } });
        const forRemediate = sdk.deserializeProperties(struct, true);
        assert.notEqual(forRemediate, first, "Remediate (proxySecrets=true) must get its own object");
        assert.deepEqual(forRemediate, first);

        // The cache is bounded: after 64 other requests the first Struct is deserialized afresh.
        for (let i = 0; i < 64; i++) sdk.deserializeProperties(Struct.fromJavaScript({ i }), false);
        const again = sdk.deserializeProperties(struct, false);
        assert.notEqual(again, first);
        assert.deepEqual(again, first);
    });

    it("hands the policies its own plain result as it is, unknowns of any kind as the engine's sentinel", () => {
        deserializeOncePerRequest();
        /* eslint-disable @typescript-eslint/no-require-imports -- the SDK's internal modules, as the patch sees them */
        const sdk = require(resolveFromPack("@pulumi/policy/deserialize")) as {
            deserializeProperties(s: object, p: boolean): Record<string, unknown>;
        };
        const { unknownCheckingProxy } = require(resolveFromPack("@pulumi/policy/proxy")) as {
            unknownCheckingProxy: (o: object) => Record<string, unknown>;
        };
        const { Struct } = require(
            require.resolve("google-protobuf/google/protobuf/struct_pb", {
                paths: [path.dirname(resolveFromPack("@pulumi/policy/server"))],
            }),
        );
        /* eslint-enable @typescript-eslint/no-require-imports */
        // 1c4a061d-...: one of the SDK's own unknown sentinels (proxy.ts), which its proxy throws on too.
        const struct = Struct.fromJavaScript({ a: [UNKNOWN_SENTINEL, "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "x"] });
        const deserialized = sdk.deserializeProperties(struct, false);
        assert.deepEqual(deserialized, { a: [UNKNOWN_SENTINEL, UNKNOWN_SENTINEL, "x"] });
        assert.equal(plainProps(unknownCheckingProxy(deserialized)), deserialized, "read as it is, not copied again");
        // Props the SDK deserialized (Remediate) are still copied: they are written to.
        const forRemediate = sdk.deserializeProperties(struct, true);
        const copy = plainProps(unknownCheckingProxy(forRemediate));
        assert.notEqual(copy, forRemediate);
        assert.deepEqual(copy, { a: [UNKNOWN_SENTINEL, UNKNOWN_SENTINEL, "x"] });
    });
});
