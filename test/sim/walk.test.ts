/**
 * The walk on small hand-written rulesets: chain traversal (jump, goto, RETURN, falling off a user
 * chain, policies), verdict words, unsupported outcomes, conntrack and NAT, routing decisions,
 * locally generated packets, and the packet's validation.
 */
import { describe, expect, it } from "vitest";
import { PacketError, tracePacket, traceFlow, type Packet, type Trace } from "../../src/sim/index.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { BRIDGE_HOST as host, compileText, filterTable } from "./compile-text.js";

const filter = filterTable;
const fwd: Packet = { src: "172.17.0.2", dst: "203.0.113.5", proto: "tcp", dport: 443 };
const brief = (t: Trace) => t.steps.map((s) => `${s.chain}:${s.kind}:${s.verdict}${s.target ? `:${s.target}` : ""}${s.rule ? `#${s.rule}` : ""}`);

describe("chain traversal", () => {
  it("jump, RETURN, falling off a user chain, then the policy", () => {
    const c = compileText(filter(":A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A FORWARD -j B\n-A A -j RETURN\n-A B -p udp -j DROP", "DROP"));
    const t = tracePacket(c, fwd, { host });
    expect(brief(t)).toEqual(["FORWARD:rule:JUMP:A#1", "A:rule:RETURN#1", "FORWARD:rule:JUMP:B#2", "B:return:RETURN", "FORWARD:policy:DROP"]);
    expect(t.verdict).toBe("DROP");
  });

  it("goto does not come back: falling off the gone-to chain returns to the caller of the jump", () => {
    const c = compileText(filter(":A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A FORWARD -j DROP\n-A A -g B\n-A A -j DROP\n-A B -j MARK --set-mark 1"));
    const t = tracePacket(c, fwd, { host });
    expect(brief(t)).toEqual(["FORWARD:rule:JUMP:A#1", "A:rule:GOTO:B#1", "B:rule:CONTINUE#1", "B:return:RETURN", "FORWARD:rule:DROP#2"]);
  });

  it("goto from the builtin chain: falling off applies the builtin policy", () => {
    const c = compileText(filter(":B - [0:0]\n-A FORWARD -g B\n-A FORWARD -j ACCEPT\n-A B -p udp -j ACCEPT", "DROP"));
    expect(brief(tracePacket(c, fwd, { host }))).toEqual(["FORWARD:rule:GOTO:B#1", "B:return:RETURN", "FORWARD:policy:DROP"]);
  });

  it("RETURN in a builtin chain applies its policy", () => {
    const c = compileText(filter("-A FORWARD -j RETURN\n-A FORWARD -j ACCEPT", "DROP"));
    expect(brief(tracePacket(c, fwd, { host }))).toEqual(["FORWARD:rule:RETURN#1", "FORWARD:policy:DROP"]);
  });

  it("a rule without a target shows CONTINUE; REJECT shows DROP and the verdict is REJECT", () => {
    const c = compileText(filter("-A FORWARD -p tcp\n-A FORWARD -p tcp -j REJECT --reject-with tcp-reset"));
    const t = tracePacket(c, fwd, { host });
    expect(brief(t)).toEqual(["FORWARD:rule:CONTINUE#1", "FORWARD:rule:DROP#2"]);
    expect(t.verdict).toBe("REJECT");
    expect(t.steps[1].text).toBe("-A FORWARD -p tcp -j REJECT --reject-with tcp-reset");
    expect(t.steps[1].line).toBe(6);
  });

  it("jumps deeper than 16 chains end as unsupported, naming the limit", () => {
    const names = Array.from({ length: 18 }, (_, k) => `C${k}`);
    const body = [...names.map((n) => `:${n} - [0:0]`), "-A FORWARD -j C0", ...names.slice(0, -1).map((n, k) => `-A ${n} -j C${k + 1}`)].join("\n");
    const t = tracePacket(compileText(filter(body)), fwd, { host });
    expect(t.verdict).toBe("UNSUPPORTED");
    expect(t.unsupported?.reason).toMatch(/deeper than 16/);
  });

  it("an unknown match or target ends the walk as unsupported, naming it — but only when reached", () => {
    const c = compileText(filter("-A FORWARD -p udp -m frobnicate -j DROP\n-A FORWARD -p tcp -m frobnicate -j DROP"));
    const t = tracePacket(c, fwd, { host });
    expect(t.verdict).toBe("UNSUPPORTED");
    expect(t.unsupported).toMatchObject({ chain: "FORWARD", rule: 2, hook: "FORWARD", table: "filter" });
    expect(t.unsupported?.reason).toMatch(/frobnicate/);
  });
});

describe("hooks, routing and NAT", () => {
  const docker = compileText(
    "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n" +
      "-A PREROUTING -p tcp -m tcp --dport 8080 -m addrtype --dst-type LOCAL -j DNAT --to-destination 172.17.0.2:80\n" +
      "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n" +
      filter("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n-A FORWARD -d 172.17.0.2/32 -o docker0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT", "DROP"),
  );

  it("MASQUERADE to the uplink address; in and out derived from the routes", () => {
    const t = tracePacket(docker, fwd, { host });
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["ACCEPT", "forward", "docker0", "eth0"]);
    expect(t.packet.src).toBe("198.51.100.1");
    expect(t.nat).toEqual([{ kind: "MASQUERADE", hook: "POSTROUTING", field: "source", from: "172.17.0.2:40000", to: "198.51.100.1:40000", by: "rule" }]);
  });

  it("DNAT before the routing decision; --ctstate DNAT sees it; the reply is translated back", () => {
    const [t, r] = traceFlow(docker, [
      { src: "203.0.113.9", sport: 5555, dst: "198.51.100.1", proto: "tcp", dport: 8080 },
      { src: "172.17.0.2", sport: 80, dst: "203.0.113.9", dport: 5555, proto: "tcp", tcpFlags: "SYN,ACK" },
    ], { host });
    expect([t.verdict, t.path, t.out, t.packet.dst, t.packet.dport, t.packet.state]).toEqual(["ACCEPT", "forward", "docker0", "172.17.0.2", 80, "NEW,DNAT"]);
    expect(brief(t).filter((s) => s.startsWith("FORWARD:"))).toEqual(["FORWARD:rule:ACCEPT#3"]);
    expect([r.verdict, r.packet.src, r.packet.sport, r.packet.state]).toEqual(["ACCEPT", "198.51.100.1", 8080, "ESTABLISHED,DNAT"]);
    expect(r.steps.filter((s) => s.table === "nat")).toEqual([]);
    expect(r.nat).toEqual([{ kind: "DNAT", hook: "POSTROUTING", field: "source", from: "172.17.0.2:80", to: "198.51.100.1:8080", by: "reverse" }]);
  });

  it("a second packet of the connection skips nat but gets the stored translation", () => {
    const p: Packet = { src: "203.0.113.9", sport: 5555, dst: "198.51.100.1", proto: "tcp", dport: 8080 };
    // a retransmitted SYN: the connection stays in SYN_SENT
    const [, again] = traceFlow(docker, [p, p], { host });
    expect(again.steps.filter((s) => s.table === "nat")).toEqual([]);
    expect(again.nat.map((n) => [n.by, n.to])).toEqual([["conntrack", "172.17.0.2:80"]]);
    expect(again.packet.state).toBe("NEW,DNAT"); // no reply seen yet
  });

  it("TCP packets follow conntrack's state table: an ACK before the SYN-ACK is INVALID and gets no translation; after it, ESTABLISHED", () => {
    const p: Packet = { src: "203.0.113.9", sport: 5556, dst: "198.51.100.1", proto: "tcp", dport: 8080 };
    const [, early] = traceFlow(docker, [p, { ...p, tcpFlags: "ACK" }], { host });
    expect(early.packet.state).toBe("INVALID");
    expect(early.nat).toEqual([]);
    expect(early.assumptions.join("\n")).toMatch(/invalid for its connection's state \(SYN_SENT\)/);
    const synAck: Packet = { src: "172.17.0.2", sport: 80, dst: "203.0.113.9", dport: 5556, proto: "tcp", tcpFlags: "SYN,ACK", in: "docker0" };
    const [, back, ack, rst, after] = traceFlow(docker, [p, synAck, { ...p, tcpFlags: "ACK" }, { ...p, tcpFlags: "RST" }, { ...p, tcpFlags: "ACK" }], { host });
    expect([back.packet.state, ack.packet.state]).toEqual(["ESTABLISHED,DNAT", "ESTABLISHED,DNAT"]);
    expect(ack.nat.map((n) => [n.by, n.to])).toEqual([["conntrack", "172.17.0.2:80"]]);
    // RST closes the connection; a later ACK is still tracked (CLOSE), a SYN would open anew
    expect([rst.packet.state, after.packet.state]).toEqual(["ESTABLISHED,DNAT", "ESTABLISHED,DNAT"]);
    const [, , , , , reopened] = traceFlow(docker, [p, synAck, { ...p, tcpFlags: "ACK" }, { ...p, tcpFlags: "RST" }, { ...p, tcpFlags: "ACK" }, p], { host });
    expect(reopened.packet.state).toBe("NEW,DNAT");
    expect(reopened.steps.some((s) => s.table === "nat")).toBe(true);
  });

  it("a first packet conntrack cannot open a connection with is INVALID and skips nat", () => {
    const t = tracePacket(docker, { ...fwd, tcpFlags: "SYN,ACK" }, { host });
    expect(t.packet.state).toBe("INVALID");
    expect(t.nat).toEqual([]);
  });

  it("forwarding off drops at the routing decision, with the reason", () => {
    const off = hostFromJsonOrThrow(JSON.stringify({ ...JSON.parse(JSON.stringify({ interfaces: [{ name: "eth0", addresses: ["198.51.100.1/24"] }, { name: "docker0", kind: "bridge", addresses: ["172.17.0.1/16"] }], routes: [{ dst: "default", via: "198.51.100.254", dev: "eth0" }] })), forwarding: false }));
    const t = tracePacket(docker, fwd, { host: off });
    expect(t.verdict).toBe("DROP");
    expect(t.reason).toMatch(/does not forward/);
  });

  it("same-bridge traffic goes through FORWARD with -i docker0 -o docker0 and the bridge port", () => {
    const c = compileText(filter("-A FORWARD -i docker0 -o docker0 -m physdev --physdev-in veth1 --physdev-is-bridged -j DROP"));
    const t = tracePacket(c, { src: "172.17.0.2", dst: "172.17.0.3", proto: "tcp", dport: 80, in: "veth1" }, { host });
    expect([t.verdict, t.in, t.out]).toEqual(["DROP", "docker0", "docker0"]);
  });

  it("a locally generated packet takes the route's preferred source and goes OUTPUT → POSTROUTING", () => {
    const t = tracePacket(docker, { local: true, dst: "172.17.0.2", proto: "tcp", dport: 80 }, { host });
    expect([t.verdict, t.path, t.out, t.packet.src]).toEqual(["ACCEPT", "output", "docker0", "172.17.0.1"]);
    expect(t.assumptions.some((a) => a.startsWith("src: 172.17.0.1"))).toBe(true);
  });

  it("CT --notrack in raw makes the packet UNTRACKED and never NATed", () => {
    const c = compileText("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -j CT --notrack\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n");
    const t = tracePacket(c, fwd, { host });
    expect(t.packet.state).toBe("UNTRACKED");
    expect(t.nat).toEqual([]);
    expect(t.steps.filter((s) => s.table === "nat")).toEqual([]);
  });
});

describe("packets", () => {
  const c = compileText(filter(""));
  it.each<[Packet, string]>([
    [{ src: "10.0.0.1", dst: "10.0.0.300", proto: "tcp", dport: 1 }, "dst"],
    [{ src: "::1", dst: "10.0.0.3", proto: "tcp", dport: 1 }, "src"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "tcp" }, "dport"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "tcp", dport: 70000 }, "dport"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "frob", dport: 1 }, "proto"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "tcp", dport: 1, tcpFlags: "SYN,BOGUS" }, "tcpFlags"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "icmp", icmpType: "bogus" }, "icmpType"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "udp", dport: 1, state: "NEWISH" }, "state"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "udp", dport: 1, mark: "0xzz" }, "mark"],
    [{ dst: "10.0.0.3", proto: "udp", dport: 1 }, "src"],
    [{ local: true, in: "eth0", dst: "10.0.0.3", proto: "udp", dport: 1 }, "in"],
    [{ src: "10.0.0.1", dst: "10.0.0.3", proto: "udp", dport: 1, colour: "red" } as unknown as Packet, "colour"],
  ])("%j → PacketError on %s", (p, field) => {
    let err: unknown;
    try {
      tracePacket(c, p, { host });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PacketError);
    expect((err as PacketError).field).toBe(field);
    expect((err as PacketError).message).toMatch(/expected/);
  });

  it("the trace shows the packet in the input's field names", () => {
    const t = tracePacket(c, { src: "198.51.100.7", dst: "172.17.0.9", proto: "udp", sport: 1000, dport: 53, mark: 5 }, { host });
    expect(t.packet).toEqual({ src: "198.51.100.7", dst: "172.17.0.9", proto: "udp", sport: 1000, dport: 53, in: "eth0", out: "docker0", state: "INVALID", mark: "0x5", length: 28, ttl: 63, tos: 0 });
  });
});
