/**
 * The fast kernel side of differential testing: ONE test network and ONE monitor per family for a
 * whole run, and a packet server in every namespace, so that a case costs a ruleset load and a
 * packet rather than a network build, a monitor start and an hping3 run.
 *
 * Per case: `nft flush ruleset` plus the tracer table (one nft batch), iptables-nft-restore (or
 * ip6tables-nft-restore), iptables-nft-save, `conntrack -F`, then the packet is sent from its
 * namespace's packet server, and a sentinel (an nft table added and deleted, named after the
 * case) is committed. The monitor reads trace messages and ruleset events from one netlink socket
 * in the order the kernel sent them, so everything the packet caused lies between the output
 * position before sending and the sentinel's event.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createNetwork, deleteNetwork, makeTopology, namespacesOf, runIn, runInOk, runOk, type Topology } from "./netns.ts";
import { maskTraceIds, type TraceFixture } from "./record-traces.ts";
import {
  expectedSources,
  indexRuleTexts,
  monitorCommand,
  normaliseSave,
  parseMonitorOutput,
  parseNftMonitorOutput,
  senderNamespace,
  snapshotHost,
  tracerRuleset,
  TRACER_TABLE,
  type Family,
  type HostSnapshot,
  type PacketSpec,
  type RuleTextIndex,
} from "./trace.ts";

/**
 * The network of the differential cases: br-dummy (two containers) and docker0 (one container),
 * both with IPv4 and IPv6, like the moby test network, under namespace names of their own so that
 * a differential run never collides with the golden-trace suite's `ipt-r`.
 */
export const DIFF_TOPOLOGY: Topology = {
  ...makeTopology([
    {
      name: "br-dummy",
      ipv4: { address: "192.168.0.1", prefixLength: 24 },
      ipv6: { address: "fd49:efd7:54aa::ffff", prefixLength: 64 },
      containers: [
        { namespace: "ipt-d1", ipv4: "192.168.0.2", ipv6: "fd49:efd7:54aa::1" },
        { namespace: "ipt-d2", ipv4: "192.168.0.3", ipv6: "fd49:efd7:54aa::3" },
      ],
    },
    {
      name: "docker0",
      ipv4: { address: "172.17.0.1", prefixLength: 16 },
      ipv6: { address: "fd00:17::1", prefixLength: 64 },
      containers: [{ namespace: "ipt-d3", ipv4: "172.17.0.2", ipv6: "fd00:17::2" }],
    },
  ]),
  router: "ipt-dr",
  internet: "ipt-dinet",
};

/** A case for the kernel: a restore text for one family and the packet. */
export interface DiffCase {
  /** Name used in fixture files and messages, e.g. `seed-12`. */
  readonly name: string;
  /** iptables-restore input for the packet's family. */
  readonly input: string;
  readonly packet: PacketSpec;
}

/** A recorded differential case: a trace fixture plus the input it was loaded from. */
export interface DiffFixture extends TraceFixture {
  readonly name: string;
  /** The restore text that was loaded (the generator's canonical save text). */
  readonly input: string;
  readonly seed?: number;
}

const PACKET_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), "packet-server.py");
const TOOL_ENV = { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH ?? "/usr/bin:/bin"}`, LC_ALL: "C" };

/** A long-running process whose stdout is collected; waits for text to appear in it. */
class Collector {
  output = "";
  stderr = "";
  exited = false;
  private readonly waiters = new Set<() => void>();
  readonly child: ChildProcessWithoutNullStreams;

  constructor(argv: readonly string[]) {
    this.child = spawn(argv[0], argv.slice(1), { env: TOOL_ENV, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.output += chunk;
      for (const w of [...this.waiters]) w();
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.child.stdin.on("error", () => undefined);
    this.child.on("close", () => {
      this.exited = true;
      for (const w of [...this.waiters]) w();
    });
  }

  /** Resolves with the index of `text` at or after `from`; rejects after timeoutMs or on exit. */
  waitFor(text: string, from: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const at = this.output.indexOf(text, from);
        if (at >= 0) {
          cleanup();
          resolve(at);
        } else if (this.exited) {
          cleanup();
          reject(new Error(`${this.child.spawnargs.join(" ")} exited: ${this.stderr.trim()}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out (${timeoutMs} ms) waiting for ${JSON.stringify(text)} from ${this.child.spawnargs.slice(-3).join(" ")}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Drops collected output before `index` (keeps memory flat over thousands of cases). */
  trim(index: number): void {
    this.output = this.output.slice(index);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.child.on("close", () => resolve()));
    this.child.stdin.end();
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2_000);
    await closed;
    clearTimeout(timer);
  }
}

