/**
 * -m statistic. Saved forms checked against iptables-nft-save 1.8.9 in a network namespace: the
 * probability is stored as lround(P * 2^31) and printed with printf("%.11f") of fraction / 2^31.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatProbability, probabilityFraction } from "../../../src/ext/match/statistic.js";
import { makeEnv, makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string])[] = [
  ["--mode random --probability 0.33333333349", "--mode random --probability 0.33333333349"],
  ["--mode random --probability 0.5000000000", "--mode random --probability 0.50000000000"],
  ["--mode random --probability 0.25", "--mode random --probability 0.25000000000"],
  ["--mode random --probability 0.1", "--mode random --probability 0.10000000009"],
  ["--mode random --probability 1", "--mode random --probability 1.00000000000"],
  ["--mode random --probability 0", "--mode random --probability 0.00000000000"],
  ["--mode random ! --probability 0.75", "--mode random ! --probability 0.75000000000"],
  ["--mode random --probability 0.000000001", "--mode random --probability 0.00000000093"],
  ["--mode random --probability 0.99999999999", "--mode random --probability 1.00000000000"],
  // 2^-12 lies exactly between two 11-decimal numbers: glibc rounds to even, toFixed would round up
  ["--mode random --probability 0.000244140625", "--mode random --probability 0.00024414062"],
  ["--mode random --probability 1e-1", "--mode random --probability 0.10000000009"],
  ["--mode random --probability .5", "--mode random --probability 0.50000000000"],
  ["--probability 0.5 --mode random", "--mode random --probability 0.50000000000"],
  ["--mode nth --every 3 --packet 0", "--mode nth --every 3 --packet 0"],
  ["--mode nth --every 2 --packet 1", "--mode nth --every 2 --packet 1"],
  ["--mode nth ! --every 5 --packet 4", "--mode nth ! --every 5 --packet 4"],
];

describe("statistic: saved forms", () => {
  for (const [input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A SVC -m statistic ${input} -j ACCEPT`.replace("-A SVC", "-A PREROUTING"), { table: "nat" })).toBe(`-A PREROUTING -m statistic ${saved} -j ACCEPT`);
    });
  }
  it("printing agrees with an exact decimal expansion for every fraction (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x80000000 }), (k) => {
        const exact = (BigInt(k) * 10n ** 20n) / 0x80000000n; // 20 decimals, truncated
        const printed = formatProbability(k);
        const asInt = BigInt(printed.replace(".", ""));
        const diff = exact - asInt * 10n ** 9n;
        return diff >= -(5n * 10n ** 8n) && diff <= 5n * 10n ** 8n;
      }),
    );
  });
  it("the stored fraction is lround(P * 2^31)", () => {
    expect(probabilityFraction(0.1)).toBe(214748365);
    expect(probabilityFraction(1)).toBe(0x80000000);
  });
});

describe("statistic: model and bad input", () => {
  it("types", () => {
    expect(typed("-A INPUT -m statistic --mode random ! --probability 0.5", "statistic")).toEqual({ module: "statistic", mode: "random", fraction: 0x40000000, invert: true });
    expect(typed("-A INPUT -m statistic --mode nth --every 3 --packet 2", "statistic")).toEqual({ module: "statistic", mode: "nth", every: 3, packet: 2, invert: false });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -m statistic --mode random --probability 1.5 -j ACCEPT", "1.5", "bad-value"],
    ["-A INPUT -m statistic --mode random --probability half -j ACCEPT", "half", "bad-value"],
    ["-A INPUT -m statistic --mode foo --every 2 --packet 1 -j ACCEPT", "foo", "bad-value"],
    ["-A INPUT -m statistic --mode nth --every 0 --packet 0 -j ACCEPT", "0 --packet", "bad-value"],
    ["-A INPUT -m statistic --mode nth --every 3 --packet 3 -j ACCEPT", "3 -j", "bad-value"],
    ["-A INPUT -m statistic --mode nth --every 3 -j ACCEPT", "statistic", "missing-value"],
    ["-A INPUT -m statistic --mode random -j ACCEPT", "statistic", "missing-value"],
    ["-A INPUT -m statistic --probability 0.5 -j ACCEPT", "statistic", "missing-value"],
    ["-A INPUT -m statistic --mode random --every 2 --packet 1 -j ACCEPT", "--every", "bad-value"],
    ["-A INPUT -m statistic --mode nth --probability .5 -j ACCEPT", "--probability", "bad-value"],
    ["-A INPUT -m statistic ! --mode random --probability 0.5 -j ACCEPT", "!", "syntax"],
  ];
  for (const [rule, word, code] of bad) {
    it(`${rule} → ${code}`, () => {
      expect(errorsOf(rule)[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
});

describe("statistic: semantics", () => {
  it("random mode gives the kernel's real probability (stored fraction / 2^31)", () => {
    expect(compiled("-A INPUT -m statistic --mode random --probability 0.1", "statistic")).toEqual({ kind: "random", probability: 214748365 / 0x80000000, invert: false });
    expect(compiled("-A INPUT -m statistic --mode random ! --probability 0.33333333349", "statistic")).toMatchObject({ kind: "random", invert: true });
  });
  it("nth mode asks env.assume.nthHit and says so", () => {
    const rule = "-A INPUT -m statistic --mode nth --every 3 --packet 0";
    const hit = compiled(rule, "statistic", {}, makeEnv({ nthHit: true }));
    const miss = compiled(rule, "statistic", {}, makeEnv({}));
    expect(hit).toMatchObject({ kind: "test", assumption: expect.stringContaining("--every 3") });
    if (hit.kind === "test" && miss.kind === "test") expect([hit.test(makePacket()), miss.test(makePacket())]).toEqual([true, false]);
    const inv = compiled("-A INPUT -m statistic --mode nth ! --every 3 --packet 0", "statistic", {}, makeEnv({ nthHit: true }));
    if (inv.kind === "test") expect(inv.test(makePacket())).toBe(false);
  });
});
