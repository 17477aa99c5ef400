/**
 * -m addrtype. Saved forms checked against iptables-nft-save / ip6tables-nft-save 1.8.9 in a
 * network namespace; the IPv6 and hook refusals are the kernel's (xt_addrtype checkentry).
 */
import { describe, expect, it } from "vitest";
import type { SimEnv } from "../../../src/sim/env.js";
import { makeEnv, makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const UNICAST = 2;
const LOCAL = 4;
const BROADCAST = 8;

const KERNEL_FORMS: readonly (readonly [string, string, string])[] = [
  ["PREROUTING", "-m addrtype --dst-type LOCAL", "-m addrtype --dst-type LOCAL"],
  ["PREROUTING", "-m addrtype --src-type LOCAL,UNICAST", "-m addrtype --src-type UNICAST,LOCAL"],
  ["PREROUTING", "-m addrtype ! --dst-type BROADCAST", "-m addrtype ! --dst-type BROADCAST"],
  ["PREROUTING", "-m addrtype --dst-type MULTICAST,BROADCAST,ANYCAST", "-m addrtype --dst-type BROADCAST,ANYCAST,MULTICAST"],
  ["PREROUTING", "-m addrtype --src-type BLACKHOLE --dst-type UNREACHABLE", "-m addrtype --src-type BLACKHOLE --dst-type UNREACHABLE"],
  ["PREROUTING", "-m addrtype --dst-type LOCAL --limit-iface-in", "-m addrtype --dst-type LOCAL --limit-iface-in"],
  ["OUTPUT", "-m addrtype --src-type LOCAL --limit-iface-out", "-m addrtype --src-type LOCAL --limit-iface-out"],
  ["PREROUTING", "-m addrtype --dst-type UNSPEC,PROHIBIT,THROW,NAT,XRESOLVE", "-m addrtype --dst-type UNSPEC,PROHIBIT,THROW,NAT,XRESOLVE"],
  ["POSTROUTING", "-m addrtype ! --src-type LOCAL", "-m addrtype ! --src-type LOCAL"],
  ["PREROUTING", "-m addrtype --dst-type local", "-m addrtype --dst-type LOCAL"],
  ["PREROUTING", "-m addrtype --src-type U", "-m addrtype --src-type UNSPEC"],
  ["PREROUTING", "-m addrtype ! --src-type LOCAL ! --dst-type UNICAST", "-m addrtype ! --src-type LOCAL ! --dst-type UNICAST"],
];

describe("addrtype: saved forms", () => {
  for (const [chain, input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A ${chain} ${input} -j RETURN`, { table: "nat" })).toBe(`-A ${chain} ${saved} -j RETURN`);
    });
  }
  it("IPv6: the types the kernel allows, in bit order", () => {
    expect(savedForm("-A INPUT -m addrtype --dst-type LOCAL,MULTICAST,ANYCAST,UNSPEC,UNICAST,UNREACHABLE -j ACCEPT", { family: 6 })).toBe(
      "-A INPUT -m addrtype --dst-type UNSPEC,UNICAST,LOCAL,ANYCAST,MULTICAST,UNREACHABLE -j ACCEPT",
    );
  });
});

describe("addrtype: model and bad input", () => {
  it("types are XT_ADDRTYPE bits", () => {
    expect(typed("-A INPUT -m addrtype ! --src-type LOCAL,BROADCAST --dst-type UNICAST --limit-iface-in", "addrtype")).toEqual({
      module: "addrtype",
      src: { value: LOCAL | BROADCAST, invert: true },
      dst: { value: UNICAST, invert: false },
      limitIface: "in",
    });
  });
  const line = firstRuleLine();
  it("reports an unknown type at the list", () => {
    const rule = "-A INPUT -m addrtype --src-type LOCAL,FOO -j ACCEPT";
    expect(errorsOf(rule)[0]).toMatchObject({ code: "bad-value", line, column: col(rule, "LOCAL,FOO"), message: expect.stringContaining('"FOO"') });
  });
  it("needs --src-type or --dst-type", () => {
    expect(errorsOf("-A INPUT -m addrtype -j ACCEPT")[0]).toMatchObject({ code: "missing-value", line });
  });
  it("refuses both interface limits, and each in the hooks without that interface", () => {
    expect(errorsOf("-A FORWARD -m addrtype --dst-type LOCAL --limit-iface-in --limit-iface-out -j ACCEPT")[0]?.code).toBe("bad-value");
    const r1 = "-A INPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT";
    expect(errorsOf(r1)[0]).toMatchObject({ code: "match-not-allowed", column: col(r1, "--limit-iface-out") });
    expect(errorsOf("-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT")[0]?.code).toBe("match-not-allowed");
  });
  it("IPv6 refuses BROADCAST, BLACKHOLE and THROW", () => {
    for (const t of ["BROADCAST", "BLACKHOLE", "THROW"]) {
      const rule = `-A INPUT -m addrtype --dst-type ${t} -j ACCEPT`;
      expect(errorsOf(rule, { family: 6 })[0]).toMatchObject({ code: "bad-value", column: col(rule, t) });
    }
  });
});

describe("addrtype: semantics through env.host.addressType", () => {
  const LOCAL_ADDR = 0x0a000002;
  const env: SimEnv = {
    ...makeEnv(),
    host: {
      ...makeEnv().host,
      addressType: (_f, addr, iface) => {
        if (addr === LOCAL_ADDR) return iface === undefined || iface === "eth0" ? LOCAL : UNICAST;
        if (addr === 0xffffffff) return BROADCAST;
        return UNICAST;
      },
    },
  };
  it("--dst-type LOCAL asks the host about the destination", () => {
    const t = testOf("-A PREROUTING -m addrtype --dst-type LOCAL -j RETURN", "addrtype", { table: "nat" }, env).test;
    expect(t(makePacket({ dst: LOCAL_ADDR }))).toBe(true);
    expect(t(makePacket({ dst: 0x08080808 }))).toBe(false);
  });
  it("negation and both directions", () => {
    const t = testOf("-A INPUT -m addrtype ! --src-type LOCAL --dst-type LOCAL,BROADCAST", "addrtype", {}, env).test;
    expect(t(makePacket({ src: 0x01020304, dst: 0xffffffff }))).toBe(true);
    expect(t(makePacket({ src: LOCAL_ADDR, dst: 0xffffffff }))).toBe(false);
    expect(t(makePacket({ src: 0x01020304, dst: 0x01020305 }))).toBe(false);
  });
  it("--limit-iface-in passes the incoming interface", () => {
    const t = testOf("-A PREROUTING -m addrtype --dst-type LOCAL --limit-iface-in", "addrtype", { table: "nat" }, env).test;
    expect(t(makePacket({ dst: LOCAL_ADDR, inIface: "eth0" }))).toBe(true);
    expect(t(makePacket({ dst: LOCAL_ADDR, inIface: "eth1" }))).toBe(false);
  });
});
