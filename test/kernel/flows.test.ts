/**
 * Connections against the kernel: the packets of a flow, replies included, are sent one after
 * another through a NAT ruleset loaded once, and each is traced by the kernel; iptrace's
 * traceFlow of the same packets must take the same steps, packet for packet. This is where
 * conntrack shows: ESTABLISHED in each direction (--ctdir), the nat chains consulted only by a
 * connection's first packet, DNAT and MASQUERADE undone for replies (--ctstate DNAT/SNAT), and
 * CONNMARK kept on the connection. The endpoints (the first container, the internet host) drop
 * what they receive, so that neither answers with a RST or an ICMP error that would change the
 * connection between the packets: the test sends every packet of the flow itself. UDP through a
 * ruleset of its own, and TCP handshakes through Docker 28's published port and MASQUERADE.
 * Fails (never skips) without root or tools.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceFlow } from "../../src/sim/index.js";
import { inputsOf, normaliseIptrace, normaliseKernel, type KernelCase } from "../sim/kernel-fixtures.ts";
import { BR_DUMMY_TOPOLOGY, REPO_ROOT, type DockerRuleset } from "./docker-cases.ts";
import { quieten } from "./differential.ts";
import { assertKernelUsable, createNetwork, deleteNetwork } from "./netns.ts";
import { recordSequence, type TraceFixture } from "./record-traces.ts";
import type { Family, PacketSpec } from "./trace.ts";

const topology = BR_DUMMY_TOPOLOGY;
const [bridge] = topology.bridges;
const [c1, c2] = bridge.containers;

/** The addresses of one family: the first container, the router's uplink, the internet host, the bridge subnet. */
function addressesOf(family: Family) {
  return family === 4
    ? { pod: c1.ipv4 as string, uplink: topology.routerUplinkIpv4.address, internet: topology.internetHostIpv4, subnet: "192.168.0.0/24", host: 32 }
    : { pod: c1.ipv6 as string, uplink: topology.routerUplinkIpv6.address, internet: topology.internetHostIpv6, subnet: "fd49:efd7:54aa::/64", host: 128 };
}

/**
 * UDP 5353 on the uplink published to the pod's port 53 (DNAT), the bridge subnet masqueraded
 * out of eth0, a stateful FORWARD, and mangle rules that show each packet's conntrack state,
 * direction and NAT status and keep a mark on the connection.
 */
function flowRules(family: Family): string {
  const a = addressesOf(family);
  const to = family === 4 ? `${a.pod}:53` : `[${a.pod}]:53`;
  return `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -m conntrack --ctstate NEW -j MARK --set-xmark 0x7/0xffffffff
-A PREROUTING -m conntrack --ctstate NEW -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -m conntrack --ctstate ESTABLISHED --ctdir ORIGINAL -j LOG --log-prefix "est-original "
-A PREROUTING -m conntrack --ctstate ESTABLISHED --ctdir REPLY -j LOG --log-prefix "est-reply "
-A PREROUTING -m mark --mark 0x7 -j LOG --log-prefix "marked "
-A PREROUTING -m conntrack --ctstate INVALID -j LOG --log-prefix "invalid "
-A FORWARD -m conntrack --ctstate DNAT -j LOG --log-prefix "fwd-dnat "
-A FORWARD -m conntrack --ctstate SNAT -j LOG --log-prefix "fwd-snat "
-A FORWARD -m conntrack --ctstate NEW -j LOG --log-prefix "fwd-new "
-A POSTROUTING -m conntrack --ctstate ESTABLISHED -j LOG --log-prefix "post-est "
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d ${a.uplink}/${a.host} -p udp -m udp --dport 5353 -j DNAT --to-destination ${to}
-A POSTROUTING -s ${a.subnet} -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -m conntrack --ctstate NEW -j ACCEPT
COMMIT
`;
}

const udp = (family: Family, origin: PacketSpec["origin"], src: string, sport: number, dst: string, dport: number): PacketSpec => ({ family, origin, src, dst, proto: "udp", sport, dport });

