/**
 * -m iprange, -m mac and -m physdev. Saved forms checked against iptables-nft-save /
 * ip6tables-nft-save 1.8.9 in a network namespace; hook refusals are the kernel's.
 */
import { describe, expect, it } from "vitest";
import { makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string, string])[] = [
  ["INPUT", "-m iprange --src-range 10.0.0.1-10.0.0.100", "-m iprange --src-range 10.0.0.1-10.0.0.100"],
  ["INPUT", "-m iprange ! --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.1-10.0.1.1", "-m iprange ! --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.1-10.0.1.1"],
  ["INPUT", "-m iprange --src-range 1.2.3.4", "-m iprange --src-range 1.2.3.4-1.2.3.4"],
  ["INPUT", "-m iprange --src-range 10.0.0.5-10.0.0.1", "-m iprange --src-range 10.0.0.5-10.0.0.1"],
  ["INPUT", "-m iprange --dst-range 10.0.0.1-10.0.0.5 --src-range 10.0.0.1-10.0.0.9", "-m iprange --src-range 10.0.0.1-10.0.0.9 --dst-range 10.0.0.1-10.0.0.5"],
  ["INPUT", "-m mac --mac-source 00:11:22:33:44:55", "-m mac --mac-source 00:11:22:33:44:55"],
  ["INPUT", "-m mac ! --mac-source AA:BB:CC:DD:EE:FF", "-m mac ! --mac-source aa:bb:cc:dd:ee:ff"],
  ["INPUT", "-m mac --mac-source 0:1:2:3:4:5", "-m mac --mac-source 00:01:02:03:04:05"],
  ["FORWARD", "-m physdev --physdev-in veth1", "-m physdev --physdev-in veth1"],
  ["FORWARD", "-m physdev --physdev-out veth+ --physdev-is-bridged", "-m physdev --physdev-out veth+ --physdev-is-bridged"],
  ["FORWARD", "-m physdev ! --physdev-is-in", "-m physdev ! --physdev-is-in"],
  ["FORWARD", "-m physdev --physdev-is-out ! --physdev-is-bridged", "-m physdev --physdev-is-out ! --physdev-is-bridged"],
  ["FORWARD", "-m physdev ! --physdev-in eth0 ! --physdev-out eth1", "-m physdev ! --physdev-in eth0 ! --physdev-out eth1"],
  [
    "INPUT",
    "-m physdev --physdev-is-bridged --physdev-out o1 --physdev-in i1 --physdev-is-out --physdev-is-in",
    "-m physdev --physdev-is-in --physdev-in i1 --physdev-is-out --physdev-out o1 --physdev-is-bridged",
  ],
  ["INPUT", "-m physdev --physdev-in abcdefghijklmno", "-m physdev --physdev-in abcdefghijklmno"],
  ["INPUT", "-m physdev --physdev-in +", "-m physdev --physdev-in +"],
];

