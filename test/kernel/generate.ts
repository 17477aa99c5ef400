/**
 * A seeded generator of random, kernel-valid rulesets and packets for differential testing.
 *
 * `generateCase(seed)` always gives the same case. The ruleset is written as the kernel's
 * canonical iptables-save text (so the kernel's own save of it is normally identical), small
 * enough to read: a few tables, their builtin chains, a few user chains reached by -j and -g,
 * 2–8 rules per chain. Validity is built in rather than checked afterwards:
 * - every user chain belongs to one builtin chain (its "owner"), and is only jumped to from that
 *   chain or from user chains of the same owner created before it, so there are no loops and the
 *   hook of every rule is known;
 * - targets appear only where the kernel takes them: REJECT in filter INPUT/FORWARD/OUTPUT, CT
 *   --notrack in raw, DNAT/REDIRECT in nat PREROUTING/OUTPUT, SNAT in nat POSTROUTING/INPUT,
 *   MASQUERADE in nat POSTROUTING; nat builtin chains keep an ACCEPT policy;
 * - `-i` is used only where there is an input interface and `-o` only where there is an output
 *   interface (for builtin chains, as iptables refuses otherwise).
 * Match values are drawn half of the time from the packet itself, so that rules match often.
 * Beyond addresses, interfaces and ports the rules use conntrack, state, addrtype, mark,
 * connmark, iprange, length, ttl/hl, pkttype, dscp/tos, limit, physdev, owner and recent matches, and MARK, CONNMARK (set,
 * save, restore), TTL/HL, DSCP/TOS, CLASSIFY, LOG, REJECT, CT, DNAT, SNAT, MASQUERADE, REDIRECT and
 * NETMAP targets (NETMAP only onto hosts that exist: a destination nobody has ends at the
 * neighbour lookup, which iptrace cannot know).
 */
import type { Family, Hook, Origin, PacketSpec } from "./trace.ts";
import type { DiffCase } from "./differential.ts";

/** mulberry32: small, fast, and the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------
// The network (DIFF_TOPOLOGY) as the generator sees it

interface Endpoint {
  readonly v4: string;
  readonly v6: string;
}
/** A destination of one family only (the other is empty and never chosen). */
const LOOPBACK = { v4: "127.0.0.1", v6: "::1" };
/** The br-dummy subnet's broadcast address: the bridge floods it to d2 and up to the router. */
const DUMMY_BROADCAST = { v4: "192.168.0.255", v6: "" };
const D1 = { v4: "192.168.0.2", v6: "fd49:efd7:54aa::1" };
const D2 = { v4: "192.168.0.3", v6: "fd49:efd7:54aa::3" };
const D3 = { v4: "172.17.0.2", v6: "fd00:17::2" };
const GW_DUMMY = { v4: "192.168.0.1", v6: "fd49:efd7:54aa::ffff" };
const GW_DOCKER = { v4: "172.17.0.1", v6: "fd00:17::1" };
const UPLINK = { v4: "198.51.100.1", v6: "2001:db8:100::1" };
const INET_HOST = { v4: "203.0.113.10", v6: "2001:db8:203::10" };
const INET_UPLINK = { v4: "198.51.100.2", v6: "2001:db8:100::2" };
/** Routed to the internet namespace, which has no such address. */
const INET_NOBODY = { v4: "203.0.113.99", v6: "2001:db8:203::99" };
/** On a bridge subnet, nobody has it (the router's neighbour lookup fails after POSTROUTING). */
const DUMMY_NOBODY = { v4: "192.168.0.99", v6: "fd49:efd7:54aa::99" };
const DOCKER_NOBODY = { v4: "172.17.0.99", v6: "fd00:17::99" };

interface OriginChoice {
  readonly origin: Origin;
  readonly sources: readonly Endpoint[];
  /** Destinations whose packet reaches the router (a container cannot reach an unanswered neighbour). */
  readonly destinations: readonly Endpoint[];
}

