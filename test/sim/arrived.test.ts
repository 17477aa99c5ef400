/**
 * Trace.arrived: the packet as it entered its first hook, kept by the walk before any rule changed
 * it in place: every field a target can change (MARK, CONNMARK, TOS, DSCP, TTL, HL, NAT), the
 * interfaces of a packet that loops back to this host, and conntrack's state.
 */
import { describe, expect, it } from "vitest";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { compileText } from "./compile-text.js";
import { traceFlow, tracePacket, type Packet } from "../../src/sim/index.js";

const host = hostFromJsonOrThrow(
  JSON.stringify({
    interfaces: [
      { name: "eth0", addresses: ["198.51.100.1/24", "2001:db8::1/64"] },
      { name: "docker0", kind: "bridge", addresses: ["172.17.0.1/16"] },
    ],
    routes: [
      { dst: "default", via: "198.51.100.254", dev: "eth0" },
      { dst: "default", via: "2001:db8::fe", dev: "eth0" },
      { dst: "192.0.2.0/24", type: "unreachable" },
    ],
    forwarding: true,
    bridgeNetfilter: true,
  }),
);

const rs = (text: string, family: 4 | 6 = 4) => compileText(text, host, family);

const CHANGES = rs(`*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -j CT --notrack
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -j MARK --set-xmark 0x1/0xffffffff
-A PREROUTING -p tcp -j CONNMARK --set-xmark 0x9/0xffffffff
-A PREROUTING -p tcp -m tcp --dport 23 -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -j TOS --set-tos 0x10/0xff
-A PREROUTING -j TTL --ttl-set 7
-A FORWARD -j DSCP --set-dscp 0x2e
-A OUTPUT -j MARK --set-xmark 0x7/0xffffffff
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 198.51.100.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
`);

const inbound: Packet = { src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", dport: 8080, in: "eth0" };

describe("Trace.arrived", () => {
  it("is the packet as given, with its defaults, while the packet as it leaves carries every change", () => {
    const t = tracePacket(CHANGES, { ...inbound, mark: 0x5 }, { host });
    expect(t.arrived).toEqual({ src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", sport: 40000, dport: 8080, tcpFlags: "SYN", in: "eth0", state: "NEW", mark: "0x5", length: 40, ttl: 64, tos: 0 });
    // DNAT to docker0, MARK 0x1, TOS 0x10 then DSCP 46 (0xb8, keeping ECN), TTL 7 in PREROUTING
    // and one less from forwarding (ip_forward decrements it before FORWARD)
    expect(t.packet).toMatchObject({ dst: "172.17.0.2", dport: 80, out: "docker0", state: "NEW,DNAT", mark: "0x1", tos: 0xb8, ttl: 6 });
  });

  it("CONNMARK --restore-mark: the mark given, not the connection's", () => {
    const t = tracePacket(CHANGES, { ...inbound, dport: 23, mark: 0x5 }, { host });
    expect([t.arrived.mark, t.packet.mark]).toEqual(["0x5", "0x9"]);
  });

  it("a locally generated packet to this host: generated here, with the route's source and device, though it comes back in on lo", () => {
    const t = tracePacket(CHANGES, { local: true, dst: "127.0.0.1", proto: "tcp", dport: 22 }, { host });
    expect(t.arrived).toMatchObject({ src: "127.0.0.1", local: true, out: "lo", mark: "0x0" });
    expect(t.arrived.in).toBeUndefined();
    // OUTPUT marked it 0x7, PREROUTING on lo 0x1
    expect(t.packet).toMatchObject({ in: "lo", mark: "0x1" });
    expect(t.packet.local).toBeUndefined();
  });

  it("state: the one conntrack finds, before raw's NOTRACK; the one given", () => {
    const rst = tracePacket(CHANGES, { ...inbound, tcpFlags: "RST" }, { host });
    expect([rst.arrived.state, rst.packet.state]).toEqual(["INVALID", "INVALID"]);
    const udp = tracePacket(CHANGES, { ...inbound, proto: "udp" }, { host });
    expect([udp.arrived.state, udp.packet.state]).toEqual(["NEW", "UNTRACKED"]);
    const given = tracePacket(CHANGES, { ...inbound, state: "ESTABLISHED,DNAT" }, { host });
    expect(given.arrived.state).toBe("ESTABLISHED,DNAT");
  });

  it("in a flow, a reply arrives ESTABLISHED with its connection's translation noted, addressed as it was sent", () => {
    const [first, reply] = traceFlow(CHANGES, [inbound, { src: "172.17.0.2", sport: 80, dst: "203.0.113.7", dport: 40000, proto: "tcp", tcpFlags: "SYN,ACK", in: "docker0" }], { host });
    expect(first.verdict).toBe("ACCEPT");
    expect(reply.arrived).toMatchObject({ src: "172.17.0.2", sport: 80, state: "ESTABLISHED,DNAT", mark: "0x0", ttl: 64, tos: 0 });
    expect(reply.packet).toMatchObject({ src: "198.51.100.1", sport: 8080, ttl: 6 });
  });

  it("IPv6: hop limit and traffic class as given", () => {
    const v6 = rs(`*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -j HL --hl-dec 2
-A PREROUTING -j DSCP --set-dscp 0x0a
COMMIT
`, 6);
    const t = tracePacket(v6, { src: "2001:db8:1::7", dst: "2001:db8::1", proto: "tcp", dport: 22, in: "eth0", ttl: 10 }, { host });
    expect([t.arrived.ttl, t.arrived.tos, t.packet.ttl, t.packet.tos]).toEqual([10, 0, 8, 0x28]);
  });

  it("is there when the walk ends before any hook", () => {
    const t = tracePacket(CHANGES, { local: true, src: "198.51.100.1", dst: "192.0.2.9", proto: "udp", dport: 53 }, { host });
    expect([t.verdict, t.steps]).toEqual(["DROP", []]);
    expect(t.arrived).toMatchObject({ src: "198.51.100.1", dst: "192.0.2.9", local: true, state: "NEW" });
  });
});
