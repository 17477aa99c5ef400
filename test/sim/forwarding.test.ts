/**
 * What forwarding does to a packet besides choosing its way, as the kernel does it (each seen in
 * kernel traces: fixtures/kernel-trace/interfaces-sampler*, fixtures/kernel-diff): the TTL or hop
 * limit a routed packet loses before FORWARD, the link-layer packet type -m pkttype reads, the
 * input interface a bridged frame lacks in POSTROUTING, and the per-rule token bucket of -m limit.
 */
import { describe, expect, it } from "vitest";
import { tracePacket, traceFlow, type Packet, type Trace } from "../../src/sim/index.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { BRIDGE_HOST as host, compileText } from "./compile-text.js";

/** A mangle table whose chain U logs nothing but is reached from `jumps`; `body` are U's rules. */
const mangle = (jumps: string, body: string) =>
  `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:U - [0:0]\n${jumps}\n${body}\nCOMMIT\n`;

/** The rules of U that matched, by their mark, in the order they matched. */
const marks = (t: Trace) => t.steps.filter((s) => s.chain === "U" && s.kind === "rule").map((s) => /--set-xmark (0x[0-9a-f]+)/.exec(s.text ?? "")?.[1]);

const routed: Packet = { src: "198.51.100.7", dst: "172.17.0.2", proto: "udp", dport: 53, in: "eth0" };
const bridged: Packet = { src: "172.17.0.3", dst: "172.17.0.2", proto: "udp", dport: 53, in: "veth1" };

describe("TTL and hop limit on the way through", () => {
  const ttlRules = (hook: string) =>
    mangle(`-A ${hook} -j U`, ["64", "63", "1"].map((v, k) => `-A U -m ttl --ttl-eq ${v} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n"));

  it("a routed packet has one less in FORWARD and POSTROUTING than in PREROUTING", () => {
    const c = { pre: compileText(ttlRules("PREROUTING")), fwd: compileText(ttlRules("FORWARD")), post: compileText(ttlRules("POSTROUTING")) };
    expect(marks(tracePacket(c.pre, routed, { host }))).toEqual(["0x1"]);
    expect(marks(tracePacket(c.fwd, routed, { host }))).toEqual(["0x2"]);
    expect(marks(tracePacket(c.post, routed, { host }))).toEqual(["0x2"]);
    expect(tracePacket(c.post, routed, { host }).packet.ttl).toBe(63);
  });

  it("a bridged frame keeps it: the bridge does not route", () => {
    const t = tracePacket(compileText(ttlRules("FORWARD")), bridged, { host });
    expect(marks(t)).toEqual(["0x1"]);
    expect(t.packet.ttl).toBe(64);
  });

  it("a packet with one hop left is dropped at the routing decision, before FORWARD, saying why", () => {
    const c = compileText(ttlRules("FORWARD"));
    const t = tracePacket(c, { ...routed, ttl: 1 }, { host });
    expect(t.verdict).toBe("DROP");
    expect(t.steps.some((s) => s.hook === "FORWARD")).toBe(false);
    expect(t.reason).toMatch(/TTL is 1.*time exceeded/);
    // a TTL target in PREROUTING counts: it is what routing sees
    const set = compileText(mangle("-A PREROUTING -j TTL --ttl-set 1\n-A FORWARD -j U", "-A U -j MARK --set-xmark 0x1/0x0"));
    expect(tracePacket(set, routed, { host }).verdict).toBe("DROP");
    // delivered to this host, it is not forwarded and keeps its TTL
    expect(tracePacket(c, { ...routed, dst: "172.17.0.1", ttl: 1 }, { host }).verdict).toBe("ACCEPT");
  });

  it("IPv6: the hop limit the same way", () => {
    const host6 = hostFromJsonOrThrow(
      JSON.stringify({
        interfaces: [
          { name: "eth0", addresses: ["2001:db8:100::1/64"] },
          { name: "docker0", kind: "bridge", addresses: ["fd00:17::1/64"] },
        ],
        routes: [{ dst: "default", via: "2001:db8:100::fe", dev: "eth0" }],
        forwarding: true,
      }),
    );
    const rules = mangle("-A FORWARD -j U", ["64", "63"].map((v, k) => `-A U -m hl --hl-eq ${v} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n"));
    const c = compileText(rules, host6, 6);
    const p: Packet = { src: "2001:db8:100::7", dst: "fd00:17::2", proto: "udp", dport: 53, in: "eth0" };
    expect(marks(tracePacket(c, p, { host: host6 }))).toEqual(["0x2"]);
    expect(tracePacket(c, { ...p, ttl: 1 }, { host: host6 }).verdict).toBe("DROP");
  });
});

