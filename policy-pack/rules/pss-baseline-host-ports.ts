// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding, K8sObject } from "../catalogue/types";
import { ContainerRef } from "../catalogue/workloads";
import { PssParams, pssRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_SUBJECT,
    CEL_V_IS_SET,
    celGet,
    celLet,
    celName,
    celString,
    containerLabel,
    finding,
    get,
    isRecord,
    isSet,
    podContext,
    show,
} from "../lib/pod-field-checks";

export interface HostPortsParams extends PssParams {
    /** Host ports a container may still bind (the docs allow "a known list"); empty by default. */
    allowedHostPorts: number[];
}

function badHostPort(value: unknown, allowed: readonly unknown[]): boolean {
    return isSet(value) && value !== 0 && !allowed.includes(value);
}

const CEL_ALLOWED_HOST_PORTS = "(has(variables.params.allowedHostPorts) ? variables.params.allowedHostPorts : [])";

const CEL_BAD_HOST_PORT = `${CEL_V_IS_SET} && v != 0 && !${CEL_ALLOWED_HOST_PORTS}.exists(a, a == v)`;

const HOST_PORTS_FIX = "remove hostPort (expose the port through a Service) or add it to the rule's allowedHostPorts parameter";

const HOST_NETWORK_PORTS_FIX =
    "drop hostNetwork (expose the port through a Service) or add the port to the rule's allowedHostPorts parameter";

/**
 * The hostPort the API server stores: for a Pod with hostNetwork: true, a container or init container port
 * without hostPort (or hostPort 0) gets its containerPort (SetDefaults_Pod; since Kubernetes v1.28 for Pods
 * only, not pod templates, and never for ephemeral containers). PSA judges the defaulted Pod.
 */
function effectiveHostPort(
    object: K8sObject,
    hostNetwork: unknown,
    ref: ContainerRef,
    port: Record<string, unknown>,
): { value: unknown; defaulted: boolean } {
    const hostPort = get(port, ["hostPort"]);
    const defaults = object.kind === "Pod" && hostNetwork === true && ref.list !== "ephemeralContainers";
    return defaults && (hostPort === undefined || hostPort === 0)
        ? { value: get(port, ["containerPort"]), defaulted: true }
        : { value: hostPort, defaulted: false };
}

/** CEL: a Pod's containers and init containers (not exempt) that the hostNetwork default gives a forbidden hostPort. */
const CEL_HOST_NETWORK_PORT_CONTAINERS =
    `object.kind == 'Pod' && ${celGet("variables.podSpec", ["hostNetwork"])} == true ? ` +
    `(${["containers", "initContainers"].map((list) => `((has(variables.podSpec.${list}) && type(variables.podSpec.${list}) == list) ? variables.podSpec.${list} : [])`).join(" + ")})` +
    ".filter(c, type(c) == map && !variables.exemptImages.exists(p, has(c.image) && type(c.image) == string && p != '' && c.image.startsWith(p)) && " +
    `[${celGet("c", ["ports"])}].exists(ports, type(ports) == list && ports.exists(p, type(p) == map && ` +
    `[${celGet("p", ["hostPort"])}].exists(h, h == null || h == 0) && ${celLet(celGet("p", ["containerPort"]), CEL_BAD_HOST_PORT)}))) : []`;

export const rule = pssRule<HostPortsParams>({
    id: "pss-baseline-host-ports",
    title: "No host ports outside the allowed list",
    description:
        "Pod Security Standards (baseline), Host Ports: a hostPort binds the node's own interface, bypassing NetworkPolicy and Service routing. " +
        "ports[*].hostPort must be unset or 0 on every container, init container and ephemeral container, unless the port is in allowedHostPorts. " +
        "In a Pod with hostNetwork: true the API server sets an unset hostPort to the containerPort (containers and init containers), so those ports count too.",
    severity: "high",
    remediation:
        "Remove hostPort and publish the port through a Service; if a node-level port is truly required, list it in allowedHostPorts.",
    frameworks: [cisK8s("5.2.13"), nist("CM-7"), nist("SC-7"), soc2("CC6.6"), pci("1.2.5"), pci("2.2.4")],
    defaultParams: { exemptNamespaces: [], exemptImages: [], podSecurityVersion: "latest", allowedHostPorts: [] },
    paramsSchema: {
        allowedHostPorts: {
            type: "array",
            description: "Host ports containers may bind (empty: none).",
            items: { type: "integer", minimum: 1 },
            default: [],
        },
    },
    check(object, params) {
        const ctx = podContext(object, params);
        if (!ctx) return [];
        const allowed = Array.isArray(params.allowedHostPorts) ? params.allowedHostPorts : [];
        const findings: Finding[] = [];
        const hostNetwork = get(ctx.pod.spec, ["hostNetwork"]);
        for (const ref of ctx.containers) {
            const ports = get(ref.container, ["ports"]);
            if (!Array.isArray(ports)) continue;
            ports.forEach((port, index) => {
                if (!isRecord(port)) return;
                const hostPort = effectiveHostPort(object, hostNetwork, ref, port);
                if (!badHostPort(hostPort.value, allowed)) return;
                const label = typeof port.name === "string" ? `name=${port.name}` : String(index);
                findings.push(
                    hostPort.defaulted
                        ? finding(
                              object,
                              `${ref.path}.ports[${label}].containerPort`,
                              `${containerLabel(ref)} binds hostPort ${show(hostPort.value)} (with hostNetwork the API server sets hostPort to the containerPort)`,
                              HOST_NETWORK_PORTS_FIX,
                          )
                        : finding(
                              object,
                              `${ref.path}.ports[${label}].hostPort`,
                              `${containerLabel(ref)} binds hostPort ${show(hostPort.value)}`,
                              HOST_PORTS_FIX,
                          ),
                );
            });
        }
        return findings;
    },
    cel: {
        variables: [
            {
                name: "hostPortContainers",
                expression:
                    `variables.containers.filter(c, [${celGet("c", ["ports"])}].exists(ports, type(ports) == list && ` +
                    `ports.exists(p, type(p) == map && ${celLet(celGet("p", ["hostPort"]), CEL_BAD_HOST_PORT)})))`,
            },
            { name: "hostNetworkPortContainers", expression: CEL_HOST_NETWORK_PORT_CONTAINERS },
        ],
        validations: [
            {
                expression: "size(variables.hostNetworkPortContainers) == 0",
                messageExpression: `${CEL_SUBJECT} + ': container ' + ${celName("variables.hostNetworkPortContainers[0]")} + ${celString(` binds its containerPort as hostPort (hostNetwork: the API server sets hostPort to the containerPort), not in allowedHostPorts. Fix: ${HOST_NETWORK_PORTS_FIX}`)}`,
            },
            {
                expression: "size(variables.hostPortContainers) == 0",
                messageExpression: `${CEL_SUBJECT} + ': container ' + ${celName("variables.hostPortContainers[0]")} + ${celString(` binds a hostPort that is not 0 nor in allowedHostPorts. Fix: ${HOST_PORTS_FIX}`)}`,
            },
        ],
    },
});
