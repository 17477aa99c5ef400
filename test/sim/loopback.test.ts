/**
 * Packets this host sends to itself (path `loopback`): OUTPUT and POSTROUTING, back in on lo,
 * PREROUTING and INPUT, with the connection kept across the loop. The ruleset is the kernel
 * sampler's (fixtures/kernel-trace/_rulesets/loopback-sampler.rules), whose recorded traces
 * test/sim/kernel-trace.test.ts compares step for step; here the rest of the trace is checked:
 * path, interfaces, verdict, reason, translations and the packet as it ends.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { tracePacket, traceFlow, type Packet, type Trace } from "../../src/sim/index.js";
import { compileText } from "./compile-text.js";
import { loadKernelCases, runCase } from "./kernel-fixtures.js";

/** The seed network's router as the kernel cases saw it (lo, eth0 with IPv4 and IPv6, docker0); forwarding on. */
const host = hostFromJsonOrThrow(
  JSON.stringify({
    interfaces: [
      { name: "lo", kind: "loopback", addresses: ["127.0.0.1/8", "::1/128"] },
      { name: "eth0", addresses: ["198.51.100.1/24", "2001:db8:100::1/64"] },
      { name: "docker0", kind: "bridge", addresses: ["172.17.0.1/16"] },
    ],
    routes: [
      { dst: "default", via: "198.51.100.2", dev: "eth0" },
      { dst: "default", via: "2001:db8:100::2", dev: "eth0" },
    ],
    forwarding: true,
    bridgeNetfilter: true,
  }),
);

const compile = (text: string, family: 4 | 6 = 4) => compileText(text, host, family);

const sampler = compile(readFileSync(new URL("../../fixtures/kernel-trace/_rulesets/loopback-sampler.rules", import.meta.url), "utf8"));
const local = (p: Omit<Packet, "local">): Packet => ({ local: true, ...p });
/** hook:table pairs in the order the walk met them. */
const tables = (t: Trace) => t.steps.map((s) => `${s.hook}:${s.table}`).filter((x, i, a) => a[i - 1] !== x);
/** The LOG prefixes (or targets) of the rules that matched, in order. */
const logged = (t: Trace) => t.steps.filter((s) => s.kind === "rule").map((s) => /--log-prefix "([^"]*) "/.exec(s.text ?? "")?.[1] ?? s.text);

