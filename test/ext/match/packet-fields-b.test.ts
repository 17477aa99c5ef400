/**
 * ttl, hl, tos, dscp, ecn: typed forms, errors and semantics. Saved forms are checked against the
 * kernel (iptables-nft-save 1.8.9) in batch-b-forms.test.ts and fixtures/kernel-save/packet-fields.
 */
import { describe, expect, it } from "vitest";
import { TcpFlag } from "../../../src/sim/packet.js";
import { makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const M = { table: "mangle" } as const;
const M6 = { table: "mangle", family: 6 } as const;

describe("ttl", () => {
  it("types the comparison", () => {
    expect(typed("-A PREROUTING -m ttl ! --ttl-eq 64", "ttl", M)).toEqual({ module: "ttl", op: "eq", value: 64, invert: true });
    expect(typed("-A PREROUTING -m ttl --ttl-lt 5", "ttl", M)).toEqual({ module: "ttl", op: "lt", value: 5, invert: false });
  });
  it("prints as the kernel does", () => {
    expect(savedForm("-A PREROUTING -m ttl --ttl-gt 0x10", M)).toBe("-A PREROUTING -m ttl --ttl-gt 16");
  });
  it("refuses a bad value, two comparisons, a negated --ttl-lt, and IPv6", () => {
    const r = "-A PREROUTING -m ttl --ttl-eq 256";
    expect(errorsOf(r, M)[0]).toMatchObject({ code: "bad-value", line: firstRuleLine(M), column: col(r, "256") });
    const two = "-A PREROUTING -m ttl --ttl-eq 1 --ttl-lt 5";
    expect(errorsOf(two, M)[0]).toMatchObject({ line: firstRuleLine(M), column: col(two, "--ttl-lt") });
    const neg = "-A PREROUTING -m ttl ! --ttl-lt 5";
    expect(errorsOf(neg, M)[0]).toMatchObject({ code: "syntax", column: col(neg, "!") });
    expect(errorsOf("-A PREROUTING -m ttl --ttl-eq 1", M6)[0]?.code).toBe("family-mismatch");
  });
  it("compares the TTL", () => {
    const eq = testOf("-A PREROUTING -m ttl --ttl-eq 64", "ttl", M).test;
    expect(eq(makePacket({ ttl: 64 }))).toBe(true);
    expect(eq(makePacket({ ttl: 63 }))).toBe(false);
    const ne = testOf("-A PREROUTING -m ttl ! --ttl-eq 64", "ttl", M).test;
    expect(ne(makePacket({ ttl: 63 }))).toBe(true);
    const lt = testOf("-A PREROUTING -m ttl --ttl-lt 5", "ttl", M).test;
    expect([4, 5].map((t) => lt(makePacket({ ttl: t })))).toEqual([true, false]);
    const gt = testOf("-A PREROUTING -m ttl --ttl-gt 5", "ttl", M).test;
    expect([5, 6].map((t) => gt(makePacket({ ttl: t })))).toEqual([false, true]);
  });
});

describe("hl", () => {
  it("types, prints and tests the hop limit (IPv6 only)", () => {
    expect(typed("-A PREROUTING -m hl --hl-gt 2", "hl", M6)).toEqual({ module: "hl", op: "gt", value: 2, invert: false });
    expect(savedForm("-A PREROUTING -m hl ! --hl-eq 64", M6)).toBe("-A PREROUTING -m hl ! --hl-eq 64");
    const t = testOf("-A PREROUTING -m hl ! --hl-eq 64", "hl", M6).test;
    expect(t(makePacket({ family: 6, ttl: 64 }))).toBe(false);
    expect(t(makePacket({ family: 6, ttl: 1 }))).toBe(true);
    expect(errorsOf("-A PREROUTING -m hl --hl-eq 1", M)[0]?.code).toBe("family-mismatch");
  });
  it("reports a missing comparison at -m", () => {
    const r = "-A PREROUTING -m hl -j ACCEPT";
    expect(errorsOf(r, M6)[0]).toMatchObject({ code: "missing-value", column: col(r, "hl") });
  });
});

describe("tos", () => {
  it("takes names with mask 0x3f and numbers with mask 0xff", () => {
    expect(typed("-A PREROUTING -m tos --tos minimize-delay", "tos", M)).toEqual({ module: "tos", tos: { value: { value: 0x10, mask: 0x3f }, invert: false } });
    expect(typed("-A PREROUTING -m tos ! --tos 8", "tos", M)).toEqual({ module: "tos", tos: { value: { value: 8, mask: 0xff }, invert: true } });
    expect(savedForm("-A PREROUTING -m tos --tos Normal-Service", M)).toBe("-A PREROUTING -m tos --tos 0x00/0x3f");
  });
  it("refuses unknown names and values over 255", () => {
    const r = "-A PREROUTING -m tos --tos Fast";
    expect(errorsOf(r, M)[0]).toMatchObject({ code: "bad-value", line: firstRuleLine(M), column: col(r, "Fast") });
    expect(errorsOf("-A PREROUTING -m tos --tos 0x100", M)).toHaveLength(1);
  });
  it("tests the TOS byte under the mask", () => {
    const t = testOf("-A PREROUTING -m tos --tos Minimize-Delay", "tos", M).test;
    expect(t(makePacket({ tos: 0x10 }))).toBe(true);
    expect(t(makePacket({ tos: 0x12 }))).toBe(false);
    expect(t(makePacket({ tos: 0xd0 }))).toBe(true); // upper bits outside the 0x3f mask
    const n = testOf("-A PREROUTING -m tos ! --tos 0x10/0x10", "tos", M).test;
    expect(n(makePacket({ tos: 0x10 }))).toBe(false);
  });
});

describe("dscp", () => {
  it("stores classes as their code point", () => {
    expect(typed("-A PREROUTING -m dscp --dscp-class af41", "dscp", M)).toEqual({ module: "dscp", dscp: { value: 0x22, invert: false } });
    expect(savedForm("-A PREROUTING -m dscp ! --dscp-class EF", M)).toBe("-A PREROUTING -m dscp ! --dscp 0x2e");
  });
  it("refuses values over 63, unknown classes and both options", () => {
    const r = "-A PREROUTING -m dscp --dscp 64";
    expect(errorsOf(r, M)[0]).toMatchObject({ code: "bad-value", column: col(r, "64") });
    const c = "-A PREROUTING -m dscp --dscp-class XX1";
    expect(errorsOf(c, M)[0]).toMatchObject({ code: "bad-value", column: col(c, "XX1") });
    expect(errorsOf("-A PREROUTING -m dscp --dscp 1 --dscp-class EF", M)).toHaveLength(1);
  });
  it("tests the upper six bits of the TOS byte", () => {
    const t = testOf("-A PREROUTING -m dscp --dscp-class EF", "dscp", M).test;
    expect(t(makePacket({ tos: 0xb8 }))).toBe(true);
    expect(t(makePacket({ tos: 0xb9 }))).toBe(true); // ECN bits ignored
    expect(t(makePacket({ tos: 0 }))).toBe(false);
  });
});

describe("ecn", () => {
  it("types the three tests and prints ECE before CWR", () => {
    expect(typed("-A PREROUTING -p tcp -m ecn ! --ecn-tcp-cwr --ecn-ip-ect 2", "ecn", M)).toEqual({
      module: "ecn",
      tcpCwr: { value: true, invert: true },
      ipEct: { value: 2, invert: false },
    });
    expect(savedForm("-A PREROUTING -p tcp -m ecn --ecn-tcp-cwr --ecn-tcp-ece", M)).toBe("-A PREROUTING -p tcp -m ecn --ecn-tcp-ece --ecn-tcp-cwr");
  });
  it("refuses TCP bits without -p tcp and code points over 3", () => {
    const r = "-A PREROUTING -m ecn --ecn-tcp-ece";
    expect(errorsOf(r, M)[0]).toMatchObject({ code: "match-not-allowed", column: col(r, "--ecn-tcp-ece") });
    const v = "-A PREROUTING -m ecn --ecn-ip-ect 4";
    expect(errorsOf(v, M)[0]).toMatchObject({ code: "bad-value", column: col(v, "4", col(v, "--ecn-ip-ect")) });
  });
  it("tests the flags and the code point", () => {
    const t = testOf("-A PREROUTING -p tcp -m ecn --ecn-tcp-ece ! --ecn-tcp-cwr --ecn-ip-ect 1", "ecn", M).test;
    expect(t(makePacket({ tcpFlags: TcpFlag.ECE | TcpFlag.ACK, tos: 1 }))).toBe(true);
    expect(t(makePacket({ tcpFlags: TcpFlag.ECE | TcpFlag.CWR, tos: 1 }))).toBe(false);
    expect(t(makePacket({ tcpFlags: TcpFlag.ECE, tos: 3 }))).toBe(false);
    expect(t(makePacket({ proto: 17, tcpFlags: 0, tos: 1 }))).toBe(false);
    const ip = testOf("-A PREROUTING -m ecn --ecn-ip-ect 3", "ecn", M).test;
    expect(ip(makePacket({ proto: 17, tos: 0xbb }))).toBe(true);
  });
});
