/**
 * Golden walks of every Docker ruleset in the corpus (seed, docker-v28, docker-v29), on the host
 * of the kernel recordings (fixtures/walk/docker/host-*.json: `ip -j addr/route` of the router
 * namespace): container to the internet, to the same bridge, to another bridge, the internet to a
 * published and an unpublished port and straight to a container, the host to a container — and
 * the reply of each accepted connection through traceFlow (ESTABLISHED, nat skipped, translated
 * back). The first packets of the rulesets the kernel was recorded on are checked against the
 * kernel in kernel-trace.test.ts; these goldens pin the rest and the replies. `UPDATE_GOLDEN=1`
 * rewrites them; review the diff like code.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { hostFromIpJson } from "../../src/host/ip-json.js";
import { isHostError, type Host } from "../../src/host/host.js";
import { compileRuleset, traceFlow, type Packet, type Trace } from "../../src/sim/index.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CORPUS = path.join(ROOT, "fixtures/corpus");
const GOLDEN = path.join(ROOT, "fixtures/walk/docker");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

interface TopologyFile {
  readonly topology: {
    readonly routerUplinkIpv4: { address: string };
    readonly routerUplinkIpv6: { address: string };
    readonly internetHostIpv4: string;
    readonly internetHostIpv6: string;
    readonly bridges: readonly { name: string; ipv4?: { address: string }; ipv6?: { address: string }; containers: readonly { ipv4?: string; ipv6?: string }[] }[];
    readonly bridgeNetfilter: boolean;
  };
  readonly ipAddrJson: unknown;
  readonly ipRouteJson: unknown;
  readonly ip6RouteJson: unknown;
}

function loadHost(name: string): { host: Host; topo: TopologyFile["topology"] } {
  const f = JSON.parse(readFileSync(path.join(GOLDEN, `host-${name}.json`), "utf8")) as TopologyFile;
  const host = hostFromIpJson(f.ipAddrJson, f.ipRouteJson, f.ip6RouteJson, { forwarding: true, bridgeNetfilter: f.topology.bridgeNetfilter });
  if (isHostError(host)) throw new Error(host.message);
  return { host, topo: f.topology };
}

/** The first packet of each case. */
function firstPackets(topo: TopologyFile["topology"], fam: 4 | 6): { name: string; packet: Packet }[] {
  const ip = (x: { ipv4?: string; ipv6?: string }) => (fam === 4 ? x.ipv4 : x.ipv6)!;
  const [a, b] = topo.bridges;
  const a1 = ip(a.containers[0]);
  const a2 = a.containers[1] ? ip(a.containers[1]) : undefined;
  const b1 = b?.containers[0] ? ip(b.containers[0]) : undefined;
  const inet = fam === 4 ? topo.internetHostIpv4 : topo.internetHostIpv6;
  const uplink = fam === 4 ? topo.routerUplinkIpv4.address : topo.routerUplinkIpv6.address;
  const gw = fam === 4 ? a.ipv4!.address : a.ipv6!.address;
  const icmp = fam === 4 ? "icmp" : "icmpv6";
  const cases: { name: string; packet: Packet }[] = [
    { name: "container-to-internet-tcp443", packet: { src: a1, dst: inet, proto: "tcp", sport: 40001, dport: 443 } },
    { name: "container-to-internet-icmp", packet: { src: a1, dst: inet, proto: icmp, icmpType: "echo-request" } },
    ...(a2 ? [{ name: "container-to-container-same-bridge", packet: { src: a1, dst: a2, proto: "tcp", sport: 40002, dport: 80 } }] : []),
    ...(b1 ? [{ name: "container-to-container-other-bridge", packet: { src: a1, dst: b1, proto: "tcp", sport: 40003, dport: 80 } }] : []),
    { name: "internet-to-published-port", packet: { src: inet, dst: uplink, proto: "tcp", sport: 40005, dport: 8080 } },
    { name: "internet-to-unpublished-port", packet: { src: inet, dst: uplink, proto: "tcp", sport: 40006, dport: 9999 } },
    { name: "internet-to-container-address", packet: { src: inet, dst: a1, proto: "tcp", sport: 40007, dport: 80 } },
    { name: "router-to-container", packet: { local: true, src: gw, dst: a1, proto: "tcp", sport: 40008, dport: 80 } },
  ];
  return cases;
}