const ORIGINS: readonly OriginChoice[] = [
  {
    origin: { kind: "container", namespace: "ipt-d1" },
    sources: [D1],
    destinations: [D2, D3, GW_DUMMY, GW_DOCKER, UPLINK, INET_HOST, INET_UPLINK, INET_NOBODY, DOCKER_NOBODY, DUMMY_BROADCAST],
  },
  {
    origin: { kind: "container", namespace: "ipt-d2" },
    sources: [D2],
    destinations: [D1, D3, GW_DUMMY, UPLINK, INET_HOST, INET_NOBODY],
  },
  {
    origin: { kind: "container", namespace: "ipt-d3" },
    sources: [D3],
    destinations: [D1, D2, GW_DOCKER, GW_DUMMY, UPLINK, INET_HOST, INET_UPLINK, DUMMY_NOBODY],
  },
  {
    origin: { kind: "internet" },
    sources: [INET_HOST, INET_UPLINK],
    destinations: [D1, D2, D3, UPLINK, GW_DUMMY, GW_DOCKER, DUMMY_NOBODY, DOCKER_NOBODY],
  },
  {
    origin: { kind: "router" },
    sources: [UPLINK, GW_DUMMY, GW_DOCKER],
    destinations: [D1, D2, D3, INET_HOST, INET_UPLINK, INET_NOBODY, UPLINK, GW_DUMMY, GW_DOCKER, DUMMY_NOBODY, LOOPBACK, DUMMY_BROADCAST],
  },
];

const SUBNETS: readonly Endpoint[] = [
  { v4: "192.168.0.0/24", v6: "fd49:efd7:54aa::/64" },
  { v4: "172.17.0.0/16", v6: "fd00:17::/64" },
  { v4: "198.51.100.0/24", v6: "2001:db8:100::/64" },
  { v4: "203.0.113.0/24", v6: "2001:db8:203::/48" },
  { v4: "10.0.0.0/8", v6: "fd00::/8" },
];
const ALL_HOSTS = [D1, D2, D3, GW_DUMMY, GW_DOCKER, UPLINK, INET_HOST, INET_UPLINK, INET_NOBODY, DUMMY_NOBODY];
/** Interfaces of the router and wildcards over them. */
const INTERFACES = ["br-dummy", "docker0", "eth0", "lo", "br+", "veth+", "eth+", "docker0", "br-dummy"];

// ---------------------------------------------------------------------------------------------
// Tables, chains, hooks

type Table = "raw" | "mangle" | "nat" | "filter";
const BUILTINS: Readonly<Record<Table, readonly Hook[]>> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};
/** Tables in the order iptables-nft-save prints them when restored in this order. */
const TABLE_ORDER: readonly Table[] = ["raw", "mangle", "nat", "filter"];

const hasIn = (h: Hook) => h === "PREROUTING" || h === "INPUT" || h === "FORWARD";
const hasOut = (h: Hook) => h === "OUTPUT" || h === "POSTROUTING" || h === "FORWARD";

interface ChainPlan {
  readonly name: string;
  readonly hook: Hook;
  readonly builtin: boolean;
  rules: string[];
}

interface Ctx {
  readonly r: Rand;
  readonly family: Family;
  readonly packet: PacketSpec;
  readonly table: Table;
}

const addr = (family: Family, e: Endpoint) => (family === 4 ? e.v4 : e.v6);
const hostMask = (family: Family, a: string) => (a.includes("/") ? a : `${a}/${family === 4 ? 32 : 128}`);
const neg = (r: Rand, p = 0.25) => (r.chance(p) ? "! " : "");

// ---------------------------------------------------------------------------------------------
// Rule pieces, each in canonical iptables-save form

/** A value from the packet half of the time, so that rules match often. */
function addressMatch(c: Ctx, option: "-s" | "-d"): string {
  const { r, family, packet } = c;
  let value: string;
  const roll = r.next();
  if (roll < 0.45) value = hostMask(family, option === "-s" ? packet.src : packet.dst);
  else if (roll < 0.75) value = addr(family, r.pick(SUBNETS));
  else value = hostMask(family, addr(family, r.pick(ALL_HOSTS)));
  return `${neg(r)}${option} ${value}`;
}

function interfaceMatch(c: Ctx, option: "-i" | "-o"): string {
  return `${neg(c.r, 0.2)}${option} ${c.r.pick(INTERFACES)}`;
}

