import { describe, expect, it } from "vitest";
import { parseIpsetSave } from "../../src/ipset/parse.js";
import { parseIp } from "../../src/net/ip.js";
import type { PacketState } from "../../src/sim/packet.js";

/** A packet with only the fields the set tests read. */
function pkt(over: Partial<PacketState> & { s?: string; d?: string }): PacketState {
  const family = over.family ?? 4;
  return {
    family, proto: 6, sport: 40000, dport: 80, tcpFlags: 2, icmpType: -1, icmpCode: -1,
    inIface: "eth0", outIface: "", physIn: "", physOut: "", bridged: false, srcMac: "", mark: 0,
    ...over,
    src: parseIp(over.s ?? "192.0.2.100", family)!,
    dst: parseIp(over.d ?? "198.51.100.1", family)!,
  } as PacketState;
}

// Recorded with ipset v7.17 (`ipset save` in a test namespace).
const SAVED = `create a hash:ip family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0x72c34822
add a 198.51.100.8
add a 198.51.100.7 comment "bad guy"
create n hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xe7688542
add n 10.1.0.0/16 nomatch
add n 10.0.0.0/8
create ip hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x556d3c14
add ip 192.0.2.1,icmp:echo-request
add ip 192.0.2.1,udp:53
add ip 192.0.2.1,tcp:80
add ip 192.0.2.1,icmp:fragmentation-needed
create np hash:net,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x7edb1230
add np 192.0.2.0/24,tcp:443
create bp bitmap:port range 0-1024
add bp 22
add bp 80
create ni hash:net,iface family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x640a36ab
add ni 192.0.2.0/24,eth0
create m hash:ip family inet hashsize 1024 maxelem 65536 netmask 24 bucketsize 12 initval 0xde195b3a
add m 198.51.100.0
create t hash:ip family inet hashsize 1024 maxelem 65536 timeout 300 counters bucketsize 12 initval 0x7a914743
add t 192.0.2.9 timeout 99 packets 5 bytes 300
create six hash:net family inet6 hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5d4b8215
add six 2001:db8::/32
create l list:set size 8
add l a
add l n
`;

describe("parseIpsetSave", () => {
  const { sets, issues } = parseIpsetSave(SAVED);
  it("reads real ipset save output without issues", () => {
    expect(issues).toEqual([]);
    expect([...sets.keys()]).toEqual(["a", "n", "ip", "np", "bp", "ni", "m", "t", "six", "l"]);
  });
  it("hash:ip tests the chosen direction", () => {
    expect(sets.get("a")!.test(pkt({ s: "198.51.100.7" }), ["src"])).toBe(true);
    expect(sets.get("a")!.test(pkt({ s: "198.51.100.7" }), ["dst"])).toBe(false);
    expect(sets.get("t")!.test(pkt({ d: "192.0.2.9" }), ["dst"])).toBe(true);
  });
  it("hash:ip netmask masks the packet address", () => {
    expect(sets.get("m")!.test(pkt({ d: "198.51.100.200" }), ["dst"])).toBe(true);
    expect(sets.get("m")!.test(pkt({ d: "198.51.101.1" }), ["dst"])).toBe(false);
  });
  it("hash:net honours nomatch in a more specific entry", () => {
    expect(sets.get("n")!.test(pkt({ s: "10.2.3.4" }), ["src"])).toBe(true);
    expect(sets.get("n")!.test(pkt({ s: "10.1.3.4" }), ["src"])).toBe(false);
  });
  it("ip,port needs the protocol and the direction's port; ICMP by type/code", () => {
    const s = sets.get("ip")!;
    expect(s.test(pkt({ d: "192.0.2.1", dport: 80 }), ["dst", "dst"])).toBe(true);
    expect(s.test(pkt({ d: "192.0.2.1", dport: 80, proto: 17 }), ["dst", "dst"])).toBe(false);
    expect(s.test(pkt({ d: "192.0.2.1", dport: 80 }), ["dst"])).toBe(false); // fewer dirs than dimensions
    expect(s.test(pkt({ d: "192.0.2.1", proto: 1, icmpType: 8, icmpCode: 0 }), ["dst", "dst"])).toBe(true);
    expect(s.test(pkt({ d: "192.0.2.1", proto: 1, icmpType: 3, icmpCode: 4 }), ["dst", "dst"])).toBe(true);
    expect(s.test(pkt({ d: "192.0.2.1", proto: 1, icmpType: 0, icmpCode: 0 }), ["dst", "dst"])).toBe(false);
  });
  it("net,port, bitmap:port, net,iface", () => {
    expect(sets.get("np")!.test(pkt({ d: "192.0.2.77", dport: 443 }), ["dst", "dst"])).toBe(true);
    expect(sets.get("bp")!.test(pkt({ dport: 22 }), ["dst"])).toBe(true);
    expect(sets.get("bp")!.test(pkt({ dport: 23 }), ["dst"])).toBe(false);
    expect(sets.get("ni")!.test(pkt({ s: "192.0.2.3", inIface: "eth0" }), ["src", "src"])).toBe(true);
    expect(sets.get("ni")!.test(pkt({ s: "192.0.2.3", inIface: "eth1" }), ["src", "src"])).toBe(false);
  });
  it("IPv6 sets test IPv6 packets only", () => {
    expect(sets.get("six")!.test(pkt({ family: 6, s: "2001:db8::5", d: "2001:db8::6" }), ["src"])).toBe(true);
    expect(sets.get("six")!.test(pkt({ s: "192.0.2.1" }), ["src"])).toBe(false);
  });
  it("list:set matches when a member does", () => {
    expect(sets.get("l")!.test(pkt({ s: "198.51.100.8" }), ["src"])).toBe(true);
    expect(sets.get("l")!.test(pkt({ s: "10.9.9.9" }), ["src"])).toBe(true);
    expect(sets.get("l")!.test(pkt({ s: "192.0.2.200" }), ["src"])).toBe(false);
  });
  it("reports bad lines with line and column, and never throws", () => {
    const r = parseIpsetSave("create a hash:ip\nadd a 300.1.1.1\nadd b 1.2.3.4\ncreate x hash:foo\nflush\n", { source: "s.ipset" });
    expect(r.issues.map((i) => [i.severity, i.code, i.line, i.column])).toEqual([
      ["error", "bad-element", 2, 7],
      ["error", "unknown-set", 3, 5],
      ["warning", "unsupported-set-type", 4, 10],
      ["warning", "unknown-command", 5, 1],
    ]);
    expect(r.issues[0].source).toBe("s.ipset");
    expect(r.sets.get("x")!.test(pkt({}), ["src"])).toBe(false);
  });
});
