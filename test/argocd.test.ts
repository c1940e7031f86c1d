import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
    applicationSource,
    ArgoCd,
    ARGOCD_CHART,
    ARGOCD_RESOURCE_EXCLUSIONS,
    IN_CLUSTER_SERVER,
    isExcludedByArgoCd,
} from "../components/argocd";
import { ArgoCdConfig, EnvironmentName } from "../stacks/types";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";
import { chartKeyProblems, readChartKeys } from "./support/chart-keys";

interface Fixture {
    environment: EnvironmentName;
    adminGroups?: string[];
    config: Omit<ArgoCdConfig, "oidc" | "repoPassword"> & {
        oidc?: { issuer: string; clientId: string; clientSecret: string };
        repoPassword?: string;
    };
}

function loadFixture(name: string): Fixture {
    return parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "argocd", `${name}.yaml`), "utf8")) as Fixture;
}

/** Secret config values arrive as secret Outputs, as `loadStackConfig` hands them over. */
function toConfig(fixture: Fixture): ArgoCdConfig {
    const { oidc, repoPassword, ...rest } = fixture.config;
    return {
        ...rest,
        oidc: oidc ? { ...oidc, clientSecret: pulumi.secret(oidc.clientSecret) } : undefined,
        repoPassword: repoPassword !== undefined ? pulumi.secret(repoPassword) : undefined,
    };
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const API_SERVER_CIDRS = ["172.16.0.0/28"];
const CUSTOM = "kubernetes:argoproj.io/v1alpha1";

async function deploy(name: string): Promise<{ run: ProgramRun; fixture: Fixture }> {
    const fixture = loadFixture(name);
    const run = await runProgram({
        stack: fixture.environment,
        config: {},
        program: () => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
            // Stand-ins for the Gatekeeper constraints the platform passes in.
            const constraints = ["require-labels", "disallow-latest"].map(
                (c) =>
                    new k8s.apiextensions.CustomResource(
                        `constraint-${c}`,
                        { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: "K8sRule", metadata: { name: c }, spec: {} },
                        { provider },
                    ),
            );
            new ArgoCd("argocd", {
                provider,
                environment: fixture.environment,
                config: toConfig(fixture),
                adminGroups: fixture.adminGroups,
                apiServerCidrs: API_SERVER_CIDRS,
                dependsOn: constraints,
            });
        },
    });
    return { run, fixture };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form Helm values
function values(run: ProgramRun): any {
    return findResource(run, RELEASE).inputs.values;
}

describe("ArgoCd component", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    let prodFixture: Fixture;
    let devFixture: Fixture;

    before(async () => {
        ({ run: dev, fixture: devFixture } = await deploy("dev"));
        ({ run: prod, fixture: prodFixture } = await deploy("prod"));
    });

    it("is a component of the declared type parenting all its resources", () => {
        const component = findResource(prod, "secure-gitops:gitops:ArgoCd", "argocd");
        const owned = prod.resources.filter((x) => x.name.startsWith("argocd-"));
        assert.ok(owned.length >= 6);
        const parentOf = new Map(prod.resources.map((r) => [r.urn, r.parent]));
        const ancestors = (urn: string): string[] => {
            const parent = parentOf.get(urn);
            return parent ? [parent, ...ancestors(parent)] : [];
        };
        for (const r of owned.filter((x) => x.urn !== component.urn)) {
            // Direct children, or grandchildren through the SecureNamespace.
            assert.ok(ancestors(r.urn).includes(component.urn), `${r.type} ${r.name} is under the component`);
        }
        assert.equal(findResource(prod, RELEASE).parent, component.urn);
    });

    it("installs the official chart at an exact pinned version into the argocd namespace", () => {
        const release = findResource(prod, RELEASE);
        assert.equal(release.inputs.chart, "argo-cd");
        assert.equal(release.inputs.repositoryOpts.repo, "https://argoproj.github.io/argo-helm");
        assert.match(release.inputs.version, /^\d+\.\d+\.\d+$/);
        assert.equal(release.inputs.version, ARGOCD_CHART.version);
        assert.equal(release.inputs.namespace, "argocd");
        const ns = findResource(prod, "kubernetes:core/v1:Namespace", "argocd-ns");
        assert.equal(ns.inputs.metadata.name, "argocd");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const secureNamespace = findResource(prod, "secure-gitops:kubernetes:SecureNamespace", "argocd-ns");
        assert.equal(ns.parent, secureNamespace.urn);
        assert.ok(
            release.dependencies.includes(secureNamespace.urn) || release.dependencies.includes(ns.urn),
            "release waits for its namespace",
        );
    });

    it("opens the namespace's default-deny only to the API server, Git (repo-server) and OIDC (server)", () => {
        const policies = (run: ProgramRun) =>
            new Map(
                ofType(run, NETWORK_POLICY)
                    .filter((p) => p.inputs.metadata.namespace === "argocd")
                    .map((p) => [p.inputs.metadata.name as string, p]),
            );
        const prodPolicies = policies(prod);
        assert.ok(prodPolicies.has("default-deny-all"));
        const api = prodPolicies.get("allow-apiserver-egress");
        assert.deepEqual(
            api?.inputs.spec.egress[0].to,
            API_SERVER_CIDRS.map((cidr) => ({ ipBlock: { cidr } })),
        );
        const git = prodPolicies.get("allow-git-egress");
        assert.deepEqual(git?.inputs.spec.podSelector.matchLabels, { "app.kubernetes.io/name": "argocd-repo-server" });
        assert.deepEqual(git?.inputs.spec.egress[0].ports, [{ port: 443, protocol: "TCP" }]);
        const oidc = prodPolicies.get("allow-oidc-egress");
        assert.deepEqual(oidc?.inputs.spec.podSelector.matchLabels, { "app.kubernetes.io/name": "argocd-server" });
        assert.ok(!policies(dev).has("allow-oidc-egress"), "no OIDC hole without OIDC");
    });

    it("hardens the server: TLS, ClusterIP, no ingress, no exec, no anonymous, read-only default role", () => {
        for (const run of [dev, prod]) {
            const v = values(run);
            assert.equal(v.configs.params["server.insecure"], false);
            assert.equal(v.server.service.type, "ClusterIP");
            assert.notEqual(v.server.service.type, "LoadBalancer");
            assert.equal(v.server.ingress.enabled, false);
            assert.equal(v.configs.cm["exec.enabled"], false);
            assert.equal(v.configs.cm["users.anonymous.enabled"], "false");
            assert.equal(v.configs.rbac["policy.default"], "role:readonly");
            assert.equal(v.global.networkPolicy.create, true);
        }
    });

    it("disables the local admin when OIDC is configured and wires the client secret by reference", () => {
        const v = values(prod);
        assert.equal(v.configs.cm["admin.enabled"], false);
        const oidc = parseYaml(v.configs.cm["oidc.config"]);
        assert.equal(oidc.issuer, prodFixture.config.oidc?.issuer);
        assert.equal(oidc.clientID, prodFixture.config.oidc?.clientId);
        assert.equal(oidc.clientSecret, "$oidc.clientSecret");
        assert.ok(!v.configs.cm["oidc.config"].includes(prodFixture.config.oidc?.clientSecret), "no inline client secret");
        assert.equal(v.configs.secret.extra["oidc.clientSecret"], prodFixture.config.oidc?.clientSecret);
        const release = findResource(prod, RELEASE);
        assert.ok(
            release.secretPaths.some((p) => p === "values" || p.startsWith("values.configs.secret.extra")),
            `client secret is sent as a secret; secret paths: ${release.secretPaths.join(",")}`,
        );
        assert.equal(v.configs.rbac["policy.csv"], "g, platform-admins, role:admin");
    });

    it("keeps the local admin (chart-generated initial secret) in dev without OIDC", () => {
        const v = values(dev);
        assert.equal(v.configs.cm["admin.enabled"], true);
        assert.equal(v.configs.cm["oidc.config"], undefined);
        assert.equal(v.configs.secret.extra, undefined);
        assert.equal(v.configs.secret.argocdServerAdminPassword, undefined, "no admin password in Helm values");
    });

    it("runs HA in prod: redis-ha, >= 2 server/repo-server replicas with autoscaling and PDBs", () => {
        const v = values(prod);
        assert.equal(v["redis-ha"].enabled, true);
        for (const component of ["server", "repoServer"]) {
            assert.ok(v[component].replicas >= 2, `${component} replicas`);
            assert.equal(v[component].autoscaling.enabled, true, `${component} autoscaling`);
            assert.ok(v[component].autoscaling.minReplicas >= 2, `${component} min replicas`);
            assert.equal(v[component].pdb.enabled, true, `${component} pdb`);
        }
        assert.ok(v.applicationSet.replicas >= 2);
        assert.equal(v.applicationSet.pdb.enabled, true);
    });

    it("runs single replicas without redis-ha in dev", () => {
        const v = values(dev);
        assert.equal(v["redis-ha"].enabled, false);
        for (const component of ["server", "repoServer", "applicationSet"]) {
            assert.equal(v[component].replicas, 1, `${component} replicas`);
            assert.equal(v[component].pdb.enabled, false, `${component} pdb`);
        }
        assert.equal(v.server.autoscaling.enabled, false);
    });

    it("sets requests, limits and a restricted security context on every Argo CD container", () => {
        const v = values(prod);
        for (const component of ["controller", "server", "repoServer", "applicationSet", "redis", "redisSecretInit"]) {
            const { resources, containerSecurityContext: sc } = v[component];
            for (const kind of ["requests", "limits"]) {
                assert.ok(resources[kind].cpu && resources[kind].memory, `${component} ${kind}`);
            }
            assert.equal(sc.runAsNonRoot, true, `${component} runAsNonRoot`);
            assert.equal(sc.readOnlyRootFilesystem, true, `${component} readOnlyRootFilesystem`);
            assert.equal(sc.allowPrivilegeEscalation, false, `${component} allowPrivilegeEscalation`);
            assert.deepEqual(sc.capabilities.drop, ["ALL"], `${component} drop ALL`);
            assert.equal(sc.seccompProfile.type, "RuntimeDefault", `${component} seccomp`);
        }
        // redis-ha's containers and init containers (the subchart leaves init, split-brain-fix and haproxy init empty).
        const redisHa = v["redis-ha"];
        const redisHaParts = {
            redis: redisHa.redis,
            sentinel: redisHa.sentinel,
            init: redisHa.init,
            splitBrainDetection: redisHa.splitBrainDetection,
            haproxy: redisHa.haproxy,
            "haproxy.init": redisHa.haproxy.init,
        };
        for (const [part, settings] of Object.entries(redisHaParts)) {
            for (const kind of ["requests", "limits"]) {
                assert.ok(settings.resources[kind].cpu && settings.resources[kind].memory, `redis-ha ${part} ${kind}`);
            }
        }
        // Larger in prod than in dev.
        assert.notDeepEqual(values(dev).controller.resources, v.controller.resources);
    });

    it("restricts the AppProject to the app repository and namespaces with no cluster-scoped kinds", () => {
        const project = findResource(prod, `${CUSTOM}:AppProject`);
        const spec = project.inputs.spec;
        assert.deepEqual(spec.sourceRepos, [prodFixture.config.appRepoUrl]);
        assert.deepEqual(
            spec.destinations,
            prodFixture.config.appNamespaces.map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
        );
        assert.deepEqual(spec.clusterResourceWhitelist, []);
        assert.ok(!spec.destinations.some((d: { namespace: string }) => d.namespace === "argocd" || d.namespace === "*"));
        const blacklisted = spec.namespaceResourceBlacklist.map((k: { kind: string }) => k.kind);
        assert.deepEqual(blacklisted.sort(), ["LimitRange", "ResourceQuota"]);
        assert.equal(spec.orphanedResources.warn, true);
    });

    it("locks the built-in default project with a forced server-side apply patch after the release", () => {
        const locked = parseYaml(fs.readFileSync(path.join(__dirname, "fixtures", "argocd", "locked-default-project.yaml"), "utf8"));
        for (const run of [dev, prod]) {
            const patches = ofType(run, `${CUSTOM}:AppProjectPatch`);
            assert.equal(patches.length, 1, "one AppProject patch");
            const [patch] = patches;
            assert.equal(patch.inputs.metadata.name, "default");
            assert.equal(patch.inputs.metadata.namespace, "argocd");
            // Without force the apply conflicts with argocd-server, which owns the fields it created.
            assert.equal(patch.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
            assert.deepEqual(patch.inputs.spec, locked);
            assert.ok(patch.dependencies.includes(findResource(run, RELEASE).urn), "patch waits for the release (CRD, argocd-server)");
            assert.equal(patch.parent, findResource(run, "secure-gitops:gitops:ArgoCd", "argocd").urn);
            // `default` is only patched, never declared: creating it would collide with Argo CD's own copy.
            const projects = ofType(run, `${CUSTOM}:AppProject`);
            assert.deepEqual(
                projects.map((p) => p.inputs.metadata.name),
                ["missing-table"],
            );
            assert.equal(findResource(run, `${CUSTOM}:Application`).inputs.spec.project, "missing-table");
        }
    });

    it("syncs the root Application from config with the project, finalizer and safe sync options", () => {
        for (const [run, fixture] of [
            [dev, devFixture],
            [prod, prodFixture],
        ] as const) {
            const app = findResource(run, `${CUSTOM}:Application`);
            const project = findResource(run, `${CUSTOM}:AppProject`);
            const spec = app.inputs.spec;
            assert.equal(spec.project, project.inputs.metadata.name);
            const { repoURL, path: sourcePath, targetRevision } = spec.source;
            assert.deepEqual(
                { repoURL, path: sourcePath, targetRevision },
                {
                    repoURL: fixture.config.appRepoUrl,
                    path: fixture.config.appPath,
                    targetRevision: fixture.config.appRevision,
                },
            );
            assert.deepEqual(spec.destination, { server: IN_CLUSTER_SERVER, namespace: fixture.config.appNamespaces[0] });
            assert.deepEqual(spec.syncPolicy.automated, { prune: fixture.config.autoSyncPrune, selfHeal: fixture.config.autoSyncSelfHeal });
            assert.ok(spec.syncPolicy.syncOptions.includes("CreateNamespace=false"));
            assert.ok(spec.syncPolicy.syncOptions.includes("PruneLast=true"));
            assert.deepEqual(app.inputs.metadata.finalizers, ["resources-finalizer.argocd.argoproj.io"]);
            assert.equal(app.inputs.metadata.namespace, "argocd");
        }
    });

    it("renders the source block of the configured type: plain directory (not recursive) or Helm chart with value files, parameters and release name", () => {
        const devSource = findResource(dev, `${CUSTOM}:Application`).inputs.spec.source;
        assert.deepEqual(devSource.directory, { recurse: false });
        assert.equal(devSource.helm, undefined);
        const prodSource = findResource(prod, `${CUSTOM}:Application`).inputs.spec.source;
        assert.deepEqual(prodSource.helm, {
            releaseName: "missing-table",
            valueFiles: ["values.yaml", "values-prod.yaml"],
            ignoreMissingValueFiles: false,
            parameters: [{ name: "backend.replicaCount", value: "3" }],
        });
        assert.equal(prodSource.directory, undefined);
        const kustomize = applicationSource({ ...devFixture.config, appSource: { type: "kustomize" } });
        assert.deepEqual(kustomize, {
            repoURL: devFixture.config.appRepoUrl,
            path: devFixture.config.appPath,
            targetRevision: devFixture.config.appRevision,
            kustomize: {},
        });
    });

    it("excludes Namespace, ResourceQuota and LimitRange objects from every sync (argocd-cm resource.exclusions) and keeps the chart's high-churn exclusions", () => {
        for (const run of [dev, prod]) {
            const exclusions = parseYaml(values(run).configs.cm["resource.exclusions"]) as {
                apiGroups: string[];
                kinds: string[];
                clusters: string[];
            }[];
            assert.deepEqual(exclusions, ARGOCD_RESOURCE_EXCLUSIONS);
            assert.ok(exclusions.some((e) => e.apiGroups.includes("") && e.kinds.includes("Namespace")));
            assert.ok(
                exclusions.some((e) => e.kinds.includes("Lease")),
                "the chart default list is kept, not dropped",
            );
        }
        assert.equal(isExcludedByArgoCd("", "Namespace"), true);
        assert.equal(isExcludedByArgoCd("", "ResourceQuota"), true);
        assert.equal(isExcludedByArgoCd("", "LimitRange"), true);
        assert.equal(isExcludedByArgoCd("", "Service"), false);
        // Kind and group must both match: a CRD named Namespace in another group is not the core kind.
        assert.equal(isExcludedByArgoCd("example.com", "Namespace"), false);
        assert.equal(isExcludedByArgoCd("discovery.k8s.io", "EndpointSlice"), true);
    });

    it("makes the AppProject and Application wait for the release (CRDs) and the passed constraints", () => {
        for (const run of [dev, prod]) {
            const release = findResource(run, RELEASE);
            const constraints = run.resources.filter((r) => r.name.startsWith("constraint-"));
            assert.equal(constraints.length, 2);
            for (const type of ["AppProject", "Application"]) {
                const cr = findResource(run, `${CUSTOM}:${type}`);
                for (const dep of [release, ...constraints]) {
                    assert.ok(cr.dependencies.includes(dep.urn), `${type} depends on ${dep.name}`);
                }
            }
            const app = findResource(run, `${CUSTOM}:Application`);
            assert.ok(app.dependencies.includes(findResource(run, `${CUSTOM}:AppProject`).urn), "Application waits for its project");
        }
    });

    it("creates every app namespace as a restricted, default-deny SecureNamespace before the Application syncs", () => {
        const app = findResource(prod, `${CUSTOM}:Application`);
        const namespaces = ofType(prod, "secure-gitops:kubernetes:SecureNamespace").filter((n) => n.name.startsWith("argocd-app-ns-"));
        assert.deepEqual(namespaces.map((n) => n.name).sort(), prodFixture.config.appNamespaces.map((ns) => `argocd-app-ns-${ns}`).sort());
        for (const name of prodFixture.config.appNamespaces) {
            const [namespace] = ofType(prod, "kubernetes:core/v1:Namespace").filter((n) => n.inputs.metadata.name === name);
            assert.equal(namespace?.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted", name);
            const denyAll = ofType(prod, NETWORK_POLICY).find(
                (p) => p.inputs.metadata.namespace === name && p.inputs.metadata.name === "default-deny-all",
            );
            assert.ok(denyAll, `${name} has a default-deny policy`);
            // Depending on a component means depending on its children: the namespace and its policies.
            assert.ok(app.dependencies.includes(namespace.urn), `Application waits for namespace ${name}`);
            assert.ok(app.dependencies.includes(denyAll.urn), `Application waits for the default-deny policy of ${name}`);
        }
    });

    it("stores private repository credentials as a labelled secret only when configured", () => {
        const secrets = (run: ProgramRun): RecordedResource[] =>
            ofType(run, "kubernetes:core/v1:Secret").filter(
                (s) => s.inputs.metadata?.labels?.["argocd.argoproj.io/secret-type"] === "repository",
            );
        assert.equal(secrets(dev).length, 0);
        const [secret] = secrets(prod);
        assert.ok(secret, "repository secret exists in prod");
        assert.equal(secret.inputs.metadata.namespace, "argocd");
        assert.equal(secret.inputs.stringData.url, prodFixture.config.appRepoUrl);
        assert.equal(secret.inputs.stringData.username, prodFixture.config.repoUsername);
        assert.equal(secret.inputs.stringData.password, prodFixture.config.repoPassword);
        assert.ok(
            secret.secretPaths.some((p) => p === "stringData" || p === "stringData.password"),
            `password sent as secret; secret paths: ${secret.secretPaths.join(",")}`,
        );
        const app = findResource(prod, `${CUSTOM}:Application`);
        assert.ok(app.dependencies.includes(secret.urn), "Application waits for its repository credentials");
    });

    it("sets only Helm value paths verified against the pinned chart's values.yaml and templates", () => {
        const fixture = readChartKeys(path.join(__dirname, "fixtures", "argocd", "chart-keys.yaml"));
        assert.deepEqual(chartKeyProblems(fixture, ARGOCD_CHART, [values(dev), values(prod)]), []);
    });
});
