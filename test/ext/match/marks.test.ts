/**
 * -m mark and -m connmark. Saved forms checked against iptables-nft-save 1.8.9 in a network namespace.
 */
import { describe, expect, it } from "vitest";
import { CtState } from "../../../src/sim/packet.js";
import { makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string])[] = [
  ["-m mark --mark 0x1", "-m mark --mark 0x1"],
  ["-m mark --mark 1", "-m mark --mark 0x1"],
  ["-m mark --mark 010", "-m mark --mark 0x8"],
  ["-m mark --mark 0x4000/0x4000", "-m mark --mark 0x4000/0x4000"],
  ["-m mark ! --mark 0x0/0xffff0000", "-m mark ! --mark 0x0/0xffff0000"],
  ["-m mark --mark 0xffffffff", "-m mark --mark 0xffffffff"],
  ["-m mark --mark 0x1/0x0", "-m mark --mark 0x1/0x0"],
  ["-m mark --mark 0x3/0x1", "-m mark --mark 0x3/0x1"],
  ["-m connmark --mark 0x2", "-m connmark --mark 0x2"],
  ["-m connmark --mark 0x10/0xf0", "-m connmark --mark 0x10/0xf0"],
  ["-m connmark ! --mark 7", "-m connmark ! --mark 0x7"],
  ["-m mark --mark 0x1 -m connmark --mark 0x1", "-m mark --mark 0x1 -m connmark --mark 0x1"],
];

describe("mark and connmark: saved forms", () => {
  for (const [input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A PREROUTING ${input} -j ACCEPT`, { table: "mangle" })).toBe(`-A PREROUTING ${saved} -j ACCEPT`);
    });
  }
});

describe("mark and connmark: model and bad input", () => {
  it("keeps value and mask as written", () => {
    expect(typed("-A INPUT -m mark ! --mark 0x3/0x1", "mark")).toEqual({ module: "mark", mark: { value: 3, mask: 1 }, invert: true });
    expect(typed("-A INPUT -m connmark --mark 5", "connmark")).toEqual({ module: "connmark", mark: { value: 5, mask: 0xffffffff }, invert: false });
  });
  const line = firstRuleLine();
  for (const rule of ["-A INPUT -m mark --mark 0x100000000 -j ACCEPT", "-A INPUT -m mark --mark 1/ -j ACCEPT", "-A INPUT -m connmark --mark red -j ACCEPT"]) {
    it(`${rule} → bad-mark at the value`, () => {
      const value = rule.split(" ")[5];
      expect(errorsOf(rule)[0]).toMatchObject({ code: "bad-mark", line, column: col(rule, value) });
    });
  }
  it("needs --mark", () => {
    expect(errorsOf("-A INPUT -m mark -j ACCEPT")[0]).toMatchObject({ code: "missing-value", line, column: col("-A INPUT -m mark -j ACCEPT", "mark") });
  });
});

describe("mark and connmark: semantics", () => {
  it("mark: (mark & mask) == value, value not masked", () => {
    const t = testOf("-A INPUT -m mark --mark 0x4000/0x4000", "mark").test;
    expect([t(makePacket({ mark: 0x4001 })), t(makePacket({ mark: 0x1 }))]).toEqual([true, false]);
    const never = testOf("-A INPUT -m mark --mark 0x3/0x1", "mark").test;
    expect(never(makePacket({ mark: 3 }))).toBe(false);
    const all = testOf("-A INPUT -m mark --mark 0xffffffff", "mark").test;
    expect(all(makePacket({ mark: 0xffffffff }))).toBe(true);
    const inv = testOf("-A INPUT -m mark ! --mark 0x0/0xffff0000", "mark").test;
    expect([inv(makePacket({ mark: 0x10000 })), inv(makePacket({ mark: 0xffff }))]).toEqual([true, false]);
  });
  it("connmark: reads ct->mark; no conntrack entry never matches, even negated", () => {
    const t = testOf("-A INPUT -m connmark ! --mark 0x7", "connmark").test;
    expect(t(makePacket({ ctmark: 1 }))).toBe(true);
    expect(t(makePacket({ ctmark: 7 }))).toBe(false);
    expect(t(makePacket({ ctmark: 1, ctState: CtState.UNTRACKED }))).toBe(false);
    expect(t(makePacket({ ctmark: 1, ctState: CtState.INVALID }))).toBe(false);
  });
});