async function macOf(ns: string, dev: string): Promise<string> {
  const links = JSON.parse((await runInOk(ns, ["ip", "-j", "link", "show", "dev", dev])).stdout) as Array<{ address: string }>;
  return links[0].address;
}

/**
 * Permanent neighbour entries for every next hop of the network. IPv6 neighbour discovery runs
 * through ip6tables (INPUT/OUTPUT, and FORWARD between bridge ports), so a case's ruleset could
 * otherwise keep a container from ever learning its gateway, and whether a later case's packet
 * leaves at all would depend on the cases before it.
 */
async function addStaticNeighbours(topology: Topology): Promise<void> {
  const { router, internet, uplink } = topology;
  const lines = new Map<string, string[]>();
  const add = (ns: string, line: string) => lines.set(ns, [...(lines.get(ns) ?? []), line]);
  const routerUplinkMac = await macOf(router, uplink);
  const internetMac = await macOf(internet, uplink);
  for (const a of [topology.internetUplinkIpv4, topology.internetUplinkIpv6]) add(router, `neigh replace ${a.address} lladdr ${internetMac} nud permanent dev ${uplink}`);
  for (const a of [topology.routerUplinkIpv4, topology.routerUplinkIpv6]) add(internet, `neigh replace ${a.address} lladdr ${routerUplinkMac} nud permanent dev ${uplink}`);
  for (const bridge of topology.bridges) {
    const bridgeMac = await macOf(router, bridge.name);
    const macs = new Map<string, string>();
    for (const c of bridge.containers) macs.set(c.namespace, await macOf(c.namespace, "eth0"));
    for (const c of bridge.containers) {
      for (const a of [c.ipv4, c.ipv6]) if (a) add(router, `neigh replace ${a} lladdr ${macs.get(c.namespace)} nud permanent dev ${bridge.name}`);
      for (const a of [bridge.ipv4?.address, bridge.ipv6?.address]) if (a) add(c.namespace, `neigh replace ${a} lladdr ${bridgeMac} nud permanent dev eth0`);
      for (const other of bridge.containers) {
        if (other === c) continue;
        for (const a of [other.ipv4, other.ipv6]) if (a) add(c.namespace, `neigh replace ${a} lladdr ${macs.get(other.namespace)} nud permanent dev eth0`);
      }
    }
  }
  for (const [ns, batch] of lines) await runOk(["ip", "-n", ns, "-batch", "-"], { input: `${batch.join("\n")}\n` });
}

/** Timing of the kernel side, in milliseconds summed over cases. */
export interface SessionTimes {
  cases: number;
  load: number;
  send: number;
  drain: number;
}

/**
 * One test network with its monitors and packet servers. Open it, run many cases, close it
 * (also on failure: `withSession`).
 */
export class KernelSession {
  private readonly monitors = new Map<Family, Collector>();
  private readonly senders = new Map<string, Collector>();
  private host!: HostSnapshot;
  private sentinel = 0;
  readonly times: SessionTimes = { cases: 0, load: 0, send: 0, drain: 0 };

  private constructor(readonly topology: Topology) {}

