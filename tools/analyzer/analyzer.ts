// Drives a Node.js CrossGuard policy pack over the Analyzer gRPC protocol the way the Pulumi engine does,
// without the Pulumi CLI:
// - the engine runs the `pulumi-analyzer-policy` shim with cwd = the pack directory; the shim resolves
//   `@pulumi/pulumi/cmd/run-policy-pack` with node's module resolution from there (so an npm-workspaces
//   hoisted root node_modules works) and runs `node <run-policy-pack> <engine-address> .`;
// - run-policy-pack registers ts-node (the one in node_modules, else its vendored ts-node 7 with the nearest
//   `typescript`, type-checking on) and loads the pack's package.json `main`: our packs ship compiled
//   JavaScript (tools/pack-build), so ts-node compiles nothing; the pack prints its gRPC port on stdout;
// - the engine then calls GetAnalyzerInfo, Configure (the reconciled policy config), Remediate/Analyze per
//   resource and AnalyzeStack at the end. Every request carries AnalyzerResourceOptions and props as a
//   protobuf Struct; unknown values travel as the sentinel string.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Enforcement, Severity } from "../../policy-pack/catalogue/types";
import { ensurePackBuilt } from "../pack-build/build";
import { PolicyPackConfigFile, ReconciledPolicyConfig, reconcilePolicyConfig } from "./policy-config";
import { AnalyzerResourceInput } from "./resource";

export { UNKNOWN_SENTINEL } from "../../policy-pack/catalogue/types";
export { resourcesFromProgramRun } from "./program-resources";
export type { AnalyzerResourceInput } from "./resource";
export type { PolicyPackConfigFile, ReconciledPolicyConfig } from "./policy-config";

export const POLICY_PACK_DIR = path.resolve(__dirname, "../../policy-pack");

export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: Enforcement;
    urn: string;
    severity?: Severity;
}

export interface AnalyzeResult {
    diagnostics: Diagnostic[];
    notApplicable: { policyName: string; reason: string }[];
}

export interface PolicyInfo {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: Enforcement;
    severity?: Severity;
    configSchema?: { properties: Record<string, Record<string, unknown>>; required: string[] };
    framework?: { name: string; version: string; reference: string; specification: string };
    tags: string[];
    remediationSteps: string;
}

export interface AnalyzerInfo {
    name: string;
    displayName: string;
    version: string;
    description: string;
    supportsConfig: boolean;
    policies: PolicyInfo[];
}

export interface RemediationResult {
    policyName: string;
    description: string;
    /** The resource's props after this remediation (absent when only a diagnostic came back). */
    properties?: Record<string, unknown>;
    diagnostic: string;
}

export interface LogEntry {
    severity: number;
    message: string;
    urn: string;
}

