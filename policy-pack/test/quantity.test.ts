// Kubernetes quantities as resources-requests-limits compares them: exact values, Kubernetes' grammar,
// bounded input.
import { strict as assert } from "assert";
import { compareQuantities, MAX_QUANTITY_LENGTH, multiplyQuantities, parseQuantity, Quantity } from "../lib/quantity";

/** The exact value as "num/den" in lowest terms. */
function exact(q: Quantity | undefined): string | undefined {
    if (!q) return undefined;
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
    const g = gcd(q.num, q.den) || 1n;
    return `${q.num / g}/${q.den / g}`;
}

describe("Kubernetes quantities", () => {
    const values: [unknown, string][] = [
        ["1", "1/1"],
        ["500m", "1/2"],
        ["100m", "1/10"],
        ["0.1", "1/10"],
        [".5", "1/2"],
        ["5.", "5/1"],
        ["1.5Gi", "1610612736/1"],
        ["1Gi", "1073741824/1"],
        ["1Ki", "1024/1"],
        ["1Ei", "1152921504606846976/1"],
        ["1k", "1000/1"],
        ["1M", "1000000/1"],
        ["1G", "1000000000/1"],
        ["2e3", "2000/1"],
        ["2E3", "2000/1"],
        ["1.5e-3", "3/2000"],
        ["250n", "1/4000000"],
        ["3u", "3/1000000"],
        ["+2", "2/1"],
        ["-2", "-2/1"],
        [2, "2/1"],
        [0.25, "1/4"],
        [1e21, "1000000000000000000000/1"],
    ];
    const invalid: unknown[] = [
        "",
        "m",
        "1.2.3",
        "1Kb",
        "1MB",
        "1 Gi",
        "Gi",
        "1e",
        "1e+",
        "1ee3",
        "--1",
        "1e9999",
        "0x10",
        "1Gi ",
        null,
        true,
        {},
        ["1"],
        Number.NaN,
    ];

    it("parses Kubernetes' grammar to the exact value", () => {
        assert.ok(values.length > 0);
        for (const [text, expected] of values) assert.equal(exact(parseQuantity(text)), expected, String(text));
    });

    it("refuses what Kubernetes would not parse", () => {
        assert.ok(invalid.length > 0);
        for (const text of invalid) assert.equal(parseQuantity(text), undefined, JSON.stringify(text));
    });

    it("compares exactly, across units", () => {
        const cmp = (a: string, b: string) => compareQuantities(parseQuantity(a)!, parseQuantity(b)!);
        assert.equal(cmp("1Gi", "1073741824"), 0);
        assert.equal(cmp("1G", "1Gi"), -1);
        assert.equal(cmp("1025Mi", "1Gi"), 1);
        assert.equal(cmp("300m", "0.3"), 0);
        assert.equal(cmp("1000Ki", "1024k"), 0);
        assert.equal(cmp("1.000000000000000001", "1"), 1, "no float rounding");
        assert.equal(
            compareQuantities(parseQuantity("0.3")!, multiplyQuantities(parseQuantity("3")!, parseQuantity("100m")!)),
            0,
            "3 x 100m is exactly 0.3",
        );
    });

    it("refuses long input before scanning it (1 MB answers at once)", () => {
        const long = "9".repeat(1024 * 1024);
        const started = process.hrtime.bigint();
        assert.equal(parseQuantity(long), undefined);
        assert.equal(parseQuantity("1".repeat(MAX_QUANTITY_LENGTH + 1)), undefined);
        assert.ok(parseQuantity("1".repeat(MAX_QUANTITY_LENGTH)));
        assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 50, "parsing took 50 ms or more");
    });
});
