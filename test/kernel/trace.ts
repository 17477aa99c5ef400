/**
 * Traces one packet through the real kernel: loads a ruleset into the router namespace with
 * iptables-nft-restore, marks the test packet with `meta nftrace set 1` from a separate nft table
 * that runs before every iptables table (priority -400), sends it once, and normalises what
 * `xtables-monitor --trace` printed (SEMANTICS.md, "The kernel's own trace").
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findContainer, runIn, runInOk, type Topology } from "./netns.ts";

export type Family = 4 | 6;
export type Protocol = "tcp" | "udp" | "icmp";
export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";
export type Verdict = "CONTINUE" | "JUMP" | "GOTO" | "RETURN" | "ACCEPT" | "DROP" | "QUEUE" | "STOLEN" | "BREAK";

/** Where the packet starts: a container namespace, the internet host, or the router itself. */
export type Origin =
  | { readonly kind: "container"; readonly namespace: string }
  | { readonly kind: "internet" }
  | { readonly kind: "router" };

/** The one packet a case sends. */
export interface PacketSpec {
  readonly family: Family;
  readonly origin: Origin;
  readonly src: string;
  readonly dst: string;
  readonly proto: Protocol;
  readonly sport?: number;
  readonly dport?: number;
  /** TCP flags that are set, e.g. ["SYN"]. */
  readonly tcpFlags?: readonly string[];
  /** ICMP type (8 echo request for IPv4, 128 for ICMPv6). */
  readonly icmpType?: number;
}

/** One TRACE line, normalised. */
export interface TraceStep {
  /** The netfilter hook; a user chain inherits the hook of the base chain it was reached from. */
  readonly hook: Hook;
  readonly table: string;
  readonly chain: string;
  /** "rule": a rule matched; "policy": a builtin chain's policy was applied; "return": the kernel's own return message. */
  readonly kind: "rule" | "policy" | "return";
  /** The rule as iptables-save prints it, starting with `-A CHAIN` (rules only). */
  readonly text?: string;
  readonly verdict: Verdict;
  /** The chain of a JUMP or GOTO. */
  readonly target?: string;
  /** Index into the trace's packetLines: the base-chain traversal this step belongs to. */
  readonly packet: number;
}

/** One PACKET line: the packet as a base chain saw it. */
export interface PacketLine {
  readonly hook: Hook;
  readonly table: string;
  readonly in?: string;
  readonly out?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly sport?: number;
  readonly dport?: number;
  /** Every KEY=VALUE field but the trace id (which changes between runs), e.g. TTL, LEN, MARK. */
  readonly fields: Readonly<Record<string, string>>;
  /** Bare words such as SYN, ACK, DF. */
  readonly flags: readonly string[];
}

/** The normalised trace of one packet. */
export interface KernelTrace {
  readonly steps: readonly TraceStep[];
  readonly packetLines: readonly PacketLine[];
}

/** The nft table that marks the test packet. Its own lines are dropped from traces. */
export const TRACER_TABLE = "ipt_trace";

const BASE_CHAIN_HOOKS: Readonly<Record<string, Hook>> = {
  PREROUTING: "PREROUTING",
  INPUT: "INPUT",
  FORWARD: "FORWARD",
  OUTPUT: "OUTPUT",
  POSTROUTING: "POSTROUTING",
};

// ---------------------------------------------------------------------------------------------
// Parsing xtables-monitor output

interface RawTrace {
  readonly family: string;
  readonly id: string;
  readonly table: string;
  readonly chain: string;
  readonly kind: "rule" | "policy" | "return";
  readonly verdict: string;
  readonly ruleText?: string;
}

/**
 * Parses one ` TRACE:` line of xtables-monitor 1.8.9:
 *   ` TRACE: 2 9612b435 filter:FORWARD:rule:0x8:JUMP:DOCKER-USER  -4 -t filter -A FORWARD -j DOCKER-USER`
 *   ` TRACE: 2 5cc4c4e6 nat:PREROUTING:policy:ACCEPT `
 * The rule text follows two spaces; chain names may hold ':' so the kind is found by its keyword.
 */
