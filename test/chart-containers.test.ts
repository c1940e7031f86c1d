// Every container a pinned chart renders with the program's values has requests and limits set by those
// values: resources-requests-limits is mandatory in prod and a chart's `resources: {}` default gets its pod
// denied at admission (the falcoctl containers did: the atomic Falco release rolled back). The inventory of
// containers per chart version is test/fixtures/chart-containers.yaml.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ENVIRONMENTS } from "../stacks/types";
import { ProgramRun, runProgram } from "../tools/mock-engine";
import { RELEASE_TYPE } from "../tools/charts/releases";

interface Condition {
    path: string;
    default: unknown;
    /** The value must equal this (default: truthy). */
    is?: unknown;
    /** The value must be none of these. */
    not?: unknown[];
}
interface ChartContainer {
    workload: string;
    container: string;
    /** Values path of its requests/limits; null when the chart offers none. */
    resources: string | null;
    /** The template's `default`: this path's resources when `resources` is empty. */
    fallback?: string;
    when?: Condition[];
}
type Inventory = Record<string, { version: string; containers: ChartContainer[] }>;

const INVENTORY = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "chart-containers.yaml"), "utf8")) as Inventory;

/** The value at a dotted path (keys may contain dashes; chart aliases like `redis-ha` are one key). */
function valueAt(values: unknown, dotted: string): unknown {
    let current = values;
    for (const key of dotted.split(".")) {
        if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
        current = (current as Record<string, unknown>)[key];
    }
    return current;
}

function truthy(value: unknown): boolean {
    // Go templates: empty maps, lists and strings, 0, false and nil are false.
    if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object") return Object.keys(value).length > 0;
    return true;
}

export function rendered(container: ChartContainer, values: unknown): boolean {
    return (container.when ?? []).every((c) => {
        const value = valueAt(values, c.path) ?? c.default;
        if (c.not) return !c.not.includes(value);
        return "is" in c ? value === c.is : truthy(value);
    });
}

/** What is wrong with a container's requests/limits in the values ("" when cpu and memory requests and limits are set). */
export function resourcesProblem(container: ChartContainer, values: unknown): string {
    if (container.resources === null) return "the chart offers no values path for its resources: it must not be enabled";
    const own = valueAt(values, container.resources);
    const resources = truthy(own) || !container.fallback ? own : valueAt(values, container.fallback);
    const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter((p) => !truthy(valueAt(resources, p)));
    return missing.length === 0 ? "" : `${container.resources} lacks ${missing.join(", ")}`;
}

describe("chart containers: every rendered container gets requests and limits from our values", function () {
    this.timeout(120000);
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        for (const stack of ENVIRONMENTS) runs[stack] = await runProgram({ stack });
    });

    it("knows every pinned chart at its pinned version", () => {
        for (const [stack, run] of Object.entries(runs)) {
            const releases = run.resources.filter((r) => r.type === RELEASE_TYPE);
            assert.ok(releases.length >= 8, `${stack}: ${releases.length} releases`);
            for (const r of releases) {
                const entry = INVENTORY[r.inputs.chart];
                assert.ok(entry, `${stack}: no container inventory for chart ${r.inputs.chart}`);
                assert.equal(
                    entry.version,
                    r.inputs.version,
                    `${stack}: inventory of ${r.inputs.chart} is for ${entry.version}, the program pins ${r.inputs.version}: read its templates again`,
                );
            }
        }
    });

    for (const stack of ENVIRONMENTS) {
        it(`${stack}: no rendered container is left without requests/limits`, () => {
            const problems: string[] = [];
            let checked = 0;
            for (const r of runs[stack].resources.filter((x) => x.type === RELEASE_TYPE)) {
                for (const c of INVENTORY[r.inputs.chart]?.containers ?? []) {
                    if (!rendered(c, r.inputs.values)) continue;
                    checked++;
                    const problem = resourcesProblem(c, r.inputs.values);
                    if (problem) problems.push(`${r.inputs.chart} ${c.workload} / ${c.container}: ${problem}`);
                }
            }
            assert.ok(checked >= 20, `only ${checked} containers checked`);
            assert.deepEqual(problems, []);
        });
    }

    it("the check catches the falcoctl containers without resources (the chart default)", () => {
        const falco = runs.prod.resources.find((r) => r.type === RELEASE_TYPE && r.inputs.chart === "falco")!;
        const values = JSON.parse(JSON.stringify(falco.inputs.values)) as { falcoctl: { artifact?: Record<string, unknown> } };
        delete values.falcoctl.artifact;
        const install = INVENTORY.falco.containers.find((c) => c.container.startsWith("falcoctl-artifact-install"))!;
        assert.ok(rendered(install, values), "enabled by the chart default");
        assert.equal(
            resourcesProblem(install, values),
            "falcoctl.artifact.install.resources lacks requests.cpu, requests.memory, limits.cpu, limits.memory",
        );
        // The modern eBPF driver renders no driver-loader init container.
        const loader = INVENTORY.falco.containers.find((c) => c.container.startsWith("falco-driver-loader"))!;
        assert.equal(rendered(loader, { ...values, driver: { kind: "modern_ebpf", loader: { enabled: true } } }), false);
        assert.equal(rendered(loader, { driver: { kind: "kmod" } }), true);
    });
});
