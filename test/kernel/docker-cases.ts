/**
 * The Docker rulesets of the corpus, the test network each implies, and the packets to trace
 * through them. Shared by the trace recorder and the kernel test that checks the recorded traces.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeTopology, type BridgeSpec, type Topology } from "./netns.ts";
import type { Family, PacketSpec } from "./trace.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TRACE_FIXTURES = path.join(REPO_ROOT, "fixtures/kernel-trace");

/** A corpus ruleset copied under fixtures/corpus, with the network it was written for. */
export interface DockerRuleset {
  /** Directory name under fixtures/kernel-trace. */
  readonly name: string;
  /** Path relative to the repository root. */
  readonly file: string;
  readonly family: Family;
  readonly topology: Topology;
  /** Cases of its own; the Docker cases (dockerCases) when absent. */
  readonly cases?: (ruleset: DockerRuleset) => TraceCase[];
}

/**
 * Docker 19's default network (seed file): docker0 172.17.0.0/16 with two containers, and the
 * user bridge of the same host (br-504fe4ba30e7 192.160.0.0/24, seed/ip-route.txt) with one.
 */
export const SEED_TOPOLOGY = makeTopology([
  {
    name: "docker0",
    ipv4: { address: "172.17.0.1", prefixLength: 16 },
    containers: [
      { namespace: "ipt-c1", ipv4: "172.17.0.2" },
      { namespace: "ipt-c2", ipv4: "172.17.0.3" },
    ],
  },
  {
    name: "br-504fe4ba30e7",
    ipv4: { address: "192.160.0.1", prefixLength: 24 },
    containers: [{ namespace: "ipt-c3", ipv4: "192.160.0.2" }],
  },
]);

/**
 * The moby test network (docker-v28/v29 files): br-dummy 192.168.0.0/24 and fd49:efd7:54aa::/64,
 * where the files publish 8080 → 192.168.0.2:80 / [fd49:efd7:54aa::1]:80. The container the files
 * name is the first; a second container on br-dummy and a second bridge (docker0, not named by
 * the files) give the container-to-container cases.
 */
export const BR_DUMMY_TOPOLOGY = makeTopology([
  {
    name: "br-dummy",
    ipv4: { address: "192.168.0.1", prefixLength: 24 },
    ipv6: { address: "fd49:efd7:54aa::ffff", prefixLength: 64 },
    containers: [
      { namespace: "ipt-c1", ipv4: "192.168.0.2", ipv6: "fd49:efd7:54aa::1" },
      { namespace: "ipt-c2", ipv4: "192.168.0.3", ipv6: "fd49:efd7:54aa::3" },
    ],
  },
  {
    name: "docker0",
    ipv4: { address: "172.17.0.1", prefixLength: 16 },
    ipv6: { address: "fd00:17::1", prefixLength: 64 },
    containers: [{ namespace: "ipt-c3", ipv4: "172.17.0.2", ipv6: "fd00:17::2" }],
  },
]);

const V29 = "fixtures/corpus/docker-v29";

