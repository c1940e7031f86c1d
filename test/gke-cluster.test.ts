// The hardened GKE component under mocks: every CIS GKE setting on the recorded cluster / node pool inputs,
// dev vs prod differences, least-privilege identity, KMS wiring, the secret kubeconfig, and the catalogue's
// GCP rules finding nothing on the component's own resources.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CLOUD_RULES } from "../policy-pack/catalogue";
import { evaluate } from "../policy-pack/catalogue/evaluate";
import {
    CMEK_STORAGE_CLASS_NAME,
    GkeCluster,
    GkeClusterArgs,
    KMS_ROTATION_PERIOD,
    LOGGING_COMPONENTS,
    NODE_SERVICE_ACCOUNT_ROLES,
} from "../components/gke-cluster";
import { findResource, ofType, ProgramRun, RecordedResource, runProgram } from "../tools/mock-engine";

const CLUSTER = "gcp:container/cluster:Cluster";
const NODE_POOL = "gcp:container/nodePool:NodePool";
const CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";
const KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

/** The etcd secrets key (CIS GKE 5.3.1) and the disk key (CIS GKE 5.9.1 / 5.9.2) of an environment. */
const secretsKey = (e: { run: ProgramRun }, env: string) => findResource(e.run, CRYPTO_KEY, `${env}-secrets`);
const diskKey = (e: { run: ProgramRun }, env: string) => findResource(e.run, CRYPTO_KEY, `${env}-disks`);

function fixture(env: string): GkeClusterArgs {
    return parse(fs.readFileSync(path.join(__dirname, "fixtures", "gke", `${env}.yaml`), "utf8")) as GkeClusterArgs;
}

interface Env {
    env: string;
    run: ProgramRun;
    gke: GkeCluster;
    cluster: RecordedResource;
    pool: RecordedResource;
}

async function deploy(env: string, overrides: Partial<GkeClusterArgs> = {}): Promise<Env> {
    let gke: GkeCluster | undefined;
    const run = await runProgram({ stack: env, config: {}, program: () => (gke = new GkeCluster(env, { ...fixture(env), ...overrides })) });
    return { env, run, gke: gke as GkeCluster, cluster: findResource(run, CLUSTER), pool: findResource(run, NODE_POOL) };
}