/** The reply to the packet as it left (after NAT): addresses and ports swapped; the host answers what it received itself. */
function replyTo(t: Trace): Packet {
  const p = t.packet;
  const icmp = p.proto === "icmp" || p.proto === "icmpv6";
  return {
    ...(t.path === "input" ? { local: true } : {}),
    src: p.dst,
    dst: p.src,
    proto: p.proto,
    ...(p.sport !== undefined && p.dport !== undefined ? { sport: p.dport, dport: p.sport } : {}),
    ...(p.proto === "tcp" ? { tcpFlags: "SYN,ACK" } : {}),
    ...(icmp ? { icmpType: "echo-reply" } : {}),
  };
}

function dockerFiles(): { name: string; file: string; fam: 4 | 6; hostName: string }[] {
  const out: { name: string; file: string; fam: 4 | 6; hostName: string }[] = [
    { name: "seed-docker-default-2020", file: path.join(CORPUS, "seed/docker-default-2020.rules"), fam: 4, hostName: "seed" },
  ];
  for (const dir of ["docker-v28", "docker-v29"]) {
    const full = path.join(CORPUS, dir);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full).filter((x) => x.endsWith(".rules")).sort()) {
      out.push({ name: `${dir}-${f.replace(/\.rules$/, "")}`, file: path.join(full, f), fam: f.includes(".v6.") ? 6 : 4, hostName: "br-dummy" });
    }
  }
  return out;
}

/** Runs every case of one ruleset: the first packet and, when it was accepted, its reply. */
function walkAll(file: string, fam: 4 | 6, hostName: string) {
  const { host, topo } = loadHost(hostName);
  const { ruleset, issues } = parseRuleset(readFileSync(file, "utf8"), { family: fam });
  const errors = issues.filter((i) => i.severity === "error");
  const compiled = compileRuleset(ruleset, { host });
  const cases = firstPackets(topo, fam).map(({ name, packet }) => {
    const [first] = traceFlow(compiled, [packet], { host });
    const packets = first.verdict === "ACCEPT" ? [packet, replyTo(first)] : [packet];
    const traces = packets.length > 1 ? traceFlow(compiled, packets, { host }) : [first];
    return { name, packets, traces };
  });
  return { errors, cases };
}

// JSON without the `undefined` fields, as the CLI prints it
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("Docker golden walks (all corpus rulesets, replies through traceFlow)", () => {
  const files = dockerFiles();
  it("finds the corpus", () => {
    expect(files.length).toBeGreaterThan(1);
  });
  for (const { name, file, fam, hostName } of files) {
    it(name, () => {
      const { errors, cases } = walkAll(file, fam, hostName);
      expect(errors).toEqual([]);
      const got = plain({ ruleset: path.relative(ROOT, file), host: `fixtures/walk/docker/host-${hostName}.json`, cases });
      const goldenFile = path.join(GOLDEN, `${name}.json`);
      if (UPDATE || !existsSync(goldenFile)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(goldenFile, JSON.stringify(got, null, 1) + "\n");
      }
      expect(got).toEqual(JSON.parse(readFileSync(goldenFile, "utf8")));
      for (const c of cases) {
        for (const t of c.traces) expect(t.verdict).not.toBe("UNSUPPORTED");
        // a reply of an accepted connection is ESTABLISHED and never walks the nat chains
        if (c.traces.length > 1) {
          const reply = c.traces[1];
          // with no rule that needs conntrack (internal networks, cleaned rulesets) there is no connection
          if (reply.assumptions.some((a) => a.startsWith("conntrack: not enabled"))) {
            expect(reply.packet.state).toBe("INVALID");
            continue;
          }
          expect(reply.packet.state.split(",")[0]).toBe("ESTABLISHED");
          expect(reply.steps.some((s) => s.table === "nat" && s.kind === "rule")).toBe(false);
          // translated back: the reply ends up addressed to the original sender
          const orig = c.packets[0];
          if (reply.verdict === "ACCEPT" && orig.src !== undefined) expect(reply.packet.dst).toBe(orig.src);
        }
      }
    });
  }
});
