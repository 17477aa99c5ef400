/**
 * kube-proxy's load balancing against the kernel, `-m statistic` in its two modes, on the
 * kube-proxy samplers (IPv4 on the seed network, IPv6 on br-dummy) with services added to them.
 *
 * `--mode random --probability 0.5`, a service of two endpoints: a golden trace cannot hold a
 * random pick, so the packet is sent again and again (a new connection each time), and every path
 * the kernel took must be one of the outcomes iptrace lists for that packet, step for step;
 * iptrace must give both a probability of one half, and the kernel must take both (16 tries: the
 * chance of seeing only one is 2 in 65,536).
 *
 * `--mode nth --every N --packet P`, services balanced round robin: the kernel keeps one counter
 * per rule, advanced by every packet that reaches the match, and a load starts it afresh. The
 * ruleset is loaded once and a fixed sequence of new connections sent to two services; then
 * (1) each kernel path is one of the outcomes iptrace lists for that packet alone (counters
 * unknown), (2) one branch of iptrace's flow of all the connections (counters unknown) is the
 * kernel's whole sequence, and (3) with the counters as loaded, iptrace's walk of the k-th
 * connection is the kernel's k-th path exactly.
 *
 * Fails (never skips) when namespaces or tools are missing.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceFlow, tracePacket, type Trace } from "../../src/sim/index.js";
import { inputsOf, normaliseIptrace, normaliseKernel, type KernelCase, type NormalStep } from "../sim/kernel-fixtures.ts";
import { BR_DUMMY_TOPOLOGY, REPO_ROOT, SEED_TOPOLOGY, type DockerRuleset } from "./docker-cases.ts";
import { assertKernelUsable, createNetwork, deleteNetwork } from "./netns.ts";
import { recordCase, recordSequence, type TraceFixture } from "./record-traces.ts";
import type { PacketSpec } from "./trace.ts";

/** One sampler and the addresses the added services use on its network. */
interface Network {
  readonly ruleset: DockerRuleset;
  /** The pods' CIDR (kube-proxy masquerades service traffic from outside it). */
  readonly clusterCidr: string;
  /** A ClusterIP of the sampler's service range, by its last number. */
  readonly service: (n: number) => string;
  /** The calling pod (the first bridge's first container). */
  readonly client: { readonly namespace: string; readonly address: string };
  /** Another pod on the client's bridge, and the pod on the other bridge. */
  readonly pod: string;
  readonly otherPod: string;
}

const V4: Network = {
  ruleset: { name: "kube-proxy-sampler", file: "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.rules", family: 4, topology: SEED_TOPOLOGY },
  clusterCidr: "172.17.0.0/16",
  service: (n) => `10.96.0.${n}`,
  client: { namespace: "ipt-c1", address: "172.17.0.2" },
  pod: "172.17.0.3",
  otherPod: "192.160.0.2",
};

const V6: Network = {
  ruleset: { name: "kube-proxy-sampler.v6", file: "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.v6.rules", family: 6, topology: BR_DUMMY_TOPOLOGY },
  clusterCidr: "fd49:efd7:54aa::/64",
  service: (n) => `fd00:96::${n}`,
  client: { namespace: "ipt-c1", address: "fd49:efd7:54aa::1" },
  pod: "fd49:efd7:54aa::3",
  otherPod: "fd00:17::2",
};

/** An endpoint of a service, and the statistic match that picks it (none for the last). */
interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly pick?: string;
}

/**
 * kube-proxy's chains for one service (KUBE-SERVICES entry, KUBE-SVC-ID, one KUBE-SEP-ID<letter>
 * per endpoint), in the order kube-proxy writes them, for the sampler's nat table.
 */
function serviceChains(net: Network, id: string, name: string, clusterIp: string, endpoints: readonly Endpoint[]): string {
  const host = net.ruleset.family === 4 ? 32 : 128;
  const hostPort = (e: Endpoint) => (net.ruleset.family === 4 ? `${e.address}:${e.port}` : `[${e.address}]:${e.port}`);
  const sep = (k: number) => `KUBE-SEP-${id}${String.fromCharCode(65 + k)}`;
  const portal = `-d ${clusterIp}/${host} -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80`;
  return [
    `:KUBE-SVC-${id} - [0:0]`,
    ...endpoints.map((_, k) => `:${sep(k)} - [0:0]`),
    `-A KUBE-SERVICES ${portal} -j KUBE-SVC-${id}`,
    `-A KUBE-SVC-${id} ! -s ${net.clusterCidr} ${portal} -j KUBE-MARK-MASQ`,
    ...endpoints.map((e, k) => `-A KUBE-SVC-${id} -m comment --comment "${name} -> ${hostPort(e)}"${e.pick ? ` ${e.pick}` : ""} -j ${sep(k)}`),
    ...endpoints.flatMap((e, k) => [
      `-A ${sep(k)} -s ${e.address}/${host} -m comment --comment "${name}" -j KUBE-MARK-MASQ`,
      `-A ${sep(k)} -p tcp -m comment --comment "${name}" -m tcp -j DNAT --to-destination ${hostPort(e)}`,
    ]),
    "",
  ].join("\n");
}

