/**
 * `-m conntrack` (xt_conntrack, revision 3): the connection's state, status, protocol, original and
 * reply tuples, direction and remaining lifetime.
 */
import type { Negatable } from "../../model/rule.js";
import type { Family, IpNet, IpValue } from "../../net/ip.js";
import { formatIp, maskPrefix, parseIp, v4PrefixMask, v6PrefixMask } from "../../net/ip.js";
import { protocolNumber } from "../../parse/protocols.js";
import { CtState, CtStatus, type PacketState } from "../../sim/packet.js";
import { bang, looseRangeOption, parseUint, prefixName, type NumRange } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** An address with a mask as `--ctorigsrc` keeps it: the address as written (not masked) and the network it means. */
export interface HostMask {
  /** The address as given; iptables-save prints it unmasked. */
  readonly host: IpValue;
  /** The network the kernel compares with (`(ip ^ host) & mask == 0`), masked. */
  readonly net: IpNet;
}

/** The typed `-m conntrack` match. */
export interface ConntrackMatch {
  readonly module: "conntrack";
  /** `--ctstate`: CtState bits. */
  readonly state?: Negatable<number>;
  /** `--ctproto`: protocol number (0 for `all`). */
  readonly proto?: Negatable<number>;
  readonly origSrc?: Negatable<HostMask>;
  readonly origDst?: Negatable<HostMask>;
  readonly replSrc?: Negatable<HostMask>;
  readonly replDst?: Negatable<HostMask>;
  readonly origSrcPort?: Negatable<NumRange>;
  readonly origDstPort?: Negatable<NumRange>;
  readonly replSrcPort?: Negatable<NumRange>;
  readonly replDstPort?: Negatable<NumRange>;
  /** `--ctstatus`: CtStatus bits (0 is `NONE`). */
  readonly status?: Negatable<number>;
  /** `--ctexpire`: remaining lifetime in seconds. */
  readonly expire?: Negatable<NumRange>;
  /** `--ctdir`. */
  readonly dir?: "ORIGINAL" | "REPLY";
}

/** State names in the order the tools try them as prefixes (conntrack_ps_state). */
const STATE_PARSE_ORDER = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"] as const;
/** State names in the order iptables-save prints them (print_state). */
const STATE_PRINT_ORDER = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;
const STATUS_PARSE_ORDER = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;
const STATUS_PRINT_ORDER = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;

/** Bits of the conntrack states that `-m state` also knows. */
export const STATE_ONLY_NAMES = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"] as const;

/**
 * Reads a comma-separated list of names into bits, each word a case-insensitive prefix of a name
 * tried in `order` (as conntrack_ps_states and state_parse_states do). Reports the bad word.
 */
export function parseBitList(
  use: OptionUse,
  ctx: BuildContext,
  order: readonly string[],
  bits: Readonly<Record<string, number>>,
  what: string,
): number | undefined {
  let mask = 0;
  for (const word of (use.values[0] ?? "").split(",")) {
    const name = prefixName(word, order);
    if (name === undefined) {
      return ctx.error("bad-value", `--${use.name} expects a comma-separated list of ${order.join(", ")}; found ${word === "" ? "an empty " + what : `"${word}"`}`, use, 0);
    }
    mask |= bits[name] ?? 0;
  }
  return mask;
}

/** Prints state bits in the kernel tools' order. */
export function formatStates(bits: number, names: readonly string[] = STATE_PRINT_ORDER): string {
  return names.filter((n) => bits & (CtState as Record<string, number>)[n]).join(",");
}

function formatStatus(bits: number): string {
  if (bits === 0) return "NONE";
  return STATUS_PRINT_ORDER.filter((n) => bits & CtStatus[n]).join(",");
}

/**
 * Parses `ADDR[/PREFIX|/MASK]` as xtables' HOSTMASK type does. A dotted mask with holes gives no
 * mask at all (xtopt_parse_plen turns it into prefix -1, which xtopt_parse_plenmask ignores): the
 * full-length mask, as iptables-save then shows.
 */