describe("a local packet to a local address loops back through lo", () => {
  it("to 127.0.0.1: every table of OUTPUT and POSTROUTING, then back in on lo to PREROUTING and INPUT, delivered", () => {
    const t = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40201, dport: 80 }), { host });
    expect([t.verdict, t.path, t.in, t.out, t.reason]).toEqual(["ACCEPT", "loopback", "lo", "lo", undefined]);
    expect(tables(t)).toEqual([
      "OUTPUT:raw", "OUTPUT:mangle", "OUTPUT:nat", "OUTPUT:filter", "OUTPUT:security",
      "POSTROUTING:mangle", "POSTROUTING:nat",
      "PREROUTING:raw", "PREROUTING:mangle",
      "INPUT:mangle", "INPUT:filter", "INPUT:security",
    ]);
    // raw OUTPUT sees INVALID (no connection yet); raw PREROUTING already NEW (the connection came along)
    expect(logged(t)).toContain("raw-out-invalid");
    expect(logged(t)).toContain("raw-pre-new");
    expect(logged(t)).not.toContain("raw-pre-invalid");
    expect(t.nat).toEqual([]);
    expect(t.arrived).toMatchObject({ out: "lo", local: true, state: "NEW" });
    expect(t.packet).toMatchObject({ src: "127.0.0.1", dst: "127.0.0.1", in: "lo", state: "NEW" });
    expect(t.packet.out).toBeUndefined();
    expect(t.packet.local).toBeUndefined();
  });

  it("to the host's own uplink address: the same, through lo (the local route), source = destination", () => {
    const t = tracePacket(sampler, local({ dst: "198.51.100.1", proto: "tcp", sport: 40202, dport: 80 }), { host });
    expect([t.verdict, t.path, t.in, t.out, t.packet.src]).toEqual(["ACCEPT", "loopback", "lo", "lo", "198.51.100.1"]);
    expect(t.assumptions).toContain("src: 198.51.100.1 (the source the route to 198.51.100.1 picks)");
    expect(logged(t)).toEqual(expect.arrayContaining(["mangle-post-lo", "mangle-pre-lo", "mangle-pre-local", "mangle-in-new"]));
  });

  it("the nat chains of PREROUTING and INPUT are never traversed: their DNAT and SNAT rules do not apply", () => {
    const packets: Packet[] = [
      local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40201, dport: 80 }),
      local({ dst: "203.0.113.10", proto: "tcp", sport: 40204, dport: 8080 }),
      local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40210, dport: 9002 }),
    ];
    for (const p of packets) {
      const t = tracePacket(sampler, p, { host });
      expect(t.path).toBe("loopback");
      expect(t.steps.filter((s) => s.table === "nat" && (s.hook === "PREROUTING" || s.hook === "INPUT"))).toEqual([]);
      expect(t.nat.every((n) => n.hook === "OUTPUT" || n.hook === "POSTROUTING")).toBe(true);
    }
  });

  it("DNAT in OUTPUT to 127.0.0.1 makes it a loopback packet: OUTPUT's tables keep -o eth0, POSTROUTING has -o lo", () => {
    const t = tracePacket(sampler, local({ dst: "203.0.113.10", proto: "tcp", sport: 40204, dport: 8080 }), { host });
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["ACCEPT", "loopback", "lo", "lo"]);
    expect(t.arrived).toMatchObject({ dst: "203.0.113.10", out: "eth0" });
    expect(t.nat).toEqual([{ kind: "DNAT", hook: "OUTPUT", field: "destination", from: "203.0.113.10:8080", to: "127.0.0.1:80", by: "rule" }]);
    const out = logged(t);
    expect(out.indexOf("out-eth0")).toBeGreaterThan(-1);
    expect(out.indexOf("mangle-post-lo")).toBeGreaterThan(out.indexOf("out-eth0"));
    expect(out).toContain("in-dnat");
    expect(t.packet).toMatchObject({ src: "198.51.100.1", dst: "127.0.0.1", dport: 80, in: "lo", state: "NEW,DNAT" });
  });

  it("DNAT in OUTPUT to another address of the host, and REDIRECT (to 127.0.0.1), loop back too", () => {
    const dnat = tracePacket(sampler, local({ dst: "203.0.113.10", proto: "tcp", sport: 40205, dport: 8081 }), { host });
    expect([dnat.verdict, dnat.path, dnat.packet.dst, dnat.packet.dport]).toEqual(["ACCEPT", "loopback", "172.17.0.1", 80]);
    const redirect = tracePacket(sampler, local({ dst: "203.0.113.10", proto: "tcp", sport: 40206, dport: 8082 }), { host });
    expect([redirect.verdict, redirect.path, redirect.in]).toEqual(["ACCEPT", "loopback", "lo"]);
    expect(redirect.nat).toEqual([{ kind: "REDIRECT", hook: "OUTPUT", field: "destination", from: "203.0.113.10:8082", to: "127.0.0.1:8080", by: "rule" }]);
  });

  it("CT --notrack in raw PREROUTING does nothing to a looped-back packet, and says so", () => {
    const t = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "udp", sport: 40207, dport: 53 }), { host });
    const ct = t.steps.find((s) => s.text?.includes("CT --notrack"));
    expect(ct).toMatchObject({ hook: "PREROUTING", verdict: "CONTINUE" });
    expect(ct?.note).toMatch(/already has its connection/);
    expect(logged(t)).not.toContain("raw-pre-untracked");
    expect(logged(t)).not.toContain("mangle-pre-untracked");
    expect(t.packet.state).toBe("NEW");
  });

  it("a DROP in INPUT after the loop: verdict DROP, in lo", () => {
    const t = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40208, dport: 81 }), { host });
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["DROP", "loopback", "lo", "lo"]);
    expect(t.steps.at(-1)).toMatchObject({ hook: "INPUT", table: "filter", kind: "rule", verdict: "DROP" });
  });

  it("MASQUERADE and SNAT on lo: INPUT sees the new source (MASQUERADE takes the first global address: lo has none)", () => {
    const masq = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40209, dport: 9001 }), { host });
    expect(masq.nat).toEqual([{ kind: "MASQUERADE", hook: "POSTROUTING", field: "source", from: "127.0.0.1:40209", to: "198.51.100.1:40209", by: "rule" }]);
    expect([masq.verdict, masq.path, masq.packet.state]).toEqual(["ACCEPT", "loopback", "NEW,SNAT"]);
    const snat = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40210, dport: 9002 }), { host });
    expect(logged(snat)).toEqual(expect.arrayContaining(["in-snat", "in-from-127.0.0.2"]));
  });

  it("a local packet that is dropped in OUTPUT never loops back", () => {
    const c = compile("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o lo -p tcp -j DROP\n-A INPUT -j LOG\nCOMMIT\n");
    const t = tracePacket(c, local({ dst: "127.0.0.1", proto: "tcp", dport: 80 }), { host });
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["DROP", "loopback", undefined, undefined]);
    expect(tables(t)).toEqual(["OUTPUT:filter"]);
  });

  it("a DNAT in OUTPUT away from a local address makes it an output packet", () => {
    const c = compile("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A OUTPUT -d 172.17.0.1/32 -p tcp -j DNAT --to-destination 203.0.113.10\nCOMMIT\n");
    const t = tracePacket(c, local({ dst: "172.17.0.1", proto: "tcp", dport: 80 }), { host });
    expect([t.verdict, t.path, t.in, t.out, t.packet.src, t.packet.dst]).toEqual(["ACCEPT", "output", undefined, "eth0", "172.17.0.1", "203.0.113.10"]);
  });
});

