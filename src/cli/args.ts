/**
 * argv → what the user asked for, with node:util parseArgs. Flag names are a contract (scripts use
 * them); every usage problem becomes a one-line CliError.
 */
import { parseArgs } from "node:util";
import type { Assumptions } from "../sim/env.js";
import { CliError } from "./diagnostics.js";

/** The three commands: trace one packet (or a batch), print the canonical text, check a dump. */
export type Command =
  | { readonly kind: "trace"; readonly opts: TraceOptions }
  | { readonly kind: "parse"; readonly file?: string; readonly json: boolean }
  | { readonly kind: "check"; readonly file?: string; readonly json: boolean }
  | { readonly kind: "help" }
  | { readonly kind: "version" };

/** The options of the trace command, as given (values still text). */
export interface TraceOptions {
  readonly file?: string;
  readonly live: boolean;
  readonly ipAddr?: string;
  readonly ipRoute?: string;
  readonly host?: string;
  readonly ipsets?: string;
  readonly batch?: string;
  readonly json: boolean;
  /** The packet fields given on the command line, in the library's names. */
  readonly packet: CliPacket;
  /** The library's `assume` settings given on the command line (--nth-counters, --nth-hit). */
  readonly assume: Assumptions;
}

/** The packet as the command line gives it; the library checks and completes it. */
export interface CliPacket {
  src?: string;
  dst?: string;
  proto?: string;
  sport?: number;
  dport?: number;
  tcpFlags?: string;
  icmpType?: string;
  in?: string;
  local?: boolean;
  state?: string;
  mark?: string;
}

const OPTIONS = {
  file: { type: "string", short: "f" },
  live: { type: "boolean" },
  "ip-addr": { type: "string" },
  "ip-route": { type: "string" },
  host: { type: "string" },
  ipsets: { type: "string" },
  batch: { type: "string" },
  src: { type: "string", short: "s" },
  dst: { type: "string", short: "d" },
  proto: { type: "string", short: "p" },
  sport: { type: "string" },
  dport: { type: "string" },
  "tcp-flags": { type: "string" },
  "icmp-type": { type: "string" },
  in: { type: "string", short: "i" },
  local: { type: "boolean" },
  state: { type: "string" },
  mark: { type: "string" },
  "nth-counters": { type: "string" },
  "nth-hit": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** Turns node's parseArgs messages into short ones that name the option. */
function usageMessage(e: Error & { code?: string }): string {
  const opt = /Option '([^' ]+)/.exec(e.message)?.[1] ?? /option '([^' ]+)/i.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${opt ?? e.message}; see iptrace --help`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/argument missing/.test(e.message)) return `${opt} needs a value`;
      if (/ambiguous/.test(e.message)) return `${opt} needs a value (to give one that starts with "-", write ${opt}=VALUE)`;
      return `${opt}: ${e.message.split("\n")[0]}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument; see iptrace --help`;
    default:
      return e.message.split("\n")[0];
  }
}

function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,5}$/.test(v) || Number(v) > 65535) throw new CliError(`--${name}: expected a port number 0-65535, found "${v}"`);
  return Number(v);
}

/**
 * --nth-counters and --nth-hit: the library's assume.nthCounters and assume.nthHit, by the same
 * names and values. They exclude each other: nthHit gives every nth match one fixed answer, so
 * the counters it would override could not matter.
 */
function nthAssumptions(counters: string | undefined, hit: string | undefined): Assumptions {
  if (counters !== undefined && hit !== undefined) throw new CliError("give --nth-counters or --nth-hit, not both: --nth-hit gives every nth match one answer, whatever its counter");
  if (counters !== undefined) {
    if (counters !== "unknown" && counters !== "loaded") throw new CliError(`--nth-counters: expected unknown or loaded, found "${counters}"`);
    return { nthCounters: counters };
  }
  if (hit !== undefined) {
    if (hit !== "true" && hit !== "false") throw new CliError(`--nth-hit: expected true or false, found "${hit}"`);
    return { nthHit: hit === "true" };
  }
  return {};
}

/** Reads argv (without node and the script). Throws CliError on a usage error. */
export function readArgs(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(usageMessage(e as Error & { code?: string }));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  if (pos[0] === "parse" || pos[0] === "check") {
    if (pos.length > 2) throw new CliError(`iptrace ${pos[0]} takes one file, found ${pos.length - 1}: ${pos.slice(1).join(" ")}`);
    const packetFlags = ["src", "dst", "proto", "sport", "dport", "tcp-flags", "icmp-type", "in", "local", "state", "mark", "batch", "live", "ip-addr", "ip-route", "host", "ipsets", "nth-counters", "nth-hit"] as const;
    const stray = packetFlags.find((k) => v[k] !== undefined);
    if (stray) throw new CliError(`iptrace ${pos[0]} does not take --${stray}`);
    const file = pos[1] ?? v.file;
    return { kind: pos[0], ...(file !== undefined ? { file } : {}), json: v.json ?? false };
  }
  if (pos.length > 0) throw new CliError(`unexpected argument "${pos[0]}" (commands: parse, check; the ruleset file goes after -f); see iptrace --help`);
  if (v.file !== undefined && v.live) throw new CliError("give the ruleset with -f FILE or --live, not both");
  if (v.in !== undefined && v.local) throw new CliError("--in and --local exclude each other: a locally generated packet arrives on no interface");
  if (v.batch === undefined) {
    if (v.dst === undefined) throw new CliError("--dst is required (the packet's destination address); see iptrace --help");
    if (v.src === undefined && !v.local) throw new CliError("--src is required (the packet's source address; only a --local packet may leave it out); see iptrace --help");
  } else {
    const single = (["src", "dst", "proto", "sport", "dport", "tcp-flags", "icmp-type", "in", "local", "state", "mark"] as const).find((k) => v[k] !== undefined);
    if (single) throw new CliError(`--batch reads every packet from its file; --${single} cannot be combined with it`);
  }
  const packet: CliPacket = {};
  if (v.src !== undefined) packet.src = v.src;
  if (v.dst !== undefined) packet.dst = v.dst;
  if (v.proto !== undefined) packet.proto = v.proto;
  const sport = port("sport", v.sport);
  const dport = port("dport", v.dport);
  if (sport !== undefined) packet.sport = sport;
  if (dport !== undefined) packet.dport = dport;
  if (v["tcp-flags"] !== undefined) packet.tcpFlags = v["tcp-flags"];
  if (v["icmp-type"] !== undefined) packet.icmpType = v["icmp-type"];
  if (v.in !== undefined) packet.in = v.in;
  if (v.local) packet.local = true;
  if (v.state !== undefined) packet.state = v.state;
  if (v.mark !== undefined) packet.mark = v.mark;
  const assume = nthAssumptions(v["nth-counters"], v["nth-hit"]);
  const opt = <K extends string>(k: K, val: string | undefined) => (val !== undefined ? { [k]: val } : {});
  return {
    kind: "trace",
    opts: {
      ...opt("file", v.file),
      live: v.live ?? false,
      ...opt("ipAddr", v["ip-addr"]),
      ...opt("ipRoute", v["ip-route"]),
      ...opt("host", v.host),
      ...opt("ipsets", v.ipsets),
      ...opt("batch", v.batch),
      json: v.json ?? false,
      packet,
      assume,
    } as TraceOptions,
  };
}

/** The text of `iptrace --help`. */
export const HELP = `iptrace: what would the Linux kernel do with this packet?