function port(c: Ctx, which: "sport" | "dport"): number {
  const { r, packet } = c;
  const own = which === "sport" ? packet.sport : packet.dport;
  if (own !== undefined && r.chance(0.5)) return own;
  return r.pick([22, 53, 80, 443, 8080, 1024, 40000]);
}

function portSpec(c: Ctx, which: "sport" | "dport"): string {
  const p = port(c, which);
  if (c.r.chance(0.3)) {
    // Not from 0: iptables-nft saves `! --sport 0:N` as `--sport N+1:65535`.
    const lo = Math.max(1, p - c.r.int(0, 100));
    const hi = Math.min(65535, p + c.r.int(1, 100));
    return `${lo}:${hi}`;
  }
  return String(p);
}

const TCP_FLAG_SETS = [
  "--tcp-flags FIN,SYN,RST,ACK SYN",
  "--tcp-flags SYN,ACK SYN,ACK",
  "--tcp-flags RST RST",
  "--tcp-flags FIN,ACK ACK",
  "--tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE",
  "--tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN",
];
const CT_STATES = ["NEW", "RELATED,ESTABLISHED", "ESTABLISHED", "INVALID", "UNTRACKED", "DNAT", "INVALID,NEW", "SNAT"];
const ADDR_TYPES = ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST", "UNSPEC"];

/** The protocol part of a rule: `-p P` and its own match, or nothing. Returns [proto, text]. */
function protoPart(c: Ctx): [string | undefined, string[]] {
  const { r, family, packet } = c;
  const roll = r.next();
  if (roll < 0.4) return [undefined, []];
  const proto = r.chance(0.65) ? packet.proto : r.pick(["tcp", "udp", "icmp"] as const);
  if (proto === "icmp") {
    const name = family === 4 ? "icmp" : "ipv6-icmp";
    if (r.chance(0.5)) return [proto, [`-p ${name}`]];
    const own = packet.proto === "icmp" ? (packet.icmpType ?? (family === 4 ? 8 : 128)) : undefined;
    const type = own !== undefined && r.chance(0.5) ? own : r.pick(family === 4 ? [0, 8, 13, 3] : [128, 129, 135]);
    const m = family === 4 ? `-m icmp ${neg(r, 0.2)}--icmp-type ${type}` : `-m icmp6 ${neg(r, 0.2)}--icmpv6-type ${type}`;
    return [proto, [`-p ${name}`, m]];
  }
  const parts = [`${neg(r, 0.1)}-p ${proto}`];
  if (parts[0].startsWith("!")) return [undefined, parts];
  const opts: string[] = [];
  if (r.chance(0.3)) opts.push(`${neg(r, 0.2)}--sport ${portSpec(c, "sport")}`);
  if (r.chance(0.6)) opts.push(`${neg(r, 0.2)}--dport ${portSpec(c, "dport")}`);
  if (proto === "tcp" && r.chance(0.3)) opts.push(`${neg(r, 0.2)}${r.pick(TCP_FLAG_SETS)}`);
  if (opts.length > 0) parts.push(`-m ${proto} ${opts.join(" ")}`);
  else if (r.chance(0.4)) {
    const ports = [port(c, "dport"), r.pick([22, 443, 8080]), `${r.int(1000, 2000)}:${r.int(3000, 9000)}`];
    const uniq = [...new Set(ports.map(String))];
    parts.push(`-m multiport ${neg(r, 0.2)}--${r.pick(["dports", "sports", "ports"])} ${uniq.join(",")}`);
  }
  return [proto, parts];
}