describe("a 127.0.0.0/8 source may only leave through lo (IPv4)", () => {
  it("a DNAT in OUTPUT that routes it out of eth0 drops it in nat OUTPUT, as the kernel's new route fails", () => {
    const t = tracePacket(sampler, local({ src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40211, dport: 9000 }), { host });
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["DROP", "loopback", undefined, undefined]);
    expect(t.steps.at(-1)).toMatchObject({ hook: "OUTPUT", table: "nat", verdict: "ACCEPT" });
    expect(t.reason).toMatch(/^the source 127\.0\.0\.1 is a loopback address and the route to 203\.0\.113\.10 leaves through eth0 .*nat OUTPUT changed the packet.*ip_route_me_harder/);
    expect(t.assumptions.some((a) => a.startsWith("net.ipv4.conf.eth0.route_localnet: assumed 0"))).toBe(true);
  });

  it("a socket refuses it before any hook", () => {
    const c = compile("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j LOG\nCOMMIT\n");
    const t = tracePacket(c, local({ src: "127.0.0.1", dst: "203.0.113.10", proto: "udp", dport: 53 }), { host });
    expect([t.verdict, t.path, t.steps]).toEqual(["DROP", "output", []]);
    expect(t.reason).toMatch(/loopback address .* the socket call fails before any hook$/);
  });

  it("IPv6 has no such check: ::1 leaves through eth0 after a DNAT", () => {
    const c = compile("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A OUTPUT -d ::1/128 -p tcp -j DNAT --to-destination [2001:db8:203::10]:80\nCOMMIT\n", 6);
    const t = tracePacket(c, local({ src: "::1", dst: "::1", proto: "tcp", dport: 9000 }), { host });
    expect([t.verdict, t.path, t.out, t.packet.dst]).toEqual(["ACCEPT", "output", "eth0", "2001:db8:203::10"]);
  });
});

