// Pod Security Standards, Baseline profile, as https://kubernetes.io/docs/concepts/security/pod-security-
// standards/ defines it and Pod Security Admission checks it at the rule's `podSecurityVersion` (thresholds:
// lib/pss-version.ts; wrong JSON types: "malformed values" in lib/pod-field-checks.ts). Covers containers,
// initContainers, ephemeralContainers.
import { Finding } from "../catalogue/types";
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

export const rule = pssRule<HostPortsParams>({
    id: "pss-baseline-host-ports",
    title: "No host ports outside the allowed list",
    description:
        "Pod Security Standards (baseline), Host Ports: a hostPort binds the node's own interface, bypassing NetworkPolicy and Service routing. " +
        "ports[*].hostPort must be unset or 0 on every container, init container and ephemeral container, unless the port is in allowedHostPorts.",
    severity: "high",
    remediation: "Remove hostPort and publish the port through a Service; if a node-level port is truly required, list it in allowedHostPorts.",
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
        for (const ref of ctx.containers) {
            const ports = get(ref.container, ["ports"]);
            if (!Array.isArray(ports)) continue;
            ports.forEach((port, index) => {
                if (!isRecord(port)) return;
                const hostPort = get(port, ["hostPort"]);
                if (!badHostPort(hostPort, allowed)) return;
                const label = typeof port.name === "string" ? `name=${port.name}` : String(index);
                findings.push(finding(object, `${ref.path}.ports[${label}].hostPort`, `${containerLabel(ref)} binds hostPort ${show(hostPort)}`, HOST_PORTS_FIX));
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
        ],
        validations: [
            {
                expression: "size(variables.hostPortContainers) == 0",
                messageExpression:
                    `${CEL_SUBJECT} + ': container ' + ${celName("variables.hostPortContainers[0]")} + ${celString(` binds a hostPort that is not 0 nor in allowedHostPorts. Fix: ${HOST_PORTS_FIX}`)}`,
            },
        ],
    },
});