/** The sampler with `chains` added to its nat table (the file's last table), before its COMMIT. */
async function samplerWith(net: Network, chains: string): Promise<string> {
  const base = await readFile(path.join(REPO_ROOT, net.ruleset.file), "utf8");
  const natCommit = base.lastIndexOf("COMMIT");
  return `${base.slice(0, natCommit)}${chains}${base.slice(natCommit)}`;
}

/** A TCP SYN from the client pod to a ClusterIP's port 80: a new connection for each source port. */
function syn(net: Network, dst: string, sport: number): PacketSpec {
  return { family: net.ruleset.family, origin: { kind: "container", namespace: net.client.namespace }, src: net.client.address, dst, proto: "tcp", sport, dport: 80, tcpFlags: ["SYN"] };
}

function kernelCaseOf(fixture: TraceFixture, name: string): KernelCase {
  return { ...fixture, file: `statistic/${name}` } as unknown as KernelCase;
}

/** The steps that show which endpoint took the connection (KUBE-SEP-…), for messages. */
const endpointOf = (steps: readonly NormalStep[]) => steps.find((s) => s.chain.startsWith("KUBE-SEP-"))?.chain;
const same = (a: readonly NormalStep[], b: readonly NormalStep[]) => JSON.stringify(a) === JSON.stringify(b);
const outcomeSteps = (t: Trace) => (t.outcomes ?? []).map((o) => normaliseIptrace(o.steps));

const TRIES = 16;

function randomTests(net: Network, firstPort: number): void {
  it(`every path the kernel takes in ${TRIES} connections is an outcome iptrace lists, and both are taken`, async () => {
    const rulesText = await samplerWith(
      net,
      serviceChains(net, "TWO", "ns1/two:http", net.service(40), [
        { address: net.pod, port: 8080, pick: "-m statistic --mode random --probability 0.50000000000" },
        { address: net.otherPod, port: 8080 },
      ]),
    );
    const seen = new Set<string>();
    for (let k = 0; k < TRIES; k++) {
      const fixture = await recordCase(net.ruleset, rulesText, { name: `two-endpoints-${k}`, packet: syn(net, net.service(40), firstPort + k) });
      const kernelCase = kernelCaseOf(fixture, `v${net.ruleset.family}-random-${k}`);
      const kernel = normaliseKernel(kernelCase.steps);
      const { ruleset, host, packet } = inputsOf(kernelCase);
      const trace = tracePacket(ruleset, packet, { host });
      expect((trace.outcomes ?? []).map((o) => o.probability)).toEqual([0.5, 0.5]);
      const match = outcomeSteps(trace).find((o) => same(o, kernel));
      expect(match, `connection ${k}: the kernel's path is none of iptrace's outcomes:\n${JSON.stringify(kernel, null, 1)}`).toBeDefined();
      const endpoint = endpointOf(kernel);
      expect(endpoint).toBeDefined();
      seen.add(endpoint as string);
    }
    expect([...seen].sort()).toEqual(["KUBE-SEP-TWOA", "KUBE-SEP-TWOB"]);
  });
}

/**
 * Two services balanced by nth: ns1/rr (ClusterIP .50) round robin over three endpoints,
 * `--every 3 --packet 0` then `--every 2 --packet 0` then the rest (the third is the calling pod
 * itself: hairpin); ns1/alt (.60) over two, `--every 2 --packet 1` then the rest.
 */
function nthChains(net: Network): string {
  return [
    serviceChains(net, "RR", "ns1/rr:http", net.service(50), [
      { address: net.pod, port: 8080, pick: "-m statistic --mode nth --every 3 --packet 0" },
      { address: net.otherPod, port: 8080, pick: "-m statistic --mode nth --every 2 --packet 0" },
      { address: net.client.address, port: 80 },
    ]),
    serviceChains(net, "ALT", "ns1/alt:http", net.service(60), [
      { address: net.pod, port: 8080, pick: "-m statistic --mode nth --every 2 --packet 1" },
      { address: net.otherPod, port: 8080 },
    ]),
  ].join("");
}