/** The rulesets traced: the seed, the three v28 files and every file of the v29 matrix. */
export const DOCKER_RULESETS: readonly DockerRuleset[] = [
  { name: "seed-docker-default-2020", file: "fixtures/corpus/seed/docker-default-2020.rules", family: 4, topology: SEED_TOPOLOGY },
  ...["docker-v28.5-nat-proxy", "docker-v28.5-routed-noicc", "docker-v28.5-internal-noicc"].map((n) => ({
    name: n,
    file: `fixtures/corpus/docker-v28/${n}.rules`,
    family: 4 as const,
    topology: BR_DUMMY_TOPOLOGY,
  })),
  // every Docker 29 golden of the corpus (each issue case on each option combination, v4 and v6)
  ...readdirSync(path.join(REPO_ROOT, V29))
    .filter((f) => f.endsWith(".rules"))
    .map((f) => f.slice(0, -".rules".length))
    .sort()
    .map((n) => ({
    name: `docker-v29-${n}`,
    file: `${V29}/${n}.rules`,
    family: (n.endsWith(".v6") ? 6 : 4) as Family,
    topology: BR_DUMMY_TOPOLOGY,
  })),
  {
    // Not Docker: one ruleset that shows how the kernel traces CT --notrack, MARK, LOG, NFLOG,
    // -j/-g into user chains, REJECT (both kinds) and MASQUERADE.
    name: "targets-sampler",
    file: "fixtures/kernel-trace/_rulesets/targets-sampler.rules",
    family: 4,
    topology: SEED_TOPOLOGY,
    cases: (r) => {
      const origin = { kind: "container" as const, namespace: "ipt-c1" };
      const base = { family: 4 as const, origin, src: "172.17.0.2", dst: r.topology.internetHostIpv4 };
      return [
        { name: "udp53-notrack-goto-reject", packet: { ...base, proto: "udp", sport: 40011, dport: 53 } },
        { name: "tcp443-jump-log-reject-tcp-reset", packet: { ...base, proto: "tcp", sport: 40012, dport: 443, tcpFlags: ["SYN"] } },
        { name: "icmp-policy-masquerade", packet: { ...base, proto: "icmp", icmpType: 8 } },
      ];
    },
  },
  {
    // Not Docker: packets the router sends to itself (127.0.0.1, its own addresses, and through
    // DNAT/REDIRECT in OUTPUT), looped back through lo; every chain of every table logs.
    name: "loopback-sampler",
    file: "fixtures/kernel-trace/_rulesets/loopback-sampler.rules",
    family: 4,
    topology: SEED_TOPOLOGY,
    cases: (r) => loopbackCases(r, 40201),
  },
  {
    // Not Docker: kube-proxy's chains (KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-*, KUBE-MARK-MASQ,
    // KUBE-POSTROUTING, KUBE-NODEPORTS, KUBE-EXT-*, KUBE-FORWARD) with the containers as pods and
    // the router as the node; services of one endpoint or none (see the file).
    name: "kube-proxy-sampler",
    file: "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.rules",
    family: 4,
    topology: SEED_TOPOLOGY,
    cases: (r) => kubeProxyCases(r, 40101, (n) => `10.96.0.${n}`),
  },
  {
    // The same for IPv6 (ip6tables), on the br-dummy network.
    name: "kube-proxy-sampler.v6",
    file: "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.v6.rules",
    family: 6,
    topology: BR_DUMMY_TOPOLOGY,
    cases: (r) => kubeProxyCases(r, 40111, (n) => `fd00:96::${n}`),
  },
  {
    // Not Docker: which interfaces -i, -o and -m physdev see in each hook, for bridged, flooded,
    // routed, arriving, leaving and local packets (one file for both families: it names no address).
    name: "interfaces-sampler",
    file: "fixtures/kernel-trace/_rulesets/interfaces-sampler.rules",
    family: 4,
    topology: BR_DUMMY_TOPOLOGY,
    cases: (r) => interfaceCases(r, 40301),
  },
  {
    name: "interfaces-sampler.v6",
    file: "fixtures/kernel-trace/_rulesets/interfaces-sampler.rules",
    family: 6,
    topology: BR_DUMMY_TOPOLOGY,
    cases: (r) => interfaceCases(r, 40311),
  },
  {
    // The loopback sampler for ip6tables, on the br-dummy network (the bridge has an IPv6 address).
    name: "loopback-sampler.v6",
    file: "fixtures/kernel-trace/_rulesets/loopback-sampler.v6.rules",
    family: 6,
    topology: BR_DUMMY_TOPOLOGY,
    cases: (r) => loopbackCases(r, 40231),
  },
];

/** One packet to trace, with a file name. */
export interface TraceCase {
  readonly name: string;
  readonly packet: PacketSpec;
}

function addressOf(family: Family, spec: { ipv4?: string; ipv6?: string }): string {
  const address = family === 4 ? spec.ipv4 : spec.ipv6;
  if (!address) throw new Error(`no IPv${family} address in ${JSON.stringify(spec)}`);
  return address;
}

function gatewayOf(family: Family, bridge: BridgeSpec): string {
  const a = family === 4 ? bridge.ipv4 : bridge.ipv6;
  if (!a) throw new Error(`bridge ${bridge.name} has no IPv${family} address`);
  return a.address;
}

/**
 * The kube-proxy samplers' packets (see fixtures/kernel-trace/_rulesets/kube-proxy-sampler.rules):
 * the first bridge's first container and the second bridge's container are pods inside and
 * outside the cluster CIDR, `service(10|20|30)` the ClusterIPs of the services with an endpoint on
 * another pod, on the calling pod itself, and with none; NodePort 30080 on the router's uplink.
 * Each case has its own source port from `firstPort` on.
 */
