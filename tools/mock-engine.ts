// An in-process Pulumi engine for tests and the offline plan: the real program runs under
// `pulumi.runtime.setMocks`, every registration is recorded with its parent, dependencies and options,
// and providers are faked with mocks that echo inputs and fill plausible outputs.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { parse as parseYaml } from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROJECT_NAME = "secure-gitops";

/** The signature the Pulumi wire format uses to mark a secret value. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent, absent for the stack itself. */
    parent?: string;
    custom: boolean;
    /** Inputs with secrets unwrapped (see `secretPaths`). */
    inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary provider inputs
    /** Top-level and nested input paths that were sent as secrets, e.g. `data.password`. */
    secretPaths: string[];
    dependencies: string[];
    protect: boolean;
    provider?: string;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    /** The URNs the resource's `aliases` resolve to (what the engine would look up in the state); absent without aliases. */
    aliases?: string[];
}

export interface ProgramRun {
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}

/** Plausible provider outputs for types whose outputs the program reads. */
function fakeOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "gcp:container/cluster:Cluster":
            return {
                endpoint: "10.0.0.2",
                masterAuth: { clusterCaCertificate: Buffer.from("fake-ca").toString("base64") },
                selfLink: `https://container.googleapis.com/v1/projects/p/locations/l/clusters/${name}`,
            };
        case "gcp:serviceaccount/account:Account":
            return {
                email: `${text(inputs.accountId, name)}@${text(inputs.project, "project")}.iam.gserviceaccount.com`,
                member: `serviceAccount:${text(inputs.accountId, name)}@project.iam.gserviceaccount.com`,
                // The fully-qualified name IAM bindings on the account (serviceAccountId) refer to.
                name: `projects/${text(inputs.project, "project")}/serviceAccounts/${text(inputs.accountId, name)}@${text(inputs.project, "project")}.iam.gserviceaccount.com`,
            };
        case "gcp:kms/keyRing:KeyRing":
            return { id: `projects/p/locations/l/keyRings/${text(inputs.name, name)}` };
        case "gcp:storage/bucket:Bucket":
            return { url: `gs://${text(inputs.name, name)}` };
        case "gcp:logging/projectSink:ProjectSink":
            return { writerIdentity: `serviceAccount:sink-${name}@gcp-sa-logging.iam.gserviceaccount.com` };
        case "random:index/randomPassword:RandomPassword":
            return { result: `mock-password-${name}` };
        default:
            return {};
    }
}

/** A string input as given, else the fallback (mock inputs are plain values; never "[object Object]"). */
function text(value: unknown, fallback: string): string {
    return typeof value === "string" ? value : fallback;
}

class RecordingMocks implements pulumi.runtime.Mocks {
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const id = args.custom === false ? undefined : `${args.name}-id`;
        return { id, state: { ...inputs, ...fakeOutputs(args.type, args.name, inputs) } };
    }
    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        switch (args.token) {
            case "gcp:organizations/getProject:getProject":
                return { number: "123456789012", projectId: (args.inputs as { projectId?: unknown }).projectId ?? "project" };
            case "gcp:organizations/getClientConfig:getClientConfig":
                return { project: "project", region: "europe-west1", accessToken: "fake" };
            case "gcp:container/getEngineVersions:getEngineVersions":
                return { latestMasterVersion: "1.33.5-gke.1000", defaultClusterVersion: "1.33.5-gke.1000" };
            default:
                return args.inputs as Record<string, unknown>;
        }
    }
}

function collectSecretPaths(value: unknown, prefix: string, out: string[]): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v, i) => collectSecretPaths(v, `${prefix}[${i}]`, out));
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) {
        out.push(prefix);
        return collectSecretPaths(record.value, prefix, []);
    }
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) result[k] = collectSecretPaths(v, prefix ? `${prefix}.${k}` : k, out);
    return result;
}

/** Minimal view of the RegisterResourceRequest protobuf the recorder reads. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getDependenciesList(): string[];
    getProtect(): boolean;
    getProvider(): string;
    getIgnorechangesList(): string[];
    getDeletebeforereplace(): boolean;
    getAliasesList(): AliasMessage[];
}

/** An alias as the SDK sends it: a URN, or a spec whose empty fields mean "the same as the resource's". */
interface AliasMessage {
    getUrn(): string;
    hasSpec(): boolean;
    getSpec():
        | { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean }
        | undefined;
}