/** The connections in the order sent: which service each goes to, interleaved so that the counters of one service must not move for the other's. */
const NTH_SEQUENCE = [50, 50, 60, 50, 60, 60, 50, 50, 60] as const;
/** What the kernel does with them, counters just loaded (xt_statistic: packet P of the cycle is the first pick). */
const NTH_EXPECTED = ["RRA", "RRB", "ALTB", "RRC", "ALTA", "ALTB", "RRA", "RRB", "ALTA"].map((s) => `KUBE-SEP-${s}`);

function nthTests(net: Network, firstPort: number): void {
  it(`${NTH_SEQUENCE.length} connections through counters loaded once: iptrace lists each path, one flow branch is the kernel's sequence, and "loaded" counters predict the k-th exactly`, async () => {
    const rulesText = await samplerWith(net, nthChains(net));
    const cases = NTH_SEQUENCE.map((n, k) => ({ name: `nth-${k}`, packet: syn(net, net.service(n), firstPort + k) }));
    const fixtures = await recordSequence(net.ruleset, rulesText, cases);
    const kernelCases = fixtures.map((f, k) => kernelCaseOf(f, `v${net.ruleset.family}-nth-${k}`));
    const kernel = kernelCases.map((c) => normaliseKernel(c.steps));
    const inputs = kernelCases.map((c) => inputsOf(c));
    const { ruleset, host } = inputs[0];
    const packets = inputs.map((i) => i.packet);
    const show = (steps: readonly NormalStep[]) => JSON.stringify(steps, null, 1);

    // the kernel did what xt_statistic's counters say (so the comparisons below are not vacuous)
    expect(kernel.map(endpointOf), "the kernel's endpoints, in order").toEqual(NTH_EXPECTED);

    // (1) one packet alone: the counters' positions are unknown, each path is an outcome
    for (let k = 0; k < packets.length; k++) {
      const trace = tracePacket(ruleset, packets[k], { host });
      const probabilities = (trace.outcomes ?? []).map((o) => o.probability);
      const endpoints = NTH_SEQUENCE[k] === 50 ? 3 : 2;
      expect(probabilities).toHaveLength(endpoints);
      for (const p of probabilities) expect(p).toBeCloseTo(1 / endpoints, 12);
      expect(trace.assumptions.some((a) => a.includes("--mode nth") && a.includes("not known")), `connection ${k}: the unknown counter is named`).toBe(true);
      expect(outcomeSteps(trace).some((o) => same(o, kernel[k])), `connection ${k}: the kernel's path is none of iptrace's outcomes:\n${show(kernel[k])}`).toBe(true);
    }

    // (2) the whole sequence as one flow, counters unknown: one branch is exactly the kernel's
    const flow = traceFlow(ruleset, packets, { host });
    const branches = flow[0].outcomes ?? [];
    expect(branches).toHaveLength(3 * 2 * 2); // where each of the three counters stood
    const kernelBranch = branches.findIndex((_, i) => flow.every((t, k) => same(normaliseIptrace(t.outcomes![i].steps), kernel[k])));
    expect(kernelBranch, "no branch of iptrace's flow is the kernel's sequence").toBeGreaterThanOrEqual(0);

    // (3) counters as loaded: one path per connection, the kernel's k-th for the k-th
    const loaded = traceFlow(ruleset, packets, { host, assume: { nthCounters: "loaded" } });
    loaded.forEach((t, k) => {
      expect(t.outcomes, `connection ${k}: "loaded" counters leave nothing to chance`).toBeUndefined();
      expect(normaliseIptrace(t.steps), `connection ${k}: iptrace's walk is not the kernel's path`).toEqual(kernel[k]);
    });
  });
}

/** One network per family, made once for both kinds of balancing (each sends from its own source ports). */
for (const [net, ports] of [
  [V4, { random: 40200, nth: 40240 }],
  [V6, { random: 40220, nth: 40260 }],
] as const) {
  describe(`statistic against the kernel, IPv${net.ruleset.family}`, () => {
    beforeAll(async () => {
      await assertKernelUsable();
      await createNetwork(net.ruleset.topology);
    });
    afterAll(async () => {
      await deleteNetwork(net.ruleset.topology);
    });
    describe("kube-proxy load balancing (statistic random)", () => randomTests(net, ports.random));
    describe("round robin (statistic nth)", () => nthTests(net, ports.nth));
  });
}
