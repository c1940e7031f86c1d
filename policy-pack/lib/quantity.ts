// Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`, `128974848`), parsed exactly into a fraction of
// big integers, so comparisons never round: `1Gi` is exactly 1073741824 and `100m` exactly 1/10.
// The grammar is Kubernetes' own (k8s.io/apimachinery resource.Quantity):
//   quantity ::= signedNumber suffix
//   number   ::= digits | digits "." digits | digits "." | "." digits
//   suffix   ::= "" | n | u | m | k | M | G | T | P | E | Ki | Mi | Gi | Ti | Pi | Ei | (e|E) signedInteger
// A hand-written scanner, no regular expression: linear in the input, and input longer than
// MAX_QUANTITY_LENGTH is refused before scanning.

/** An exact non-negative or negative rational: num / den, den > 0. */
export interface Quantity {
    num: bigint;
    den: bigint;
}

export const MAX_QUANTITY_LENGTH = 64;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/** Kubernetes bounds the decimal exponent; anything beyond is not a quantity. */
const MAX_EXPONENT = 64;

function isDigit(c: string | undefined): boolean {
    return c !== undefined && c >= "0" && c <= "9";
}

/** Parses a quantity string (or a finite JSON number); undefined when it is not one. */
export function parseQuantity(value: unknown): Quantity | undefined {
    const text = typeof value === "number" && Number.isFinite(value) ? `${value}` : value;
    if (typeof text !== "string" || text.length === 0 || text.length > MAX_QUANTITY_LENGTH) return undefined;
    let i = 0;
    let negative = false;
    if (text[i] === "+" || text[i] === "-") negative = text[i++] === "-";
    let intDigits = "";
    while (isDigit(text[i])) intDigits += text[i++];
    let fracDigits = "";
    if (text[i] === ".") {
        i++;
        while (isDigit(text[i])) fracDigits += text[i++];
    }
    if (intDigits === "" && fracDigits === "") return undefined;
    const suffix = text.slice(i);
    let exponent10 = -fracDigits.length;
    let exponent2 = 0;
    if (suffix in BINARY_SUFFIXES) exponent2 = BINARY_SUFFIXES[suffix];
    else if (suffix in DECIMAL_SUFFIXES) exponent10 += DECIMAL_SUFFIXES[suffix];
    else if (suffix.startsWith("e") || suffix.startsWith("E")) {
        let j = 1;
        let expNegative = false;
        if (suffix[j] === "+" || suffix[j] === "-") expNegative = suffix[j++] === "-";
        const expDigits = suffix.slice(j);
        if (expDigits === "" || !Array.from(expDigits).every(isDigit) || expDigits.length > 3) return undefined;
        const exp = Number(expDigits);
        if (exp > MAX_EXPONENT) return undefined;
        exponent10 += expNegative ? -exp : exp;
    } else return undefined;
    let num = BigInt(`${intDigits}${fracDigits}` || "0") * 2n ** BigInt(exponent2);
    let den = 1n;
    if (exponent10 >= 0) num *= 10n ** BigInt(exponent10);
    else den = 10n ** BigInt(-exponent10);
    if (negative) num = -num;
    return { num, den };
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
    const left = a.num * b.den;
    const right = b.num * a.den;
    return left < right ? -1 : left > right ? 1 : 0;
}

/** a * b, exactly. */
export function multiplyQuantities(a: Quantity, b: Quantity): Quantity {
    return { num: a.num * b.num, den: a.den * b.den };
}

/** A float approximation (for the CEL test stand-in's asApproximateFloat). */
export function approximateFloat(q: Quantity): number {
    return Number(q.num) / Number(q.den);
}
