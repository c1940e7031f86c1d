// Preloaded into a policy pack process by bench/pack-phases.ts (`node --require`): splits the pack's CPU
// into the phases of a request, which a sampling profile blurs (its own overhead lands on the hot calls).
// Each gRPC method's handler is timed from the call to the end of its response callback (process CPU, not
// wall), request decoding and response encoding separately, the pack's validate functions in total, and
// the main thread's GC pauses. On SIGTERM it writes the totals as JSON to PHASE_PROBE_OUT and exits.
"use strict";
const fs = require("fs");
const path = require("path");
const { PerformanceObserver, performance } = require("perf_hooks");

const out = process.env.PHASE_PROBE_OUT;
if (!out) throw new Error("phase-probe: PHASE_PROBE_OUT (the result file) is not set");

const totals = {
    methods: {},
    gc: { pauses: 0, ms: 0, byKind: {} },
    validate: { calls: 0, threw: 0, ms: 0 },
    cpuFromFirstAnalyzeUs: 0,
};

const cpuUs = (since) => {
    const used = process.cpuUsage(since);
    return used.user + used.system;
};

new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
        totals.gc.pauses++;
        totals.gc.ms += entry.duration;
        // perf_hooks.constants.NODE_PERFORMANCE_GC_*: 1 minor (scavenge), 4 major (mark-compact), 8 incremental, 16 weak callbacks.
        const kind = String(entry.detail?.kind ?? "unknown");
        totals.gc.byKind[kind] = (totals.gc.byKind[kind] ?? 0) + 1;
    }
}).observe({ entryTypes: ["gc"] });

const fromPack = (request, base = process.cwd()) => require.resolve(request, { paths: [base] });
const pulumiDir = path.dirname(fromPack("@pulumi/pulumi/package.json"));
const grpc = require(fromPack("@grpc/grpc-js", pulumiDir));

function methodTotals(name) {
    totals.methods[name] ??= { calls: 0, handlerCpuUs: 0, decodeCpuUs: 0, encodeCpuUs: 0, encodedBytes: 0 };
    return totals.methods[name];
}

/** Adds the CPU of `fn` (request decoding or response encoding) to `key` of the method's totals. */
function timed(fn, name, key) {
    return function (value) {
        const start = process.cpuUsage();
        const result = fn.call(this, value);
        const method = methodTotals(name);
        method[key] += cpuUs(start);
        if (key === "encodeCpuUs" && result && typeof result.length === "number") method.encodedBytes += result.length;
        return result;
    };
}

let firstAnalyze;
const addService = grpc.Server.prototype.addService;
grpc.Server.prototype.addService = function (service, implementation) {
    const probed = {};
    for (const [name, definition] of Object.entries(service)) {
        definition.requestDeserialize = timed(definition.requestDeserialize, name, "decodeCpuUs");
        definition.responseSerialize = timed(definition.responseSerialize, name, "encodeCpuUs");
    }
    for (const [name, handler] of Object.entries(implementation)) {
        probed[name] = function (call, callback) {
            if (name === "analyze") firstAnalyze ??= process.cpuUsage();
            const start = process.cpuUsage();
            return handler.call(this, call, (error, response) => {
                callback(error, response);
                const method = methodTotals(name);
                method.calls++;
                method.handlerCpuUs += cpuUs(start);
            });
        };
    }
    return addService.call(this, service, probed);
};

// The pack's validate functions, timed in total (wall, sub-millisecond and synchronous). A function the SDK
// filters by type (`__pulumiType`) keeps its filter, or the probe would change what it measures.
const policyModule = require(fromPack("@pulumi/policy/policy"));
const PolicyPack = policyModule.PolicyPack;
policyModule.PolicyPack = class extends PolicyPack {
    constructor(name, args, ...rest) {
        for (const policy of args.policies) {
            const validate = policy.validateResource;
            if (typeof validate !== "function") continue;
            const probe = function (validationArgs, reportViolation) {
                const start = performance.now();
                totals.validate.calls++;
                try {
                    return validate(validationArgs, reportViolation);
                } catch (error) {
                    totals.validate.threw++;
                    throw error;
                } finally {
                    totals.validate.ms += performance.now() - start;
                }
            };
            if (validate.__pulumiType !== undefined) probe.__pulumiType = validate.__pulumiType;
            policy.validateResource = probe;
        }
        super(name, args, ...rest);
    }
};

process.on("SIGTERM", () => {
    totals.cpuFromFirstAnalyzeUs = firstAnalyze ? cpuUs(firstAnalyze) : 0;
    fs.writeFileSync(out, JSON.stringify(totals));
    process.exit(0);
});