function extraMatch(c: Ctx, hook: Hook): string {
  const { r, family, packet } = c;
  switch (r.int(0, 15)) {
    case 0:
      return `-m conntrack ${neg(r, 0.25)}--ctstate ${r.pick(CT_STATES)}`;
    case 1: {
      const opt = r.chance(0.6) ? "--dst-type" : "--src-type";
      // IPv6 has no broadcast addresses: ip6tables refuses BROADCAST.
      return `-m addrtype ${neg(r, 0.25)}${opt} ${r.pick(family === 4 ? ADDR_TYPES : ADDR_TYPES.filter((t) => t !== "BROADCAST"))}`;
    }
    case 2: {
      const value = r.pick([0, 1, 2, 0x10]);
      const mask = r.chance(0.3) ? `/0x${r.pick([0xff, 0xf, 0x1]).toString(16)}` : "";
      return `-m mark ${neg(r, 0.2)}--mark 0x${value.toString(16)}${mask}`;
    }
    case 3: {
      const which = r.chance(0.5) ? "src" : "dst";
      const base = which === "src" ? packet.src : packet.dst;
      if (family === 4) {
        const last = Number(base.split(".")[3]);
        const prefix = base.split(".").slice(0, 3).join(".");
        const clamp = (n: number) => Math.max(0, Math.min(255, n));
        const lo = clamp(last - r.int(0, 3));
        const hi = clamp(last + r.int(r.chance(0.3) ? -3 : 0, 5));
        return `-m iprange ${neg(r, 0.2)}--${which}-range ${prefix}.${Math.min(lo, hi)}-${prefix}.${Math.max(lo, hi)}`;
      }
      const prefix = base.slice(0, base.lastIndexOf(":") + 1);
      const lo = r.int(1, 4);
      return `-m iprange ${neg(r, 0.2)}--${which}-range ${prefix}${lo.toString(16)}-${prefix}${(lo + r.int(0, 0x20)).toString(16)}`;
    }
    case 4: {
      const len = (family === 4 ? 20 : 40) + (packet.proto === "tcp" ? 20 : 8);
      const choice = r.pick([`${len}`, `0:${len}`, `${len + 1}:1500`, `${len - 10}:${len + 10}`]);
      return `-m length ${neg(r, 0.2)}--length ${choice}`;
    }
    case 5:
      return `-m comment --comment ${r.pick(["c1", "\"a comment\"", "x-y_z"])}`;
    case 6: {
      // the packet leaves its sender with TTL / hop limit 64; a forwarded one has 63 from FORWARD on
      const [m, o] = family === 4 ? ["ttl", "ttl"] : ["hl", "hl"];
      const roll = r.int(0, 2);
      if (roll === 0) return `-m ${m} ${neg(r, 0.25)}--${o}-eq ${r.pick([63, 64, 1, 10])}`;
      return roll === 1 ? `-m ${m} --${o}-lt ${r.pick([64, 2, 11])}` : `-m ${m} --${o}-gt ${r.pick([63, 1, 9])}`;
    }
    case 7:
      return `-m pkttype ${neg(r, 0.2)}--pkt-type ${r.pick(["unicast", "unicast", "broadcast", "multicast"])}`;
    case 8:
      return r.chance(0.5) ? `-m dscp ${neg(r, 0.2)}--dscp 0x${r.pick(["00", "0a", "2e"])}` : `-m tos ${neg(r, 0.2)}--tos 0x${r.pick(["00/0xff", "10/0x3f", "28/0xff"])}`;
    case 9: {
      const mask = r.chance(0.3) ? `/0x${r.pick([0xff, 0x1]).toString(16)}` : "";
      return `-m connmark ${neg(r, 0.2)}--mark 0x${r.pick([0, 1, 2, 3]).toString(16)}${mask}`;
    }
    case 10:
      // a fresh rule's bucket is full: the first packet always matches. A burst of 1 only in
      // FORWARD: in the other hooks a stray packet of the router's own (seen once in 3,000 cases
      // in OUTPUT) can take the only token before the traced one
      return `-m limit --limit ${r.pick(["5/sec", "1/min"])} --limit-burst ${r.pick(hook === "FORWARD" ? [1, 5] : [3, 5])}`;
    case 11:
      return `-m physdev ${r.pick(["--physdev-is-in", "! --physdev-is-in", "--physdev-is-bridged", "! --physdev-is-bridged"])}`;
    case 12:
      // the kernel takes owner only where a packet can have a local socket; the packet server
      // that sends the router's packets runs as root
      if (hook === "OUTPUT" || hook === "POSTROUTING") {
        return `-m owner ${r.pick([`${neg(r, 0.3)}--uid-owner ${r.pick([0, 1000])}`, `${neg(r, 0.3)}--gid-owner ${r.pick([0, 1000])}`, `${neg(r, 0.3)}--socket-exists`])}`;
      }
      return `-m state ${neg(r, 0.2)}--state ${r.pick(["NEW", "ESTABLISHED", "INVALID", "RELATED,ESTABLISHED"])}`;
    case 13:
      return `-m state ${neg(r, 0.2)}--state ${r.pick(["NEW", "ESTABLISHED", "INVALID", "UNTRACKED"])}`;
    case 14: {
      // two lists the rules share; what --set puts in, later rules and packets find
      const list = `--name L${r.int(1, 2)} --mask ${family === 4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} ${r.pick(["--rsource", "--rsource", "--rdest"])}`;
      const command = r.pick(["--set", "--set", "--rcheck", "--update", "--remove", `--rcheck --hitcount ${r.int(1, 3)}`, `--update --seconds 60 --hitcount 2`]);
      const [verb, ...rest] = command.split(" ");
      return `-m recent ${neg(r, 0.2)}${verb} ${rest.length ? `${rest.join(" ")} ` : ""}${list}`;
    }
    default:
      return `-m conntrack ${neg(r, 0.2)}--ctstate ${r.pick(["NEW", "ESTABLISHED"])}`;
  }
}

