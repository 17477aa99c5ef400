/**
 * -m length, -m pkttype and -m owner. Saved forms checked against iptables-nft-save 1.8.9 in a
 * network namespace; owner's hook refusal is the kernel's.
 */
import { describe, expect, it } from "vitest";
import { makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string, string])[] = [
  ["INPUT", "-m length --length 0:64", "-m length --length 0:64"],
  ["INPUT", "-m length --length 1500", "-m length --length 1500"],
  ["INPUT", "-m length ! --length 100:65535", "-m length ! --length 100:65535"],
  ["INPUT", "-m length --length 1000:", "-m length --length 1000:65535"],
  ["INPUT", "-m length --length :100", "-m length --length 0:100"],
  ["INPUT", "-m length --length 10:5", "-m length --length 10:5"],
  ["INPUT", "-m length --length 0x10", "-m length --length 16"],
  ["INPUT", "-m length --length 010", "-m length --length 8"],
  ["INPUT", "-m pkttype --pkt-type unicast", "-m pkttype --pkt-type unicast"],
  ["INPUT", "-m pkttype --pkt-type host", "-m pkttype --pkt-type unicast"],
  ["INPUT", "-m pkttype --pkt-type BROADCAST", "-m pkttype --pkt-type broadcast"],
  ["INPUT", "-m pkttype ! --pkt-type multicast", "-m pkttype ! --pkt-type multicast"],
  ["INPUT", "-m pkttype --pkt-type MCAST", "-m pkttype --pkt-type multicast"],
  ["INPUT", "-m pkttype --pkt-type otherhost", "-m pkttype --pkt-type otherhost"],
  ["OUTPUT", "-m owner --uid-owner 0", "-m owner --uid-owner 0"],
  ["OUTPUT", "-m owner --uid-owner 1000-2000", "-m owner --uid-owner 1000-2000"],
  ["OUTPUT", "-m owner --uid-owner 1:3", "-m owner --uid-owner 1-3"],
  ["OUTPUT", "-m owner --uid-owner 5-5", "-m owner --uid-owner 5"],
  ["OUTPUT", "-m owner --uid-owner 0x10", "-m owner --uid-owner 16"],
  ["OUTPUT", "-m owner --uid-owner 4294967294", "-m owner --uid-owner 4294967294"],
  ["OUTPUT", "-m owner ! --gid-owner 100", "-m owner ! --gid-owner 100"],
  ["OUTPUT", "-m owner --socket-exists", "-m owner --socket-exists"],
  ["OUTPUT", "-m owner --uid-owner 33 --gid-owner 33 --suppl-groups", "-m owner --uid-owner 33 --gid-owner 33 --suppl-groups"],
  ["OUTPUT", "-m owner ! --socket-exists", "-m owner ! --socket-exists"],
  ["OUTPUT", "-m owner --gid-owner 5 --uid-owner 4 ! --socket-exists", "-m owner ! --socket-exists --uid-owner 4 --gid-owner 5"],
  ["OUTPUT", "-m owner ! --uid-owner 5-9 ! --gid-owner 3-4", "-m owner ! --uid-owner 5-9 ! --gid-owner 3-4"],
  ["OUTPUT", "-m owner --uid-owner root", "-m owner --uid-owner 0"],
  ["OUTPUT", "-m owner --gid-owner root", "-m owner --gid-owner 0"],
];