/**
 * A URN the way the mock monitor builds them (the parent's own type, `$`, the type), so recorded URNs and
 * resolved aliases compare. For children of top-level components this is also the engine's URN.
 */
export function mockUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    const qualifiedType = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${[stack, project, qualifiedType, name].join("::")}`;
}

/** The URN an alias names, filled in from the resource as the engine does. */
function resolveAlias(alias: AliasMessage, resource: { type: string; name: string; parent?: string }): string {
    const spec = alias.hasSpec() ? alias.getSpec() : undefined;
    if (!spec) return alias.getUrn();
    const parent = spec.getNoparent() ? undefined : spec.getParenturn() || resource.parent;
    return mockUrn(
        spec.getStack() || pulumi.getStack(),
        spec.getProject() || pulumi.getProject(),
        parent,
        spec.getType() || resource.type,
        spec.getName() || resource.name,
    );
}

interface MockMonitorLike {
    registerResource(req: RegisterRequest, cb: (err: unknown, res: { getUrn(): string } | undefined) => void): Promise<void>;
}

/**
 * A stack file's `config:` map in the shape the runtime takes: fully-qualified keys, structured values as
 * JSON (as the CLI passes them), and `secure:` values as placeholders that stay marked secret (encrypted
 * values cannot be decrypted offline).
 */
export function normalizeConfigMap(raw: Record<string, unknown>): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
        const fullKey = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[fullKey] = `offline-placeholder-for-${key}`;
            secretKeys.push(fullKey);
        } else {
            config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

/** Reads `Pulumi.<stack>.yaml` and returns its config map (project keys namespaced) and secret keys. */
export function readStackConfigFile(stack: string, root = PROJECT_ROOT): { config: Record<string, string>; secretKeys: string[] } {
    const doc = (parseYaml(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return normalizeConfigMap(doc.config ?? {});
}

export interface RunOptions {
    stack: string;
    /** Config values (fully-qualified keys). Defaults to `Pulumi.<stack>.yaml`. */
    config?: Record<string, string>;
    secretKeys?: string[];
    /** The program; defaults to the project's `index.ts`, freshly evaluated. */
    program?: () => unknown;
}

/**
 * Runs a Pulumi program under mocks and returns every registered resource. Runs are sequential:
 * the Pulumi runtime is process-global.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    const fromFile = options.config ? { config: options.config, secretKeys: options.secretKeys ?? [] } : readStackConfigFile(options.stack);
    await pulumi.runtime.setMocks(new RecordingMocks(), PROJECT_NAME, options.stack, false);
    pulumi.runtime.setAllConfig(fromFile.config, fromFile.secretKeys);

    const recorded: RecordedResource[] = [];
    const monitor = settings.getMonitor() as unknown as MockMonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        register(req, (err, res) => {
            if (!err && res) {
                const secretPaths: string[] = [];
                const inputs = collectSecretPaths(req.getObject()?.toJavaScript() ?? {}, "", secretPaths) as Record<string, unknown>;
                const self = { type: req.getType(), name: req.getName(), parent: req.getParent() || undefined };
                const aliases = req.getAliasesList().map((alias) => resolveAlias(alias, self));
                recorded.push({
                    urn: res.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    inputs,
                    secretPaths,
                    dependencies: req.getDependenciesList(),
                    protect: req.getProtect(),
                    provider: req.getProvider() || undefined,
                    ignoreChanges: req.getIgnorechangesList(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    ...(aliases.length > 0 ? { aliases } : {}),
                });
            }
            cb(err, res);
        });

    const program =
        options.program ??
        (() => {
            const entry = require.resolve(path.join(PROJECT_ROOT, "index"));
            // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- evicts the program so every run declares its resources afresh
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded per run, after the mocks are set
            return require(entry) as unknown;
        });
    const outputs = (await pulumi.runtime.runInPulumiStack(async () => program())) ?? {};
    // waitForRPCs is exported at runtime but absent from the typings; it settles every pending registration.
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { resources: recorded, outputs: outputs };
}

/** Resources of one type. */
export function ofType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The single resource of a type and name (throws if absent, so a test fails with a clear message). */
export function findResource(run: ProgramRun, type: string, name?: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
        const names = ofType(run, type).map((r) => r.name);
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length} (have: ${names.join(", ") || "none"})`);
    }
    return found[0];
}