export function parseTraceLine(line: string): RawTrace | undefined {
  const head = /^\s*TRACE: (\d+) ([0-9a-f*]+) (.*)$/.exec(line);
  if (!head) return undefined;
  const [, family, id, rest] = head;
  const split = rest.indexOf("  ");
  const descriptor = (split >= 0 ? rest.slice(0, split) : rest).trim();
  const ruleText = split >= 0 ? rest.slice(split + 2).trim() : undefined;
  const table = descriptor.slice(0, descriptor.indexOf(":"));
  const afterTable = descriptor.slice(table.length + 1);
  const rule = /^(.*):rule:0x[0-9a-f]+:(.*)$/.exec(afterTable);
  if (rule) return { family, id, table, chain: rule[1], kind: "rule", verdict: rule[2], ruleText: ruleText || undefined };
  const policy = /^(.*):policy:(.*)$/.exec(afterTable);
  if (policy) return { family, id, table, chain: policy[1], kind: "policy", verdict: policy[2] };
  const ret = /^(.*):return:(.*)$/.exec(afterTable);
  if (ret) return { family, id, table, chain: ret[1], kind: "return", verdict: `RETURN${ret[2] ? `:${ret[2]}` : ""}` };
  throw new Error(`unrecognised TRACE line: ${line}`);
}

/**
 * Maps xtables-monitor's verdict word to a Verdict. NFT_RETURN (-5) has no name in 1.8.9's
 * print_verdict, so it prints as `0xfffffffb`.
 */
export function normaliseVerdict(word: string): { verdict: Verdict; target?: string } {
  const withTarget = /^(JUMP|GOTO|RETURN):(.+)$/.exec(word);
  if (withTarget) {
    const verdict = withTarget[1] as Verdict;
    return verdict === "RETURN" ? { verdict } : { verdict, target: withTarget[2] };
  }
  switch (word) {
    case "0xfffffffb":
    case "RETURN":
      return { verdict: "RETURN" };
    case "CONTINUE":
    case "ACCEPT":
    case "DROP":
    case "QUEUE":
    case "STOLEN":
    case "BREAK":
    case "JUMP":
    case "GOTO":
      return { verdict: word };
    default:
      throw new Error(`unknown verdict in trace: ${word}`);
  }
}

/** Removes the `-4 -t TABLE ` / `-6 -t TABLE ` prefix so the text starts with `-A CHAIN`. */
export function stripRulePrefix(text: string): string {
  return text.replace(/^-[46] -t \S+ /, "");
}

/** Parses a ` PACKET:` line into interface names, addresses, ports, other fields and flags. */
export function parsePacketFields(line: string): { fields: Record<string, string>; flags: string[] } {
  const body = line.replace(/^\s*PACKET: \d+ [0-9a-f*]+ /, "");
  const fields: Record<string, string> = {};
  const flags: string[] = [];
  // "ID=0DF" happens in 1.8.9 (no space before the DF/MF/CE flags); split it back.
  const words = body.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const eq = word.indexOf("=");
    if (eq < 0) {
      if (word) flags.push(word);
      continue;
    }
    // A non-Ethernet link layer prints as `LL=0xTYPE HEXBYTES` (e.g. bridged POSTROUTING).
    if (word.startsWith("LL=") && /^[0-9a-f]+$/.test(words[i + 1] ?? "")) {
      fields.LL = word.slice(3);
      fields.LLHDR = words[++i];
      continue;
    }
    const key = word.slice(0, eq);
    let value = word.slice(eq + 1);
    if (key === "ID") {
      const glued = /^(\d+)([A-Z]+)$/.exec(value);
      if (glued) {
        value = glued[1];
        flags.push(glued[2]);
      }
    }
    fields[key] = value;
  }
  return { fields, flags };
}

/**
 * Turns xtables-monitor --trace output into steps and packet lines. Each PACKET line opens one
 * base-chain traversal (the kernel dumps the packet with the first trace message of every base
 * chain, nft_trace_init per nft_do_chain call); the first TRACE after it names the base chain, so
 * the hook. Lines of the tracer table are dropped, and so is any group that holds only them.
 */
