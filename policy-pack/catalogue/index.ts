// The rule catalogue: every rule, once. The pack (../index.ts) and the Gatekeeper renderer read it.
// One import per rule file (rules/<id>.ts), in catalogue order: RULES order drives the plan, the README
// table and the policy configs, so a new rule goes where it belongs in that order, not at random.
import { rule as apisNoRemovedVersions } from "../rules/apis-no-removed-versions";
import { rule as imagesDisallowLatest } from "../rules/images-disallow-latest";
import { rule as imagesAllowedRegistries } from "../rules/images-allowed-registries";
import { rule as resourcesRequestsLimits } from "../rules/resources-requests-limits";
import { rule as servicesNoPublicLoadbalancer } from "../rules/services-no-public-loadbalancer";
import { rule as pssBaselinePrivileged } from "../rules/pss-baseline-privileged";
import { rule as pssBaselineHostNamespaces } from "../rules/pss-baseline-host-namespaces";
import { rule as pssBaselineHostPorts } from "../rules/pss-baseline-host-ports";
import { rule as pssBaselineHostPath } from "../rules/pss-baseline-host-path";
import { rule as pssBaselineCapabilities } from "../rules/pss-baseline-capabilities";
import { rule as pssBaselineProcMount } from "../rules/pss-baseline-proc-mount";
import { rule as pssBaselineSysctls } from "../rules/pss-baseline-sysctls";
import { rule as pssBaselineApparmor } from "../rules/pss-baseline-apparmor";
import { rule as pssBaselineSelinux } from "../rules/pss-baseline-selinux";
import { rule as pssBaselineSeccomp } from "../rules/pss-baseline-seccomp";
import { rule as pssBaselineHostProbes } from "../rules/pss-baseline-host-probes";
import { rule as pssBaselineWindowsHostProcess } from "../rules/pss-baseline-windows-host-process";
import { rule as pssRestrictedVolumeTypes } from "../rules/pss-restricted-volume-types";
import { rule as pssRestrictedProcMount } from "../rules/pss-restricted-proc-mount";
import { rule as pssRestrictedPrivilegeEscalation } from "../rules/pss-restricted-privilege-escalation";
import { rule as pssRestrictedRunAsNonRoot } from "../rules/pss-restricted-run-as-non-root";
import { rule as pssRestrictedRunAsUser } from "../rules/pss-restricted-run-as-user";
import { rule as pssRestrictedSeccomp } from "../rules/pss-restricted-seccomp";
import { rule as pssRestrictedCapabilities } from "../rules/pss-restricted-capabilities";
import { rule as containersReadOnlyRootFilesystem } from "../rules/containers-read-only-root-filesystem";
import { rule as metadataRequiredLabels } from "../rules/metadata-required-labels";
import { rule as podsNoAutomountServiceAccountToken } from "../rules/pods-no-automount-service-account-token";
import { rule as rbacClusterAdminBinding } from "../rules/rbac-cluster-admin-binding";
import { rule as rbacNoSystemMasters } from "../rules/rbac-no-system-masters";
import { rule as rbacSecretsRead } from "../rules/rbac-secrets-read";
import { rule as rbacNoWildcards } from "../rules/rbac-no-wildcards";
import { rule as rbacPodCreate } from "../rules/rbac-pod-create";
import { rule as rbacBindEscalateImpersonate } from "../rules/rbac-bind-escalate-impersonate";
import { rule as rbacEscalationPaths } from "../rules/rbac-escalation-paths";
import { rule as rbacDefaultServiceAccount } from "../rules/rbac-default-service-account";
import { rule as admissionWebhooksFailClosed } from "../rules/admission-webhooks-fail-closed";
import { rule as gkePrivateNodes } from "../rules/gke-private-nodes";
import { rule as gkeMasterAuthorizedNetworks } from "../rules/gke-master-authorized-networks";
import { rule as gkeWorkloadIdentity } from "../rules/gke-workload-identity";
import { rule as gkeMetadataServer } from "../rules/gke-metadata-server";
import { rule as gkeShieldedNodes } from "../rules/gke-shielded-nodes";
import { rule as gkeNodeServiceAccount } from "../rules/gke-node-service-account";
import { rule as gkeNetworkPolicy } from "../rules/gke-network-policy";
import { rule as gkeReleaseChannel } from "../rules/gke-release-channel";
import { rule as gkeNodeAutoUpgradeRepair } from "../rules/gke-node-auto-upgrade-repair";
import { rule as gkeBinaryAuthorization } from "../rules/gke-binary-authorization";
import { rule as gkeLegacyAbacDisabled } from "../rules/gke-legacy-abac-disabled";
import { rule as gkeClientCertificateDisabled } from "../rules/gke-client-certificate-disabled";
import { rule as gkeCosContainerd } from "../rules/gke-cos-containerd";
import { rule as gkeLoggingMonitoring } from "../rules/gke-logging-monitoring";
import { rule as gkeSecretsEncryption } from "../rules/gke-secrets-encryption";
import { rule as gkeBootDiskCmek } from "../rules/gke-boot-disk-cmek";
import { rule as gkeSecurityPosture } from "../rules/gke-security-posture";
import { rule as gkeDeletionProtection } from "../rules/gke-deletion-protection";
import { rule as gcsNoPublicAccess } from "../rules/gcs-no-public-access";
import { rule as gcsUniformAccess } from "../rules/gcs-uniform-access";
import { rule as firewallNoPublicSshRdp } from "../rules/firewall-no-public-ssh-rdp";
import { CloudRule, KubernetesRule, Rule } from "./types";
import { withPodTemplateKinds } from "./workloads";

