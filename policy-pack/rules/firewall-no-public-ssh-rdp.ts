// GCP rule over Pulumi inputs (camelCase) as the engine sends them at preview: an unknown value never produces a
// finding; a missing value is judged by what the provider / GKE API does with it (the default is noted at each check).
import { Finding, isUnknown } from "../catalogue/types";
import { at, own } from "../catalogue/view";
import { finding, OPEN_CIDRS } from "../lib/cloud-inputs";
import { cloudRule } from "../lib/define-rule";
import { cisGke, nist, pci, soc2 } from "../lib/frameworks";
import { FIREWALL } from "../lib/resource-types";

/** True when a firewall `ports` list (undefined = all ports) opens any of `ports`. */
function opensPort(portSpecs: unknown, ports: number[]): number | undefined {
    if (portSpecs === undefined || (Array.isArray(portSpecs) && portSpecs.length === 0)) return ports[0]; // all ports
    if (!Array.isArray(portSpecs)) return undefined; // unknown
    for (const spec of portSpecs) {
        if (typeof spec !== "string" && typeof spec !== "number") continue;
        if (isUnknown(spec)) continue;
        const [low, high] = String(spec)
            .split("-")
            .map((p) => Number(p.trim()));
        const upper = Number.isFinite(high) ? high : low;
        const hit = ports.find((p) => p >= low && p <= upper);
        if (hit !== undefined) return hit;
    }
    return undefined;
}

export const rule = cloudRule<{ ports: number[] }>({
    id: "firewall-no-public-ssh-rdp",
    title: "No firewall rule opens SSH or RDP to the internet",
    description:
        "Ingress rules must not allow TCP 22 or 3389 (or all ports) from 0.0.0.0/0 or ::/0. Use IAP TCP forwarding (35.235.240.0/20) or a VPN instead.",
    severity: "critical",
    remediation: "Restrict `sourceRanges` to known ranges (e.g. IAP 35.235.240.0/20), or remove 22/3389 from `allows[].ports`.",
    frameworks: [cisGke("5.6.6"), nist("SC-7"), nist("AC-17"), soc2("CC6.6"), pci("1.3.1"), pci("1.4.1")],
    defaultEnforcement: "mandatory",
    defaultParams: { ports: [22, 3389] },
    paramsSchema: {
        ports: {
            type: "array",
            items: { type: "integer", minimum: 1 },
            description: "Administrative ports that must never be open to the internet.",
        },
    },
    resourceTypes: [FIREWALL],
    check(props, params) {
        const direction = own(props, "direction") ?? "INGRESS";
        const disabled = own(props, "disabled");
        if (isUnknown(direction) || direction !== "INGRESS" || disabled === true || isUnknown(disabled)) return [];
        const sources = own(props, "sourceRanges");
        if (isUnknown(sources) || isUnknown(own(props, "sourceTags")) || isUnknown(own(props, "sourceServiceAccounts"))) return [];
        const hasOtherSources = [own(props, "sourceTags"), own(props, "sourceServiceAccounts")].some(
            (s) => Array.isArray(s) && s.length > 0,
        );
        // No source at all: GCP applies the ingress rule to 0.0.0.0/0.
        const open =
            Array.isArray(sources) && sources.length > 0
                ? sources.filter((s) => typeof s === "string" && OPEN_CIDRS.includes(s.trim()))
                : hasOtherSources
                  ? []
                  : ["0.0.0.0/0 (no source given)"];
        if (open.length === 0) return [];
        const allows = own(props, "allows");
        if (!Array.isArray(allows)) return [];
        const findings: Finding[] = [];
        allows.forEach((allow, i) => {
            const protocol = at(allow, "protocol");
            if (isUnknown(protocol) || typeof protocol !== "string") return;
            const p = protocol.toLowerCase();
            if (p !== "tcp" && p !== "all" && p !== "6") return;
            const port = p === "all" ? params.ports[0] : opensPort(at(allow, "ports"), params.ports);
            if (port === undefined) return;
            findings.push(
                finding(
                    `allows[${i}].ports`,
                    `ingress from ${open.join(", ")} allows ${p === "all" ? "all protocols" : `tcp port ${port}`}: restrict \`sourceRanges\` (e.g. IAP 35.235.240.0/20) or remove the port`,
                ),
            );
        });
        return findings;
    },
});