/** The flows: each a list of packets of one connection, in the order sent. */
function flowsOf(family: Family, firstPort: number): { name: string; packets: PacketSpec[] }[] {
  const a = addressesOf(family);
  const inet = { kind: "internet" as const };
  const pod = { kind: "container" as const, namespace: c1.namespace };
  const published = firstPort;
  const masqueraded = firstPort + 1;
  return [
    {
      // in to the published port, the pod's answer (source translated back), then the client again
      name: "published-port-request-reply-request",
      packets: [udp(family, inet, a.internet, published, a.uplink, 5353), udp(family, pod, a.pod, 53, a.internet, published), udp(family, inet, a.internet, published, a.uplink, 5353)],
    },
    {
      // out through MASQUERADE, the server's answer to the uplink address (destination back to the pod), then the pod again
      name: "masqueraded-request-reply-request",
      packets: [udp(family, pod, a.pod, masqueraded, a.internet, 53), udp(family, inet, a.internet, 53, a.uplink, masqueraded), udp(family, pod, a.pod, masqueraded, a.internet, 53)],
    },
  ];
}

const ruleset = (family: Family): DockerRuleset => ({ name: `flows-v${family}`, file: `(generated: flows.test.ts, IPv${family})`, family, topology });

const DOCKER_NAT_PROXY = "fixtures/corpus/docker-v28/docker-v28.5-nat-proxy.rules";

/**
 * A TCP handshake: `a` sends a SYN to `to`, `b` answers it with a SYN-ACK from its own port to
 * the address it sees the connection come from (`back`), and `a` sends the ACK.
 */
function handshake(a: Endpoint, to: { address: string; port: number }, b: Endpoint, back: string, family: Family = 4): PacketSpec[] {
  const tcp = (from: Endpoint, dst: string, dport: number, tcpFlags: string[]): PacketSpec => ({ family, origin: from.origin, src: from.src, sport: from.port, dst, dport, proto: "tcp", tcpFlags });
  return [tcp(a, to.address, to.port, ["SYN"]), tcp(b, back, a.port, ["SYN", "ACK"]), tcp(a, to.address, to.port, ["ACK"])];
}

interface Endpoint {
  readonly origin: PacketSpec["origin"];
  readonly src: string;
  readonly port: number;
}

/** Runs a flow through the kernel and through traceFlow and compares them, packet for packet. */
async function compareFlow(rs: DockerRuleset, rulesText: string, name: string, packets: readonly PacketSpec[]): Promise<ReturnType<typeof normaliseKernel>[]> {
  const fixtures: TraceFixture[] = await recordSequence(rs, rulesText, packets.map((packet, k) => ({ name: `${name}-${k}`, packet })));
  const cases = fixtures.map((f, k) => ({ ...f, file: `flows/${rs.name}-${name}-${k}` }) as unknown as KernelCase);
  const kernel = cases.map((c) => normaliseKernel(c.steps));
  for (const [k, steps] of kernel.entries()) expect(steps.length, `packet ${k}: the kernel traced nothing`).toBeGreaterThan(0);
  const inputs = cases.map((c) => inputsOf(c));
  const traces = traceFlow(inputs[0].ruleset, inputs.map((i) => i.packet), { host: inputs[0].host });
  traces.forEach((t, k) => {
    expect(normaliseIptrace(t.steps), `packet ${k} (${JSON.stringify(packets[k])}): iptrace's walk is not the kernel's`).toEqual(kernel[k]);
  });
  return kernel;
}

