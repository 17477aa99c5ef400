/**
 * Differential testing of connections against the kernel, from the command line (root, kernel
 * tools installed). For each seed: the generated ruleset and packet (generateCase), the reply to
 * where iptrace says that packet went (from the namespace that has that address), then the first
 * packet again; the kernel traces the three one after another through the ruleset loaded once,
 * and iptrace's traceFlow of the same packets must take the same steps, packet for packet.
 *
 *   npm run kernel:fuzz-flows                     fresh random seeds (each printed), 200 flows
 *   npm run kernel:fuzz-flows -- --count 1000     more of them
 *   npm run kernel:fuzz-flows -- --seed 17,42     replay these seeds
 *
 * A differing flow prints its packets and first differing step, and is kept under
 * fixtures/kernel-diff/found/flow-<seed>-<k>.json (one file per packet) for a look.
 *
 * What iptrace does not model stays out of the comparison, and the summary counts it: seeds
 * whose first packet is for the router itself or is a TCP packet REJECT answers are skipped; a
 * flow is compared only up to a later TCP packet REJECT answers, or a packet whose NAT pick
 * iptrace guessed; no reply goes to an address nobody has on the replier's own link.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { familyOf, netContains, parseIp, parseNet } from "../../src/net/ip.js";
import { tracePacket } from "../../src/sim/index.js";
import { compareFlow, describeDifference, guessedNat, KERNEL_DIFF_DIR, sentLength } from "../diff/compare.ts";
import { inputsOf, type KernelCase } from "../sim/kernel-fixtures.ts";
import { DIFF_TOPOLOGY, withSession, type KernelSession } from "./differential.ts";
import { fuzzSeeds, generateCase } from "./generate.ts";
import { assertKernelUsable, findContainer, subnetOf, type InterfaceAddress } from "./netns.ts";
import { writeFixture } from "./record-diff.ts";
import { expectedSources, type Origin, type PacketSpec } from "./trace.ts";

/** The ICMP queries the generator sends and their answers (echo, timestamp; ICMPv6 echo). */
const ICMP_ANSWER: Readonly<Record<number, number>> = { 8: 0, 13: 14, 128: 129 };

/** Where a packet to `address` is answered from: the namespace that has it, or undefined (nobody, or the loopback). */
function ownerOf(address: string): Origin | undefined {
  if (address === "127.0.0.1" || address === "::1") return undefined;
  const origins: Origin[] = [
    ...DIFF_TOPOLOGY.bridges.flatMap((b) => b.containers.map((c) => ({ kind: "container" as const, namespace: c.namespace }))),
    { kind: "internet" },
    { kind: "router" },
  ];
  return origins.find((o) => expectedSources(DIFF_TOPOLOGY, { family: 4, origin: o, src: address, dst: address, proto: "udp" }).includes(address));
}

/** The case as a kernel case for inputsOf, before the kernel has traced it (the generator's text stands for the kernel's save). */
function asCase(session: KernelSession, input: string, packet: PacketSpec): KernelCase {
  return { file: "flow", ruleset: "flow", topology: DIFF_TOPOLOGY, packet, host: session.hostSnapshot, kernelSave: input, steps: [] } as unknown as KernelCase;
}

/**
 * Whether a packet from `origin` to `address` ends at its own neighbour lookup: the address is on
 * the origin's link, so it asks for it there rather than sending to the router, and no namespace
 * has it (a NAT address, say). The kernel then traces nothing; iptrace, which does not know the
 * sender's neighbours, cannot tell (a documented limit), so such a reply is not sent.
 */
function unanswered(origin: Origin, address: string): boolean {
  const bridge = origin.kind === "container" ? findContainer(DIFF_TOPOLOGY, origin.namespace).bridge : undefined;
  const links: (InterfaceAddress | undefined)[] = bridge
    ? [bridge.ipv4, bridge.ipv6]
    : origin.kind === "internet"
      ? [DIFF_TOPOLOGY.internetUplinkIpv4, DIFF_TOPOLOGY.internetUplinkIpv6]
      : [];
  const family = familyOf(address);
  const value = family !== undefined ? parseIp(address, family) : undefined;
  if (family === undefined || value === undefined) return false;
  const onLink = links.some((l) => {
    if (l === undefined) return false;
    const net = parseNet(subnetOf(l), family);
    return typeof net !== "string" && net.family === family && netContains(net, value);
  });
  return onLink && ownerOf(address) === undefined;
}

/**
 * The flow of a seed: its packet, the reply iptrace expects to come back (when iptrace accepts
 * the packet on one path and its final destination belongs to a namespace; for ICMP the answer
 * to a query, with the packet servers' fixed identifier), and the packet again (TCP: with flags
 * by the seed). Undefined for a packet to the router itself, and for a TCP packet that REJECT
 * answered with a RST.
 */
