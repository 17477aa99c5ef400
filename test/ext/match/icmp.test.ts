/**
 * -m icmp and -m icmp6. Saved forms checked against iptables-nft-save / ip6tables-nft-save 1.8.9 in
 * a network namespace: names are saved as numbers, `any` (type 255) by name for IPv4 only, and only
 * the lower code of a range.
 */
import { describe, expect, it } from "vitest";
import { makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const V4: readonly (readonly [string, string])[] = [
  ["-p icmp --icmp-type echo-request", "-p icmp -m icmp --icmp-type 8"],
  ["-p icmp --icmp-type 8", "-p icmp -m icmp --icmp-type 8"],
  ["-p icmp -m icmp --icmp-type 3/4", "-p icmp -m icmp --icmp-type 3/4"],
  ["-p icmp --icmp-type fragmentation-needed", "-p icmp -m icmp --icmp-type 3/4"],
  ["-p icmp --icmp-type destination-unreachable", "-p icmp -m icmp --icmp-type 3"],
  ["-p icmp --icmp-type port-unreachable", "-p icmp -m icmp --icmp-type 3/3"],
  ["-p icmp --icmp-type time-exceeded", "-p icmp -m icmp --icmp-type 11"],
  ["-p icmp --icmp-type echo-reply", "-p icmp -m icmp --icmp-type 0"],
  ["-p icmp -m icmp --icmp-type pong", "-p icmp -m icmp --icmp-type 0"],
  ["-p icmp --icmp-type any", "-p icmp -m icmp --icmp-type any"],
  ["-p icmp ! --icmp-type echo-request", "-p icmp -m icmp ! --icmp-type 8"],
  ["-p icmp --icmp-type 5/1", "-p icmp -m icmp --icmp-type 5/1"],
  ["-p icmp --icmp-type timestamp-request", "-p icmp -m icmp --icmp-type 13"],
  ["-p icmp --icmp-type 255", "-p icmp -m icmp --icmp-type any"],
  ["-p icmp -m icmp --icmp-type 255/3", "-p icmp -m icmp --icmp-type any"],
  ["-p icmp -m icmp ! --icmp-type any", "-p icmp -m icmp ! --icmp-type any"],
  ["-p icmp -m icmp --icmp-type 3/255", "-p icmp -m icmp --icmp-type 3/255"],
  ["-p icmp -m icmp --icmp-type 0/0", "-p icmp -m icmp --icmp-type 0/0"],
  ["-p icmp -m icmp --icmp-type ttl-zero-during-transit", "-p icmp -m icmp --icmp-type 11/0"],
  ["-p icmp -m icmp --icmp-type 0x8", "-p icmp -m icmp --icmp-type 8"],
  ["-p icmp -m icmp --icmp-type Echo-Request", "-p icmp -m icmp --icmp-type 8"],
  ["-p icmp -m icmp --icmp-type 3/1:4", "-p icmp -m icmp --icmp-type 3/1"],
  ["-p icmp -m icmp --icmp-type 8/0x3", "-p icmp -m icmp --icmp-type 8/3"],
  ["-p icmp", "-p icmp"],
];

const V6: readonly (readonly [string, string])[] = [
  ["-p ipv6-icmp -m icmp6 --icmpv6-type echo-request", "-p ipv6-icmp -m icmp6 --icmpv6-type 128"],
  ["-p icmpv6 --icmpv6-type neighbour-solicitation", "-p ipv6-icmp -m icmp6 --icmpv6-type 135"],
  ["-p icmpv6 --icmpv6-type neighbor-advertisement", "-p ipv6-icmp -m icmp6 --icmpv6-type 136"],
  ["-p icmpv6 --icmpv6-type 1/3", "-p ipv6-icmp -m icmp6 --icmpv6-type 1/3"],
  ["-p icmpv6 --icmpv6-type port-unreachable", "-p ipv6-icmp -m icmp6 --icmpv6-type 1/4"],
  ["-p icmpv6 ! --icmpv6-type 255", "-p ipv6-icmp -m icmp6 ! --icmpv6-type 255"],
  ["-p icmpv6 --icmpv6-type 1/0", "-p ipv6-icmp -m icmp6 --icmpv6-type 1/0"],
  ["-p icmpv6 -m icmpv6 --icmpv6-type 2", "-p ipv6-icmp -m icmp6 --icmpv6-type 2"],
  ["-p icmpv6 -m icmp6 --icmpv6-type 2/0:5", "-p ipv6-icmp -m icmp6 --icmpv6-type 2/0"],
];

describe("icmp and icmp6: saved forms", () => {
  for (const [input, saved] of V4) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j ACCEPT`)).toBe(`-A INPUT ${saved} -j ACCEPT`);
    });
  }
  for (const [input, saved] of V6) {
    it(`IPv6: ${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j ACCEPT`, { family: 6 })).toBe(`-A INPUT ${saved} -j ACCEPT`);
    });
  }
});

describe("icmp and icmp6: model and bad input", () => {
  it("types keep the code range", () => {
    expect(typed("-A INPUT -p icmp ! --icmp-type destination-unreachable", "icmp")).toEqual({ module: "icmp", icmp: { type: 3, codeMin: 0, codeMax: 255 }, invert: true });
    expect(typed("-A INPUT -p icmpv6 --icmpv6-type 2/0:5", "icmp6", { family: 6 })).toEqual({ module: "icmp6", icmp: { type: 2, codeMin: 0, codeMax: 5 }, invert: false });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string, string?])[] = [
    ["-A INPUT -p icmp -m icmp --icmp-type echo -j ACCEPT", "echo -j", "bad-value", "ambiguous"],
    ["-A INPUT -p icmp -m icmp --icmp-type ttl -j ACCEPT", "ttl", "bad-value", "ambiguous"],
    ["-A INPUT -p icmp -m icmp --icmp-type 3/4/5 -j ACCEPT", "3/4/5", "bad-value"],
    ["-A INPUT -p icmp -m icmp --icmp-type 3:4 -j ACCEPT", "3:4", "bad-value", "range"],
    ["-A INPUT -p icmp -m icmp --icmp-type 256 -j ACCEPT", "256", "bad-value"],
    ["-A INPUT -p icmp -m icmp -j ACCEPT", "icmp -j", "missing-value"],
    ["-A INPUT -p tcp -m icmp --icmp-type 3 -j ACCEPT", "icmp --", "match-not-allowed"],
    ["-A INPUT -m icmp --icmp-type 3 -j ACCEPT", "icmp", "match-not-allowed"],
  ];
  for (const [rule, word, code, text] of bad) {
    it(`${rule} → ${code}`, () => {
      const e = errorsOf(rule)[0];
      expect(e).toMatchObject({ code, line, column: col(rule, word) });
      if (text) expect(e?.message).toContain(text);
    });
  }
  it("-m icmp6 is IPv6 only, -m icmp IPv4 only", () => {
    expect(errorsOf("-A INPUT -p icmpv6 -m icmp6 --icmpv6-type 1 -j ACCEPT")[0]?.code).toBe("family-mismatch");
    expect(errorsOf("-A INPUT -p icmp -m icmp --icmp-type 1 -j ACCEPT", { family: 6 })[0]?.code).toBe("family-mismatch");
  });
});

describe("icmp and icmp6: semantics", () => {
  const ping = makePacket({ proto: 1, icmpType: 8, icmpCode: 0, sport: 0, dport: 0 });
  const frag = makePacket({ proto: 1, icmpType: 3, icmpCode: 4 });
  it("type and code range; non-first fragments never match", () => {
    const t = testOf("-A INPUT -p icmp --icmp-type echo-request", "icmp").test;
    expect([t(ping), t(frag), t({ ...ping, fragment: true })]).toEqual([true, false, false]);
    const f = testOf("-A INPUT -p icmp --icmp-type fragmentation-needed", "icmp").test;
    expect([f(frag), f({ ...frag, icmpCode: 3 })]).toEqual([true, false]);
  });
  it("IPv4 type 255 is any type; negated any matches nothing", () => {
    expect(testOf("-A INPUT -p icmp --icmp-type any", "icmp").test(frag)).toBe(true);
    expect(testOf("-A INPUT -p icmp ! --icmp-type any", "icmp").test(frag)).toBe(false);
    expect(testOf("-A INPUT -p icmp ! --icmp-type 8", "icmp").test(frag)).toBe(true);
  });
  it("IPv6 type 255 is only type 255", () => {
    const ns = makePacket({ family: 6, proto: 58, icmpType: 135, icmpCode: 0 });
    expect(testOf("-A INPUT -p icmpv6 --icmpv6-type 255", "icmp6", { family: 6 }).test(ns)).toBe(false);
    expect(testOf("-A INPUT -p icmpv6 --icmpv6-type neighbor-solicitation", "icmp6", { family: 6 }).test(ns)).toBe(true);
    expect(testOf("-A INPUT -p icmpv6 ! --icmpv6-type 1", "icmp6", { family: 6 }).test(ns)).toBe(true);
  });
});