describe("iprange, mac, physdev: saved forms", () => {
  for (const [chain, input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A ${chain} ${input} -j ACCEPT`)).toBe(`-A ${chain} ${saved} -j ACCEPT`);
    });
  }
  it("IPv6 ranges print as inet_ntop does", () => {
    expect(savedForm("-A INPUT -m iprange ! --dst-range 2001:DB8:0:0::5 -j ACCEPT", { family: 6 })).toBe("-A INPUT -m iprange ! --dst-range 2001:db8::5-2001:db8::5 -j ACCEPT");
    expect(savedForm("-A INPUT -m iprange --src-range 2001:db8::1-2001:db8::ff -j ACCEPT", { family: 6 })).toBe("-A INPUT -m iprange --src-range 2001:db8::1-2001:db8::ff -j ACCEPT");
  });
});

describe("iprange, mac, physdev: model and bad input", () => {
  it("types", () => {
    expect(typed("-A INPUT -m iprange ! --src-range 10.0.0.1-10.0.0.5", "iprange")).toEqual({ module: "iprange", src: { value: { from: 0x0a000001, to: 0x0a000005 }, invert: true } });
    expect(typed("-A INPUT -m mac --mac-source AA:bb:0:1:2:3", "mac")).toEqual({ module: "mac", mac: "aa:bb:00:01:02:03", invert: false });
    expect(typed("-A FORWARD -m physdev ! --physdev-out eth+ --physdev-is-bridged", "physdev")).toEqual({
      module: "physdev",
      out: { value: "eth+", invert: true },
      isBridged: { value: true, invert: false },
    });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -m iprange --src-range 1.2.3.4-1.2.3.5-1.2.3.6 -j ACCEPT", "1.2.3.4-", "bad-address"],
    ["-A INPUT -m iprange --src-range 10.0.0.1- -j ACCEPT", "10.0.0.1-", "bad-address"],
    ["-A INPUT -m iprange -j ACCEPT", "iprange", "missing-value"],
    ["-A INPUT -m mac --mac-source 00:11:22:33:44 -j ACCEPT", "00:11", "bad-value"],
    ["-A INPUT -m mac --mac-source 0011.2233.4455 -j ACCEPT", "0011", "bad-value"],
    ["-A OUTPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT", "mac", "match-not-allowed"],
    ["-A INPUT -m physdev --physdev-in abcdefghijklmnop -j ACCEPT", "abcdefghijklmnop", "bad-interface"],
    ["-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT", "physdev", "match-not-allowed"],
    ["-A INPUT -m physdev -j ACCEPT", "physdev", "missing-value"],
  ];
  for (const [rule, word, code] of bad) {
    it(`${rule} → ${code}`, () => {
      expect(errorsOf(rule)[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
  it("--physdev-out in OUTPUT is allowed with --physdev-is-bridged", () => {
    expect(errorsOf("-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT")).toEqual([]);
  });
});

describe("iprange, mac, physdev: semantics", () => {
  it("iprange: inclusive; a reversed range never matches; IPv6", () => {
    const t = testOf("-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.0-10.0.1.255", "iprange").test;
    expect(t(makePacket({ src: 0x0a000005, dst: 0x0a000002 }))).toBe(true);
    expect(t(makePacket({ src: 0x0a000006, dst: 0x0a000002 }))).toBe(false);
    expect(t(makePacket({ src: 0x0a000001, dst: 0x0a000101 }))).toBe(false);
    expect(testOf("-A INPUT -m iprange --src-range 10.0.0.5-10.0.0.1", "iprange").test(makePacket({ src: 0x0a000003 }))).toBe(false);
    const six = testOf("-A INPUT -m iprange --src-range 2001:db8::1-2001:db8::ff", "iprange", { family: 6 }).test;
    expect(six(makePacket({ family: 6 }))).toBe(true);
    expect(six(makePacket({ family: 6, src: 0x20010db8000000000000000000000100n }))).toBe(false);
  });
  it("mac: compares the source MAC; none known never matches", () => {
    const t = testOf("-A INPUT -m mac ! --mac-source 00:11:22:33:44:55", "mac").test;
    expect(t(makePacket({ srcMac: "00:11:22:33:44:55" }))).toBe(false);
    expect(t(makePacket({ srcMac: "00:11:22:33:44:56" }))).toBe(true);
    expect(t(makePacket({ srcMac: "" }))).toBe(false);
    expect(testOf("-A INPUT -m mac --mac-source 00:11:22:33:44:AA", "mac").test(makePacket({ srcMac: "00:11:22:33:44:AA" }))).toBe(true);
  });
  it("physdev: ports and the + wildcard", () => {
    const bridged = makePacket({ bridged: true, physIn: "veth1", physOut: "veth2" });
    const t = testOf("-A FORWARD -m physdev --physdev-in veth1 --physdev-out veth+ --physdev-is-bridged", "physdev").test;
    expect(t(bridged)).toBe(true);
    expect(t({ ...bridged, physOut: "eth0" })).toBe(false);
    expect(t({ ...bridged, physIn: "veth10" })).toBe(false);
    expect(t({ ...bridged, physOut: "" })).toBe(false);
  });
  it("physdev: a packet that is not bridged matches only when every option is negated", () => {
    const plain = makePacket();
    expect(testOf("-A FORWARD -m physdev ! --physdev-is-bridged", "physdev").test(plain)).toBe(true);
    expect(testOf("-A FORWARD -m physdev ! --physdev-in eth0 ! --physdev-is-in", "physdev").test(plain)).toBe(true);
    expect(testOf("-A FORWARD -m physdev ! --physdev-in eth0 --physdev-is-in", "physdev").test(plain)).toBe(false);
  });
  it("physdev: --physdev-is-in/out and negations on bridged packets", () => {
    const toHost = makePacket({ bridged: true, physIn: "veth1", physOut: "" });
    expect(testOf("-A INPUT -m physdev --physdev-is-in ! --physdev-is-out", "physdev").test(toHost)).toBe(true);
    expect(testOf("-A INPUT -m physdev ! --physdev-is-bridged", "physdev").test(toHost)).toBe(true);
    expect(testOf("-A INPUT -m physdev ! --physdev-in veth1", "physdev").test(toHost)).toBe(false);
    // kernel: with no output port the name compared is "", so ! --physdev-out X matches
    expect(testOf("-A FORWARD -m physdev ! --physdev-out veth2", "physdev").test(toHost)).toBe(true);
  });
});