/** The targets a rule in this table and hook may have (besides jumps/gotos and the basics). */
function targetFor(c: Ctx, hook: Hook, proto: string | undefined): string {
  const { r, family, table } = c;
  const basic = [
    "-j ACCEPT",
    "-j ACCEPT",
    // The nat table refuses DROP.
    table === "nat" ? "-j RETURN" : "-j DROP",
    "-j RETURN",
    `-j LOG --log-prefix ${r.pick(["p1", "\"seen \"", "x"])}`,
    "",
  ];
  const special: string[] = [];
  if (table === "filter") {
    special.push(
      family === 4 ? "-j REJECT --reject-with icmp-port-unreachable" : "-j REJECT --reject-with icmp6-port-unreachable",
      family === 4 ? "-j REJECT --reject-with icmp-host-prohibited" : "-j REJECT --reject-with icmp6-adm-prohibited",
      `-j MARK --set-xmark 0x${r.int(1, 3).toString(16)}/0xffffffff`,
    );
    // tcp-reset needs -p tcp in the same rule
    if (proto === "tcp") special.push("-j REJECT --reject-with tcp-reset");
  }
  if (table === "mangle") {
    special.push(
      `-j MARK --set-xmark 0x${r.int(1, 3).toString(16)}/0xffffffff`,
      `-j MARK --set-xmark 0x10/0x10`,
      `-j CONNMARK --set-xmark 0x${r.int(1, 3).toString(16)}/0xffffffff`,
      r.pick(["-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff", "-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"]),
      family === 4 ? `-j TTL ${r.pick(["--ttl-set 10", "--ttl-set 1", "--ttl-dec 1", "--ttl-inc 2"])}` : `-j HL ${r.pick(["--hl-set 10", "--hl-set 1", "--hl-dec 1", "--hl-inc 2"])}`,
      r.chance(0.5) ? `-j DSCP --set-dscp 0x${r.pick(["0a", "2e"])}` : `-j TOS --set-tos 0x${r.pick(["10/0xff", "28/0x3f"])}`,
    );
    if (hook === "FORWARD" || hook === "OUTPUT" || hook === "POSTROUTING") special.push("-j CLASSIFY --set-class 0001:0010");
  }
  if (table === "raw") special.push("-j CT --notrack", "-j CT --notrack", `-j MARK --set-xmark 0x1/0xffffffff`);
  if (table === "nat") {
    const to = (e: Endpoint) => addr(family, e);
    const bracket = (a: string) => (family === 6 ? `[${a}]` : a);
    if (hook === "PREROUTING" || hook === "OUTPUT") {
      const dest = r.pick([D1, D2, D3, INET_HOST]);
      special.push(`-j DNAT --to-destination ${to(dest)}`);
      // A port needs -p tcp/udp in the same rule.
      if (proto === "tcp" || proto === "udp") {
        special.push(`-j DNAT --to-destination ${bracket(to(dest))}:${r.pick([80, 8080, 22])}`, `-j REDIRECT --to-ports ${r.pick([8080, 3128])}`);
      } else special.push("-j REDIRECT");
    }
    if (hook === "POSTROUTING" || hook === "INPUT") {
      const source = to(r.pick([UPLINK, GW_DUMMY, GW_DOCKER]));
      special.push(`-j SNAT --to-source ${source}`);
      if (proto === "tcp" || proto === "udp") special.push(`-j SNAT --to-source ${bracket(source)}:${r.pick(["2000", "1024-2000", "40000-40100"])}`);
    }
    if (hook === "POSTROUTING") {
      special.push("-j MASQUERADE", "-j MASQUERADE");
      if (proto === "tcp" || proto === "udp") special.push(`-j MASQUERADE --to-ports ${r.pick(["2000", "1024-2000"])}`);
    }
    // NETMAP: the destination's host part onto another prefix before routing, the source's after.
    // Onto hosts that exist: a destination nobody has would end at the neighbour lookup, which
    // for a frame bridged after DNAT comes before FORWARD and which iptrace cannot know.
    const netmap = r.pick(family === 4 ? ["172.17.0.2/32", "192.168.0.2/31", "192.168.0.0/24"] : ["fd00:17::2/128", "fd49:efd7:54aa::1/128"]);
    const mapsToSomebody = family === 6 || netmap !== "192.168.0.0/24" || /^(192\.168\.0|172\.17\.0)\.[23]$/.test(c.packet.dst);
    if (mapsToSomebody && (hook !== "POSTROUTING" || r.chance(0.5))) special.push(`-j NETMAP --to ${netmap}`);
  }
  return r.chance(special.length > 0 ? 0.45 : 0) ? r.pick(special) : r.pick(basic);
}