export function parseMonitorOutput(output: string): KernelTrace {
  const steps: TraceStep[] = [];
  const packetLines: PacketLine[] = [];
  let pending: { fields: Record<string, string>; flags: string[] } | undefined;
  let group: { hook: Hook; index: number } | undefined;
  for (const line of output.split("\n")) {
    if (/^\s*PACKET: /.test(line)) {
      pending = parsePacketFields(line);
      group = undefined;
      continue;
    }
    const raw = parseTraceLine(line);
    if (!raw) continue;
    if (raw.table === TRACER_TABLE) continue;
    if (!group) {
      const hook = BASE_CHAIN_HOOKS[raw.chain];
      if (!hook) throw new Error(`trace group starts in a non-base chain ${raw.table}:${raw.chain}: ${line}`);
      const { fields, flags } = pending ?? { fields: {}, flags: [] };
      pending = undefined;
      packetLines.push(packetLineOf(hook, raw.table, fields, flags));
      group = { hook, index: packetLines.length - 1 };
    }
    const { verdict, target } = normaliseVerdict(raw.verdict);
    steps.push({
      hook: group.hook,
      table: raw.table,
      chain: raw.chain,
      kind: raw.kind,
      ...(raw.ruleText !== undefined ? { text: stripRulePrefix(raw.ruleText) } : {}),
      verdict,
      ...(target !== undefined ? { target } : {}),
      packet: group.index,
    });
  }
  return { steps, packetLines };
}

/** Rule texts by `table/chain/handle`, for traces that carry only nft rule handles. */
export type RuleTextIndex = ReadonlyMap<string, string>;

const ruleKey = (table: string, chain: string, handle: string) => `${table}/${chain}/${handle}`;

/**
 * Pairs every rule handle of an iptables-nft table (from `nft -a list table`) with the rule's
 * iptables-save text. iptables-nft keeps one nft rule per iptables rule, in the same order, so the
 * n-th handle of a chain is the n-th `-A CHAIN` line of that table in the save output.
 */
export function indexRuleTexts(nftListings: Readonly<Record<string, string>>, saveText: string): RuleTextIndex {
  const saved = new Map<string, string[]>();
  let table = "";
  for (const line of saveText.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1).trim();
    // "-A CHAIN" alone is a rule too (no matches, no target).
    const rule = /^-A (\S+)(?: |$)/.exec(line);
    if (rule) {
      const key = `${table}/${rule[1]}`;
      saved.set(key, [...(saved.get(key) ?? []), line.trim()]);
    }
  }
  const index = new Map<string, string>();
  for (const [tableName, listing] of Object.entries(nftListings)) {
    let chain = "";
    let position = 0;
    for (const line of listing.split("\n")) {
      const header = /^\s*chain "?([^"\s]+)"? \{/.exec(line);
      if (header) {
        chain = header[1];
        position = 0;
        continue;
      }
      const handle = /# handle (\d+)\s*$/.exec(line);
      if (!handle || !chain || /^\s*(table|type) /.test(line)) continue;
      const text = saved.get(`${tableName}/${chain}`)?.[position];
      position++;
      if (text) index.set(ruleKey(tableName, chain, handle[1]), text);
    }
  }
  return index;
}

/** Maps an nft verdict phrase ("accept", "jump DOCKER", "return", …) to a Verdict. */
export function normaliseNftVerdict(phrase: string): { verdict: Verdict; target?: string } {
  const [word, target] = phrase.trim().split(/\s+/, 2);
  switch (word) {
    case "continue":
      return { verdict: "CONTINUE" };
    case "accept":
      return { verdict: "ACCEPT" };
    case "drop":
      return { verdict: "DROP" };
    case "queue":
      return { verdict: "QUEUE" };
    case "stolen":
      return { verdict: "STOLEN" };
    case "return":
      return { verdict: "RETURN" };
    case "break":
      return { verdict: "BREAK" };
    case "jump":
      return { verdict: "JUMP", target };
    case "goto":
      return { verdict: "GOTO", target };
    default:
      throw new Error(`unknown nft verdict in trace: ${phrase}`);
  }
}

/** Reads `iif "eth0" … ip6 saddr X … tcp sport 1 tcp flags == syn` into a PacketLine's parts. */
function parseNftPacket(text: string): { fields: Record<string, string>; flags: string[] } {
  const fields: Record<string, string> = {};
  const flags: string[] = [];
  const words = text.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "iif" || w === "oif") {
      fields[w === "iif" ? "IN" : "OUT"] = words[++i].replace(/"/g, "");
    } else if ((w === "ip" || w === "ip6") && (words[i + 1] === "saddr" || words[i + 1] === "daddr")) {
      fields[words[i + 1] === "saddr" ? "SRC" : "DST"] = words[i + 2];
      i += 2;
    } else if ((w === "tcp" || w === "udp" || w === "sctp") && (words[i + 1] === "sport" || words[i + 1] === "dport")) {
      fields[words[i + 1] === "sport" ? "SPORT" : "DPORT"] = words[i + 2];
      i += 2;
    } else if (w === "tcp" && words[i + 1] === "flags" && words[i + 2] === "==") {
      flags.push(...words[i + 3].split("|").map((f) => f.toUpperCase()));
      i += 3;
    } else if (w === "ip6" && words[i + 1] === "hoplimit") {
      fields.HOPLIMIT = words[i + 2];
      i += 2;
    } else if (w === "meta" && words[i + 1] === "mark") {
      fields.MARK = words[i + 2];
      i += 2;
    } else if (w === "icmpv6" && words[i + 1] === "type") {
      fields.ICMPV6TYPE = words[i + 2];
      i += 2;
    }
  }
  return { fields, flags };
}

