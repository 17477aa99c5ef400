/** `-m tcp` (xt_tcpudp): ports, flags and options of TCP packets. */
import type { Negatable } from "../../model/rule.js";
import { Proto, TcpFlag } from "../../sim/packet.js";
import { bang, formatRange, nameListOption, portRangeOption, Recent, uintOption, type NumRange } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** `--tcp-flags MASK COMP`: of the flags in `mask`, exactly those in `comp` are set. */
export interface TcpFlagsTest {
  readonly mask: number;
  readonly comp: number;
}

/** The typed `-m tcp` match. */
export interface TcpMatch {
  readonly module: "tcp";
  readonly sport?: Negatable<NumRange>;
  readonly dport?: Negatable<NumRange>;
  readonly flags?: Negatable<TcpFlagsTest>;
  /** `--tcp-option N`. */
  readonly option?: Negatable<number>;
}

const FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "ALL", "NONE"] as const;
type FlagName = (typeof FLAG_NAMES)[number];
const FLAG_ORDER: readonly (keyof typeof TcpFlag)[] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

/** Bits of a flag list like `SYN,ACK` (`ALL` is FIN..URG — libxt_tcp: 0x3F, not ECE/CWR — and `NONE` none). */
export function flagBits(names: readonly FlagName[]): number {
  let bits = 0;
  for (const n of names) bits |= n === "ALL" ? 0x3f : n === "NONE" ? 0 : TcpFlag[n];
  return bits;
}

/** Prints flag bits as iptables-save does: names in kernel bit order, `NONE` for none. */
export function formatFlags(bits: number): string {
  if (bits === 0) return "NONE";
  return FLAG_ORDER.filter((n) => bits & TcpFlag[n]).join(",");
}

/** `--syn` is `--tcp-flags FIN,SYN,RST,ACK SYN`. */
const SYN_TEST: TcpFlagsTest = { mask: TcpFlag.FIN | TcpFlag.SYN | TcpFlag.RST | TcpFlag.ACK, comp: TcpFlag.SYN };

/** Tests a port range, honouring its `!`. */
export function inRange(r: Negatable<NumRange> | undefined, port: number): boolean {
  if (!r) return true;
  return (port >= r.value.min && port <= r.value.max) !== r.invert;
}

/**
 * The port test of a tcp/udp match as iptables-nft loads it. iptables-nft 1.8.9 turns
 * `! --sport A ! --dport B` (both single ports, both negated) into ONE 4-byte compare of
 * sport.dport against A.B (nft --debug=netlink: `payload load 4b @ th+0; cmp neq`), so the rule
 * matches unless BOTH ports are equal; found by the kernel differential tests. Ranges, or one
 * negation, stay two separate tests.
 */
export function portsTest(sport: Negatable<NumRange> | undefined, dport: Negatable<NumRange> | undefined): (sp: number, dp: number) => boolean {
  if (sport && dport && sport.invert && dport.invert && sport.value.min === sport.value.max && dport.value.min === dport.value.max) {
    const a = sport.value.min;
    const b = dport.value.min;
    return (sp, dp) => !(sp === a && dp === b);
  }
  return (sp, dp) => inRange(sport, sp) && inRange(dport, dp);
}

/** Prints `[! ]--NAME RANGE` unless the range is every port and not inverted (as iptables-save omits it). */
export function printPorts(name: string, r: Negatable<NumRange> | undefined): string | undefined {
  if (!r) return undefined;
  if (!r.invert && r.value.min === 0 && r.value.max === 65535) return undefined;
  return `${bang(r.invert)}--${name} ${formatRange(r.value)}`;
}

const BARE_TCP: TcpMatch = { module: "tcp" };

/** `-m tcp --dport N` alone (every KUBE-SERVICES rule), shared by port and `!`. */
const ONE_DPORT = new Recent<TcpMatch>(64);

