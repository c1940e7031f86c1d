// A stand-in resource provider for the end-to-end `pulumi preview` (test/engines/pulumi-preview.test.ts): the
// engine attaches to it through PULUMI_DEBUG_PROVIDERS instead of starting the real kubernetes, gcp or random
// plugin, which cannot be downloaded here. It echoes Check inputs (so the policy pack sees exactly what the
// program declared) and answers the invokes the program makes; any other invoke fails loudly.
// Usage: node --import tsx test/support/stand-in-provider.ts <package> <version>   (prints its port on stdout)
import * as provider from "@pulumi/pulumi/provider";

type Invoke = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** The invokes the program makes, by token, with answers shaped like the real provider's. */
const INVOKES: Record<string, Record<string, Invoke>> = {
    gcp: {
        "gcp:organizations/getProject:getProject": (inputs) => {
            const projectId = typeof inputs.projectId === "string" ? inputs.projectId : "stand-in-project";
            return { id: `projects/${projectId}`, projectId, name: projectId, number: "123456789012", labels: {} };
        },
    },
    kubernetes: {},
    random: {},
};

const [pkg, version] = process.argv.slice(2);
if (!pkg || !(pkg in INVOKES) || !/^\d+\.\d+\.\d+$/.test(version ?? "")) {
    process.stderr.write(
        `stand-in provider: usage: <${Object.keys(INVOKES).join("|")}> <version>, got ${pkg ?? "nothing"} ${version ?? ""}\n`,
    );
    process.exit(2);
}

const standIn: provider.Provider = {
    version,
    check: async (_urn, _olds, news) => ({ inputs: news }),
    diff: async () => ({ changes: true }),
    create: async (urn, inputs) => ({ id: `stand-in-${urn.split("::").pop() ?? "resource"}`, outs: inputs }),
    invoke: async (token, inputs) => {
        const answer = INVOKES[pkg][token];
        if (!answer) throw new Error(`stand-in ${pkg} provider: no answer for invoke ${token}`);
        return { outputs: answer(inputs as Record<string, unknown>) };
    },
};

void provider.main(standIn, process.argv.slice(4));