/**
 * Turns `nft -a monitor` output into steps and packet lines, like parseMonitorOutput. Used for
 * IPv6: xtables-monitor 1.8.9 cannot translate some IPv6 rules back ("unsupported layer 4
 * protocol value") and exits in the middle of a trace. The lines look like
 *   trace id 246f90a3 ip6 nat PREROUTING packet: iif "eth0" … tcp dport 8080 tcp flags == syn …
 *   trace id 246f90a3 ip6 nat DOCKER rule iifname != "br-dummy" … dnat to [fd49:efd7:54aa::1]:80 # handle 9 (verdict accept)
 *   trace id 246f90a3 ip6 nat POSTROUTING policy accept
 * and the rule's iptables text comes from `texts` (indexRuleTexts).
 */
export function parseNftMonitorOutput(output: string, texts: RuleTextIndex): KernelTrace {
  const steps: TraceStep[] = [];
  const packetLines: PacketLine[] = [];
  let pending: { fields: Record<string, string>; flags: string[] } | undefined;
  let group: { hook: Hook; index: number } | undefined;
  for (const line of output.split("\n")) {
    const m = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (packet: |rule |policy |verdict )(.*)$/.exec(line.trimEnd() + " ");
    if (!m) continue;
    const [, , , table, chain, kindWord, rest] = m;
    if (table === TRACER_TABLE) continue;
    if (kindWord === "packet: ") {
      pending = parseNftPacket(rest);
      group = undefined;
      continue;
    }
    if (!group) {
      const hook = BASE_CHAIN_HOOKS[chain];
      if (!hook) throw new Error(`trace group starts in a non-base chain ${table}:${chain}: ${line}`);
      const { fields, flags } = pending ?? { fields: {}, flags: [] };
      pending = undefined;
      packetLines.push(packetLineOf(hook, table, fields, flags));
      group = { hook, index: packetLines.length - 1 };
    }
    let kind: TraceStep["kind"];
    let verdictPhrase: string;
    let text: string | undefined;
    if (kindWord === "rule ") {
      const r = /# handle (\d+) \(verdict ([^)]*)\)\s*$/.exec(rest);
      if (!r) throw new Error(`unrecognised nft trace rule line: ${line}`);
      kind = "rule";
      verdictPhrase = r[2];
      text = texts.get(ruleKey(table, chain, r[1]));
      if (text === undefined) throw new Error(`no iptables text for ${table}/${chain} handle ${r[1]}`);
    } else if (kindWord === "policy ") {
      kind = "policy";
      verdictPhrase = rest;
    } else {
      // "verdict X": the kernel's implicit return at the end of a chain (NFT_TRACETYPE_RETURN).
      kind = "return";
      verdictPhrase = rest;
    }
    const { verdict, target } = normaliseNftVerdict(verdictPhrase);
    steps.push({
      hook: group.hook,
      table,
      chain,
      kind,
      ...(text !== undefined ? { text: stripRulePrefix(text) } : {}),
      verdict,
      ...(target !== undefined ? { target } : {}),
      packet: group.index,
    });
  }
  return { steps, packetLines };
}

function packetLineOf(hook: Hook, table: string, fields: Record<string, string>, flags: string[]): PacketLine {
  return {
    hook,
    table,
    ...(fields.IN ? { in: fields.IN } : {}),
    ...(fields.OUT ? { out: fields.OUT } : {}),
    ...(fields.SRC ? { src: fields.SRC } : {}),
    ...(fields.DST ? { dst: fields.DST } : {}),
    ...(fields.SPORT ? { sport: Number(fields.SPORT) } : {}),
    ...(fields.DPORT ? { dport: Number(fields.DPORT) } : {}),
    fields,
    flags,
  };
}