  /**
   * Builds the network and starts the monitors and packet servers. `quiet` (for flows): the
   * containers and the internet host drop what they receive, so that no RST or ICMP error of
   * theirs changes a connection between the packets the test sends, and the router's conntrack
   * judges TCP by its flags alone (nf_conntrack_tcp_be_liberal: the test's packets carry no
   * consistent sequence numbers, and iptrace does not model them).
   */
  static async open(topology: Topology = DIFF_TOPOLOGY, options: { quiet?: boolean } = {}): Promise<KernelSession> {
    const session = new KernelSession(topology);
    try {
      await createNetwork(topology);
      await addStaticNeighbours(topology);
      if (options.quiet) await quieten(topology);
      await runInOk(topology.router, ["nft", "flush", "ruleset"]);
      session.host = await snapshotHost(topology);
      for (const family of [4, 6] as const) {
        // -4: xtables-monitor 1.8.9 can exit on IPv6 rules it cannot print; IPv6 uses nft monitor.
        const argv = family === 4 ? [...monitorCommand(4), "-4"] : monitorCommand(6);
        session.monitors.set(family, new Collector(["stdbuf", "-oL", "ip", "netns", "exec", topology.router, ...argv]));
      }
      // Ready when a sentinel shows up in both (bounded: 30 tries of 100 ms).
      let ready = false;
      for (let attempt = 0; attempt < 30 && !ready; attempt++) {
        try {
          await session.sync(4, 100);
          await session.sync(6, 100);
          ready = true;
        } catch {
          // not listening yet
        }
      }
      if (!ready) throw new Error(`monitors did not start: ${[...session.monitors.values()].map((m) => m.stderr.trim()).join("; ")}`);
      for (const ns of namespacesOf(topology)) {
        if (ns === topology.internet || ns === topology.router || topology.bridges.some((b) => b.containers.some((c) => c.namespace === ns))) {
          session.senders.set(ns, new Collector(["ip", "netns", "exec", ns, "python3", "-u", PACKET_SERVER]));
        }
      }
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** Commits a sentinel table and waits until `family`'s monitor printed it; returns its index. */
  private async sync(family: Family, timeoutMs = 3_000, from?: number): Promise<number> {
    const name = `ipt_s${++this.sentinel}x`;
    const monitor = this.monitors.get(family)!;
    const start = from ?? monitor.output.length;
    await runInOk(this.topology.router, ["nft", "-f", "-"], { input: `add table ip ${name}\ndelete table ip ${name}\n` });
    // xtables-monitor prints "… table ipt_s1x …"; nft monitor "add table ip ipt_s1x".
    return monitor.waitFor(name, start, timeoutMs);
  }

  /** Runs one case through the kernel and returns its fixture. */
  async run(c: DiffCase): Promise<DiffFixture> {
    const t0 = Date.now();
    const loaded = await this.load(c.name, c.input, c.packet);
    const t1 = Date.now();
    const sent = await this.send(c.name, c.packet, loaded.texts);
    Object.assign(this.times, {
      cases: this.times.cases + 1,
      load: this.times.load + (t1 - t0),
      send: this.times.send + sent.sendMs,
      drain: this.times.drain + sent.drainMs,
    });
    return this.fixture(c.name, c.input, c.packet, loaded.kernelSave, sent);
  }

  /**
   * Runs the packets of one flow through a ruleset loaded once, one after another, so that the
   * connection each packet leaves in conntrack is there for the next (a reply, a second packet).
   * Open the session with `quiet` for flows, so that the endpoints' own answers do not change it.
   */
  async runFlow(name: string, input: string, packets: readonly PacketSpec[]): Promise<DiffFixture[]> {
    const loaded = await this.load(name, input, packets);
    const out: DiffFixture[] = [];
    for (const [k, packet] of packets.entries()) {
      const sent = await this.send(`${name}-${k}`, packet, loaded.texts);
      out.push(this.fixture(`${name}-${k}`, input, packet, loaded.kernelSave, sent));
    }
    return out;
  }

  /** The test network's addresses and routes as `ip -j` printed them when the session opened. */
  get hostSnapshot(): HostSnapshot {
    return this.host;
  }

  /** Flushes the router's ruleset, loads the tracer for `packets` and the case's rules, and clears conntrack. */
  private async load(name: string, input: string, packets: PacketSpec | readonly PacketSpec[]): Promise<{ kernelSave: string; texts: RuleTextIndex | undefined }> {
    const r = this.topology.router;
    const packet = Array.isArray(packets) ? (packets[0] as PacketSpec) : (packets as PacketSpec);
    await runInOk(r, ["nft", "-f", "-"], { input: `flush ruleset\n${tracerRuleset(packets)}` });
    const restore = packet.family === 4 ? "iptables-nft-restore" : "ip6tables-nft-restore";
    const loaded = await runIn(r, [restore], { input });
    if (loaded.code !== 0) throw new Error(`${name}: ${restore} refused the ruleset: ${loaded.stderr.trim()}\n${input}`);
    const save = packet.family === 4 ? "iptables-nft-save" : "ip6tables-nft-save";
    const kernelSave = normaliseSave((await runInOk(r, [save])).stdout);
    await runIn(r, ["conntrack", "-F", "-f", packet.family === 4 ? "ipv4" : "ipv6"]);
    let texts: RuleTextIndex | undefined;
    if (packet.family === 6) {
      const listings: Record<string, string> = {};
      for (const m of kernelSave.matchAll(/^\*(\S+)/gm)) listings[m[1]] = (await runInOk(r, ["nft", "-a", "list", "table", "ip6", m[1]])).stdout;
      texts = indexRuleTexts(listings, kernelSave);
    }
    return { kernelSave, texts };
  }

  /** Sends one packet from its namespace's packet server and reads the kernel's trace of it. */
  private async send(name: string, packet: PacketSpec, texts: RuleTextIndex | undefined): Promise<{ trace: ReturnType<typeof parseMonitorOutput>; raw: string; sendMs: number; drainMs: number }> {
    const { topology } = this;
    if (!expectedSources(topology, packet).includes(packet.src)) {
      throw new Error(`${name}: source ${packet.src} is not an address of the ${packet.origin.kind} namespace`);
    }
    const t1 = Date.now();
    const monitor = this.monitors.get(packet.family)!;
    const start = monitor.output.length;
    const sender = this.senders.get(senderNamespace(topology, packet.origin))!;
    const answerAt = sender.output.length;
    sender.child.stdin.write(
      `${JSON.stringify({
        family: packet.family,
        src: packet.src,
        dst: packet.dst,
        proto: packet.proto,
        sport: packet.sport,
        dport: packet.dport,
        flags: (packet.tcpFlags ?? ["SYN"]).join(","),
        icmpType: packet.icmpType,
      })}\n`,
    );
    const lineEnd = await sender.waitFor("\n", answerAt, 5_000);
    const answer = sender.output.slice(answerAt, lineEnd);
    sender.trim(lineEnd + 1);
    if (answer !== "ok") throw new Error(`${name}: sending failed: ${answer}`);
    const t2 = Date.now();
    const end = await this.sync(packet.family, 3_000, start);
    const raw = monitor.output.slice(start, end);
    monitor.trim(end);
    const t3 = Date.now();
    // nft monitor knows only the rules that existed when it started; later ones print as
    // "unknown rule handle N (verdict …)", still with the handle that indexes the rule text.
    const trace = texts ? parseNftMonitorOutput(raw.replace(/ unknown rule handle (\d+) \(verdict /g, " rule # handle $1 (verdict "), texts) : parseMonitorOutput(raw);
    return { trace, raw, sendMs: t2 - t1, drainMs: t3 - t2 };
  }

  private fixture(name: string, input: string, packet: PacketSpec, kernelSave: string, sent: { trace: ReturnType<typeof parseMonitorOutput>; raw: string }): DiffFixture {
    return {
      name,
      ruleset: name,
      input,
      topology: this.topology,
      packet,
      host: this.host,
      kernelSave,
      steps: sent.trace.steps,
      packetLines: sent.trace.packetLines,
      monitor: packet.family === 4 ? "xtables-monitor" : "nft monitor",
      raw: maskTraceIds(sent.raw),
    };
  }

  async close(): Promise<void> {
    for (const c of [...this.senders.values(), ...this.monitors.values()]) await c.stop();
    await runIn(this.topology.router, ["nft", "delete", "table", "inet", TRACER_TABLE]);
    await deleteNetwork(this.topology);
  }
}

/** The endpoints drop what they receive, but neighbour discovery; the router's TCP conntrack is liberal (see KernelSession.open). */
export async function quieten(topology: Topology): Promise<void> {
  const chain = "type filter hook input priority 0; policy drop; icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept;";
  const endpoints = [topology.internet, ...topology.bridges.flatMap((b) => b.containers.map((c) => c.namespace))];
  for (const ns of endpoints) await runInOk(ns, ["nft", "-f", "-"], { input: `table inet ipt-quiet {\n  chain in { ${chain} }\n}\n` });
  await runInOk(topology.router, ["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_be_liberal=1"]);
}

/** Opens a session, runs `body`, and always closes it. */
export async function withSession<T>(body: (session: KernelSession) => Promise<T>, topology: Topology = DIFF_TOPOLOGY, options: { quiet?: boolean } = {}): Promise<T> {
  const session = await KernelSession.open(topology, options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