export function parseHostMask(text: string, family: Family): HostMask | string {
  const slash = text.indexOf("/");
  const hostText = slash < 0 ? text : text.slice(0, slash);
  const host = parseIp(hostText, family);
  if (host === undefined) return `"${hostText}" is not an IPv${family} address`;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    const n = parseUint(m, 0, bits);
    if (n !== undefined) prefix = n;
    else {
      const mask = parseIp(m, family);
      if (mask === undefined) return `"${m}" is neither a prefix length (0 to ${bits}) nor an IPv${family} mask`;
      const p = maskPrefix(family === 4 ? { family: 4, addr: 0, mask: mask as number } : { family: 6, addr: 0n, mask: mask as bigint });
      prefix = p ?? bits;
    }
  }
  if (family === 4) {
    const mask = v4PrefixMask(prefix);
    return { host, net: { family: 4, addr: ((host as number) & mask) >>> 0, mask } };
  }
  const mask = v6PrefixMask(prefix);
  return { host, net: { family: 6, addr: (host as bigint) & mask, mask } };
}

/** Prints a HostMask as conntrack_dump_addr does: no suffix for a full mask, else `/PREFIX`. */
export function formatHostMask(h: HostMask): string {
  const p = maskPrefix(h.net);
  const full = h.net.family === 4 ? 32 : 128;
  const addr = formatIp(h.host, h.net.family);
  if (p === full) return addr;
  return p === undefined ? `${addr}/${formatIp(h.net.mask, h.net.family)}` : `${addr}/${p}`;
}

/** A fast address test for a network: uint32 compare for IPv4, bigint for IPv6. */
export function netTester(net: IpNet): (ip: IpValue) => boolean {
  if (net.family === 4) {
    const { addr, mask } = net;
    return (ip) => (((ip as number) & mask) >>> 0) === addr;
  }
  const { addr, mask } = net;
  return (ip) => ((ip as bigint) & mask) === addr;
}

const NO_CT = CtState.INVALID | CtState.UNTRACKED;