export * from "./types";
export * from "./workloads";

/** Every rule; pod-bearing ones also take `podTemplateKinds` (see withPodTemplateKinds). */
export const RULES: readonly Rule[] = [
    imagesDisallowLatest,
    imagesAllowedRegistries,
    resourcesRequestsLimits,
    servicesNoPublicLoadbalancer,
    pssBaselinePrivileged,
    pssBaselineHostNamespaces,
    pssBaselineHostPorts,
    pssBaselineHostPath,
    pssBaselineCapabilities,
    pssBaselineProcMount,
    pssBaselineSysctls,
    pssBaselineApparmor,
    pssBaselineSelinux,
    pssBaselineSeccomp,
    pssBaselineHostProbes,
    pssBaselineWindowsHostProcess,
    pssRestrictedVolumeTypes,
    pssRestrictedProcMount,
    pssRestrictedPrivilegeEscalation,
    pssRestrictedRunAsNonRoot,
    pssRestrictedRunAsUser,
    pssRestrictedSeccomp,
    pssRestrictedCapabilities,
    containersReadOnlyRootFilesystem,
    metadataRequiredLabels,
    podsNoAutomountServiceAccountToken,
    apisNoRemovedVersions,
    rbacClusterAdminBinding,
    rbacNoSystemMasters,
    rbacSecretsRead,
    rbacNoWildcards,
    rbacPodCreate,
    rbacBindEscalateImpersonate,
    rbacEscalationPaths,
    rbacDefaultServiceAccount,
    admissionWebhooksFailClosed,
    gkePrivateNodes,
    gkeMasterAuthorizedNetworks,
    gkeWorkloadIdentity,
    gkeMetadataServer,
    gkeShieldedNodes,
    gkeNodeServiceAccount,
    gkeNetworkPolicy,
    gkeReleaseChannel,
    gkeNodeAutoUpgradeRepair,
    gkeBinaryAuthorization,
    gkeLegacyAbacDisabled,
    gkeClientCertificateDisabled,
    gkeCosContainerd,
    gkeLoggingMonitoring,
    gkeSecretsEncryption,
    gkeBootDiskCmek,
    gkeSecurityPosture,
    gkeDeletionProtection,
    gcsNoPublicAccess,
    gcsUniformAccess,
    firewallNoPublicSshRdp,
].map(withPodTemplateKinds);

export const KUBERNETES_RULES = RULES.filter((r): r is KubernetesRule => r.target === "kubernetes");
export const CLOUD_RULES = RULES.filter((r): r is CloudRule => r.target === "gcp");

export function ruleById(id: string): Rule {
    const rule = RULES.find((r) => r.id === id);
    if (!rule) throw new Error(`unknown rule id "${id}"; known: ${RULES.map((r) => r.id).join(", ")}`);
    return rule;
}