function kubeProxyCases(r: DockerRuleset, firstPort: number, service: (n: number) => string): TraceCase[] {
  const { topology, family } = r;
  const [main, other] = topology.bridges;
  const pod = main.containers[0];
  const outside = other.containers[0];
  const syn = (k: number, dport: number) => ({ family, proto: "tcp" as const, sport: firstPort + k, dport, tcpFlags: ["SYN"] });
  const fromPod = { origin: { kind: "container" as const, namespace: pod.namespace }, src: addressOf(family, pod) };
  return [
    { name: "pod-to-service-on-another-pod", packet: { ...syn(0, 80), ...fromPod, dst: service(10) } },
    { name: "pod-to-service-on-itself-hairpin", packet: { ...syn(1, 80), ...fromPod, dst: service(20) } },
    { name: "outside-cluster-cidr-to-service", packet: { ...syn(2, 80), origin: { kind: "container" as const, namespace: outside.namespace }, src: addressOf(family, outside), dst: service(10) } },
    { name: "pod-to-service-without-endpoints", packet: { ...syn(3, 443), ...fromPod, dst: service(30) } },
    {
      name: "internet-to-nodeport",
      packet: {
        ...syn(4, 30080),
        origin: { kind: "internet" as const },
        src: family === 4 ? topology.internetHostIpv4 : topology.internetHostIpv6,
        dst: family === 4 ? topology.routerUplinkIpv4.address : topology.routerUplinkIpv6.address,
      },
    },
    { name: "node-to-service", packet: { ...syn(5, 80), origin: { kind: "router" as const }, src: gatewayOf(family, main), dst: service(10) } },
  ];
}

/**
 * The interfaces samplers' packets (fixtures/kernel-trace/_rulesets/interfaces-sampler.rules): a
 * frame bridged between the two containers of br-dummy, broadcasts the bridge floods (IPv4: the
 * subnet's and 255.255.255.255),
 * packets routed from br-dummy to docker0, in from the internet and out to it, one the router
 * sends to a container and one a container sends to the router. UDP, each case its own source
 * port from `firstPort` on.
 */
function interfaceCases(r: DockerRuleset, firstPort: number): TraceCase[] {
  const { topology, family } = r;
  const [main, other] = topology.bridges;
  const [c1, c2] = main.containers;
  const c3 = other.containers[0];
  const internet = family === 4 ? topology.internetHostIpv4 : topology.internetHostIpv6;
  const udp = (k: number) => ({ family, proto: "udp" as const, sport: firstPort + k, dport: 53 });
  const fromC1 = { origin: { kind: "container" as const, namespace: c1.namespace }, src: addressOf(family, c1) };
  return [
    { name: "bridged-container-to-container", packet: { ...udp(0), ...fromC1, dst: addressOf(family, c2) } },
    ...(family === 4
      ? [
          { name: "bridged-broadcast-flooded", packet: { ...udp(1), ...fromC1, dst: "192.168.0.255" } },
          { name: "limited-broadcast-flooded", packet: { ...udp(7), ...fromC1, dst: "255.255.255.255" } },
        ]
      : []),
    { name: "routed-to-other-bridge", packet: { ...udp(2), ...fromC1, dst: addressOf(family, c3) } },
    { name: "internet-to-container", packet: { ...udp(3), origin: { kind: "internet" as const }, src: internet, dst: addressOf(family, c1) } },
    { name: "container-to-internet", packet: { ...udp(4), ...fromC1, dst: internet } },
    { name: "router-to-container", packet: { ...udp(5), origin: { kind: "router" as const }, src: gatewayOf(family, main), dst: addressOf(family, c1) } },
    { name: "container-to-router", packet: { ...udp(6), ...fromC1, dst: gatewayOf(family, main) } },
  ];
}

/**
 * The loopback samplers' packets (fixtures/kernel-trace/_rulesets/loopback-sampler.rules, and
 * its .v6 twin), all sent by the router to itself: to the loopback address, to its uplink and
 * bridge addresses, and to the internet host on ports that nat OUTPUT turns back to this host
 * (DNAT to the loopback address, DNAT to the bridge address, REDIRECT); a UDP packet that raw
 * PREROUTING tries to untrack after the loop; one dropped in filter INPUT; MASQUERADE and SNAT on
 * lo; and a loopback-sourced packet that DNAT sends towards the uplink (IPv4: the kernel's new
 * route refuses a 127.0.0.0/8 source there; IPv6 lets ::1 leave). Each case has its own source
 * port, from `firstPort` on.
 */