describe("IPv6 and flows", () => {
  it("to ::1 and to the host's own IPv6 address", () => {
    const c = compile("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n", 6);
    for (const dst of ["::1", "2001:db8:100::1"]) {
      const t = tracePacket(c, local({ dst, proto: "tcp", dport: 80 }), { host });
      expect([t.verdict, t.path, t.in, t.out, t.packet.src]).toEqual(["ACCEPT", "loopback", "lo", "lo", dst]);
      expect(tables(t)).toEqual(["OUTPUT:filter", "INPUT:filter"]);
    }
  });

  it("to the host's own subnet-router anycast address (forwarding on): looped back as well, as the kernel does", () => {
    const c = compile("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n", 6);
    const t = tracePacket(c, local({ dst: "2001:db8:100::", proto: "tcp", dport: 80 }), { host });
    expect([t.verdict, t.path, t.in, t.out, t.packet.src]).toEqual(["ACCEPT", "loopback", "lo", "lo", "2001:db8:100::1"]);
  });

  it("the reply of a looped-back DNATed connection is ESTABLISHED and gets its source translated back in POSTROUTING", () => {
    const [syn, reply] = traceFlow(sampler, [
      local({ dst: "203.0.113.10", proto: "tcp", sport: 40300, dport: 8080 }),
      local({ src: "127.0.0.1", dst: "198.51.100.1", proto: "tcp", sport: 80, dport: 40300, tcpFlags: "SYN,ACK" }),
    ], { host });
    expect([syn.path, syn.packet.dst]).toEqual(["loopback", "127.0.0.1"]);
    expect([reply.verdict, reply.path, reply.in]).toEqual(["ACCEPT", "loopback", "lo"]);
    expect(reply.nat).toEqual([{ kind: "DNAT", hook: "POSTROUTING", field: "source", from: "127.0.0.1:80", to: "203.0.113.10:8080", by: "reverse" }]);
    expect(reply.packet).toMatchObject({ src: "203.0.113.10", sport: 8080, state: "ESTABLISHED,DNAT" });
    expect(reply.steps.filter((s) => s.table === "nat")).toEqual([]);
  });
});

describe("the kernel's recorded loopback cases: where the packet ends, beyond the steps", () => {
  // kernel-trace.test.ts compares the steps; here the PACKET lines judge the rest: whether the
  // packet came back in on lo, and as what
  const cases = loadKernelCases().filter((c) => c.file.startsWith("loopback-sampler"));
  it("has them (IPv4 and IPv6)", () => {
    expect(cases.length).toBe(22);
  });
  for (const c of cases) {
    it(c.file, () => {
      const { trace } = runCase(c);
      const lines = (c as unknown as { packetLines: { in?: string; out?: string; src?: string; dst?: string; dport?: number }[] }).packetLines;
      const back = lines.filter((l) => l.in === "lo");
      const last = c.steps[c.steps.length - 1];
      if (back.length > 0) {
        // it came back in: loopback, in and out lo, delivered unless INPUT dropped it, as the kernel saw it there
        expect([trace.path, trace.in, trace.out]).toEqual(["loopback", "lo", "lo"]);
        expect(trace.verdict).toBe(last.verdict === "DROP" ? "DROP" : "ACCEPT");
        const seen = back[back.length - 1];
        expect([trace.packet.src, trace.packet.dst, trace.packet.dport]).toEqual([seen.src, seen.dst, seen.dport]);
      } else if (last.hook === "POSTROUTING") {
        // it left (IPv6: a ::1 source may leave through eth0)
        expect([trace.verdict, trace.path, trace.in, trace.out]).toEqual(["ACCEPT", "output", undefined, lines[lines.length - 1].out]);
      } else {
        // it vanished after a rule that accepted it: the kernel dropped it outside any rule
        expect(trace.verdict).toBe("DROP");
        expect(trace.reason).toMatch(/ip_route_me_harder/);
      }
    });
  }
});