const LEVELS: Record<number, Enforcement> = {
    [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES: Record<Enforcement, analyzerPb.EnforcementLevel> = {
    advisory: analyzerPb.EnforcementLevel.ADVISORY,
    mandatory: analyzerPb.EnforcementLevel.MANDATORY,
    disabled: analyzerPb.EnforcementLevel.DISABLED,
    remediate: analyzerPb.EnforcementLevel.REMEDIATE,
};
const SEVERITIES: Record<number, Severity | undefined> = {
    [analyzerPb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerPb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerPb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerPb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** `urn:pulumi:<stack>::<project>::<type>::<name>` for a top-level resource. */
export function resourceUrn(type: string, name: string, stack = "dev", project = "secure-gitops"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

function toStruct(props: Record<string, unknown>): Struct {
    // Struct.fromJavaScript rejects `undefined`; the engine never sends it either (absent = not set).
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, never>);
}

function resourceOptions(options: AnalyzerResourceInput["options"] = {}): analyzerPb.AnalyzerResourceOptions {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(options.protect ?? false);
    o.setIgnorechangesList(options.ignoreChanges ?? []);
    o.setDeletebeforereplace(options.deleteBeforeReplace ?? false);
    o.setDeletebeforereplacedefined(options.deleteBeforeReplace !== undefined);
    o.setAdditionalsecretoutputsList(options.additionalSecretOutputs ?? []);
    o.setAliasesList(options.aliases ?? []);
    o.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
    if (options.parent) o.setParent(options.parent);
    return o;
}

function providerResource(provider: NonNullable<AnalyzerResourceInput["provider"]>): analyzerPb.AnalyzerProviderResource {
    const p = new analyzerPb.AnalyzerProviderResource();
    p.setType(provider.type);
    p.setUrn(provider.urn);
    p.setName(provider.name);
    p.setProperties(toStruct(provider.props));
    return p;
}

function analyzeRequest(resource: AnalyzerResourceInput): analyzerPb.AnalyzeRequest {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(resource.type);
    req.setName(resource.name);
    req.setUrn(resource.urn ?? resourceUrn(resource.type, resource.name));
    req.setProperties(toStruct(resource.props));
    req.setOptions(resourceOptions(resource.options));
    if (resource.provider) req.setProvider(providerResource(resource.provider));
    return req;
}

function stackResource(resource: AnalyzerResourceInput): analyzerPb.AnalyzerResource {
    const r = new analyzerPb.AnalyzerResource();
    r.setType(resource.type);
    r.setName(resource.name);
    r.setUrn(resource.urn ?? resourceUrn(resource.type, resource.name));
    r.setProperties(toStruct(resource.props));
    r.setOptions(resourceOptions(resource.options));
    if (resource.provider) r.setProvider(providerResource(resource.provider));
    if (resource.parent) r.setParent(resource.parent);
    r.setDependenciesList(resource.dependencies ?? []);
    const deps = r.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(resource.propertyDependencies ?? {})) {
        if (urns.length === 0) continue; // as the engine: properties without dependencies are skipped
        deps.set(key, new analyzerPb.AnalyzerPropertyDependencies().setUrnsList(urns));
    }
    return r;
}

function diagnostics(resp: analyzerPb.AnalyzeResponse): AnalyzeResult {
    return {
        diagnostics: resp.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            urn: d.getUrn(),
            severity: SEVERITIES[d.getSeverity()],
        })),
        notApplicable: resp.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

/** A fake engine: the log sink and root-resource store run-policy-pack may call. */
class FakeEngine {
    readonly logs: LogEntry[] = [];
    private rootResource = "";
    readonly server = new grpc.Server();

    constructor() {
        const impl: engineRpc.IEngineServer = {
            log: (call, cb) => {
                this.logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
                cb(null, new Empty());
            },
            getRootResource: (_call, cb) => cb(null, new enginePb.GetRootResourceResponse().setUrn(this.rootResource)),
            setRootResource: (call, cb) => {
                this.rootResource = call.request.getUrn();
                cb(null, new enginePb.SetRootResourceResponse());
            },
            startDebugging: (_call, cb) => cb(null, new Empty()),
            requirePulumiVersion: (_call, cb) => cb(null, new enginePb.RequirePulumiVersionResponse()),
        };
        this.server.addService(engineRpc.EngineService, impl);
    }

    listen(): Promise<string> {
        return new Promise((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
                err ? reject(err) : resolve(`127.0.0.1:${port}`),
            ),
        );
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
    }
}

export interface StartOptions {
    packDir?: string;
    stack?: string;
    project?: string;
    /** `pulumi preview` (true) or `pulumi up` (false); the engine passes it as PULUMI_DRY_RUN. */
    dryRun?: boolean;
    /** How long to wait for the pack to print its port. */
    startTimeoutMs?: number;
    /**
     * The program run-policy-pack loads, relative to the pack folder: "." (package.json `main`, as the
     * engine) unless a benchmark compares another entry point (`index.ts`: the sources through ts-node).
     */
    entry?: string;
    /** Extra environment for the pack process (e.g. a fresh TMPDIR: ts-node keeps its cache there). */
    env?: NodeJS.ProcessEnv;
    /** Node flags before run-policy-pack (the bench's probes: `--cpu-prof`, `--require <probe>`). */
    nodeArgs?: readonly string[];
}

/** Where `@pulumi/pulumi/cmd/run-policy-pack` resolves from the pack directory, as the engine's shim resolves it. */
export function resolveRunPolicyPack(packDir = POLICY_PACK_DIR): string {
    return require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
}

export class PolicyPackAnalyzer {
    private info?: AnalyzerInfo;

    private constructor(
        private readonly child: ChildProcess,
        private readonly engine: FakeEngine,
        private readonly client: analyzerRpc.AnalyzerClient,
        readonly startupMs: number,
        private readonly output: { stdout: string; stderr: string },
    ) {}

    /** Spawns the pack as the engine does and connects to it. One per test file: startup takes seconds. */
    static async start(options: StartOptions = {}): Promise<PolicyPackAnalyzer> {
        const packDir = options.packDir ?? POLICY_PACK_DIR;
        // The engine runs the pack's compiled JavaScript: after a source edit it is rebuilt here, so tests,
        // the plan and the bench never run a stale pack.
        if ((options.entry ?? ".") === ".") ensurePackBuilt(packDir);
        const engine = new FakeEngine();
        const engineAddress = await engine.listen();
        const started = Date.now();
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            // What the engine's constructEnv adds for a Node.js pack.
            PULUMI_NODEJS_PROJECT: options.project ?? "secure-gitops",
            PULUMI_NODEJS_STACK: options.stack ?? "dev",
            PULUMI_NODEJS_DRY_RUN: String(options.dryRun ?? true),
            PULUMI_PROJECT: options.project ?? "secure-gitops",
            PULUMI_STACK: options.stack ?? "dev",
            PULUMI_DRY_RUN: String(options.dryRun ?? true),
            ...options.env,
        };
        // The test runner's tsx loader must not leak into the pack: the pack runs under run-policy-pack's ts-node only.
        delete env.NODE_OPTIONS;
        const child = spawn(
            process.execPath,
            [...(options.nodeArgs ?? []), resolveRunPolicyPack(packDir), engineAddress, options.entry ?? "."],
            {
                cwd: packDir,
                env,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        const output = { stdout: "", stderr: "" };
        child.stderr.on("data", (d: Buffer) => (output.stderr += d.toString()));
        let port: string;
        try {
            port = await new Promise<string>((resolve, reject) => {
                const timer = setTimeout(
                    () => reject(new Error(`policy pack did not report a port within ${options.startTimeoutMs ?? 90000} ms`)),
                    options.startTimeoutMs ?? 90000,
                );
                child.stdout.on("data", (d: Buffer) => {
                    output.stdout += d.toString();
                    const m = /^(\d+)\s*$/m.exec(output.stdout);
                    if (m) {
                        clearTimeout(timer);
                        resolve(m[1]);
                    }
                });
                child.on("exit", (code) => {
                    clearTimeout(timer);
                    reject(new Error(`policy pack exited with code ${code} before reporting a port`));
                });
            });
        } catch (error) {
            child.kill();
            await engine.stop();
            throw new Error(`${(error as Error).message}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
        }
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 1024 * 1024 * 400,
            "grpc.max_send_message_length": 1024 * 1024 * 400,
        });
        return new PolicyPackAnalyzer(child, engine, client, Date.now() - started, output);
    }

    /** The pack process's id (for CPU and memory readings from /proc). */
    get pid(): number | undefined {
        return this.child.pid;
    }

    /** What the pack wrote to stderr so far (errors, console output of policies). */
    get stderr(): string {
        return this.output.stderr;
    }

    get engineLogs(): readonly LogEntry[] {
        return this.engine.logs;
    }

    private call<Req, Res>(method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
        return new Promise((resolve, reject) => method(req, (err, res) => (err ? reject(err) : resolve(res))));
    }

    async getPluginInfo(): Promise<{ version: string }> {
        const res = await this.call<Empty, pluginPb.PluginInfo>((r, cb) => this.client.getPluginInfo(r, cb), new Empty());
        return { version: res.getVersion() };
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const res = await this.call<Empty, analyzerPb.AnalyzerInfo>((r, cb) => this.client.getAnalyzerInfo(r, cb), new Empty());
        this.info = {
            name: res.getName(),
            displayName: res.getDisplayname(),
            version: res.getVersion(),
            description: res.getDescription(),
            supportsConfig: res.getSupportsconfig(),
            policies: res.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                const framework = p.getFramework();
                return {
                    name: p.getName(),
                    displayName: p.getDisplayname(),
                    description: p.getDescription(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()],
                    severity: SEVERITIES[p.getSeverity()],
                    configSchema: schema
                        ? {
                              properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>,
                              required: schema.getRequiredList(),
                          }
                        : undefined,
                    framework: framework
                        ? {
                              name: framework.getName(),
                              version: framework.getVersion(),
                              reference: framework.getReference(),
                              specification: framework.getSpecification(),
                          }
                        : undefined,
                    tags: p.getTagsList(),
                    remediationSteps: p.getRemediationSteps(),
                };
            }),
        };
        return this.info;
    }

    /**
     * Applies a `--policy-pack-config` file's content as the engine does: defaults from every policy's schema,
     * then `all`, then each policy's entry, validated against the schemas, and sent with Configure. Returns what
     * was sent. Throws (like `pulumi preview`) when the config does not validate.
     */
    async configure(config: PolicyPackConfigFile): Promise<Record<string, ReconciledPolicyConfig>> {
        const info = this.info ?? (await this.getAnalyzerInfo());
        const reconciled = reconcilePolicyConfig(info.policies, config);
        await this.configureRaw(reconciled);
        return reconciled;
    }

    /** Sends a Configure request exactly as given (no reconciliation, no validation). */
    async configureRaw(config: Record<string, ReconciledPolicyConfig>): Promise<void> {
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of Object.entries(config)) {
            const pc = new analyzerPb.PolicyConfig().setEnforcementlevel(LEVEL_CODES[c.enforcementLevel]);
            pc.setProperties(toStruct(c.properties ?? {}));
            map.set(name, pc);
        }
        await this.call<analyzerPb.ConfigureAnalyzerRequest, Empty>((r, cb) => this.client.configure(r, cb), req);
    }

    /** Analyze one resource: its diagnostics. */
    async analyze(resource: AnalyzerResourceInput): Promise<Diagnostic[]> {
        return (await this.analyzeResponse(resource)).diagnostics;
    }

    /** Analyze one resource: diagnostics and the policies that declared themselves not applicable. */
    async analyzeResponse(resource: AnalyzerResourceInput): Promise<AnalyzeResult> {
        return diagnostics(
            await this.call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(
                (r, cb) => this.client.analyze(r, cb),
                analyzeRequest(resource),
            ),
        );
    }

    /** Analyze one resource: the result and the size of the response on the wire (bytes of the AnalyzeResponse). */
    async analyzeWithSize(resource: AnalyzerResourceInput): Promise<AnalyzeResult & { bytes: number }> {
        const response = await this.call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(
            (r, cb) => this.client.analyze(r, cb),
            analyzeRequest(resource),
        );
        return { ...diagnostics(response), bytes: response.serializeBinary().length };
    }

    async analyzeStack(resources: AnalyzerResourceInput[]): Promise<Diagnostic[]> {
        const req = new analyzerPb.AnalyzeStackRequest().setResourcesList(resources.map(stackResource));
        return diagnostics(
            await this.call<analyzerPb.AnalyzeStackRequest, analyzerPb.AnalyzeResponse>((r, cb) => this.client.analyzeStack(r, cb), req),
        ).diagnostics;
    }

    async remediate(resource: AnalyzerResourceInput): Promise<RemediationResult[]> {
        const res = await this.call<analyzerPb.AnalyzeRequest, analyzerPb.RemediateResponse>(
            (r, cb) => this.client.remediate(r, cb),
            analyzeRequest(resource),
        );
        return res.getRemediationsList().map((r) => ({
            policyName: r.getPolicyname(),
            description: r.getDescription(),
            properties: r.getProperties()?.toJavaScript(),
            diagnostic: r.getDiagnostic(),
        }));
    }

    /** Kills the pack and stops the fake engine. */
    async close(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.kill();
            await exited;
        }
        await this.engine.stop();
    }
}

/** Short names used by the offline plan (tools/plan.ts). */
export type AnalyzerHarness = PolicyPackAnalyzer;
export type AnalyzerResource = AnalyzerResourceInput;
export function startPolicyPack(options?: StartOptions): Promise<PolicyPackAnalyzer> {
    return PolicyPackAnalyzer.start(options);
}