describe("length, pkttype, owner: saved forms", () => {
  for (const [chain, input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A ${chain} ${input} -j ACCEPT`)).toBe(`-A ${chain} ${saved} -j ACCEPT`);
    });
  }
});

describe("length, pkttype, owner: model and bad input", () => {
  it("types", () => {
    expect(typed("-A INPUT -m length ! --length 100:", "length")).toEqual({ module: "length", length: { min: 100, max: 65535 }, invert: true });
    expect(typed("-A INPUT -m pkttype --pkt-type bcast", "pkttype")).toEqual({ module: "pkttype", pktType: 1, invert: false });
    expect(typed("-A OUTPUT -m owner ! --uid-owner 1000-2000 --gid-owner 5 --suppl-groups", "owner")).toEqual({
      module: "owner",
      uid: { value: { min: 1000, max: 2000 }, invert: true },
      gid: { value: { min: 5, max: 5 }, invert: false },
      supplGroups: true,
    });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string, string?])[] = [
    ["-A INPUT -m length --length 65536 -j ACCEPT", "65536", "bad-value"],
    ["-A INPUT -m length --length 1:2:3 -j ACCEPT", "1:2:3", "bad-value"],
    ["-A INPUT -m length -j ACCEPT", "length", "missing-value"],
    ["-A INPUT -m pkttype --pkt-type outgoing -j ACCEPT", "outgoing", "bad-value"],
    ["-A INPUT -m pkttype --pkt-type 1 -j ACCEPT", "1 -j", "bad-value"],
    ["-A INPUT -m owner --uid-owner 5 -j ACCEPT", "owner", "match-not-allowed"],
    ["-A OUTPUT -m owner --uid-owner 9-5 -j ACCEPT", "9-5", "bad-value", "reversed"],
    ["-A OUTPUT -m owner --gid-owner 4294967295 -j ACCEPT", "4294967295", "bad-value"],
    ["-A OUTPUT -m owner --uid-owner nobody -j ACCEPT", "nobody", "bad-value", "numeric id"],
    ["-A OUTPUT -m owner --suppl-groups --gid-owner 5 -j ACCEPT", "--suppl-groups", "bad-value"],
    ["-A OUTPUT -m owner --gid-owner 5 ! --suppl-groups -j ACCEPT", "!", "syntax"],
    ["-A OUTPUT -m owner -j ACCEPT", "owner", "missing-value"],
  ];
  for (const [rule, word, code, text] of bad) {
    it(`${rule} → ${code}`, () => {
      const e = errorsOf(rule)[0];
      expect(e).toMatchObject({ code, line, column: col(rule, word) });
      if (text) expect(e?.message).toContain(text);
    });
  }
});

describe("length, pkttype, owner: semantics", () => {
  it("length: inclusive range; reversed never matches", () => {
    const t = testOf("-A INPUT -m length --length 0:64", "length").test;
    expect([t(makePacket({ length: 64 })), t(makePacket({ length: 65 }))]).toEqual([true, false]);
    expect(testOf("-A INPUT -m length ! --length 1500", "length").test(makePacket({ length: 1500 }))).toBe(false);
    expect(testOf("-A INPUT -m length --length 10:5", "length").test(makePacket({ length: 7 }))).toBe(false);
  });
  it("pkttype compares the packet type", () => {
    const t = testOf("-A INPUT -m pkttype ! --pkt-type broadcast", "pkttype").test;
    expect([t(makePacket({ pktType: 0 })), t(makePacket({ pktType: 1 })), t(makePacket({ pktType: 2 }))]).toEqual([true, false, true]);
  });
  const mine = makePacket({ local: true, uid: 1000, gid: 100, hook: "OUTPUT" });
  const kernelReply = makePacket({ local: true, uid: -1, gid: -1, hook: "OUTPUT" });
  const forwarded = makePacket({ hook: "FORWARD" });
  it("owner: uid/gid ranges of the socket", () => {
    const t = testOf("-A OUTPUT -m owner --uid-owner 1000-2000 ! --gid-owner 0", "owner").test;
    expect([t(mine), t({ ...mine, uid: 999 }), t({ ...mine, gid: 0 })]).toEqual([true, false, false]);
  });
  it("owner: without a socket only all-negated options match (kernel: (match ^ invert) == 0)", () => {
    const neg = testOf("-A OUTPUT -m owner ! --uid-owner 0 ! --socket-exists", "owner").test;
    expect([neg(kernelReply), neg(forwarded), neg(mine)]).toEqual([true, true, false]);
    const pos = testOf("-A OUTPUT -m owner ! --uid-owner 0 --gid-owner 100", "owner").test;
    expect([pos(kernelReply), pos(mine)]).toEqual([false, true]);
    const exists = testOf("-A OUTPUT -m owner --socket-exists", "owner").test;
    expect([exists(mine), exists(kernelReply)]).toEqual([true, false]);
  });
  it("owner --suppl-groups: no socket never matches; supplementary groups are assumed empty", () => {
    const c = compiled("-A OUTPUT -m owner ! --gid-owner 5 --suppl-groups", "owner");
    expect(c).toMatchObject({ kind: "test", assumption: expect.stringContaining("supplementary") });
    if (c.kind === "test") expect([c.test(mine), c.test(kernelReply)]).toEqual([true, false]);
  });
});
