/** REJECT: reply types for IPv4 and IPv6, prefix resolution, -p tcp for tcp-reset, filter-only, semantics. */
import { describe, expect, it } from "vitest";
import { reject, type RejectTarget } from "../../../src/ext/target/reject.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace: input to `iptables -A`, what iptables-save printed.
const KERNEL_FORMS: readonly [4 | 6, string, string][] = [
  [4, "-A INPUT -j REJECT", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-net-unreachable", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-host-unreachable", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-proto-unreachable", "-A INPUT -j REJECT --reject-with icmp-proto-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-net-prohibited", "-A INPUT -j REJECT --reject-with icmp-net-prohibited"],
  [4, "-A INPUT -j REJECT --reject-with icmp-host-prohibited", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
  [4, "-A INPUT -j REJECT --reject-with icmp-admin-prohibited", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited"],
  [4, "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  [4, "-A INPUT -p tcp -j REJECT --reject-with tcp-rst", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  [4, "-A INPUT -p tcp -j REJECT --reject-with tcp", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  [4, "-A INPUT -j REJECT --reject-with net-unreach", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with host-unreach", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-port", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-h", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with icmp-", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  [4, "-A INPUT -j REJECT --reject-with ICMP-HOST-PROHIBITED", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
  [4, "-A INPUT -j REJECT --reject-with host-prohib", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
  [4, "-A INPUT -j REJECT --reject-with admin-prohib", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited"],
  [4, "-A USR -j REJECT", "-A USR -j REJECT --reject-with icmp-port-unreachable"],
  [6, "-A INPUT -j REJECT", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
  [6, "-A INPUT -j REJECT --reject-with icmp6-no-route", "-A INPUT -j REJECT --reject-with icmp6-no-route"],
  [6, "-A INPUT -j REJECT --reject-with no-route", "-A INPUT -j REJECT --reject-with icmp6-no-route"],
  [6, "-A INPUT -j REJECT --reject-with adm-prohibited", "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited"],
  [6, "-A INPUT -j REJECT --reject-with addr-unreach", "-A INPUT -j REJECT --reject-with icmp6-addr-unreachable"],
  [6, "-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
  [6, "-A INPUT -j REJECT --reject-with policy-fail", "-A INPUT -j REJECT --reject-with icmp6-policy-fail"],
  [6, "-A INPUT -j REJECT --reject-with reject-route", "-A INPUT -j REJECT --reject-with icmp6-reject-route"],
  [6, "-A INPUT -j REJECT --reject-with icmp6-", "-A INPUT -j REJECT --reject-with icmp6-no-route"],
  [6, "-A INPUT -p tcp -j REJECT --reject-with tcp", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
];

describe("REJECT: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("IPv%s %s", (family, input, saved) => {
    const r = parseRules("filter", [input], family);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([saved]);
  });
  it("the typed form holds the resolved type", () => {
    expect(parseRules("filter", ["-A INPUT -j REJECT --reject-with host-prohib"]).targets[0]).toEqual({ name: "REJECT", with: "icmp-host-prohibited" } satisfies RejectTarget);
  });
});

describe("REJECT: refused input", () => {
  const line = firstRuleLine("filter");
  it.each([
    [4, "-A INPUT -j REJECT --reject-with tcp-reset", "tcp-reset"],
    [4, "-A INPUT -p udp -j REJECT --reject-with tcp-reset", "tcp-reset"],
    [4, "-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset", "tcp-reset"],
    [4, "-A INPUT -j REJECT --reject-with echo-reply", "echo-reply"],
    [4, "-A INPUT -j REJECT --reject-with icmp6-port-unreachable", "icmp6-port-unreachable"],
    [4, "-A INPUT -j REJECT --reject-with bogus", "bogus"],
    [6, "-A INPUT -j REJECT --reject-with icmp-port-unreachable", "icmp-port-unreachable"],
    [6, "-A INPUT -j REJECT --reject-with tcp-reset", "tcp-reset"],
  ] as const)("IPv%s %s", (family, input, word) => {
    const r = parseRules("filter", [input], family);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([["bad-value", line, input.indexOf(word) + 1]]);
  });
  it.each([
    ["mangle", "-A INPUT -j REJECT"],
    ["mangle", "-A PREROUTING -j REJECT"],
    ["raw", "-A PREROUTING -j REJECT"],
    ["security", "-A INPUT -j REJECT"],
    ["nat", "-A PREROUTING -j REJECT"],
  ] as const)("%s: %s is refused (ipt_REJECT: table filter)", (table, input) => {
    const r = parseRules(table, [input]);
    expect(r.errors.map((i) => [i.code, i.line])).toEqual([["target-not-allowed", firstRuleLine(table)]]);
  });
});

describe("REJECT: semantics", () => {
  it("returns REJECT and notes the reply", () => {
    const t = parseRules("filter", ["-A INPUT -p tcp -j REJECT --reject-with tcp-reset"]).targets[0] as RejectTarget;
    const c = reject.compile(t, makeEnv());
    const w = new RecordingWalk();
    expect(c.kind).toBe("effect");
    if (c.kind !== "effect") return;
    expect(c.apply(makePacket(), w)).toBe("REJECT");
    expect(w.notes).toEqual(["REJECT: answers with a TCP reset"]);
    const t2 = parseRules("filter", ["-A INPUT -j REJECT"]).targets[0] as RejectTarget;
    const c2 = reject.compile(t2, makeEnv());
    const w2 = new RecordingWalk();
    if (c2.kind === "effect") c2.apply(makePacket(), w2);
    expect(w2.notes).toEqual(["REJECT: answers with ICMP icmp-port-unreachable"]);
  });
});
