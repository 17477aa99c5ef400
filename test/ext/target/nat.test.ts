/** DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP: options, canonical print, table/hook checks, semantics. */
import { describe, expect, it } from "vitest";
import { dnat, type DnatTarget } from "../../../src/ext/target/dnat.js";
import { snat, type SnatTarget } from "../../../src/ext/target/snat.js";
import { masquerade, type MasqueradeTarget } from "../../../src/ext/target/masquerade.js";
import { redirect, type RedirectTarget } from "../../../src/ext/target/redirect.js";
import { netmap, type NetmapTarget } from "../../../src/ext/target/netmap.js";
import type { CompiledTarget } from "../../../src/ext/types.js";
import type { SimEnv } from "../../../src/sim/env.js";
import type { PacketState } from "../../../src/sim/packet.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

function run(c: CompiledTarget, p: PacketState): { verdict: string; w: RecordingWalk } {
  const w = new RecordingWalk();
  if (c.kind !== "effect") throw new Error(`expected an effect, got ${c.kind}`);
  return { verdict: c.apply(p, w), w };
}

// Every pair below was checked against iptables-nft-save 1.8.9 in a network namespace:
// the left side given to `iptables -t nat -A`, the right side what iptables-save printed.
const KERNEL_FORMS: readonly [4 | 6, string, string][] = [
  [4, "-A PREROUTING -j DNAT --to-destination 1.2.3.4", "-A PREROUTING -j DNAT --to-destination 1.2.3.4"],
  [4, "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80"],
  [4, "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90"],
  [4, "-A PREROUTING -p tcp -j DNAT --to-destination :80", "-A PREROUTING -p tcp -j DNAT --to-destination :80"],
  [4, "-A PREROUTING -p tcp -j DNAT --to 1.2.3.4 --random --persistent", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4 --random --persistent"],
  [4, "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/85", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/85"],
  [4, "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:http", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80"],
  [4, "-A OUTPUT -j DNAT --to-destination 1.2.3.4", "-A OUTPUT -j DNAT --to-destination 1.2.3.4"],
  [4, "-A USR -j DNAT --to-destination 1.2.3.4", "-A USR -j DNAT --to-destination 1.2.3.4"],
  [6, "-A PREROUTING -j DNAT --to-destination 2001:db8::1", "-A PREROUTING -j DNAT --to-destination 2001:db8::1"],
  [6, "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80", "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80"],
  [6, "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80-81", "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80-81"],
  [6, "-A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::5", "-A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::5"],
  [6, "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1-2001:db8::5]:80", "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1-2001:db8::5]:80"],
  [6, "-A PREROUTING -j DNAT --to-destination [2001:db8::1]", "-A PREROUTING -j DNAT --to-destination 2001:db8::1"],
  [4, "-A POSTROUTING -j SNAT --to-source 1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4"],
  [4, "-A POSTROUTING -j SNAT --to 1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4"],
  [4, "-A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4:1024-2048 --random-fully", "-A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4:1024-2048 --random-fully"],
  [4, "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --persistent --random-fully --random", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --random-fully --persistent"],
  [4, "-A POSTROUTING -p icmp -j SNAT --to-source 1.2.3.4:5", "-A POSTROUTING -p icmp -j SNAT --to-source 1.2.3.4:5"],
  [4, "-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.1", "-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.1"],
  [4, "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80-90/85", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80-90/0"],
  [4, "-A INPUT -j SNAT --to-source 1.2.3.4", "-A INPUT -j SNAT --to-source 1.2.3.4"],
  [6, "-A POSTROUTING -j SNAT --to-source 2001:db8::1", "-A POSTROUTING -j SNAT --to-source 2001:db8::1"],
  [4, "-A POSTROUTING -j MASQUERADE", "-A POSTROUTING -j MASQUERADE"],
  [4, "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000"],
  [4, "-A POSTROUTING -p tcp -j MASQUERADE --to-ports http", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 80"],
  [4, "-A POSTROUTING -j MASQUERADE --random-fully --random", "-A POSTROUTING -j MASQUERADE --random --random-fully"],
  [6, "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random"],
  [4, "-A PREROUTING -j REDIRECT", "-A PREROUTING -j REDIRECT"],
  [4, "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090 --random", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090 --random"],
  [4, "-A OUTPUT -p tcp -j REDIRECT --to-port 8080", "-A OUTPUT -p tcp -j REDIRECT --to-ports 8080"],
  [6, "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080"],
  [4, "-A PREROUTING -j NETMAP --to 10.0.0.0/24", "-A PREROUTING -j NETMAP --to 10.0.0.0/24"],
  [4, "-A INPUT -j NETMAP --to 10.0.0.0/24", "-A INPUT -j NETMAP --to 10.0.0.0/24"],
  [4, "-A OUTPUT -j NETMAP --to 10.0.0.1/255.255.255.0", "-A OUTPUT -j NETMAP --to 10.0.0.0/24"],
  [4, "-A PREROUTING -j NETMAP --to 10.0.0.5", "-A PREROUTING -j NETMAP --to 10.0.0.5/32"],
  [6, "-A PREROUTING -j NETMAP --to 2001:db8::/64", "-A PREROUTING -j NETMAP --to 2001:db8::/64"],
];

describe("NAT targets: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("IPv%s %s", (family, input, saved) => {
    const r = parseRules("nat", [input], family);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([saved]);
  });
});

describe("NAT targets: typed model", () => {
  it("DNAT keeps addresses, ports, base port and flags", () => {
    const r = parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90/85 --random"]);
    expect(r.targets[0]).toEqual({ name: "DNAT", to: { addrs: { min: 0x01020304, max: 0x01020309 }, ports: { min: 80, max: 90 }, basePort: 85 }, random: true, persistent: false } satisfies DnatTarget);
  });
  it("SNAT for IPv6 holds bigints", () => {
    const r = parseRules("nat", ["-A POSTROUTING -j SNAT --to-source 2001:db8::1"], 6);
    const t = r.targets[0] as SnatTarget;
    expect(t.to.addrs).toEqual({ min: 0x20010db8000000000000000000000001n, max: 0x20010db8000000000000000000000001n });
  });
  it("MASQUERADE and REDIRECT keep their port ranges", () => {
    const m = parseRules("nat", ["-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000"]).targets[0] as MasqueradeTarget;
    expect(m.ports).toEqual({ min: 1000, max: 2000 });
    const d = parseRules("nat", ["-A PREROUTING -p tcp -j REDIRECT --to-ports 8080"]).targets[0] as RedirectTarget;
    expect(d).toEqual({ name: "REDIRECT", ports: { min: 8080, max: 8080 }, random: false });
  });
  it("NETMAP keeps the masked network", () => {
    const t = parseRules("nat", ["-A PREROUTING -j NETMAP --to 10.0.0.9/24"]).targets[0] as NetmapTarget;
    expect(t.to).toEqual({ family: 4, addr: 0x0a000000, mask: 0xffffff00 });
  });
});

describe("NAT targets: refused input (the kernel or iptables 1.8.9 refused each of these)", () => {
  const line = firstRuleLine("nat");
  // the third column is the word the issue must point at
  it.each([
    ["-A PREROUTING -j DNAT --to-destination 1.2.3.4:80", "bad-value", "1.2.3.4:80"],
    ["-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80/90", "bad-address", "1.2.3.4:80/90"],
    ["-A PREROUTING -j DNAT", "missing-value", "DNAT"],
    ["-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4 --to-destination 1.2.3.5", "duplicate-option", "--to-destination 1.2.3.5"],
    ["-A POSTROUTING -j SNAT --to-source 1.2.3.4/24", "bad-address", "1.2.3.4/24"],
    ["-A POSTROUTING -p sctp -j SNAT --to-source 1.2.3.4:5-3", "bad-address", "1.2.3.4:5-3"],
    ["-A POSTROUTING -p udplite -j SNAT --to-source 1.2.3.4:5", "bad-value", "1.2.3.4:5"],
    ["-A POSTROUTING -j MASQUERADE --to-ports 1000", "bad-value", "1000"],
    ["-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000:2000", "bad-port", "1000:2000"],
    ["-A PREROUTING -p tcp -j REDIRECT --to-ports 80-90/85", "bad-port", "80-90/85"],
    ["-A PREROUTING -j NETMAP --to banana", "bad-address", "banana"],
  ])("%s → %s", (input, code, word) => {
    const r = parseRules("nat", [input]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, line, input.indexOf(word) + 1]]);
    expect(r.errors[0].message.length).toBeGreaterThan(10);
  });
  it("IPv6 ports need brackets and tcp/udp/sctp/dccp", () => {
    expect(parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]-[2001:db8::5]:80-81"], 6).errors).toHaveLength(1);
    expect(parseRules("nat", ["-A PREROUTING -p icmpv6 -j DNAT --to-destination [2001:db8::1]:80"], 6).errors).toHaveLength(1);
  });
  it.each([
    ["nat", "-A INPUT -j DNAT --to-destination 1.2.3.4"],
    ["nat", "-A POSTROUTING -j DNAT --to-destination 1.2.3.4"],
    ["filter", "-A INPUT -j DNAT --to-destination 1.2.3.4"],
    ["nat", "-A OUTPUT -j SNAT --to-source 1.2.3.4"],
    ["nat", "-A PREROUTING -j SNAT --to-source 1.2.3.4"],
    ["nat", "-A PREROUTING -j MASQUERADE"],
    ["nat", "-A INPUT -j MASQUERADE"],
    ["nat", "-A POSTROUTING -p tcp -j REDIRECT --to-ports 8080"],
    ["mangle", "-A PREROUTING -j NETMAP --to 10.0.0.0/8"],
  ] as const)("%s: %s is refused where the kernel refuses it", (table, input) => {
    const r = parseRules(table, [input]);
    expect(r.errors.map((i) => [i.code, i.line])).toEqual([["target-not-allowed", firstRuleLine(table)]]);
  });
  it("a user chain reached from INPUT cannot DNAT", () => {
    const r = parseRules("nat", ["-A INPUT -j USR", "-A USR -j DNAT --to-destination 1.2.3.4"]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([["target-not-allowed", firstRuleLine("nat") + 1, 11]]);
  });
});

describe("NAT targets: semantics", () => {
  const env = makeEnv();
  const natPacket = (over: Partial<PacketState> = {}): PacketState => makePacket({ table: "nat", hook: "PREROUTING", ...over });
  it("DNAT to one address and port", () => {
    const t = parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination 192.0.2.7:8080"]).targets[0] as DnatTarget;
    const { verdict, w } = run(dnat.compile(t, env), natPacket());
    expect(verdict).toBe("ACCEPT");
    expect(w.nats).toEqual([{ kind: "DNAT", addr: 0xc0000207, port: 8080 }]);
    expect(w.notes).toEqual([]);
  });
  it("DNAT to a range takes the first address and port and says so", () => {
    const t = parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination 192.0.2.7-192.0.2.9:8080-8090"]).targets[0] as DnatTarget;
    const { w } = run(dnat.compile(t, env), natPacket());
    expect(w.nats).toEqual([{ kind: "DNAT", addr: 0xc0000207, port: 8080 }]);
    expect(w.notes[0]).toMatch(/192\.0\.2\.7 of 192\.0\.2\.7-192\.0\.2\.9 and port 8080 of 8080-8090/);
  });
  it("DNAT with only a port keeps the address; a shifted map keeps the offset", () => {
    const t1 = parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination :8080"]).targets[0] as DnatTarget;
    expect(run(dnat.compile(t1, env), natPacket()).w.nats).toEqual([{ kind: "DNAT", port: 8080 }]);
    const t2 = parseRules("nat", ["-A PREROUTING -p tcp -j DNAT --to-destination 192.0.2.7:1000-1999/80"]).targets[0] as DnatTarget;
    expect(run(dnat.compile(t2, env), natPacket({ dport: 85 })).w.nats).toEqual([{ kind: "DNAT", addr: 0xc0000207, port: 1005 }]);
  });
  it("SNAT keeps a source port already in the range (nf_nat_get_unique_tuple)", () => {
    const t = parseRules("nat", ["-A POSTROUTING -p tcp -j SNAT --to-source 198.51.100.1:1024-65535"]).targets[0] as SnatTarget;
    const { verdict, w } = run(snat.compile(t, env), natPacket({ hook: "POSTROUTING", sport: 40000 }));
    expect(verdict).toBe("ACCEPT");
    expect(w.nats).toEqual([{ kind: "SNAT", addr: 0xc6336401, port: 40000 }]);
  });
  it("MASQUERADE uses the host's address on the outgoing interface", () => {
    const t = parseRules("nat", ["-A POSTROUTING -j MASQUERADE"]).targets[0] as MasqueradeTarget;
    const host: SimEnv = { ...env, host: { ...env.host, masqueradeAddress: (_f, iface) => (iface === "eth1" ? 0xcb007101 : undefined) } };
    const { verdict, w } = run(masquerade.compile(t, host), natPacket({ hook: "POSTROUTING", outIface: "eth1" }));
    expect(verdict).toBe("ACCEPT");
    expect(w.nats).toEqual([{ kind: "MASQUERADE", addr: 0xcb007101 }]);
    const other = run(masquerade.compile(t, host), natPacket({ hook: "POSTROUTING", outIface: "eth9" }));
    expect(other.w.unsupportedReasons[0]).toMatch(/eth9/);
  });
  it("REDIRECT goes to the incoming interface's address, or loopback in OUTPUT", () => {
    const t = parseRules("nat", ["-A PREROUTING -p tcp -j REDIRECT --to-ports 3128"]).targets[0] as RedirectTarget;
    const host: SimEnv = { ...env, host: { ...env.host, redirectAddress: (_f, iface) => (iface === "eth0" ? 0x0a000001 : undefined) } };
    expect(run(redirect.compile(t, host), natPacket()).w.nats).toEqual([{ kind: "REDIRECT", addr: 0x0a000001, port: 3128 }]);
    expect(run(redirect.compile(t, host), natPacket({ hook: "OUTPUT", inIface: "", local: true })).w.nats).toEqual([{ kind: "REDIRECT", addr: 0x7f000001, port: 3128 }]);
    expect(run(redirect.compile(t, host), natPacket({ inIface: "eth7" })).w.unsupportedReasons[0]).toMatch(/eth7/);
  });
  it("NETMAP maps the network part of the destination in PREROUTING, of the source in POSTROUTING", () => {
    const t = parseRules("nat", ["-A PREROUTING -j NETMAP --to 192.168.5.0/24"]).targets[0] as NetmapTarget;
    const c = netmap.compile(t, env);
    expect(run(c, natPacket({ dst: 0x0a000142 })).w.nats).toEqual([{ kind: "NETMAP", addr: 0xc0a80542 }]);
    expect(run(c, natPacket({ hook: "POSTROUTING", src: 0x0a000107 })).w.nats).toEqual([{ kind: "NETMAP", addr: 0xc0a80507 }]);
  });
});