function loopbackCases(r: DockerRuleset, firstPort: number): TraceCase[] {
  const { topology, family } = r;
  const loopback = family === 4 ? "127.0.0.1" : "::1";
  const uplink = family === 4 ? topology.routerUplinkIpv4.address : topology.routerUplinkIpv6.address;
  const bridge = gatewayOf(family, topology.bridges[0]);
  const internet = family === 4 ? topology.internetHostIpv4 : topology.internetHostIpv6;
  const router = { family, origin: { kind: "router" as const } };
  const syn = (k: number, dport: number) => ({ ...router, proto: "tcp" as const, sport: firstPort + k, dport, tcpFlags: ["SYN"] });
  // file names: "::1" has colons
  const lo = family === 4 ? "to-127.0.0.1" : "to-ipv6-loopback";
  return [
    { name: `local-${lo}`, packet: { ...syn(0, 80), src: loopback, dst: loopback } },
    { name: "local-to-own-uplink-address", packet: { ...syn(1, 80), src: uplink, dst: uplink } },
    { name: "local-to-own-bridge-address-icmp", packet: { ...router, proto: "icmp", icmpType: family === 4 ? 8 : 128, src: bridge, dst: bridge } },
    { name: `local-dnat-in-output-${lo}`, packet: { ...syn(3, 8080), src: uplink, dst: internet } },
    { name: "local-dnat-in-output-to-own-address", packet: { ...syn(4, 8081), src: uplink, dst: internet } },
    { name: "local-redirect-in-output", packet: { ...syn(5, 8082), src: uplink, dst: internet } },
    { name: `local-${lo}-udp-notrack-after-loop`, packet: { ...router, proto: "udp", sport: firstPort + 6, dport: 53, src: loopback, dst: loopback } },
    { name: `local-${lo}-dropped-in-input`, packet: { ...syn(7, 81), src: loopback, dst: loopback } },
    { name: `local-${lo}-masquerade-on-lo`, packet: { ...syn(8, 9001), src: loopback, dst: loopback } },
    { name: `local-${lo}-snat-on-lo`, packet: { ...syn(9, 9002), src: loopback, dst: loopback } },
    { name: "local-loopback-source-dnat-to-uplink-route", packet: { ...syn(10, 9000), src: loopback, dst: loopback } },
  ];
}

/**
 * The cases of the brief: container → internet (TCP SYN 443, ICMP echo), container → container
 * on the same and on another bridge, internet → the uplink address on a published port (only
 * when the file DNATs; 8080) and on an unpublished one, internet → a container's address, and the
 * router itself → a container. Each case has its own source port, so no two share a connection.
 */
export function dockerCases(ruleset: DockerRuleset, rulesText: string): TraceCase[] {
  if (ruleset.cases) return ruleset.cases(ruleset);
  const { topology, family } = ruleset;
  const [main, other] = topology.bridges;
  const [c1, c2] = main.containers;
  const c3 = other.containers[0];
  const internet = family === 4 ? topology.internetHostIpv4 : topology.internetHostIpv6;
  const uplink = family === 4 ? topology.routerUplinkIpv4.address : topology.routerUplinkIpv6.address;
  const fromC1 = { kind: "container" as const, namespace: c1.namespace };
  const tcp = (sport: number, dport: number) => ({ proto: "tcp" as const, sport, dport, tcpFlags: ["SYN"] });
  const cases: TraceCase[] = [
    { name: "container-to-internet-tcp443", packet: { family, origin: fromC1, src: addressOf(family, c1), dst: internet, ...tcp(40001, 443) } },
    {
      name: "container-to-internet-icmp",
      packet: { family, origin: fromC1, src: addressOf(family, c1), dst: internet, proto: "icmp", icmpType: family === 4 ? 8 : 128 },
    },
    { name: "container-to-container-same-bridge", packet: { family, origin: fromC1, src: addressOf(family, c1), dst: addressOf(family, c2), ...tcp(40003, 80) } },
    { name: "container-to-container-other-bridge", packet: { family, origin: fromC1, src: addressOf(family, c1), dst: addressOf(family, c3), ...tcp(40004, 80) } },
  ];
  if (/-j DNAT/.test(rulesText)) {
    cases.push({ name: "internet-to-published-port", packet: { family, origin: { kind: "internet" }, src: internet, dst: uplink, ...tcp(40005, 8080) } });
  }
  cases.push(
    { name: "internet-to-unpublished-port", packet: { family, origin: { kind: "internet" }, src: internet, dst: uplink, ...tcp(40006, 9999) } },
    { name: "internet-to-container-address", packet: { family, origin: { kind: "internet" }, src: internet, dst: addressOf(family, c1), ...tcp(40007, 80) } },
    { name: "router-to-container", packet: { family, origin: { kind: "router" }, src: gatewayOf(family, main), dst: addressOf(family, c1), ...tcp(40008, 80) } },
  );
  return cases;
}