describe("connections against the kernel: traceFlow takes the kernel's steps for every packet", () => {
  beforeAll(async () => {
    await assertKernelUsable();
    await createNetwork(topology);
    // the endpoints drop what they receive, and the router's conntrack judges TCP by its flags:
    // the test's packets carry no consistent sequence numbers, and iptrace does not model them
    await quieten(topology);
  }, 60_000);
  afterAll(async () => {
    await deleteNetwork(topology);
  }, 60_000);

  for (const [family, firstPort] of [
    [4, 40400],
    [6, 40420],
  ] as const) {
    for (const flow of flowsOf(family, firstPort)) {
      it(`IPv${family} ${flow.name}`, async () => {
        const kernel = await compareFlow(ruleset(family), flowRules(family), `v${family}-${flow.name}`, flow.packets);
        // the connection's NAT and state show in the kernel's traces (so the comparison is not vacuous)
        const texts = kernel.map((steps) => steps.map((s) => s.text ?? "").join("\n"));
        expect(texts[0]).toMatch(/--ctstate NEW -j MARK/);
        expect(texts[1]).toMatch(/--ctdir REPLY/);
        expect(texts[1]).toMatch(/--mark 0x7 -j LOG/);
        expect(texts[1]).not.toMatch(/-j (DNAT|MASQUERADE)/);
        expect(texts[2]).toMatch(/--ctdir ORIGINAL/);
      }, 60_000);
    }
  }

  for (const [family, firstPort] of [
    [4, 40430],
    [6, 40435],
  ] as const) {
    it(`IPv${family} TCP through MASQUERADE, by conntrack's state table: an ACK before the SYN-ACK is INVALID; RST closes; a SYN then opens anew`, async () => {
      const a = addressesOf(family);
      const pod: Endpoint = { origin: { kind: "container", namespace: c1.namespace }, src: a.pod, port: firstPort };
      const tcp = (from: Endpoint, dst: string, dport: number, tcpFlags: string[]): PacketSpec => ({ family, origin: from.origin, src: from.src, sport: from.port, dst, dport, proto: "tcp", tcpFlags });
      const server: Endpoint = { origin: { kind: "internet" }, src: a.internet, port: 443 };
      const packets = [
        tcp(pod, a.internet, 443, ["SYN"]),
        tcp(pod, a.internet, 443, ["ACK"]), // before the SYN-ACK: INVALID
        tcp(server, a.uplink, firstPort, ["SYN", "ACK"]),
        tcp(pod, a.internet, 443, ["ACK"]),
        tcp(pod, a.internet, 443, ["RST"]),
        tcp(pod, a.internet, 443, ["SYN"]), // a new connection
      ];
      const kernel = await compareFlow(ruleset(family), flowRules(family), `v${family}-tcp-states`, packets);
      const texts = kernel.map((steps) => steps.map((s) => s.text ?? "").join("\n"));
      expect(texts[1]).toMatch(/--ctstate INVALID -j LOG/);
      expect(texts[3]).toMatch(/--ctdir ORIGINAL/);
      expect(texts[5]).toMatch(/--ctstate NEW -j MARK/);
    }, 60_000);
  }

  for (const [family, firstPort] of [
    [4, 40460],
    [6, 40470],
  ] as const) {
    it(`IPv${family} -m recent: the list the packets fill drops the third new connection from one source`, async () => {
      const a = addressesOf(family);
      const rules = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp -m udp --dport 22 -m conntrack --ctstate NEW -m recent --set --name GUARD --rsource
-A FORWARD -p udp -m udp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 60 --hitcount 3 --name GUARD --rsource -j DROP
-A FORWARD -m recent --rcheck --name GUARD --rdest -j LOG --log-prefix "dest-listed "
COMMIT
`;
      const inet = { kind: "internet" as const };
      const packets = [0, 1, 2, 3].map((k) => udp(family, inet, a.internet, firstPort + k, a.pod, 22));
      const kernel = await compareFlow(ruleset(family), rules, `v${family}-recent`, packets);
      const dropped = kernel.map((steps) => steps.some((s) => s.verdict === "DROP"));
      expect(dropped).toEqual([false, false, true, true]);
    }, 60_000);
  }

  describe("Docker 28, published port and MASQUERADE (TCP handshakes)", () => {
    const rs: DockerRuleset = { name: "docker-v28.5-nat-proxy", file: DOCKER_NAT_PROXY, family: 4, topology };
    const inet = { origin: { kind: "internet" as const }, src: topology.internetHostIpv4 };
    const pod = { origin: { kind: "container" as const, namespace: c1.namespace }, src: c1.ipv4 as string };
    const uplink = topology.routerUplinkIpv4.address;

    it("internet to the published port 8080: DNAT on the SYN, the container's SYN-ACK translated back to the published address, the ACK through DOCKER-CT", async () => {
      const text = await readFile(path.join(REPO_ROOT, DOCKER_NAT_PROXY), "utf8");
      const kernel = await compareFlow(rs, text, "published", handshake({ ...inet, port: 40440 }, { address: uplink, port: 8080 }, { ...pod, port: 80 }, topology.internetHostIpv4));
      expect(kernel[0].some((s) => /-j DNAT/.test(s.text ?? ""))).toBe(true);
      expect(kernel[1].some((s) => s.table === "nat")).toBe(false);
      expect(kernel[2].some((s) => /DOCKER-CT .*RELATED,ESTABLISHED -j ACCEPT/.test(s.text ?? ""))).toBe(true);
    }, 60_000);

    it("container to the internet: MASQUERADE on the SYN, the SYN-ACK to the uplink address back to the container", async () => {
      const text = await readFile(path.join(REPO_ROOT, DOCKER_NAT_PROXY), "utf8");
      const kernel = await compareFlow(rs, text, "masqueraded", handshake({ ...pod, port: 40441 }, { address: topology.internetHostIpv4, port: 443 }, { ...inet, port: 443 }, uplink));
      expect(kernel[0].some((s) => /-j MASQUERADE/.test(s.text ?? ""))).toBe(true);
      expect(kernel[1].some((s) => /DOCKER-CT .*RELATED,ESTABLISHED -j ACCEPT/.test(s.text ?? ""))).toBe(true);
    }, 60_000);
  });

  describe("kube-proxy, IPv6 sampler (TCP handshakes to ClusterIPs)", () => {
    const KUBE_V6 = "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.v6.rules";
    const rs: DockerRuleset = { name: "kube-proxy-sampler.v6", file: KUBE_V6, family: 6, topology };
    const pod = { origin: { kind: "container" as const, namespace: c1.namespace }, src: c1.ipv6 as string };
    const web = { origin: { kind: "container" as const, namespace: c2.namespace }, src: c2.ipv6 as string };

    it("pod to a service on another pod of the bridge: DNAT on the SYN, the endpoint's SYN-ACK bridged back with the ClusterIP as its source", async () => {
      const text = await readFile(path.join(REPO_ROOT, KUBE_V6), "utf8");
      const kernel = await compareFlow(rs, text, "service", handshake({ ...pod, port: 40450 }, { address: "fd00:96::10", port: 80 }, { ...web, port: 8080 }, pod.src, 6));
      expect(kernel[0].some((s) => /KUBE-SEP-WEB .*-j DNAT/.test(s.text ?? ""))).toBe(true);
      expect(kernel[1].some((s) => s.table === "nat")).toBe(false);
    }, 60_000);

    it("a pod to a service whose endpoint is itself, hairpin mode off: the bridge drops the DNATed SYN, so no connection forms (the SYN-ACK is the host's, the ACK a new first packet)", async () => {
      const text = await readFile(path.join(REPO_ROOT, KUBE_V6), "utf8");
      const gateway = bridge.ipv6?.address as string;
      const kernel = await compareFlow(rs, text, "hairpin", handshake({ ...pod, port: 40451 }, { address: "fd00:96::20", port: 80 }, { ...pod, port: 80 }, gateway, 6));
      const dnat = (steps: (typeof kernel)[number]) => steps.some((s) => /KUBE-SEP-SELF .*-j DNAT/.test(s.text ?? ""));
      expect(dnat(kernel[0]) && dnat(kernel[2])).toBe(true);
      expect(kernel[0].some((s) => s.hook === "FORWARD")).toBe(false);
      expect(kernel[1].every((s) => s.hook === "INPUT")).toBe(true);
    }, 60_000);
  });
});