/**
 * A tcp or udp match with only `--dport`: one object per port and `!` when the range is one port
 * (kept in `recent`), made with both fields at once.
 */
export function onePort<M extends "tcp" | "udp">(u: OptionUse, ctx: BuildContext, recent: Recent<{ readonly module: M; readonly dport?: Negatable<NumRange> }>, module: M) {
  const r = portRangeOption(u, ctx);
  if (!r) return undefined;
  if (r.min !== r.max) return { module, dport: { value: r, invert: u.invert } };
  const key = r.min * 2 + (u.invert ? 1 : 0);
  return recent.get(key) ?? recent.set(key, { module, dport: { value: r, invert: u.invert } });
}

export const tcp: MatchExtension<TcpMatch> = {
  name: "tcp",
  options: [
    { name: "source-port", args: 1, invertible: true },
    { name: "sport", args: 1, invertible: true },
    { name: "destination-port", args: 1, invertible: true },
    { name: "dport", args: 1, invertible: true },
    { name: "tcp-flags", args: 2, invertible: true },
    { name: "syn", args: 0, invertible: true },
    { name: "tcp-option", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    if (ctx.protocol !== Proto.TCP) {
      return ctx.error("match-not-allowed", "-m tcp needs -p tcp (the kernel refuses it for other protocols)", ctx.where);
    }
    // `-m tcp` without options (every KUBE-SEP DNAT rule has one): one shared, read-only match
    if (uses.length === 0) return BARE_TCP;
    if (uses.length === 1 && (uses[0].name === "dport" || uses[0].name === "destination-port")) return onePort(uses[0], ctx, ONE_DPORT, "tcp");
    const m: { -readonly [K in keyof TcpMatch]: TcpMatch[K] } = { module: "tcp" };
    for (const u of uses) {
      switch (u.name) {
        case "source-port":
        case "sport": {
          const r = portRangeOption(u, ctx);
          if (!r) return undefined;
          m.sport = { value: r, invert: u.invert };
          break;
        }
        case "destination-port":
        case "dport": {
          const r = portRangeOption(u, ctx);
          if (!r) return undefined;
          m.dport = { value: r, invert: u.invert };
          break;
        }
        case "tcp-flags": {
          const mask = nameListOption(u, ctx, FLAG_NAMES, 0);
          const comp = nameListOption(u, ctx, FLAG_NAMES, 1);
          if (!mask || !comp) return undefined;
          m.flags = { value: { mask: flagBits(mask), comp: flagBits(comp) }, invert: u.invert };
          break;
        }
        case "syn":
          m.flags = { value: SYN_TEST, invert: u.invert };
          break;
        case "tcp-option": {
          const n = uintOption(u, ctx, 0, 255);
          if (n === undefined) return undefined;
          m.option = { value: n, invert: u.invert };
          break;
        }
      }
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    const s = printPorts("sport", m.sport);
    if (s) parts.push(s);
    const d = printPorts("dport", m.dport);
    if (d) parts.push(d);
    if (m.option) parts.push(`${bang(m.option.invert)}--tcp-option ${m.option.value}`);
    if (m.flags) parts.push(`${bang(m.flags.invert)}--tcp-flags ${formatFlags(m.flags.value.mask)} ${formatFlags(m.flags.value.comp)}`);
    return parts.join(" ");
  },
  compile(m) {
    if (m.option) return { kind: "unsupported", reason: "tcp --tcp-option (the packet's TCP options are not modelled)" };
    const { sport, dport, flags } = m;
    const ports = portsTest(sport, dport);
    return {
      kind: "test",
      // kernel: tcp_mt drops non-first fragments (offset != 0) without matching
      test: (p) =>
        p.proto === Proto.TCP &&
        !p.fragment &&
        ports(p.sport, p.dport) &&
        (!flags || ((p.tcpFlags & flags.value.mask) === flags.value.comp) !== flags.invert),
    };
  },
};