export const conntrack: MatchExtension<ConntrackMatch> = {
  name: "conntrack",
  options: [
    { name: "ctstate", args: 1, invertible: true },
    { name: "ctproto", args: 1, invertible: true },
    { name: "ctorigsrc", args: 1, invertible: true },
    { name: "ctorigdst", args: 1, invertible: true },
    { name: "ctreplsrc", args: 1, invertible: true },
    { name: "ctrepldst", args: 1, invertible: true },
    { name: "ctstatus", args: 1, invertible: true },
    { name: "ctexpire", args: 1, invertible: true },
    { name: "ctorigsrcport", args: 1, invertible: true },
    { name: "ctorigdstport", args: 1, invertible: true },
    { name: "ctreplsrcport", args: 1, invertible: true },
    { name: "ctrepldstport", args: 1, invertible: true },
    { name: "ctdir", args: 1 },
  ],
  build(uses, ctx) {
    if (uses.length === 0) return ctx.error("missing-value", "-m conntrack needs at least one option such as --ctstate", ctx.where);
    const m: { -readonly [K in keyof ConntrackMatch]: ConntrackMatch[K] } = { module: "conntrack" };
    for (const u of uses) {
      const invert = u.invert;
      switch (u.name) {
        case "ctstate": {
          const v = parseBitList(u, ctx, STATE_PARSE_ORDER, CtState, "state");
          if (v === undefined) return undefined;
          m.state = { value: v, invert };
          break;
        }
        case "ctstatus": {
          const v = parseBitList(u, ctx, STATUS_PARSE_ORDER, { NONE: 0, ...CtStatus }, "status");
          if (v === undefined) return undefined;
          m.status = { value: v, invert };
          break;
        }
        case "ctproto": {
          const n = protocolNumber(u.values[0] ?? "");
          if (n === undefined) return ctx.error("bad-protocol", `--ctproto expects a protocol name or a number from 0 to 255, found "${u.values[0] ?? ""}"`, u, 0);
          m.proto = { value: n, invert };
          break;
        }
        case "ctorigsrc":
        case "ctorigdst":
        case "ctreplsrc":
        case "ctrepldst": {
          const h = parseHostMask(u.values[0] ?? "", ctx.family);
          if (typeof h === "string") return ctx.error("bad-address", `--${u.name} expects an IPv${ctx.family} address with an optional /prefix; ${h}`, u, 0);
          const key = ({ ctorigsrc: "origSrc", ctorigdst: "origDst", ctreplsrc: "replSrc", ctrepldst: "replDst" } as const)[u.name];
          m[key] = { value: h, invert };
          break;
        }
        case "ctorigsrcport":
        case "ctorigdstport":
        case "ctreplsrcport":
        case "ctrepldstport": {
          const r = looseRangeOption(u, ctx, 65535, true);
          if (!r) return undefined;
          const key = ({ ctorigsrcport: "origSrcPort", ctorigdstport: "origDstPort", ctreplsrcport: "replSrcPort", ctrepldstport: "replDstPort" } as const)[u.name];
          m[key] = { value: r, invert };
          break;
        }
        case "ctexpire": {
          const r = looseRangeOption(u, ctx, 0xffffffff);
          if (!r) return undefined;
          m.expire = { value: r, invert };
          break;
        }
        case "ctdir": {
          const d = (u.values[0] ?? "").toUpperCase();
          if (d !== "ORIGINAL" && d !== "REPLY") return ctx.error("bad-value", `--ctdir expects ORIGINAL or REPLY, found "${u.values[0] ?? ""}"`, u, 0);
          m.dir = d;
          break;
        }
      }
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    const neg = <T>(n: Negatable<T> | undefined, name: string, f: (v: T) => string) => {
      if (n) parts.push(`${bang(n.invert)}--${name} ${f(n.value)}`);
    };
    const range = (r: NumRange) => (r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`);
    neg(m.state, "ctstate", (v) => formatStates(v));
    neg(m.proto, "ctproto", (v) => `${v}`);
    neg(m.origSrc, "ctorigsrc", formatHostMask);
    neg(m.origDst, "ctorigdst", formatHostMask);
    neg(m.replSrc, "ctreplsrc", formatHostMask);
    neg(m.replDst, "ctrepldst", formatHostMask);
    neg(m.origSrcPort, "ctorigsrcport", range);
    neg(m.origDstPort, "ctorigdstport", range);
    neg(m.replSrcPort, "ctreplsrcport", range);
    neg(m.replDstPort, "ctrepldstport", range);
    neg(m.status, "ctstatus", formatStatus);
    neg(m.expire, "ctexpire", range);
    if (m.dir) parts.push(`--ctdir ${m.dir}`);
    return parts.join(" ");
  },
  compile(m) {
    if (m.expire) return { kind: "unsupported", reason: "conntrack --ctexpire (the connection's remaining timeout is not modelled)" };
    // kernel (conntrack_mt): each test is skipped when its flag is absent, else (test ^ invert) must hold.
    const tests: ((p: PacketState) => boolean)[] = [];
    const addr = (n: Negatable<HostMask> | undefined, get: (p: PacketState) => IpValue) => {
      if (!n) return;
      const t = netTester(n.value.net);
      const inv = n.invert;
      tests.push((p) => t(get(p)) !== inv);
    };
    const port = (n: Negatable<NumRange> | undefined, get: (p: PacketState) => number) => {
      if (!n) return;
      const { min, max } = n.value;
      const inv = n.invert;
      tests.push((p) => {
        const v = get(p);
        return (v >= min && v <= max) !== inv;
      });
    };
    if (m.dir) {
      const reply = m.dir === "REPLY";
      tests.push((p) => p.ctReply === reply);
    }
    addr(m.origSrc, (p) => p.ctOrigSrc);
    addr(m.origDst, (p) => p.ctOrigDst);
    addr(m.replSrc, (p) => p.ctReplSrc);
    addr(m.replDst, (p) => p.ctReplDst);
    if (m.proto) {
      // The connection's protocol is the packet's own, except for ICMP errors RELATED to another
      // connection, whose conntrack entry is that connection's; the packet state has no separate field.
      const { value, invert } = m.proto;
      tests.push((p) => (p.proto === value) !== invert);
    }
    port(m.origSrcPort, (p) => p.ctOrigSport);
    port(m.origDstPort, (p) => p.ctOrigDport);
    port(m.replSrcPort, (p) => p.ctReplSport);
    port(m.replDstPort, (p) => p.ctReplDport);
    if (m.status) {
      const { value, invert } = m.status;
      tests.push((p) => ((p.ctStatus & value) !== 0) !== invert);
    }
    const state = m.state;
    const rest = tests;
    return {
      kind: "test",
      test: (p) => {
        if (state && ((p.ctState & state.value) !== 0) === state.invert) return false;
        // kernel: without a conntrack entry (INVALID, UNTRACKED) only --ctstate can match
        if (p.ctState & NO_CT) return state !== undefined;
        for (const t of rest) if (!t(p)) return false;
        return true;
      },
    };
  },
};
