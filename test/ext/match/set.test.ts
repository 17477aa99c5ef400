/**
 * -m set. Saved forms checked against iptables-nft-save / ip6tables-nft-save 1.8.9 in a network
 * namespace holding the sets named here.
 */
import { describe, expect, it } from "vitest";
import type { IpsetView, SimEnv } from "../../../src/sim/env.js";
import type { PacketState } from "../../../src/sim/packet.js";
import { makeEnv, makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string])[] = [
  ["-m set --match-set blocklist src", "-m set --match-set blocklist src"],
  ["-m set ! --match-set blocklist dst", "-m set ! --match-set blocklist dst"],
  ["-m set --match-set nets src --return-nomatch", "-m set --match-set nets src --return-nomatch"],
  ["-m set --match-set ipport src,dst", "-m set --match-set ipport src,dst"],
  ["-m set --match-set blocklist src ! --update-counters ! --update-subcounters", "-m set --match-set blocklist src ! --update-counters ! --update-subcounters"],
  ["-m set --match-set blocklist src --packets-gt 10", "-m set --match-set blocklist src --packets-gt 10"],
  ["-m set --match-set blocklist src --bytes-lt 100", "-m set --match-set blocklist src --bytes-lt 100"],
  ["-m set --match-set foo srcx,dst", "-m set --match-set foo src,dst"],
  ["-m set ! --set foo src", "-m set ! --match-set foo src"],
  ["-m set --match-set foo src --update-counters --update-subcounters", "-m set --match-set foo src"],
  ["-m set --match-set foo src ! --packets-eq 5 --bytes-lt 3", "-m set --match-set foo src ! --packets-eq 5 --bytes-lt 3"],
  ["-m set --bytes-eq 5 --match-set foo src", "-m set --match-set foo src --bytes-eq 5"],
];

describe("set: saved forms", () => {
  for (const [input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j DROP`)).toBe(`-A INPUT ${saved} -j DROP`);
    });
  }
  it("IPv6", () => {
    expect(savedForm("-A INPUT -m set --match-set foo6 src -j ACCEPT", { family: 6 })).toBe("-A INPUT -m set --match-set foo6 src -j ACCEPT");
  });
});

describe("set: model and bad input", () => {
  it("types", () => {
    expect(typed("-A INPUT -m set ! --match-set ipport src,dst ! --update-counters ! --bytes-eq 7", "set")).toEqual({
      module: "set",
      setName: "ipport",
      dirs: ["src", "dst"],
      invert: true,
      returnNomatch: false,
      skipCounterUpdate: true,
      skipSubcounterUpdate: false,
      bytes: { op: "ne", value: 7n },
    });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -m set --match-set foo src,dst,dst,src,src,dst,src -j ACCEPT", "src,dst,dst", "bad-value"],
    ["-A INPUT -m set --match-set foo source -j ACCEPT", "source", "bad-value"],
    ["-A INPUT -m set --match-set foo sr -j ACCEPT", "sr -j", "bad-value"],
    ["-A INPUT -m set --match-set foo src ! --return-nomatch -j ACCEPT", "--return-nomatch", "bad-value"],
    ["-A INPUT -m set --match-set foo src ! --bytes-gt 10 -j ACCEPT", "--bytes-gt", "bad-value"],
    ["-A INPUT -m set --match-set foo dst --packets-lt 5 --packets-gt 2 -j ACCEPT", "--packets-gt", "duplicate-option"],
    ["-A INPUT -m set --match-set foo dst --packets-lt x -j ACCEPT", "x -j", "bad-value"],
    ["-A INPUT -m set -j ACCEPT", "set", "missing-value"],
    ["-A INPUT -m set --match-set abcdefghijabcdefghijabcdefghijxy src -j ACCEPT", "abcdefghij", "bad-value"],
  ];
  for (const [rule, word, code] of bad) {
    it(`${rule} → ${code}`, () => {
      expect(errorsOf(rule)[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
});

describe("set: semantics via env.ipsets", () => {
  const seen: (readonly string[])[] = [];
  const blocklist: IpsetView = {
    name: "blocklist",
    type: "hash:ip",
    test: (p: PacketState, dirs) => {
      seen.push(dirs);
      return (dirs[0] === "src" ? p.src : p.dst) === 0x0a000001;
    },
  };
  const env: SimEnv = { ...makeEnv(), ipsets: new Map([["blocklist", blocklist]]) };
  it("tests the set with the rule's directions, honouring !", () => {
    const t = testOf("-A INPUT -m set --match-set blocklist src", "set", {}, env).test;
    expect([t(makePacket({ src: 0x0a000001 })), t(makePacket({ src: 0x0a000009 }))]).toEqual([true, false]);
    expect(seen.at(-1)).toEqual(["src"]);
    const n = testOf("-A INPUT -m set ! --match-set blocklist dst", "set", {}, env).test;
    expect([n(makePacket({ dst: 0x0a000001 })), n(makePacket({ dst: 0x0a000002 }))]).toEqual([false, true]);
  });
  it("a missing set, counters and --return-nomatch are unsupported and say why", () => {
    expect(compiled("-A INPUT -m set --match-set nosuch src", "set", {}, env)).toMatchObject({ kind: "unsupported", reason: expect.stringContaining("nosuch") });
    expect(compiled("-A INPUT -m set --match-set blocklist src --packets-gt 1", "set", {}, env)).toMatchObject({ kind: "unsupported", reason: expect.stringContaining("counters") });
    expect(compiled("-A INPUT -m set --match-set blocklist src --return-nomatch", "set", {}, env)).toMatchObject({ kind: "unsupported", reason: expect.stringContaining("nomatch") });
  });
});
