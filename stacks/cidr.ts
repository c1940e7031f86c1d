// IPv4 CIDR parsing for config validation: strict (no host bits, prefix 0-32, canonical octets) so a typo
// in a firewall-like setting fails at preview instead of silently widening access.

export interface Ipv4Cidr {
    /** Network address as an unsigned 32-bit integer. */
    network: number;
    prefix: number;
    text: string;
}

export type CidrParseResult = { ok: true; cidr: Ipv4Cidr } | { ok: false; reason: string };

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

function toDotted(value: number): string {
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

function maskOf(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function parseCidr(text: string): CidrParseResult {
    const match = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
    if (!match) return { ok: false, reason: "malformed (expected a.b.c.d/n)" };
    const octets = match[1].split(".");
    if (octets.length !== 4 || !octets.every((o) => OCTET.test(o) && Number(o) <= 255)) {
        return { ok: false, reason: "malformed address (four octets 0-255 expected)" };
    }
    const prefix = Number(match[2]);
    if (prefix > 32) return { ok: false, reason: "prefix length above 32" };
    const address = octets.reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
    const network = (address & maskOf(prefix)) >>> 0;
    if (network !== address) {
        return { ok: false, reason: `host bits set (the network is ${toDotted(network)}/${prefix})` };
    }
    return { ok: true, cidr: { network, prefix, text } };
}

/** True when two ranges share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    const shorter = Math.min(a.prefix, b.prefix);
    const mask = maskOf(shorter);
    return (a.network & mask) >>> 0 === (b.network & mask) >>> 0;
}