Usage:
  iptrace [-f FILE|-] [host options] --src IP --dst IP [packet options] [history options] [--json]
  iptrace [-f FILE|-] [host options] --batch FILE [history options] [--json]
  iptrace parse [FILE] [--json]      print the ruleset in iptables-save's canonical form
  iptrace check [FILE] [--json]      list problems: bad syntax, undefined chains, loops, unreachable rules

The ruleset (iptables-save or ip6tables-save output):
  -f, --file FILE      read it from FILE ("-" for standard input)
  (piped)              read it from standard input: sudo iptables-save | iptrace ...
  --live               run iptables-save (ip6tables-save for IPv6 addresses) here

The host (without these, iptrace infers one from the ruleset and says what it assumed):
  --ip-addr FILE       output of "ip -j addr show" or "ip addr"
  --ip-route FILE      output of "ip -j route show" or "ip route" ("ip -6 route" for IPv6)
  --host FILE          iptrace's JSON host format (docs/host-format.md)
  --ipsets FILE        output of "ipset save"

The packet:
  -s, --src IP         source address (required unless --local)
  -d, --dst IP         destination address (required)
  -p, --proto PROTO    tcp, udp, icmp, icmpv6, sctp or a number
  --sport N, --dport N ports
  --tcp-flags FLAGS    flags that are set, comma-separated: SYN or SYN,ACK
  --icmp-type TYPE     name (echo-request) or number (8, 3/4)
  -i, --in IFACE       arrival interface (derived from the routes when omitted)
  --local              a packet generated on this host (OUTPUT path)
  --state STATE        conntrack state: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED
  --mark VALUE         packet mark (decimal or 0x hex)
  --batch FILE         JSON lines, one packet per line ({"src":…,"dst":…,"proto":"tcp","dport":80}),
                       traced against one parse of the ruleset

History (kernel state a dump does not hold; what the walk uses is listed under Assumed:):
  --nth-counters unknown|loaded
                       where each "-m statistic --mode nth" rule's counter stands: unknown
                       (default) follows every place it may stand, each an outcome with its
                       probability; loaded starts it as a fresh iptables-restore does, so the
                       packet is the first to reach it (with --batch, every line: each is
                       traced on its own)
  --nth-hit true|false every nth match picks the packet (true) or passes it over (false),
                       whatever its counter; not with --nth-counters

Output:
  --json               print the trace as JSON (docs/trace-format.md); with --batch one per line
  -h, --help, -V, --version

Exit status: 0 accepted (delivered, forwarded or sent), 1 dropped or rejected,
             2 usage or input error, 3 undecided (QUEUE, or a rule iptrace cannot model).

Examples:
  # Can a container reach the internet?
  iptrace -f docker.rules --src 172.17.0.2 --dst 203.0.113.10 -p tcp --dport 443
  # Is a published port open from outside?
  iptrace -f docker.rules --in eth0 --src 203.0.113.7 --dst 198.51.100.1 -p tcp --dport 8080
  # Why is this packet dropped? (on the machine itself)
  sudo iptables-save | iptrace --src 10.0.0.5 --dst 10.0.0.1 -p tcp --dport 22
  # Which pod does a ClusterIP pick?
  iptrace -f kube.rules --src 10.244.1.5 --dst 10.96.0.10 -p udp --dport 53
  # Many packets, one parse
  iptrace -f docker.rules --batch packets.jsonl --json
`;