function ruleFor(c: Ctx, chain: ChainPlan, callable: readonly ChainPlan[]): string {
  const { r } = c;
  const parts = [`-A ${chain.name}`];
  const canIn = !chain.builtin || hasIn(chain.hook);
  const canOut = !chain.builtin || hasOut(chain.hook);
  if (r.chance(0.3)) parts.push(addressMatch(c, "-s"));
  if (r.chance(0.3)) parts.push(addressMatch(c, "-d"));
  if (canIn && r.chance(0.25)) parts.push(interfaceMatch(c, "-i"));
  if (canOut && r.chance(0.25)) parts.push(interfaceMatch(c, "-o"));
  const [proto, protoText] = protoPart(c);
  parts.push(...protoText);
  const extras = r.chance(0.5) ? r.int(1, 2) : 0;
  const seen = new Set<string>();
  for (let i = 0; i < extras; i++) {
    const m = extraMatch(c, chain.hook);
    const name = m.split(" ")[1];
    // One instance per match module keeps the text what iptables-save prints.
    if (!seen.has(name) && !(name === "comment" && i < extras - 1)) {
      seen.add(name);
      parts.push(m);
    }
  }
  if (callable.length > 0 && r.chance(0.35)) {
    const target = r.pick(callable);
    parts.push(`${r.chance(0.7) ? "-j" : "-g"} ${target.name}`);
  } else {
    const t = targetFor(c, chain.hook, proto);
    if (t) parts.push(t);
  }
  return parts.join(" ");
}

