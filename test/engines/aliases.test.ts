// The alias proof under the real Pulumi CLI: a prod state recorded as it was before the GCP audit resources moved
// from AuditLogging into GkeAuditSources previews with every moved resource found through its alias (no create,
// no delete, no replace), only the new GkeAuditSources component being created.
//
// The state is recorded here, not kept as a file: `pulumi up` of today's prod program on stand-in providers, then
// each moved resource's URN and parent rewritten to the URN it had before the move, as the old program declared
// them (test/fixtures/audit/prod-urns-before-gke-audit-sources.json, recorded at commit cc1fda6), and imported.
import { strict as assert } from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/mock-engine";
import { requireTool } from "../support/engines";
import { startStandIn } from "../support/stand-ins";

const STACK = "prod";
const OLD_URNS = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "audit", "prod-urns-before-gke-audit-sources.json"), "utf8"),
) as { urns: string[] };
const GKE_AUDIT_SOURCES = "secure-gitops:audit:GkeAuditSources";
const AUDIT_LOGGING = "secure-gitops:audit:AuditLogging";
const SKIPPED = new Set([".git", "plan-output", "check-output", ".pulumi"]);

interface StateResource {
    urn: string;
    type: string;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    [key: string]: unknown;
}

interface PreviewStep {
    op: string;
    urn: string;
}

/** `urn:...::<parent types>$<type>::<name>`: the type and name a URN ends with. */
function typeAndName(urn: string): string {
    const [, , , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.split("$").pop()}::${name}`;
}

/**
 * Today's state as the old program left it: each GkeAuditSources child gets the old URN of the same type and name,
 * under AuditLogging; references follow; the GkeAuditSources component is dropped, AuditLogging moved before its
 * new children (a state lists parents first).
 */
export function stateBeforeMove(resources: StateResource[], oldUrns: string[]): { resources: StateResource[]; moved: number } {
    const sources = resources.find((r) => r.type === GKE_AUDIT_SOURCES);
    const auditLogging = resources.find((r) => r.type === AUDIT_LOGGING);
    assert.ok(sources && auditLogging, "the state has GkeAuditSources and AuditLogging");
    const oldByTypeAndName = new Map(oldUrns.map((u) => [typeAndName(u), u]));
    const renamed = new Map<string, string>();
    for (const r of resources) {
        if (r.parent !== sources.urn) continue;
        const old = oldByTypeAndName.get(typeAndName(r.urn));
        assert.ok(old, `no old URN for ${r.urn}`);
        renamed.set(r.urn, old);
    }
    const rename = (urn: string) => renamed.get(urn) ?? (urn === sources.urn ? auditLogging.urn : urn);
    const rewritten = resources
        .filter((r) => r !== sources && r !== auditLogging)
        .map((r) => ({
            ...r,
            urn: rename(r.urn),
            ...(r.parent ? { parent: rename(r.parent) } : {}),
            ...(r.dependencies ? { dependencies: r.dependencies.map(rename) } : {}),
            ...(r.propertyDependencies
                ? { propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map(rename)])) }
                : {}),
        }));
    const firstChild = rewritten.findIndex((r) => r.parent === auditLogging.urn);
    rewritten.splice(firstChild === -1 ? rewritten.length : firstChild, 0, auditLogging);
    return { resources: rewritten, moved: renamed.size };
}

describe("real engine: aliases keep every URN of the audit move (pulumi preview on a recorded state)", function () {
    this.timeout(1_800_000);
    let pulumi: string;
    let tmp: string;
    let project: string;
    let env: NodeJS.ProcessEnv;
    const standIns: ChildProcess[] = [];

    function cli(args: string[]): { status: number | null; stdout: string; output: string } {
        const r = spawnSync(pulumi, args, { cwd: project, env, encoding: "utf8", timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
        if (r.error) throw new Error(`pulumi ${args.join(" ")}: ${r.error.message}`);
        return { status: r.status, stdout: r.stdout, output: `${r.stdout}\n${r.stderr}` };
    }

    before(async function () {
        pulumi = requireTool(this, "pulumi");
        const languageHost = requireTool(this, "pulumi-language-nodejs");
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-aliases-"));
        project = path.join(tmp, "project");
        fs.mkdirSync(project);
        for (const entry of fs.readdirSync(PROJECT_ROOT)) {
            if (SKIPPED.has(entry) || (entry.startsWith("Pulumi.") && entry !== "Pulumi.yaml" && entry !== `Pulumi.${STACK}.yaml`))
                continue;
            if (entry.startsWith("Pulumi.")) fs.copyFileSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
            else fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
        }
        const baseEnv: NodeJS.ProcessEnv = { ...process.env };
        delete baseEnv.NODE_OPTIONS;
        for (const pkg of ["kubernetes", "gcp", "random"]) {
            const { child, port } = await startStandIn(pkg, baseEnv);
            standIns.push(child);
            baseEnv.PULUMI_DEBUG_PROVIDERS = [baseEnv.PULUMI_DEBUG_PROVIDERS, `${pkg}:${port}`].filter(Boolean).join(",");
        }
        env = {
            ...baseEnv,
            PATH: `${path.dirname(languageHost)}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_HOME: path.join(tmp, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "end-to-end-test-only",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
        fs.mkdirSync(path.join(tmp, "state"));
        assert.equal(cli(["stack", "init", STACK, "--non-interactive"]).status, 0);
    });

    after(() => {
        for (const child of standIns) child.kill();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("previews the pre-move prod state with 0 creates, deletes or replaces of the moved resources", () => {
        const up = cli(["up", "--stack", STACK, "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
        assert.equal(up.status, 0, `recording the state failed:\n${up.output.slice(-6000)}`);
        const exported = cli(["stack", "export", "--stack", STACK]);
        assert.equal(exported.status, 0, exported.output);
        const state = JSON.parse(exported.stdout) as { deployment: { resources: StateResource[] } };
        const { resources, moved } = stateBeforeMove(state.deployment.resources, OLD_URNS.urns);
        assert.equal(moved, OLD_URNS.urns.length, "every old URN is recorded in the state");
        state.deployment.resources = resources;
        const file = path.join(tmp, "before-move.json");
        fs.writeFileSync(file, JSON.stringify(state));
        const imported = cli(["stack", "import", "--stack", STACK, "--file", file]);
        assert.equal(imported.status, 0, imported.output);

        const preview = cli(["preview", "--stack", STACK, "--json", "--non-interactive"]);
        assert.equal(preview.status, 0, preview.output.slice(-6000));
        const steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
        assert.ok(steps.length > moved, `only ${steps.length} steps`);
        const creates = steps.filter((s) => s.op === "create").map((s) => s.urn);
        const destructive = steps.filter((s) => ["delete", "replace", "create-replacement", "delete-replaced"].includes(s.op));
        assert.deepEqual(
            creates.map((u) => u.split("::")[2]),
            [GKE_AUDIT_SOURCES],
            `only GkeAuditSources is new:\n${creates.join("\n")}`,
        );
        assert.deepEqual(destructive, [], "nothing is deleted or replaced");
        const movedSteps = steps.filter((s) => s.urn.includes(`${GKE_AUDIT_SOURCES}$`));
        assert.equal(movedSteps.length, moved, "every moved resource is in the preview under its new URN");
        process.stdout.write(`      aliases: ${moved} moved resources, 0 created, 0 deleted, 0 replaced\n`);
    });
});