describe("GkeCluster", () => {
    let dev: Env;
    let prod: Env;
    before(async () => {
        dev = await deploy("dev");
        prod = await deploy("prod");
    });

    describe("CIS GKE Benchmark settings (both environments)", () => {
        const both = (fn: (e: Env) => void) => () => [dev, prod].forEach(fn);

        it(
            "CIS GKE 5.6.5: private nodes with a control-plane CIDR",
            both(({ cluster }) => {
                assert.equal(cluster.inputs.privateClusterConfig.enablePrivateNodes, true);
                assert.match(cluster.inputs.privateClusterConfig.masterIpv4CidrBlock, /^172\.16\.0\.\d+\/28$/);
            }),
        );
        it("CIS GKE 5.6.4: private endpoint in prod, optional in dev", () => {
            assert.equal(prod.cluster.inputs.privateClusterConfig.enablePrivateEndpoint, true);
            assert.equal(dev.cluster.inputs.privateClusterConfig.enablePrivateEndpoint, false);
        });
        it("CIS GKE 5.6.3: master authorized networks from args, no Google-wide access", () => {
            assert.deepEqual(dev.cluster.inputs.masterAuthorizedNetworksConfig.cidrBlocks, [
                { cidrBlock: "203.0.113.0/24", displayName: "office" },
            ]);
            assert.deepEqual(prod.cluster.inputs.masterAuthorizedNetworksConfig.cidrBlocks, [
                { cidrBlock: "10.100.0.0/24", displayName: "vpn" },
            ]);
            assert.equal(prod.cluster.inputs.masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled, false);
        });
        it("CIS GKE 5.2.2: Workload Identity pool <project>.svc.id.goog", () => {
            assert.equal(dev.cluster.inputs.workloadIdentityConfig.workloadPool, "acme-dev.svc.id.goog");
            assert.equal(prod.cluster.inputs.workloadIdentityConfig.workloadPool, "acme-prod.svc.id.goog");
        });
        it(
            "CIS GKE 5.4.2: GKE metadata server on the node pool and the default pool",
            both(({ cluster, pool }) => {
                assert.equal(pool.inputs.nodeConfig.workloadMetadataConfig.mode, "GKE_METADATA");
                assert.equal(cluster.inputs.nodeConfig.workloadMetadataConfig.mode, "GKE_METADATA");
            }),
        );
        it(
            "CIS GKE 5.4.1: legacy metadata endpoints disabled",
            both(({ pool }) => {
                assert.equal(pool.inputs.nodeConfig.metadata["disable-legacy-endpoints"], "true");
            }),
        );
        it(
            "CIS GKE 5.5.5: shielded GKE nodes",
            both(({ cluster }) => assert.equal(cluster.inputs.enableShieldedNodes, true)),
        );
        it(
            "CIS GKE 5.5.7: secure boot on node pools",
            both(({ cluster, pool }) => {
                assert.equal(pool.inputs.nodeConfig.shieldedInstanceConfig.enableSecureBoot, true);
                assert.equal(cluster.inputs.nodeConfig.shieldedInstanceConfig.enableSecureBoot, true);
            }),
        );
        it(
            "CIS GKE 5.5.6: integrity monitoring on node pools",
            both(({ pool }) => assert.equal(pool.inputs.nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring, true)),
        );
        it(
            "CIS GKE 5.6.7: NetworkPolicy enforced by Dataplane V2, Calico addon off",
            both(({ cluster }) => {
                assert.equal(cluster.inputs.datapathProvider, "ADVANCED_DATAPATH");
                assert.equal(cluster.inputs.addonsConfig.networkPolicyConfig.disabled, true);
                assert.equal(cluster.inputs.networkPolicy, undefined, "the networkPolicy block conflicts with ADVANCED_DATAPATH");
            }),
        );
        it(
            "CIS GKE 5.6.1: VPC flow logs and intranode visibility",
            both(({ run, cluster }) => {
                assert.equal(cluster.inputs.enableIntranodeVisibility, true);
                const subnet = findResource(run, "gcp:compute/subnetwork:Subnetwork");
                assert.ok(subnet.inputs.logConfig?.aggregationInterval, "subnet flow logs");
                assert.equal(subnet.inputs.privateIpGoogleAccess, true);
            }),
        );
        it(
            "CIS GKE 5.6.2: VPC-native cluster on a dedicated VPC without auto subnets",
            both(({ run, cluster }) => {
                assert.equal(cluster.inputs.networkingMode, "VPC_NATIVE");
                assert.deepEqual(cluster.inputs.ipAllocationPolicy, {
                    clusterSecondaryRangeName: "pods",
                    servicesSecondaryRangeName: "services",
                });
                const subnet = findResource(run, "gcp:compute/subnetwork:Subnetwork");
                assert.deepEqual(
                    subnet.inputs.secondaryIpRanges.map((r: { rangeName: string }) => r.rangeName),
                    ["pods", "services"],
                );
                assert.equal(findResource(run, "gcp:compute/network:Network").inputs.autoCreateSubnetworks, false);
            }),
        );
        it(
            "Cloud NAT gives private nodes egress",
            both(({ run }) => {
                const nat = findResource(run, "gcp:compute/routerNat:RouterNat");
                assert.equal(nat.inputs.natIpAllocateOption, "AUTO_ONLY");
                assert.equal(nat.inputs.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
            }),
        );
        it("CIS GKE 5.5.4: release channel from args", () => {
            assert.deepEqual(dev.cluster.inputs.releaseChannel, { channel: "REGULAR" });
            assert.deepEqual(prod.cluster.inputs.releaseChannel, { channel: "STABLE" });
        });
        it(
            "CIS GKE 5.5.2 / 5.5.3: node auto-repair and auto-upgrade",
            both(({ pool }) => assert.deepEqual(pool.inputs.management, { autoRepair: true, autoUpgrade: true })),
        );
        it(
            "CIS GKE 5.10.4: Binary Authorization enforces the project policy",
            both(({ cluster }) => {
                assert.deepEqual(cluster.inputs.binaryAuthorization, { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
            }),
        );
        it(
            "CIS GKE 5.8.3: legacy ABAC disabled",
            both(({ cluster }) => assert.equal(cluster.inputs.enableLegacyAbac, false)),
        );
        it(
            "CIS GKE 5.8.1: no client certificate, no basic auth",
            both(({ cluster }) => {
                assert.deepEqual(cluster.inputs.masterAuth, { clientCertificateConfig: { issueClientCertificate: false } });
            }),
        );
        it(
            "CIS GKE 5.10.2: no alpha cluster",
            both(({ cluster }) => assert.equal(cluster.inputs.enableKubernetesAlpha, false)),
        );
        it(
            "CIS GKE 5.5.1: COS_CONTAINERD node image",
            both(({ cluster, pool }) => {
                assert.equal(pool.inputs.nodeConfig.imageType, "COS_CONTAINERD");
                assert.equal(cluster.inputs.nodeConfig.imageType, "COS_CONTAINERD");
            }),
        );
        it(
            "CIS GKE 5.7.1: control-plane and workload logging, monitoring with managed Prometheus",
            both(({ cluster }) => {
                assert.deepEqual(cluster.inputs.loggingConfig.enableComponents, [...LOGGING_COMPONENTS]);
                for (const c of ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"])
                    assert.ok(cluster.inputs.monitoringConfig.enableComponents.includes(c), c);
                assert.equal(cluster.inputs.monitoringConfig.managedPrometheus.enabled, true);
            }),
        );
        it(
            "CIS GKE 5.1.1: security posture with vulnerability scanning",
            both(({ cluster }) => {
                assert.deepEqual(cluster.inputs.securityPostureConfig, { mode: "BASIC", vulnerabilityMode: "VULNERABILITY_BASIC" });
            }),
        );
        it(
            "CIS GKE 5.3.1: secrets encrypted with the component's KMS key",
            both((e) => {
                const { cluster } = e;
                const key = secretsKey(e, e.env);
                assert.deepEqual(cluster.inputs.databaseEncryption, { state: "ENCRYPTED", keyName: `${key.name}-id` });
            }),
        );
        it(
            "CIS GKE 5.9.1: node boot disks encrypted with the disk key (not the secrets key)",
            both((e) => {
                assert.equal(e.pool.inputs.nodeConfig.bootDiskKmsKey, `${diskKey(e, e.env).name}-id`);
                assert.notEqual(e.pool.inputs.nodeConfig.bootDiskKmsKey, `${secretsKey(e, e.env).name}-id`);
            }),
        );
        it(
            "CIS GKE 5.9.2: a pd-balanced CMEK StorageClass with the disk key, expandable, bound where the pod runs",
            both((e) => {
                const sc = findResource(e.run, STORAGE_CLASS);
                assert.equal(sc.inputs.metadata.name, CMEK_STORAGE_CLASS_NAME);
                assert.equal(CMEK_STORAGE_CLASS_NAME, "pd-balanced-cmek");
                assert.equal(sc.inputs.provisioner, "pd.csi.storage.gke.io");
                assert.deepEqual(sc.inputs.parameters, { type: "pd-balanced", "disk-encryption-kms-key": `${diskKey(e, e.env).name}-id` });
                assert.equal(sc.inputs.allowVolumeExpansion, true);
                assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
                // Created in the cluster through the component's own provider.
                assert.ok(
                    sc.provider?.startsWith(`${findResource(e.run, "pulumi:providers:kubernetes").urn}::`),
                    `provider ${sc.provider}`,
                );
            }),
        );
        it(
            "CIS GKE 5.2.1: nodes run as the dedicated service account, cloud-platform scope",
            both(({ run, cluster, pool }) => {
                const account = findResource(run, "gcp:serviceaccount/account:Account");
                const email = `${account.inputs.accountId}@${account.inputs.project}.iam.gserviceaccount.com`;
                assert.equal(pool.inputs.nodeConfig.serviceAccount, email);
                assert.equal(cluster.inputs.nodeConfig.serviceAccount, email);
                assert.deepEqual(pool.inputs.nodeConfig.oauthScopes, ["https://www.googleapis.com/auth/cloud-platform"]);
            }),
        );
        it(
            "CIS GKE 3.2.4: kubelet read-only port closed",
            both(({ cluster, pool }) => {
                assert.equal(pool.inputs.nodeConfig.kubeletConfig.insecureKubeletReadonlyPortEnabled, "FALSE");
                assert.equal(cluster.inputs.nodePoolDefaults.nodeConfigDefaults.insecureKubeletReadonlyPortEnabled, "FALSE");
            }),
        );
        it(
            "addons: HTTP load balancing and the persistent disk CSI driver on",
            both(({ cluster }) => {
                assert.equal(cluster.inputs.addonsConfig.httpLoadBalancing.disabled, false);
                assert.equal(cluster.inputs.addonsConfig.gcePersistentDiskCsiDriverConfig.enabled, true);
            }),
        );
        it(
            "default node pool removed; a managed pool with autoscaling and pd-balanced disks",
            both(({ cluster, pool }) => {
                assert.equal(cluster.inputs.removeDefaultNodePool, true);
                assert.equal(cluster.inputs.initialNodeCount, 1);
                assert.equal(pool.inputs.nodeConfig.diskType, "pd-balanced");
                assert.ok(pool.inputs.autoscaling.maxNodeCount >= pool.inputs.autoscaling.minNodeCount);
            }),
        );
    });

    describe("dev vs prod", () => {
        it("prod: deletion protection and Pulumi protect on the cluster; dev: neither", () => {
            assert.equal(prod.cluster.inputs.deletionProtection, true);
            assert.equal(prod.cluster.protect, true);
            assert.equal(dev.cluster.inputs.deletionProtection, false);
            assert.equal(dev.cluster.protect, false);
        });
        it("prod is regional, dev is zonal; the pool follows the cluster", () => {
            assert.equal(prod.cluster.inputs.location, "europe-west1");
            assert.equal(dev.cluster.inputs.location, "europe-west1-b");
            assert.equal(prod.pool.inputs.location, "europe-west1");
            assert.equal(dev.pool.inputs.location, "europe-west1-b");
        });
        it("spot nodes only in dev; machine type and sizes from args", () => {
            assert.equal(dev.pool.inputs.nodeConfig.spot, true);
            assert.equal(prod.pool.inputs.nodeConfig.spot, false);
            assert.equal(dev.pool.inputs.nodeConfig.machineType, "e2-standard-2");
            assert.equal(prod.pool.inputs.nodeConfig.machineType, "e2-standard-4");
            assert.deepEqual(prod.pool.inputs.autoscaling, { minNodeCount: 2, maxNodeCount: 6 });
            assert.equal(prod.pool.inputs.nodeConfig.diskSizeGb, 100);
        });
        it("rejects unsafe prod arguments", async () => {
            const base = fixture("prod");
            const attempt = (args: GkeClusterArgs) => runProgram({ stack: "prod", config: {}, program: () => new GkeCluster("bad", args) });
            await assert.rejects(attempt({ ...base, nodePool: { ...base.nodePool, spot: true } }), /spot/);
            await assert.rejects(attempt({ ...base, deletionProtection: false }), /deletionProtection/);
            await assert.rejects(attempt({ ...base, regional: false }), /regional/);
            await assert.rejects(attempt({ ...fixture("dev"), masterAuthorizedNetworks: [] }), /masterAuthorizedNetworks/);
        });
    });

    describe("identity and keys", () => {
        it("the node service account has exactly the least-privilege roles", () => {
            const account = findResource(prod.run, "gcp:serviceaccount/account:Account");
            const bindings = ofType(prod.run, "gcp:projects/iAMMember:IAMMember");
            assert.deepEqual(bindings.map((b) => b.inputs.role).sort(), [...NODE_SERVICE_ACCOUNT_ROLES].sort());
            for (const b of bindings) {
                assert.equal(b.inputs.member, `serviceAccount:${account.inputs.accountId}@acme-prod.iam.gserviceaccount.com`);
                assert.equal(b.inputs.project, "acme-prod");
            }
            // Nodes start only once they can write logs and metrics.
            for (const b of bindings) assert.ok(prod.pool.dependencies.includes(b.urn), `pool depends on ${b.name}`);
        });
        it("Artifact Registry read access only on request", async () => {
            const withRegistry = await deploy("dev", { grantArtifactRegistryRead: true });
            const roles = ofType(withRegistry.run, "gcp:projects/iAMMember:IAMMember").map((b) => b.inputs.role);
            assert.ok(roles.includes("roles/artifactregistry.reader"));
            assert.ok(!ofType(dev.run, "gcp:projects/iAMMember:IAMMember").some((b) => b.inputs.role === "roles/artifactregistry.reader"));
        });
        it("KMS key rotates every 90 days, lives in the cluster region, and is protected in prod", () => {
            const key = secretsKey(prod, "prod");
            const ring = findResource(prod.run, "gcp:kms/keyRing:KeyRing");
            assert.equal(KMS_ROTATION_PERIOD, `${90 * 24 * 3600}s`);
            assert.equal(key.inputs.rotationPeriod, "7776000s");
            assert.equal(key.inputs.keyRing, `${ring.name}-id`);
            assert.equal(ring.inputs.location, "europe-west1");
            assert.ok(key.protect && ring.protect, "prod KMS resources are protected");
            assert.ok(!secretsKey(dev, "dev").protect, "dev keys stay destroyable");
        });
        it("CIS GKE 5.9.1 / 5.9.2: the disk key shares the ring, rotates every 90 days, and is protected in prod only", () => {
            assert.deepEqual(
                ofType(prod.run, CRYPTO_KEY)
                    .map((k) => k.name)
                    .sort(),
                ["prod-disks", "prod-secrets"],
            );
            for (const e of [dev, prod]) {
                const key = diskKey(e, e.env);
                assert.equal(key.inputs.keyRing, `${findResource(e.run, "gcp:kms/keyRing:KeyRing").name}-id`);
                assert.equal(key.inputs.rotationPeriod, "7776000s");
                assert.equal(key.inputs.purpose, "ENCRYPT_DECRYPT");
            }
            assert.equal(diskKey(prod, "prod").protect, true, "prod disk key is protected");
            assert.equal(diskKey(dev, "dev").protect, false, "dev disk key stays destroyable");
        });
        it("CIS GKE 5.9.1 / 5.9.2: the Compute Engine service agent may encrypt/decrypt with the disk key, before the pool and the StorageClass exist", () => {
            for (const e of [dev, prod]) {
                const grant = findResource(e.run, KEY_GRANT, `${e.env}-disks-compute-agent`);
                const projectNumber = "123456789012"; // the mock's getProject number
                assert.equal(grant.inputs.cryptoKeyId, `${diskKey(e, e.env).name}-id`);
                assert.equal(grant.inputs.role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
                assert.equal(grant.inputs.member, `serviceAccount:service-${projectNumber}@compute-system.iam.gserviceaccount.com`);
                assert.ok(e.pool.dependencies.includes(grant.urn), `${e.env}: node pool waits for the disk key grant`);
                assert.ok(
                    findResource(e.run, STORAGE_CLASS).dependencies.includes(grant.urn),
                    `${e.env}: StorageClass waits for the disk key grant`,
                );
            }
            // Only the intended agents hold the role: GKE on the secrets key, Compute Engine on the disk key.
            assert.deepEqual(
                ofType(prod.run, KEY_GRANT)
                    .map((g) => g.name)
                    .sort(),
                ["prod-disks-compute-agent", "prod-secrets-gke-agent"],
            );
        });
        it("CIS GKE 5.9.2: prod keeps released volumes (Retain), dev deletes them", () => {
            assert.equal(findResource(prod.run, STORAGE_CLASS).inputs.reclaimPolicy, "Retain");
            assert.equal(findResource(dev.run, STORAGE_CLASS).inputs.reclaimPolicy, "Delete");
        });
        it("exposes the disk key id as diskKmsKeyId", async () => {
            const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
            assert.equal(await value(prod.gke.diskKmsKeyId), `${diskKey(prod, "prod").name}-id`);
            assert.equal(await value(prod.gke.kmsKeyId), `${secretsKey(prod, "prod").name}-id`);
        });
        it("the GKE service agent (from the project number) may encrypt/decrypt with the key, before the cluster exists", () => {
            const grant = findResource(prod.run, KEY_GRANT, "prod-secrets-gke-agent");
            const key = secretsKey(prod, "prod");
            assert.equal(grant.inputs.cryptoKeyId, `${key.name}-id`);
            assert.equal(grant.inputs.role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
            assert.equal(grant.inputs.member, "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com");
            assert.ok(prod.cluster.dependencies.includes(grant.urn), "cluster waits for the key grant");
        });
    });

    describe("cluster access", () => {
        it("the kubeconfig is a secret output and a secret provider input", async () => {
            assert.equal(await pulumi.isSecret(prod.gke.kubeconfig), true);
            const provider = findResource(prod.run, "pulumi:providers:kubernetes");
            assert.ok(provider.secretPaths.includes("kubeconfig"), `secret paths: ${provider.secretPaths.join(",")}`);
        });
        it("the kubeconfig authenticates with gke-gcloud-auth-plugin and holds no static credential", () => {
            const provider = findResource(prod.run, "pulumi:providers:kubernetes");
            const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
            assert.equal(kubeconfig.clusters[0].cluster.server, "https://10.0.0.2");
            assert.equal(kubeconfig.clusters[0].cluster["certificate-authority-data"], Buffer.from("fake-ca").toString("base64"));
            assert.equal(kubeconfig["current-context"], "gke_acme-prod_europe-west1_sg-prod");
            const user = kubeconfig.users[0].user;
            assert.deepEqual(Object.keys(user), ["exec"]);
            assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
        });
        it("the provider uses server-side apply and waits for the node pool", () => {
            const provider = findResource(prod.run, "pulumi:providers:kubernetes");
            assert.ok(
                [true, "true"].includes(provider.inputs.enableServerSideApply),
                `enableServerSideApply=${provider.inputs.enableServerSideApply}`,
            );
            assert.ok(provider.dependencies.includes(prod.pool.urn));
        });
        it("exposes the ClusterAccess facts", async () => {
            const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
            assert.equal(await value(prod.gke.workloadIdentityPool), "acme-prod.svc.id.goog");
            assert.equal(await value(prod.gke.project), "acme-prod");
            assert.equal(await value(prod.gke.clusterName), "sg-prod");
        });
        it("every resource is a child of the component", () => {
            const component = findResource(prod.run, "secure-gitops:gcp:GkeCluster");
            for (const r of prod.run.resources.filter(
                (r) => r.type.startsWith("gcp:") || r.type.startsWith("pulumi:providers:") || r.type.startsWith("kubernetes:"),
            )) {
                assert.equal(r.parent, component.urn, `${r.type} ${r.name}`);
            }
        });
    });

    describe("control plane -> admission webhooks", () => {
        const FIREWALL = "gcp:compute/firewall:Firewall";
        it("opens no extra port by default (GKE's own rule covers 443 and 10250)", () => {
            assert.deepEqual(ofType(prod.run, FIREWALL), []);
        });
        it("opens each webhook port from masterCidr to the cluster's nodes only, skipping GKE's default ports", async () => {
            const e = await deploy("prod", { controlPlaneWebhookPorts: [8443, 443, 10250, 8443] });
            const rules = ofType(e.run, FIREWALL);
            assert.equal(rules.length, 1);
            const rule = rules[0].inputs;
            const account = findResource(e.run, "gcp:serviceaccount/account:Account");
            assert.equal(rule.direction, "INGRESS");
            assert.deepEqual(rule.sourceRanges, [fixture("prod").masterCidr]);
            assert.deepEqual(rule.targetServiceAccounts, [`${account.inputs.accountId}@acme-prod.iam.gserviceaccount.com`]);
            assert.deepEqual(rule.allows, [{ protocol: "tcp", ports: ["8443"] }]);
            assert.equal(rule.network, `${findResource(e.run, "gcp:compute/network:Network").name}-id`);
            for (const cloudRule of CLOUD_RULES) {
                assert.deepEqual(evaluate(cloudRule, { resourceType: FIREWALL, props: rule }), [], cloudRule.id);
            }
        });
    });

    describe("CrossGuard GCP rules on the component's own resources", () => {
        const judged = (e: Env) => [e.cluster, e.pool];
        for (const env of ["dev", "prod"]) {
            it(`${env}: no rule reports a finding`, () => {
                const e = env === "dev" ? dev : prod;
                for (const resource of judged(e)) {
                    for (const rule of CLOUD_RULES) {
                        assert.deepEqual(
                            evaluate(rule, { resourceType: resource.type, props: resource.inputs }),
                            [],
                            `${rule.id} on ${resource.type}`,
                        );
                    }
                }
            });
        }
        it("the same check catches a weakened copy (the test is not vacuous)", () => {
            const weakened = JSON.parse(JSON.stringify(prod.cluster.inputs));
            delete weakened.privateClusterConfig;
            weakened.nodeConfig.workloadMetadataConfig.mode = "GCE_METADATA";
            const ids = CLOUD_RULES.filter((rule) => evaluate(rule, { resourceType: CLUSTER, props: weakened }).length > 0).map(
                (r) => r.id,
            );
            assert.deepEqual(ids.sort(), ["gke-metadata-server", "gke-private-nodes"]);
        });
        it("a node pool without the boot disk key is caught by gke-boot-disk-cmek (CIS GKE 5.9.1)", () => {
            const weakened = JSON.parse(JSON.stringify(prod.pool.inputs));
            delete weakened.nodeConfig.bootDiskKmsKey;
            const ids = CLOUD_RULES.filter((rule) => evaluate(rule, { resourceType: NODE_POOL, props: weakened }).length > 0).map(
                (r) => r.id,
            );
            assert.deepEqual(ids, ["gke-boot-disk-cmek"]);
        });
    });
});