/** Canonical order: comment goes last among matches, as iptables-save prints it when added last. */
function reorderComment(rule: string): string {
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Packets

function packetFor(r: Rand, family: Family): PacketSpec {
  const choice = r.pick(ORIGINS);
  const src = addr(family, r.pick(choice.sources));
  const dst = addr(family, r.pick(choice.destinations.filter((d) => addr(family, d) !== src && addr(family, d) !== "")));
  const proto = r.pick(["tcp", "tcp", "udp", "icmp"] as const);
  const base = { family, origin: choice.origin, src, dst, proto };
  if (proto === "icmp") {
    const icmpType = family === 4 ? r.pick([8, 8, 8, 0, 13]) : r.pick([128, 128, 129]);
    return { ...base, icmpType };
  }
  const sport = r.chance(0.5) ? r.int(30000, 60000) : r.pick([1024, 53, 40000]);
  const dport = r.pick([22, 53, 80, 443, 8080, 3128, r.int(1, 65535)]);
  if (proto === "udp") return { ...base, sport, dport };
  const tcpFlags = r.pick([["SYN"], ["SYN"], ["SYN"], ["ACK"], ["SYN", "ACK"], ["FIN", "ACK"], ["RST"], ["PSH", "ACK"]]);
  return { ...base, sport, dport, tcpFlags };
}

// ---------------------------------------------------------------------------------------------
// Whole cases

/** Generates the case of `seed`: an IPv4 case for even seeds with 3 in 4 chance, else IPv6. */
export function generateCase(seed: number): DiffCase & { seed: number } {
  const r = new Rand(rng(seed));
  const family: Family = r.chance(0.75) ? 4 : 6;
  const packet = packetFor(r, family);
  const tables = TABLE_ORDER.filter((t) => (t === "filter" ? r.chance(0.85) : r.chance(0.45)));
  if (tables.length === 0) tables.push("filter");
  const out: string[] = [];
  let userIndex = 0;
  for (const table of tables) {
    const c: Ctx = { r, family, packet, table };
    const builtins: ChainPlan[] = BUILTINS[table].map((hook) => ({ name: hook, hook, builtin: true, rules: [] }));
    const users: ChainPlan[] = [];
    const header: string[] = [];
    for (const b of builtins) {
      const policy = table !== "nat" && r.chance(0.2) ? "DROP" : "ACCEPT";
      header.push(`:${b.name} ${policy} [0:0]`);
    }
    // Which builtin chains get rules and user chains.
    const active = builtins.filter(() => r.chance(0.6));
    if (active.length === 0) active.push(r.pick(builtins));
    const plans = new Map<ChainPlan, ChainPlan[]>();
    for (const b of active) {
      const own: ChainPlan[] = [];
      const count = r.pick([0, 0, 1, 1, 2]);
      for (let i = 0; i < count; i++) {
        const u: ChainPlan = { name: `U${++userIndex}`, hook: b.hook, builtin: false, rules: [] };
        own.push(u);
        users.push(u);
      }
      plans.set(b, own);
    }
    for (const u of users) header.push(`:${u.name} - [0:0]`);
    for (const b of active) {
      const own = plans.get(b)!;
      const n = r.int(2, 8);
      for (let i = 0; i < n; i++) b.rules.push(reorderComment(ruleFor(c, b, own)));
      // Make sure every user chain is reached from somewhere.
      for (const [i, u] of own.entries()) {
        const callers = [b, ...own.slice(0, i)];
        const reached = callers.some((ch) => ch.rules.some((rule) => rule.endsWith(` ${u.name}`)));
        if (!reached) b.rules.splice(r.int(0, b.rules.length), 0, `-A ${b.name} -j ${u.name}`);
      }
      for (const [i, u] of own.entries()) {
        const n2 = r.int(3, 8);
        // A user chain may call only later user chains of the same owner: no loops.
        for (let k = 0; k < n2; k++) u.rules.push(reorderComment(ruleFor(c, u, own.slice(i + 1))));
      }
    }
    out.push(`*${table}`, ...header);
    for (const ch of [...builtins, ...users]) out.push(...ch.rules);
    out.push("COMMIT");
  }
  return { name: `seed-${seed}`, seed, input: `${out.join("\n")}\n`, packet };
}

/** The fixed seeds CI runs (and fixtures/kernel-diff records). */
export const FIXED_SEEDS: readonly number[] = Array.from({ length: 320 }, (_, i) => i + 1);

/** The seeds a fuzzing run takes: those given (comma-separated), else `count` (200) fresh ones from a random base, which is printed. */
export function fuzzSeeds(given: string | undefined, count: string | undefined): number[] {
  if (given) return given.split(",").map(Number);
  const base = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const n = Number(count ?? 200);
  console.log(`seeds ${base}..${base + n - 1}`);
  return Array.from({ length: n }, (_, i) => base + i);
}