describe("-m pkttype: how the frame was addressed", () => {
  const types = mangle(
    "-A PREROUTING -j U\n-A INPUT -j U",
    ["unicast", "broadcast", "multicast"].map((v, k) => `-A U -m pkttype --pkt-type ${v} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n"),
  );
  const c = compileText(types);

  it("unicast for a routed packet and for a bridged frame to another host (br_netfilter shows it as the host's)", () => {
    expect(marks(tracePacket(c, routed, { host }))).toEqual(["0x1"]);
    expect(marks(tracePacket(c, bridged, { host }))).toEqual(["0x1"]);
  });

  it("broadcast for the bridge subnet's broadcast address and 255.255.255.255, in PREROUTING and INPUT", () => {
    expect(marks(tracePacket(c, { ...bridged, dst: "172.17.255.255" }, { host }))).toEqual(["0x2", "0x2"]);
    expect(marks(tracePacket(c, { ...bridged, dst: "255.255.255.255" }, { host }))).toEqual(["0x2", "0x2"]);
  });

  describe("a broadcast that DNAT sends elsewhere (seen on 6.18: kernel:fuzz-flows seed 269923909)", () => {
    const dnat = (to: string, from: string) =>
      `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -d ${from} -j DNAT --to-destination ${to}\nCOMMIT\n` +
      mangle("-A PREROUTING -j U\n-A FORWARD -j U", ["unicast", "broadcast"].map((v, k) => `-A U -m pkttype --pkt-type ${v} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n"));

    it("from a bridge port, is forwarded as a frame to this host: br_netfilter re-addresses it", () => {
      const t = tracePacket(compileText(dnat("198.51.100.9", "172.17.255.255")), { ...bridged, dst: "172.17.255.255" }, { host });
      expect(t.verdict).toBe("ACCEPT");
      expect(t.path).toBe("forward");
      // broadcast in PREROUTING, unicast in FORWARD
      expect(marks(t)).toEqual(["0x2", "0x1"]);
    });

    it("from a plain interface, is dropped before FORWARD: the kernel forwards only frames addressed to it", () => {
      const t = tracePacket(compileText(dnat("172.17.0.2", "198.51.100.255")), { ...routed, dst: "198.51.100.255" }, { host });
      expect(t.verdict).toBe("DROP");
      expect(t.steps.some((s) => s.hook === "FORWARD")).toBe(false);
      expect(t.reason).toMatch(/link-layer broadcast frame .*before FORWARD/);
      // the same DNAT of a unicast destination is forwarded
      const unicast = tracePacket(compileText(dnat("172.17.0.2", "198.51.100.1")), { ...routed, dst: "198.51.100.1" }, { host });
      expect(unicast.verdict).toBe("ACCEPT");
    });
  });

  it("the looped-back copy of a broadcast the host sends has no socket in its POSTROUTING (skb_clone drops it); the original keeps it", () => {
    const owner = compileText(mangle("-A POSTROUTING -j U", "-A U -m owner --uid-owner 0 -j MARK --set-xmark 0x1/0x0\n-A U -m owner ! --socket-exists -j MARK --set-xmark 0x2/0x0"));
    const t = tracePacket(owner, { local: true, dst: "172.17.255.255", proto: "udp", dport: 53, uid: 0, gid: 0 }, { host });
    // the copy first (POSTROUTING, then back in), then the original
    expect(marks(t)).toEqual(["0x2", "0x1"]);
  });

  it("a packet this host sends is unicast in OUTPUT; the looped-back copy of its broadcast is broadcast", () => {
    const out = compileText(mangle("-A OUTPUT -j U\n-A PREROUTING -j U", ["unicast", "broadcast"].map((v, k) => `-A U -m pkttype --pkt-type ${v} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n")));
    const t = tracePacket(out, { local: true, dst: "172.17.255.255", proto: "udp", dport: 53 }, { host });
    expect(marks(t)).toEqual(["0x1", "0x2"]);
  });
});

describe("interfaces in POSTROUTING", () => {
  const rules = mangle(
    "-A POSTROUTING -j U",
    ["-i docker0", "! -i docker0", "-i eth0", "-o docker0"].map((m, k) => `-A U ${m} -j MARK --set-xmark 0x${k + 1}/0x0`).join("\n"),
  );
  const c = compileText(rules);

  it("a bridged frame has no input interface there; a routed packet keeps its own", () => {
    expect(marks(tracePacket(c, bridged, { host }))).toEqual(["0x2", "0x4"]);
    expect(marks(tracePacket(c, routed, { host }))).toEqual(["0x2", "0x3", "0x4"]);
  });

  it("the trace still shows where the bridged frame came in", () => {
    const t = tracePacket(c, bridged, { host });
    expect([t.in, t.packet.in]).toEqual(["docker0", "docker0"]);
  });
});

describe("-m limit: one token bucket per rule", () => {
  const twice = (burst: number) =>
    compileText(mangle("-A FORWARD -j U\n-A FORWARD -j U", `-A U -m limit --limit 1/min --limit-burst ${burst} -j MARK --set-xmark 0x1/0x0`));

  it("a chain entered twice by one packet finds a burst of 1 used up the second time", () => {
    const t = tracePacket(twice(1), routed, { host });
    expect(marks(t)).toEqual(["0x1"]);
    expect(t.assumptions.join("\n")).toMatch(/reached 2 times .* lets only 1 through/);
    expect(marks(tracePacket(twice(2), routed, { host }))).toEqual(["0x1", "0x1"]);
  });

  it("a match before the limit that fails leaves the bucket alone", () => {
    const c = compileText(mangle("-A FORWARD -j U\n-A FORWARD -j U", "-A U -p tcp -m limit --limit 1/min --limit-burst 1 -j MARK --set-xmark 0x1/0x0\n-A U -m limit --limit 1/min --limit-burst 1 -j MARK --set-xmark 0x2/0x0"));
    expect(marks(tracePacket(c, routed, { host }))).toEqual(["0x2"]);
  });

  it("the packets of a flow share the bucket; withinLimit false never matches", () => {
    const c = twice(3);
    const [first, second] = traceFlow(c, [routed, { ...routed, sport: 40000 }], { host });
    expect(marks(first)).toEqual(["0x1", "0x1"]);
    expect(marks(second)).toEqual(["0x1"]);
    expect(marks(tracePacket(c, routed, { host, assume: { withinLimit: false } }))).toEqual([]);
  });
});

describe("-m recent: lists the traced packets fill", () => {
  // the classic guard: the fourth new connection from one source within a minute is dropped
  const guard = compileText(
    mangle(
      "-A FORWARD -j U",
      "-A U -p udp -m recent --set --name G --rsource\n-A U -p udp -m recent --update --seconds 60 --hitcount 4 --name G --rsource -j MARK --set-xmark 0x1/0x0",
    ),
  );
  const from = (sport: number): Packet => ({ ...routed, sport });
  // the marks set, leaving out the --set rules (no target)
  const set = (t: Trace) => marks(t).filter((m) => m !== undefined);

  it("--set adds the source, --update counts its hits: the fourth packet of a flow matches", () => {
    const traces = traceFlow(guard, [from(40001), from(40002), from(40003), from(40004)], { host });
    expect(traces.map((t) => set(t).length)).toEqual([0, 0, 0, 1]);
    expect(traces[3].assumptions.join("\n")).toMatch(/listed with 4 hits from the traced packets in recent list "G"/);
  });

  it("a list named in assume.recentLists holds every address already; one packet alone sees an empty list", () => {
    expect(set(tracePacket(guard, routed, { host }))).toEqual([]);
    expect(set(tracePacket(guard, routed, { host, assume: { recentLists: ["G"] } }))).toEqual(["0x1"]);
  });

  it("--remove takes the address out: a later --rcheck misses", () => {
    const c = compileText(mangle("-A FORWARD -j U", "-A U -m recent --set --name R\n-A U -p tcp -m recent --remove --name R\n-A U -m recent --rcheck --name R -j MARK --set-xmark 0x2/0x0"));
    expect(traceFlow(c, [routed, routed], { host }).map((t) => set(t))).toEqual([["0x2"], ["0x2"]]);
    const tcp = { ...routed, proto: "tcp" as const };
    expect(set(tracePacket(c, tcp, { host }))).toEqual([]);
  });
});