// ---------------------------------------------------------------------------------------------
// Running a case

/** The nft match that selects exactly the test packet (not its replies, not ICMP errors). */
export function tracerMatch(packet: PacketSpec): string {
  const ip = packet.family === 4 ? "ip" : "ip6";
  const parts = [`${ip} saddr ${packet.src}`, `${ip} daddr ${packet.dst}`];
  if (packet.proto === "icmp") {
    const type = packet.icmpType ?? (packet.family === 4 ? 8 : 128);
    parts.push(packet.family === 4 ? `icmp type ${type}` : `icmpv6 type ${type}`);
  } else {
    parts.push(`${packet.proto} sport ${packet.sport ?? 40000}`, `${packet.proto} dport ${packet.dport ?? 80}`);
    if (packet.proto === "tcp") {
      // Only the packet with exactly these flags: a later RST from the sender is not ours.
      const flags = (packet.tcpFlags ?? ["SYN"]).map((f) => f.toLowerCase()).join(" | ");
      parts.push(`tcp flags & (fin | syn | rst | psh | ack | urg) == ${flags || "0x0"}`);
    }
  }
  return parts.join(" ");
}

/** The tracer table: marks the test packet (or each of a flow's packets) before any iptables table sees it. */
export function tracerRuleset(packets: PacketSpec | readonly PacketSpec[]): string {
  const rules = (Array.isArray(packets) ? (packets as readonly PacketSpec[]) : [packets as PacketSpec]).map((p) => `${tracerMatch(p)} meta nftrace set 1;`).join(" ");
  // An inet table: xtables-monitor skips printing the rules of families it does not know, while
  // it crashed (1.8.9) printing an `ip6` tracer rule it could not translate (icmpv6 type).
  return [
    `table inet ${TRACER_TABLE} {`,
    `  chain pre { type filter hook prerouting priority -400; ${rules} }`,
    `  chain out { type filter hook output priority -400; ${rules} }`,
    `}`,
    "",
  ].join("\n");
}

/** The namespace a packet is sent from. */
export function senderNamespace(topology: Topology, origin: Origin): string {
  switch (origin.kind) {
    case "container":
      return findContainer(topology, origin.namespace).container.namespace;
    case "internet":
      return topology.internet;
    case "router":
      return topology.router;
  }
}

const SEND_PACKET_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), "send-packet.py");

/** The command that sends the packet once: hping3 for IPv4, send-packet.py for IPv6. */
export function senderCommand(packet: PacketSpec): string[] {
  if (packet.family === 6) {
    const argv = ["python3", SEND_PACKET_PY, "--src", packet.src, "--dst", packet.dst, "--proto", packet.proto];
    if (packet.proto === "icmp") argv.push("--icmp-type", String(packet.icmpType ?? 128));
    else argv.push("--sport", String(packet.sport ?? 40000), "--dport", String(packet.dport ?? 80));
    if (packet.proto === "tcp") argv.push("--flags", (packet.tcpFlags ?? ["SYN"]).join(","));
    return argv;
  }
  // -c 1: one packet; -a: the source (must be an address of the sending namespace); --id: a
  // fixed IP id so recorded PACKET lines do not change between runs.
  const argv = ["hping3", "-q", "-c", "1", "-a", packet.src, "--id", "4242"];
  if (packet.proto === "icmp") {
    argv.push("--icmp", "--icmptype", String(packet.icmpType ?? 8));
  } else {
    if (packet.proto === "udp") argv.push("--udp");
    argv.push("-s", String(packet.sport ?? 40000), "-k", "-p", String(packet.dport ?? 80));
    const letters: Record<string, string> = { SYN: "-S", ACK: "-A", FIN: "-F", RST: "-R", PSH: "-P", URG: "-U" };
    if (packet.proto === "tcp") for (const flag of packet.tcpFlags ?? ["SYN"]) argv.push(letters[flag.toUpperCase()]);
  }
  argv.push(packet.dst);
  return argv;
}

