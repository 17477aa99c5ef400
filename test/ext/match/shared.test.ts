/**
 * Matches that big dumps repeat are shared between rules: one read-only object for equal values
 * (a comment on neighbouring rules, a single --dport, a --probability). Sharing must never make
 * two different values one, whatever order they come in.
 */
import { describe, expect, it } from "vitest";
import { Recent } from "../../../src/ext/common.js";
import { parseRuleset } from "../../../src/parse/index.js";
import { printRuleset } from "../../../src/print/index.js";

function matchesOf(lines: readonly string[]) {
  const text = `*filter\n:INPUT ACCEPT [0:0]\n${lines.map((l) => `-A INPUT ${l}`).join("\n")}\nCOMMIT\n`;
  const { ruleset, issues } = parseRuleset(text);
  expect(issues).toEqual([]);
  return { rules: ruleset.tables[0].chains[0].rules.map((r) => r.matches), printed: printRuleset(ruleset) };
}

describe("shared matches", () => {
  it("gives equal single ports one object, and different ports, ranges or ! their own", () => {
    const lines = [
      "-p tcp -m tcp --dport 80 -j ACCEPT",
      "-p tcp -m tcp --dport 443 -j ACCEPT",
      "-p tcp -m tcp --dport 80 -j ACCEPT",
      "-p tcp -m tcp ! --dport 80 -j ACCEPT",
      "-p tcp -m tcp --dport 80:81 -j ACCEPT",
      "-p udp -m udp --dport 80 -j ACCEPT",
      "-p udp -m udp --dport 80 -j ACCEPT",
      // 80 + 64 * 2 lands in the same slot of the 64-entry table as 80
      "-p tcp -m tcp --dport 208 -j ACCEPT",
      "-p tcp -m tcp --dport 80 -j ACCEPT",
    ];
    const { rules, printed } = matchesOf(lines);
    const m = rules.map((r) => r[0]);
    expect(m[0]).toBe(m[2]);
    expect(m[0]).toEqual({ module: "tcp", dport: { value: { min: 80, max: 80 }, invert: false } });
    expect(m[1]).toEqual({ module: "tcp", dport: { value: { min: 443, max: 443 }, invert: false } });
    expect(m[3]).toEqual({ module: "tcp", dport: { value: { min: 80, max: 80 }, invert: true } });
    expect(m[4]).toEqual({ module: "tcp", dport: { value: { min: 80, max: 81 }, invert: false } });
    expect(m[5]).toBe(m[6]);
    expect(m[5]).toEqual({ module: "udp", dport: { value: { min: 80, max: 80 }, invert: false } });
    expect(m[7]).toEqual({ module: "tcp", dport: { value: { min: 208, max: 208 }, invert: false } });
    expect(m[8]).toEqual(m[0]);
    expect(printed.split("\n").filter((l) => l.startsWith("-A")).map((l) => l.slice("-A INPUT ".length))).toEqual(lines);
  });

  it("gives equal probabilities one object, and a different one or ! its own", () => {
    const { rules } = matchesOf([
      "-m statistic --mode random --probability 0.5 -j ACCEPT",
      "-m statistic --mode random --probability 0.33333333349 -j ACCEPT",
      "-m statistic --mode random --probability 0.50000000000 -j ACCEPT",
      "-m statistic --mode random ! --probability 0.5 -j ACCEPT",
    ]);
    const m = rules.map((r) => r[0]);
    expect(m[0]).toBe(m[2]);
    expect(m[1]).not.toBe(m[0]);
    expect(m[3]).toEqual({ module: "statistic", mode: "random", fraction: 0x40000000, invert: true });
  });

  it("gives neighbouring rules with the same comment one object", () => {
    const { rules } = matchesOf(['-m comment --comment "a b" -j ACCEPT', '-m comment --comment "a b" -j DROP', '-m comment --comment "c" -j DROP']);
    expect(rules[0][0]).toBe(rules[1][0]);
    expect(rules[2][0]).toEqual({ module: "comment", comment: "c" });
  });

  it("gives DNAT targets with the same port range one range object", () => {
    const text = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80\n-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.2:80\n-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.3:80-81\nCOMMIT\n";
    const { ruleset, issues } = parseRuleset(text);
    expect(issues).toEqual([]);
    const to = ruleset.tables[0].chains[0].rules.map((r) => (r.target?.name === "DNAT" ? r.target.to : undefined));
    expect(to[0]?.ports).toBe(to[1]?.ports);
    expect(to[0]?.addrs).toEqual({ min: 0x0a000001, max: 0x0a000001 });
    expect(to[1]?.addrs).toEqual({ min: 0x0a000002, max: 0x0a000002 });
    expect(to[2]?.ports).toEqual({ min: 80, max: 81 });
    expect(printRuleset(ruleset)).toContain("--to-destination 10.0.0.2:80\n-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.3:80-81\n");
  });

  it("Recent keeps one value per slot and never answers for another key", () => {
    const r = new Recent<string>(4);
    r.set(1, "one");
    expect(r.get(1)).toBe("one");
    expect(r.get(5)).toBeUndefined();
    r.set(5, "five");
    expect(r.get(1)).toBeUndefined();
    expect(r.get(5)).toBe("five");
    expect(r.get(2 ** 32 + 5)).toBeUndefined();
  });
});