function flowOf(session: KernelSession, seed: number): { input: string; packets: PacketSpec[] } | undefined {
  const c = generateCase(seed);
  const first = c.packet;
  const { ruleset, host, packet } = inputsOf(asCase(session, c.input, first));
  const t = tracePacket(ruleset, { ...packet, length: sentLength(first) }, { host });
  // a packet for the router itself meets its TCP/UDP stack, which answers (RST, port
  // unreachable) and so changes the connection between the test's packets
  if (t.path === "input" || t.path === "loopback") return undefined;
  // REJECT --reject-with tcp-reset: the kernel's RST confirms the rejected connection, which
  // iptrace does not keep (a documented limit)
  if (t.verdict === "REJECT" && first.proto === "tcp") return undefined;
  // the later packet of the same side: for TCP, flags by the seed (what comes after a handshake,
  // a close, a reset, a retransmitted SYN)
  const tcpLater = [["ACK"], ["PSH", "ACK"], ["FIN", "ACK"], ["RST"], ["SYN"]];
  const again: PacketSpec = first.proto === "tcp" ? { ...first, tcpFlags: tcpLater[seed % tcpLater.length] } : first;
  const to = t.packet;
  // a NAT range the kernel picks from by hash: iptrace's pick (the first address and port) need
  // not be the kernel's, so a reply addressed by it may miss the connection
  const guessed = t.steps.some(guessedNat);
  const owner = t.verdict === "ACCEPT" && t.outcomes === undefined && !guessed ? ownerOf(to.dst) : undefined;
  const answerable = first.proto === "icmp" ? ICMP_ANSWER[first.icmpType ?? -1] !== undefined : to.sport !== undefined && to.dport !== undefined;
  if (owner === undefined || !answerable) return { input: c.input, packets: [first, again] };
  // a reply to the router meets its stack too, whose answer the tracer of the first packet can
  // take for it: no reply then
  if (first.origin.kind === "router") return { input: c.input, packets: [first, again] };
  // a reply from the sender's own namespace (NAT sent the packet back there), or to the replier
  // itself (NAT gave the packet its address as source), never reaches the router
  if (JSON.stringify(owner) === JSON.stringify(first.origin) || to.src === to.dst) return { input: c.input, packets: [first, again] };
  // a reply to an address on the replier's own link that nobody has never leaves the replier
  if (unanswered(owner, to.src)) return { input: c.input, packets: [first, again] };
  return { input: c.input, packets: [first, replyTo(first, to, owner), again] };
}

/** The reply to `first`, which left the router as `to`, sent from `owner`. */
function replyTo(first: PacketSpec, to: { src: string; dst: string; sport?: number; dport?: number }, owner: Origin): PacketSpec {
  if (first.proto === "icmp") return { family: first.family, origin: owner, src: to.dst, dst: to.src, proto: "icmp", icmpType: ICMP_ANSWER[first.icmpType ?? -1] };
  return {
    family: first.family,
    origin: owner,
    src: to.dst,
    dst: to.src,
    proto: first.proto,
    sport: to.dport,
    dport: to.sport,
    ...(first.proto === "tcp" ? { tcpFlags: first.tcpFlags?.includes("SYN") && !first.tcpFlags.includes("ACK") ? ["SYN", "ACK"] : ["ACK"] } : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: "string" }, seed: { type: "string" }, quiet: { type: "boolean" } } });
  await assertKernelUsable();
  const seeds = fuzzSeeds(values.seed, values.count);
  const started = Date.now();
  let agree = 0;
  let replies = 0;
  let skipped = 0;
  let cutShort = 0;
  let guessedShort = 0;
  const differing: string[] = [];
  await withSession(
    async (session) => {
      for (const seed of seeds) {
        const flow = flowOf(session, seed);
        if (flow === undefined) {
          skipped++;
          continue;
        }
        if (flow.packets.length === 3) replies++;
        const fixtures = await session.runFlow(`flow-${seed}`, flow.input, flow.packets);
        const cases = fixtures.map((f) => ({ ...f, file: f.name }) as unknown as KernelCase);
        let results;
        try {
          results = compareFlow(cases);
        } catch (error) {
          console.log(`seed ${seed}: iptrace threw: ${(error as Error).message}`);
          differing.push(String(seed));
          continue;
        }
        // a later packet that REJECT answers with a TCP RST: the kernel traces that RST too, in
        // among the rejected packet's steps, and it changes the connection (the limit flowOf skips
        // first packets for); the flow is compared up to that packet
        // (compareFlow itself ends with a packet whose NAT pick iptrace guessed)
        if (results.length < flow.packets.length) guessedShort++;
        const cut = results.findIndex((r, k) => r.verdict === "REJECT" && flow.packets[k].proto === "tcp");
        if (cut >= 0) {
          results = results.slice(0, cut);
          cutShort++;
        }
        const bad = results.findIndex((r) => !r.agree);
        if (bad < 0) {
          agree++;
          if (!values.quiet) console.log(`seed ${seed}: agree (${flow.packets.length} ${flow.packets[0].proto} packets)`);
          continue;
        }
        differing.push(String(seed));
        for (const f of fixtures) await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), { ...f, seed });
        console.log(`seed ${seed}: DIFFERENT at packet ${bad} of ${flow.packets.length}: ${flow.packets.map((p) => JSON.stringify(p)).join(" then ")}\n${describeDifference({ ...cases[bad], name: fixtures[bad].name }, results[bad])}\n`);
      }
    },
    DIFF_TOPOLOGY,
    { quiet: true },
  );
  const ran = seeds.length - skipped;
  console.log(`${ran} flows (${replies} with a reply; ${skipped} seeds skipped: a first packet for the router itself, or a TCP one REJECT answered; ${cutShort} compared only up to a later TCP packet REJECT answered, ${guessedShort} up to a NAT pick iptrace guessed), ${agree} agree, ${differing.length} differ${differing.length ? ` (seeds ${differing.join(",")})` : ""}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = differing.length > 0 ? 1 : 0;
}

await main();