/** Rulesets to load, per family (a case may load both). */
export interface Rulesets {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** What the router looked like when the packet was sent. */
export interface HostSnapshot {
  readonly ipAddrJson: unknown;
  readonly ipRouteJson: unknown;
  readonly ip6RouteJson: unknown;
}

/** The kernel's answer for one case. */
export interface TraceResult extends KernelTrace {
  /** iptables-nft-save (and/or ip6tables-nft-save) of the router after loading, counters zeroed, comment lines dropped. */
  readonly kernelSave: { readonly ipv4?: string; readonly ipv6?: string };
  readonly host: HostSnapshot;
  /** xtables-monitor's output as printed (the trace ids change from run to run). */
  readonly rawMonitor: string;
}

/**
 * Keeps iptables-save output comparable between runs: drops the `# Generated`/`# Completed`
 * lines (they hold a date) and zeroes chain counters (packets such as IPv6 router solicitations
 * may be counted between load and save).
 */
export function normaliseSave(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .map((line) => line.replace(/^(:\S+ \S+) \[\d+:\d+\]$/, "$1 [0:0]"))
    .join("\n");
}

/**
 * Loads the rulesets into the router: `nft flush ruleset`, then iptables-nft-restore, so that
 * exactly the declared tables and builtin chains exist; flushes conntrack so the packet is NEW.
 */
export async function loadRulesets(topology: Topology, rulesets: Rulesets): Promise<{ ipv4?: string; ipv6?: string }> {
  const r = topology.router;
  await runInOk(r, ["nft", "flush", "ruleset"]);
  const saved: { ipv4?: string; ipv6?: string } = {};
  if (rulesets.ipv4 !== undefined) {
    await runInOk(r, ["iptables-nft-restore"], { input: rulesets.ipv4 });
    saved.ipv4 = normaliseSave((await runInOk(r, ["iptables-nft-save"])).stdout);
  }
  if (rulesets.ipv6 !== undefined) {
    await runInOk(r, ["ip6tables-nft-restore"], { input: rulesets.ipv6 });
    saved.ipv6 = normaliseSave((await runInOk(r, ["ip6tables-nft-save"])).stdout);
  }
  await flushConntrack(topology);
  return saved;
}

/** Empties the router's connection tracking table (both families), so the next packet is NEW. */
export async function flushConntrack(topology: Topology): Promise<void> {
  for (const family of ["ipv4", "ipv6"]) {
    // conntrack -F exits 1 when the table is already empty on some versions; not an error.
    await runIn(topology.router, ["conntrack", "-F", "-f", family]);
  }
}

/** Reads the router's addresses and routes as `ip -j` prints them. */
export async function snapshotHost(topology: Topology): Promise<HostSnapshot> {
  const json = async (argv: string[]) => JSON.parse((await runInOk(topology.router, argv)).stdout) as unknown;
  return {
    ipAddrJson: await json(["ip", "-j", "addr", "show"]),
    ipRouteJson: await json(["ip", "-j", "route", "show"]),
    ip6RouteJson: await json(["ip", "-6", "-j", "route", "show"]),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The trace monitor per family: xtables-monitor (prints iptables rule text) for IPv4; for IPv6
 * `nft -a monitor`, because xtables-monitor 1.8.9 exits on IPv6 rules it cannot translate.
 */
export function monitorCommand(family: Family): string[] {
  return family === 4 ? ["xtables-monitor", "--trace", "--event"] : ["nft", "-a", "monitor"];
}

/**
 * Runs a monitor in the router namespace while `send` runs, and returns what it printed
 * from the moment it was known to listen. Readiness: the monitor also prints ruleset events, so a
 * throw-away nft table is added until its event shows up (bounded: 30 tries, 3 s). The monitor
 * is line-buffered through stdbuf (a pipe would otherwise hold its output) and killed by pid.
 */
export async function captureMonitor(topology: Topology, monitor: readonly string[], send: () => Promise<void>): Promise<string> {
  const child = spawn("stdbuf", ["-oL", "ip", "netns", "exec", topology.router, ...monitor], {
    env: { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH ?? "/usr/bin:/bin"}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let lastChange = Date.now();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    lastChange = Date.now();
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  // A hard stop, whatever happens below.
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    let ready = false;
    for (let attempt = 0; attempt < 30 && !ready; attempt++) {
      const name = `ipt_sync${attempt}`;
      await runInOk(topology.router, ["nft", "add", "table", "ip", name]);
      await runInOk(topology.router, ["nft", "delete", "table", "ip", name]);
      await sleep(100);
      ready = output.includes("ipt_sync");
      if (child.exitCode !== null) break;
    }
    if (!ready) throw new Error(`${monitor[0]} did not start listening: ${stderr.trim() || "(no output)"}`);
    const start = output.length;
    await send();
    // Wait until the monitor has been quiet for 300 ms (at most 3 s): trace messages of one
    // packet arrive within milliseconds, but the sender may return before they are printed.
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline && Date.now() - lastChange < 300) await sleep(50);
    await sleep(100);
    return output.slice(start);
  } finally {
    clearTimeout(guard);
    child.kill("SIGTERM");
    const killTimer = setTimeout(() => child.kill("SIGKILL"), 2_000);
    await exited;
    clearTimeout(killTimer);
  }
}

/** Checks that the case's source address belongs to the namespace it is sent from. */
export function expectedSources(topology: Topology, packet: PacketSpec): string[] {
  const o = packet.origin;
  switch (o.kind) {
    case "container": {
      const { container } = findContainer(topology, o.namespace);
      return [container.ipv4, container.ipv6].filter((a): a is string => a !== undefined);
    }
    case "internet":
      return [topology.internetHostIpv4, topology.internetHostIpv6, topology.internetUplinkIpv4.address, topology.internetUplinkIpv6.address];
    case "router":
      return [
        // the router's loopback addresses (for packets it sends to itself)
        "127.0.0.1",
        "::1",
        topology.routerUplinkIpv4.address,
        topology.routerUplinkIpv6.address,
        ...topology.bridges.flatMap((b) => [b.ipv4?.address, b.ipv6?.address].filter((a): a is string => a !== undefined)),
      ];
  }
}

/**
 * Traces one packet: load the rulesets, snapshot the host, add the tracer, send the packet once
 * under xtables-monitor, and normalise. The network must exist (createNetwork).
 */
export async function tracePacket(topology: Topology, rulesets: Rulesets, packet: PacketSpec): Promise<TraceResult> {
  const [result] = await tracePackets(topology, rulesets, [packet]);
  return result;
}

/**
 * Traces packets one after the other through rulesets loaded once: what earlier packets left in
 * the kernel (connections, the counters of `-m statistic --mode nth`) is still there for later
 * ones, as on a live host. Each packet is sent once, under its own tracer and monitor run; give
 * each its own source port to make it a new connection. The network must exist (createNetwork).
 */
export async function tracePackets(topology: Topology, rulesets: Rulesets, packets: readonly PacketSpec[]): Promise<TraceResult[]> {
  for (const packet of packets) {
    if (!expectedSources(topology, packet).includes(packet.src)) {
      throw new Error(`source ${packet.src} is not an address of the ${packet.origin.kind} namespace`);
    }
  }
  const kernelSave = await loadRulesets(topology, rulesets);
  const host = await snapshotHost(topology);
  const texts = packets.some((p) => p.family === 6) ? await ruleTextsOfRouter(topology, kernelSave.ipv6 ?? "") : undefined;
  const results: TraceResult[] = [];
  for (const packet of packets) {
    await runInOk(topology.router, ["nft", "-f", "-"], { input: tracerRuleset(packet) });
    const sender = senderNamespace(topology, packet.origin);
    const rawMonitor = await captureMonitor(topology, monitorCommand(packet.family), async () => {
      // hping3 waits up to a second for a reply; its exit code says whether one came, which is
      // not our concern (a DROP gives no reply), so only a failure to start is an error.
      const sent = await runIn(sender, senderCommand(packet), { timeoutMs: 5_000 });
      if (sent.code !== 0 && !(packet.family === 4 && sent.code === 1 && !sent.timedOut)) {
        // hping3 exits 1 when no reply came back; anything else is a sending error.
        if (!/packets transmitted/.test(sent.stderr + sent.stdout)) {
          throw new Error(`sending failed (${sent.argv.join(" ")}): ${sent.stderr.trim()}`);
        }
      }
    });
    await runIn(topology.router, ["nft", "delete", "table", "inet", TRACER_TABLE]);
    const trace = packet.family === 6 && texts ? parseNftMonitorOutput(rawMonitor, texts) : parseMonitorOutput(rawMonitor);
    results.push({ ...trace, kernelSave, host, rawMonitor });
  }
  return results;
}

/** indexRuleTexts for the router's ip6 tables as loaded now. */
async function ruleTextsOfRouter(topology: Topology, saveText: string): Promise<RuleTextIndex> {
  const listings: Record<string, string> = {};
  for (const match of saveText.matchAll(/^\*(\S+)/gm)) {
    listings[match[1]] = (await runInOk(topology.router, ["nft", "-a", "list", "table", "ip6", match[1]])).stdout;
  }
  return indexRuleTexts(listings, saveText);
}
