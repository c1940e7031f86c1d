// What the app needs from the platform, declared by the program (features.ingress in every stack): the
// ingress-nginx controller (the one public LoadBalancer, TLS only), cert-manager with the stack's
// ClusterIssuer, and the app namespace's traffic: in from the controller only, out to its configured
// services by FQDN (GKE) or CIDR. Judged by our own rules: the controller's Service passes
// services-no-public-loadbalancer only through its namespace's reasoned allowance.
import { strict as assert } from "assert";
import { K8sObject, KUBERNETES_RULES } from "../policy-pack/catalogue";
import { evaluateKubernetes } from "../policy-pack/catalogue/evaluate";
import { ACME_SERVERS, certManagerValues, clusterIssuerSpec } from "../components/cert-manager";
import { CONTROLLER_POD_LABELS, ingressNginxValues } from "../components/ingress-nginx";
import { NAMESPACE_EXEMPTIONS, PLATFORM_NAMESPACES } from "../platform/exemptions";
import { ProgramRun, readStackConfigFile, runProgram } from "../tools/mock-engine";

const runs: Record<string, ProgramRun> = {};
const of = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("the app's entry point, certificates and network (features.ingress)", function () {
    this.timeout(300000);
    before(async () => {
        for (const stack of ["dev", "prod"]) runs[stack] = await runProgram({ stack });
        const existing = readStackConfigFile("staging");
        runs.existing = await runProgram({
            stack: "staging",
            config: {
                ...existing.config,
                "secure-gitops:clusterMode": "existing",
                "secure-gitops:kubeconfigPath": "/dev/null",
                "secure-gitops:apiServerCidrs": '["10.0.0.2/32"]',
                "secure-gitops:appEgress":
                    '[{"name": "resend", "reason": "sends e-mail through Resend", "cidrs": ["203.0.113.0/24"], "ports": [443]}]',
            },
            secretKeys: existing.secretKeys,
        });
    });

    it("installs ingress-nginx and cert-manager from pinned official charts, after the constraints", () => {
        for (const stack of ["dev", "prod"]) {
            const releases = of(runs[stack], RELEASE);
            for (const chart of ["ingress-nginx", "cert-manager"]) {
                const release = releases.find((r) => r.inputs.chart === chart);
                assert.ok(release, `${stack}: ${chart}`);
                assert.match(String(release.inputs.version), /^\d+\.\d+\.\d+$/);
                assert.ok(
                    release.dependencies.some((d) => d.includes("constraints.gatekeeper.sh")),
                    `${stack}: ${chart} waits for the constraints`,
                );
            }
        }
    });

    it("hardens the controller: TLS only with HSTS, no snippets, its own class only, port 80 only for HTTP-01", () => {
        const values = ingressNginxValues({ environment: "prod", http01: true }) as {
            controller: {
                config: Record<string, string>;
                allowSnippetAnnotations: boolean;
                watchIngressWithoutClass: boolean;
                service: Record<string, unknown>;
                resources: unknown;
            };
        };
        const c = values.controller;
        assert.equal(c.config["force-ssl-redirect"], "true");
        assert.equal(c.config.hsts, "true");
        assert.equal(c.config["hsts-include-subdomains"], "true");
        assert.equal(c.config["ssl-protocols"], "TLSv1.2 TLSv1.3");
        assert.equal(c.allowSnippetAnnotations, false);
        assert.equal(c.watchIngressWithoutClass, false);
        assert.equal(c.service.type, "LoadBalancer");
        assert.equal(c.service.enableHttp, true);
        assert.equal(
            (ingressNginxValues({ environment: "prod", http01: false }) as typeof values).controller.service.enableHttp,
            false,
            "DNS-01: no plain HTTP at all",
        );
        assert.ok(c.resources);
        const cm = certManagerValues({ environment: "prod" });
        for (const part of ["webhook", "cainjector", "startupapicheck"]) assert.ok((cm[part] as { resources?: unknown }).resources, part);
    });

    it("one ClusterIssuer per stack: Let's Encrypt staging in dev, production in prod (the name the app's Ingress uses)", () => {
        const issuer = (stack: string) => of(runs[stack], "kubernetes:cert-manager.io/v1:ClusterIssuer");
        assert.equal(issuer("dev").length, 1);
        assert.equal(issuer("dev")[0].inputs.metadata.name, "letsencrypt-staging");
        assert.equal(issuer("dev")[0].inputs.spec.acme.server, ACME_SERVERS.staging);
        assert.equal(issuer("prod")[0].inputs.metadata.name, "letsencrypt-prod");
        assert.equal(issuer("prod")[0].inputs.spec.acme.server, ACME_SERVERS.production);
        assert.deepEqual(issuer("prod")[0].inputs.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
        assert.deepEqual(clusterIssuerSpec({ email: "a@b.example", server: "production", solver: "dns01" }, "acme-prod").acme, {
            server: ACME_SERVERS.production,
            email: "a@b.example",
            privateKeySecretRef: { name: "letsencrypt-prod-account-key" },
            solvers: [{ dns01: { cloudDNS: { project: "acme-prod" } } }],
        });
    });

    it("the app is reached from the ingress controller only, on its frontend and backend ports", () => {
        const policies = of(runs.prod, NP).filter((p) => p.inputs.metadata.namespace === "missing-table");
        const byName = new Map(policies.map((p) => [String(p.inputs.metadata.name), p.inputs.spec]));
        for (const [name, port] of [
            ["allow-ingress-frontend", 8080],
            ["allow-ingress-backend", 8000],
            ["allow-acme-http01-solver", 8089],
        ] as const) {
            const spec = byName.get(name);
            assert.ok(spec, `${name} (have ${[...byName.keys()].join(", ")})`);
            assert.deepEqual(spec.ingress, [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": PLATFORM_NAMESPACES.ingress } },
                            podSelector: { matchLabels: { ...CONTROLLER_POD_LABELS } },
                        },
                    ],
                    ports: [{ port, protocol: "TCP" }],
                },
            ]);
        }
        // Nothing else comes in from outside the namespace.
        const ingressFromElsewhere = policies.filter((p) =>
            (p.inputs.spec.ingress ?? []).some((rule: { from?: { namespaceSelector?: unknown; ipBlock?: unknown }[] }) =>
                (rule.from ?? []).some((peer) => peer.ipBlock),
            ),
        );
        assert.deepEqual(ingressFromElsewhere, []);
        // The controller may reach exactly those ports in the app namespace.
        const egress = of(runs.prod, NP).find(
            (p) => p.inputs.metadata.namespace === PLATFORM_NAMESPACES.ingress && p.inputs.metadata.name === "allow-backends-egress",
        );
        assert.deepEqual(
            egress?.inputs.spec.egress[0].ports.map((p: { port: number }) => p.port),
            [8000, 8080, 8089],
        );
    });

    it("the app's egress: by FQDN in gke mode (FQDNNetworkPolicy, the cluster enables it), by CIDR otherwise", () => {
        const fqdn = of(runs.prod, "kubernetes:networking.gke.io/v1alpha1:FQDNNetworkPolicy");
        assert.deepEqual(fqdn.map((p) => p.inputs.metadata.name).sort(), [
            "allow-resend-fqdn",
            "allow-supabase-fqdn",
            "allow-telegram-fqdn",
        ]);
        const supabase = fqdn.find((p) => p.inputs.metadata.name === "allow-supabase-fqdn");
        assert.deepEqual(supabase?.inputs.spec.egress[0].matches, [{ pattern: "*.supabase.co" }, { pattern: "*.pooler.supabase.com" }]);
        assert.deepEqual(supabase?.inputs.spec.podSelector, { matchLabels: { "app.kubernetes.io/component": "backend" } });
        assert.ok((supabase?.inputs.metadata.annotations["secure-gitops.io/reason"] as string).length > 10);
        const cluster = of(runs.prod, "gcp:container/cluster:Cluster")[0];
        assert.equal(cluster.inputs.enableFqdnNetworkPolicy, true);
        assert.equal(of(runs.existing, "kubernetes:networking.gke.io/v1alpha1:FQDNNetworkPolicy").length, 0);
        const cidr = of(runs.existing, NP).find(
            (p) => p.inputs.metadata.namespace === "missing-table" && p.inputs.metadata.name === "allow-egress-resend",
        );
        assert.deepEqual(cidr?.inputs.spec.egress, [
            { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ port: 443, protocol: "TCP" }] },
        ]);
    });

    it("the controller's LoadBalancer passes services-no-public-loadbalancer only in its namespace, with the reason shown", () => {
        const rule = KUBERNETES_RULES.find((r) => r.id === "services-no-public-loadbalancer");
        assert.ok(rule);
        const pack = runs.prod.outputs.policyPackConfig as Record<string, Record<string, unknown>>;
        const { enforcementLevel, ...params } = pack[rule.id];
        assert.equal(enforcementLevel, "mandatory");
        const service = (namespace: string): K8sObject => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "ingress-nginx-controller", namespace },
            spec: { type: "LoadBalancer", ports: [{ port: 443 }] },
        });
        assert.equal(evaluateKubernetes(rule, service(PLATFORM_NAMESPACES.ingress), params).length, 0);
        assert.equal(evaluateKubernetes(rule, service("missing-table"), params).length, 1, "the app gets no public load balancer");
        const allowance = NAMESPACE_EXEMPTIONS.find((e) => e.namespace === PLATFORM_NAMESPACES.ingress);
        assert.ok(allowance);
        assert.ok(allowance.rules.includes(rule.id));
        assert.match(allowance.reason, /one public entry point/);
        const constraint = runs.prod.resources.find((r) => r.type.endsWith(":SgServicesNoPublicLoadbalancer"));
        assert.ok(constraint);
        assert.ok(constraint.inputs.spec.match.excludedNamespaces.includes(PLATFORM_NAMESPACES.ingress));
        assert.ok(!constraint.inputs.spec.match.excludedNamespaces.includes("missing-table"));
    });
});
