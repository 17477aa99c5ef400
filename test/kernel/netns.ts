/**
 * Test networks for the kernel side of iptrace: network namespaces, veth pairs and Linux bridges.
 *
 * Everything lives in namespaces whose names start with `ipt-`; the root namespace's rules and
 * interfaces are never touched (SEMANTICS.md, "Running the kernel here"). Every command runs with a
 * timeout, and `deleteNetwork` is safe to call twice and also clears what a crashed run left.
 */
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

/** Prefix of every namespace this project creates; leftovers with it are deleted before a run. */
export const NAMESPACE_PREFIX = "ipt-";

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly argv: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code, or null when the process was killed by a signal (e.g. on timeout). */
  readonly code: number | null;
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string;
  /** Killed (SIGKILL) after this many milliseconds; default 10 s. */
  readonly timeoutMs?: number;
}

/** A command failed; the message names the command, its exit code and its stderr. */
export class CommandError extends Error {
  constructor(readonly result: CommandResult) {
    super(
      `command failed (${result.timedOut ? "timed out" : `exit ${result.code}`}): ${result.argv.join(" ")}\n${result.stderr.trim()}`,
    );
  }
}

/** sbin is not on every PATH (CI runs with a plain environment); the tools live there. */
const TOOL_PATH = ["/usr/local/sbin", "/usr/sbin", "/sbin", process.env.PATH ?? "/usr/bin:/bin"].join(":");

/** Runs argv (no shell) with a timeout; never throws for a non-zero exit. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, PATH: TOOL_PATH, LC_ALL: "C" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${argv[0]}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ argv, stdout, stderr, code, timedOut });
    });
    // A command that exits before reading its input closes the pipe; that is not our error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Runs argv and throws a CommandError unless it exits with 0. */
export async function runOk(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const result = await run(argv, options);
  if (result.code !== 0 || result.timedOut) throw new CommandError(result);
  return result;
}

/** The argv that runs `argv` inside network namespace `ns`. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/** Runs argv inside namespace `ns`; never throws for a non-zero exit. */
export function runIn(ns: string, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return run(inNamespace(ns, argv), options);
}

/** Runs argv inside namespace `ns` and throws unless it exits with 0. */
export function runInOk(ns: string, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return runOk(inNamespace(ns, argv), options);
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

/** Programs the kernel tests need (Debian: iptables nftables conntrack hping3 iproute2 ipset nfacct python3). */
export const REQUIRED_TOOLS = [
  "ip",
  "nft",
  "iptables-nft-restore",
  "iptables-nft-save",
  "ip6tables-nft-restore",
  "ip6tables-nft-save",
  "xtables-monitor",
  "conntrack",
  "hping3",
  "python3",
  "stdbuf",
  "sysctl",
  "ipset",
  "nfacct",
] as const;

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a program on the tool PATH, or returns undefined. */
export async function findTool(name: string): Promise<string | undefined> {
  for (const dir of TOOL_PATH.split(":")) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Lists why the kernel tests cannot run here (empty when they can): not root, a missing tool,
 * or namespaces that cannot be created. Callers fail with these reasons; they never skip.
 */
export async function kernelProblems(): Promise<string[]> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("not running as root (network namespaces need CAP_SYS_ADMIN)");
  for (const tool of REQUIRED_TOOLS) {
    if (!(await findTool(tool))) problems.push(`missing tool: ${tool} (run .ci/install-kernel-deps.sh)`);
  }
  if (problems.length > 0) return problems;
  const probe = `${NAMESPACE_PREFIX}probe`;
  await run(["ip", "netns", "del", probe]);
  const added = await run(["ip", "netns", "add", probe]);
  if (added.code !== 0) {
    problems.push(`cannot create a network namespace: ${added.stderr.trim()}`);
  } else {
    const nft = await runIn(probe, ["nft", "list", "ruleset"]);
    if (nft.code !== 0) problems.push(`nft does not work in a namespace: ${nft.stderr.trim()}`);
    await run(["ip", "netns", "del", probe]);
  }
  return problems;
}

/** Throws an Error listing every problem found by kernelProblems(). */
export async function assertKernelUsable(): Promise<void> {
  const problems = await kernelProblems();
  if (problems.length > 0) throw new Error(`kernel tests cannot run here:\n- ${problems.join("\n- ")}`);
}

// ---------------------------------------------------------------------------------------------
// Topology

/** An address with its prefix length, e.g. { address: "172.17.0.1", prefixLength: 16 }. */
export interface InterfaceAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/** A container: a namespace with `eth0` on a bridge of the router. */
export interface ContainerSpec {
  /** Namespace name, must start with `ipt-`. */
  readonly namespace: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** A Linux bridge on the router, with its gateway addresses and the containers on it. */
export interface BridgeSpec {
  /** Interface name on the router (at most 15 characters), e.g. `docker0` or `br-dummy`. */
  readonly name: string;
  readonly ipv4?: InterfaceAddress;
  readonly ipv6?: InterfaceAddress;
  readonly containers: readonly ContainerSpec[];
}

/** The whole test network. Router and internet namespace names and addresses are fixed below. */
export interface Topology {
  readonly router: string;
  readonly internet: string;
  /** Router's uplink interface name (also `eth0` in the internet namespace). */
  readonly uplink: string;
  readonly routerUplinkIpv4: InterfaceAddress;
  readonly internetUplinkIpv4: InterfaceAddress;
  readonly routerUplinkIpv6: InterfaceAddress;
  readonly internetUplinkIpv6: InterfaceAddress;
  /** The "internet host": an address on the internet namespace's loopback. */
  readonly internetHostIpv4: string;
  readonly internetHostIpv6: string;
  readonly bridges: readonly BridgeSpec[];
  /** net.bridge.bridge-nf-call-iptables/ip6tables in the router (Docker turns them on). */
  readonly bridgeNetfilter: boolean;
}

/**
 * Builds a Topology with the fixed router/internet part. IPv4 "internet" addresses come from the
 * documentation ranges 198.51.100.0/24 and 203.0.113.0/24; IPv6 ones from 2001:db8::/32, the
 * IPv6 documentation prefix.
 */
export function makeTopology(bridges: readonly BridgeSpec[], bridgeNetfilter = true): Topology {
  for (const bridge of bridges) {
    if (bridge.name.length > 15) throw new Error(`bridge name too long for Linux: ${bridge.name}`);
    for (const c of bridge.containers) {
      if (!c.namespace.startsWith(NAMESPACE_PREFIX)) throw new Error(`namespace without ${NAMESPACE_PREFIX}: ${c.namespace}`);
    }
  }
  return {
    router: `${NAMESPACE_PREFIX}r`,
    internet: `${NAMESPACE_PREFIX}inet`,
    uplink: "eth0",
    routerUplinkIpv4: { address: "198.51.100.1", prefixLength: 24 },
    internetUplinkIpv4: { address: "198.51.100.2", prefixLength: 24 },
    routerUplinkIpv6: { address: "2001:db8:100::1", prefixLength: 64 },
    internetUplinkIpv6: { address: "2001:db8:100::2", prefixLength: 64 },
    internetHostIpv4: "203.0.113.10",
    internetHostIpv6: "2001:db8:203::10",
    bridges,
    bridgeNetfilter,
  };
}

/** Network prefix of an address, e.g. 172.17.0.1/16 → "172.17.0.0/16" (IPv4 and IPv6). */
export function subnetOf(a: InterfaceAddress): string {
  if (!a.address.includes(":")) {
    const n = a.address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = a.prefixLength === 0 ? 0 : Number((0xffffffffn << BigInt(32 - a.prefixLength)) & 0xffffffffn);
    const net = Number(BigInt(n) & BigInt(mask));
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${a.prefixLength}`;
  }
  const value = ipv6ToBigInt(a.address);
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - a.prefixLength)) - 1n);
  return `${bigIntToIpv6(value & mask)}/${a.prefixLength}`;
}

function ipv6ToBigInt(address: string): bigint {
  const [head, tail = ""] = address.split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = address.includes("::") ? (tail ? tail.split(":") : []) : [];
  const zeros = 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(address.includes("::") ? zeros : 0).fill("0"), ...tailParts];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Shorten the longest run of zero groups, as inet_ntop does.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength) { best = i; bestLength = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}

/** Every namespace of a topology, router first. */
export function namespacesOf(topology: Topology): string[] {
  return [topology.router, topology.internet, ...topology.bridges.flatMap((b) => b.containers.map((c) => c.namespace))];
}

/** Finds the container whose namespace is `namespace`, with its bridge. */
export function findContainer(topology: Topology, namespace: string): { bridge: BridgeSpec; container: ContainerSpec } {
  for (const bridge of topology.bridges) {
    for (const container of bridge.containers) if (container.namespace === namespace) return { bridge, container };
  }
  throw new Error(`no container ${namespace} in topology`);
}

// ---------------------------------------------------------------------------------------------
// Create and delete

/** Lists the namespaces that start with `ipt-`, from this or a previous (crashed) run. */
export async function listOwnNamespaces(): Promise<string[]> {
  const result = await runOk(["ip", "netns", "list"]);
  return result.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name): name is string => Boolean(name) && name.startsWith(NAMESPACE_PREFIX));
}

/**
 * Deletes the topology's namespaces, or, without a topology, every `ipt-` namespace (also those
 * left by a crashed run — and those of anyone else using the prefix, so tests pass a topology).
 * Processes still inside them (a monitor or hping3 of ours that outlived its run) are killed by
 * pid first, so that the namespaces really go away. Safe to call twice; never throws.
 */
export async function deleteNetwork(topology?: Topology): Promise<void> {
  let names: string[];
  try {
    const existing = await listOwnNamespaces();
    names = topology ? namespacesOf(topology).filter((n) => existing.includes(n)) : existing;
  } catch {
    return;
  }
  for (const name of names) {
    const pids = await run(["ip", "netns", "pids", name], { timeoutMs: 5_000 });
    for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await run(["ip", "netns", "del", name], { timeoutMs: 5_000 });
  }
}

async function sysctl(ns: string, settings: Record<string, string>): Promise<void> {
  const args = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  await runInOk(ns, ["sysctl", "-q", "-w", ...args]);
}

/** ip commands run in batch mode, one namespace at a time: much faster than one process each. */
async function ipBatch(ns: string | undefined, lines: readonly string[]): Promise<void> {
  const argv = ns ? ["ip", "-n", ns, "-batch", "-"] : ["ip", "-batch", "-"];
  await runOk(argv, { input: `${lines.join("\n")}\n`, timeoutMs: 20_000 });
}

/**
 * A fixed, locally administered MAC address, so that recorded `ip -j addr` output, link-local
 * IPv6 addresses and the MACSRC/MACDST of traces do not change between recordings.
 */
function mac(link: number, side: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `02:00:00:00:${hex(link)}:${hex(side)}`;
}

/**
 * Creates the topology from scratch (deleting leftovers first):
 *
 *   ipt-inet (eth0 198.51.100.2/24, lo 203.0.113.10/32) ── eth0 ipt-r (198.51.100.1/24)
 *   ipt-r: bridge per BridgeSpec (gateway addresses), one veth per container, forwarding on,
 *          default routes via the internet namespace
 *   container: eth0 with its address on the bridge subnet, default route via the gateway
 *
 * IPv6 addresses are added with `nodad` so they are usable at once (no duplicate detection).
 */
export async function createNetwork(topology: Topology): Promise<void> {
  await deleteNetwork(topology);
  const { router, internet, uplink } = topology;
  for (const ns of namespacesOf(topology)) {
    await runOk(["ip", "netns", "add", ns]);
    // Before any interface exists, so that new interfaces inherit it.
    await sysctl(ns, { "net.ipv6.conf.all.accept_dad": "0", "net.ipv6.conf.default.accept_dad": "0" });
    await runOk(["ip", "-n", ns, "link", "set", "lo", "up"]);
  }

  // Uplink: a veth pair between router and internet, `eth0` on both sides.
  await ipBatch(undefined, [
    `link add ipt-up0 address ${mac(0, 1)} netns ${router} type veth peer name ${uplink} address ${mac(0, 2)} netns ${internet}`,
  ]);
  const v4 = (a: InterfaceAddress) => `${a.address}/${a.prefixLength}`;
  const routerLines = [
    `link set ipt-up0 name ${uplink}`,
    `addr add ${v4(topology.routerUplinkIpv4)} dev ${uplink}`,
    `addr add ${v4(topology.routerUplinkIpv6)} dev ${uplink} nodad`,
    `link set ${uplink} up`,
  ];
  const internetLines = [
    `addr add ${v4(topology.internetUplinkIpv4)} dev ${uplink}`,
    `addr add ${v4(topology.internetUplinkIpv6)} dev ${uplink} nodad`,
    `link set ${uplink} up`,
    `addr add ${topology.internetHostIpv4}/32 dev lo`,
    `addr add ${topology.internetHostIpv6}/128 dev lo nodad`,
  ];

  let vethIndex = 0;
  const containerBatches: Array<[string, string[]]> = [];
  for (const [bridgeIndex, bridge] of topology.bridges.entries()) {
    routerLines.push(`link add ${bridge.name} address ${mac(0x10 + bridgeIndex, 1)} type bridge`);
    if (bridge.ipv4) routerLines.push(`addr add ${v4(bridge.ipv4)} dev ${bridge.name}`);
    if (bridge.ipv6) routerLines.push(`addr add ${v4(bridge.ipv6)} dev ${bridge.name} nodad`);
    routerLines.push(`link set ${bridge.name} up`);
    // The internet host reaches the bridge subnets through the router (for "internet → container").
    if (bridge.ipv4) internetLines.push(`route add ${subnetOf(bridge.ipv4)} via ${topology.routerUplinkIpv4.address}`);
    if (bridge.ipv6) internetLines.push(`route add ${subnetOf(bridge.ipv6)} via ${topology.routerUplinkIpv6.address}`);
    for (const container of bridge.containers) {
      const index = vethIndex++;
      const veth = `veth${index}`;
      await ipBatch(undefined, [
        `link add ${veth} address ${mac(0x20 + index, 1)} netns ${router} type veth peer name eth0 address ${mac(0x20 + index, 2)} netns ${container.namespace}`,
      ]);
      routerLines.push(`link set ${veth} master ${bridge.name}`, `link set ${veth} up`);
      const lines = ["link set eth0 up"];
      if (container.ipv4 && bridge.ipv4) {
        lines.push(`addr add ${container.ipv4}/${bridge.ipv4.prefixLength} dev eth0`);
        lines.push(`route add default via ${bridge.ipv4.address}`);
      }
      if (container.ipv6 && bridge.ipv6) {
        lines.push(`addr add ${container.ipv6}/${bridge.ipv6.prefixLength} dev eth0 nodad`);
        lines.push(`route add default via ${bridge.ipv6.address}`);
      }
      containerBatches.push([container.namespace, lines]);
    }
  }
  routerLines.push(`route add default via ${topology.internetUplinkIpv4.address}`);
  routerLines.push(`route add default via ${topology.internetUplinkIpv6.address}`);

  // Forwarding must be on before IPv6 default routes matter; rp_filter off so that the reverse
  // path check never hides a rule's effect (a fresh namespace already has 0; made explicit).
  await sysctl(router, {
    "net.ipv4.ip_forward": "1",
    "net.ipv6.conf.all.forwarding": "1",
    "net.ipv4.conf.all.rp_filter": "0",
    "net.ipv4.conf.default.rp_filter": "0",
  });
  await ipBatch(router, routerLines);
  await ipBatch(internet, internetLines);
  for (const [ns, lines] of containerBatches) await ipBatch(ns, lines);
  // kernel: br_netfilter is built in here and its sysctls are per namespace (since 5.x); Docker
  // sets both so that bridged (container ↔ container) traffic passes the iptables hooks.
  const bridgeNf = topology.bridgeNetfilter ? "1" : "0";
  await sysctl(router, {
    "net.bridge.bridge-nf-call-iptables": bridgeNf,
    "net.bridge.bridge-nf-call-ip6tables": bridgeNf,
  });
  await waitUntilSettled(topology);
}

interface IpAddrEntry {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly operstate?: string;
  readonly addr_info?: ReadonlyArray<{ family: string; local: string; tentative?: boolean }>;
}

/**
 * Waits (at most 5 s) until every interface has carrier and a usable IPv6 link-local address.
 * kernel: veth carrier comes up asynchronously (linkwatch), and IPv6 adds the link-local address
 * only then (addrconf on NETDEV_CHANGE); a packet sent before that may wait forever for a
 * neighbour (seen: INCOMPLETE), so traces would come out empty.
 */
export async function waitUntilSettled(topology: Topology): Promise<void> {
  const deadline = Date.now() + 5_000;
  let waitingFor: string[] = [];
  while (Date.now() < deadline) {
    waitingFor = [];
    for (const ns of namespacesOf(topology)) {
      const links = JSON.parse((await runInOk(ns, ["ip", "-j", "addr", "show"])).stdout) as IpAddrEntry[];
      for (const link of links) {
        if (link.ifname === "lo") continue;
        const carrier = !(link.flags ?? []).includes("NO-CARRIER") && link.operstate !== "DOWN";
        const linkLocal = (link.addr_info ?? []).some((a) => a.family === "inet6" && a.local.startsWith("fe80:") && !a.tentative);
        if (!carrier || !linkLocal) waitingFor.push(`${ns}/${link.ifname}`);
      }
    }
    if (waitingFor.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`network did not settle within 5 s: ${waitingFor.join(", ")}`);
}

/**
 * Creates the topology, runs `body`, and deletes every `ipt-` namespace afterwards, also when
 * `body` throws.
 */
export async function withNetwork<T>(topology: Topology, body: (topology: Topology) => Promise<T>): Promise<T> {
  try {
    await createNetwork(topology);
    return await body(topology);
  } finally {
    await deleteNetwork(topology);
  }
}

/** A single namespace for loading rulesets (no interfaces but lo); deleted afterwards. */
export async function withScratchNamespace<T>(body: (ns: string) => Promise<T>): Promise<T> {
  const ns = `${NAMESPACE_PREFIX}save`;
  await run(["ip", "netns", "del", ns]);
  try {
    await runOk(["ip", "netns", "add", ns]);
    return await body(ns);
  } finally {
    await run(["ip", "netns", "del", ns]);
  }
}
