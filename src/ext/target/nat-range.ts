/**
 * The address/port ranges that the NAT targets share (nf_nat_range2): parsing `--to-destination`,
 * `--to-source` and `--to-ports` as libxt_NAT / libxt_MASQUERADE do, and printing them back as
 * iptables-save does. Not an extension itself.
 */
import type { Family, IpValue } from "../../net/ip.js";
import { formatIp, parseIp } from "../../net/ip.js";
import { Proto } from "../../sim/packet.js";
import { parsePort, Recent, type NumRange } from "../common.js";
import type { BuildContext, OptionUse } from "../types.js";

/** A NAT range: addresses (when mapped), ports (when given) and the base port of a shifted port map. */
export interface NatRange {
  /** First and last address, when the range maps addresses (NF_NAT_RANGE_MAP_IPS). */
  readonly addrs?: { readonly min: IpValue; readonly max: IpValue };
  /** Ports, when given (NF_NAT_RANGE_PROTO_SPECIFIED). */
  readonly ports?: NumRange;
  /** `/BASE` of `PORT-PORT/BASE` (NF_NAT_RANGE_PROTO_OFFSET, DNAT revision 2). */
  readonly basePort?: number;
}

/** Protocols with which iptables accepts ports in a NAT range ("Need TCP, UDP, SCTP or DCCP with port specification"; for IPv4 also ICMP ids, not ICMPv6 — seen with iptables-nft 1.8.9). */
export function natPortsAllowed(protocol: number | undefined, family: Family): boolean {
  return protocol === Proto.TCP || protocol === Proto.UDP || protocol === Proto.SCTP || protocol === 33 /* dccp */ ||
    (family === 4 && protocol === Proto.ICMP);
}

/** Parses `PORT[-PORT][/BASE]` (numbers or service names); a message when it is not one. */
export function parseNatPorts(text: string, allowBase: boolean): { ports: NumRange; basePort?: number } | string {
  let rest = text;
  let basePort: number | undefined;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    if (!allowBase) return `shifted port maps (PORT-PORT/BASE) are not supported here; found "${text}"`;
    const b = parsePort(rest.slice(slash + 1));
    if (b === undefined) return `"${rest.slice(slash + 1)}" is not a base port`;
    basePort = b;
    rest = rest.slice(0, slash);
  }
  const dash = rest.indexOf("-");
  // iptables 1.8.9: "Garbage after port value" for `80/90`; a base needs a range
  if (basePort !== undefined && dash < 0) return `"${text}": a base port (/BASE) needs a range PORT-PORT before it`;
  const lo = parsePort(dash < 0 ? rest : rest.slice(0, dash));
  const hi = dash < 0 ? lo : parsePort(rest.slice(dash + 1));
  if (lo === undefined || hi === undefined) return `"${rest}" is not a port or PORT-PORT`;
  if (hi < lo) return `port range "${rest}" is reversed`;
  const key = lo * 65536 + hi;
  const ports = PORTS.get(key) ?? PORTS.set(key, { min: lo, max: hi });
  return basePort !== undefined ? { ports, basePort } : { ports };
}

/** Port ranges of NAT targets, shared (every KUBE-SEP DNAT names one of a few service ports). */
const PORTS = new Recent<NumRange>(64);

function parseAddrRange(text: string, family: Family): { min: IpValue; max: IpValue } | string {
  const dash = text.indexOf("-");
  const minText = dash < 0 ? text : text.slice(0, dash);
  const maxText = dash < 0 ? text : text.slice(dash + 1);
  const min = parseIp(minText, family);
  if (min === undefined) return `"${minText}" is not an IPv${family} address`;
  // one address: min and max are the same value (for IPv6, one bigint)
  const max = dash < 0 ? min : parseIp(maxText, family);
  if (max === undefined) return `"${maxText}" is not an IPv${family} address`;
  // iptables keeps a reversed range as written (the kernel then maps to nothing sensible)
  return { min, max };
}

/**
 * Parses `[ADDR[-ADDR]][:PORT[-PORT][/BASE]]` (IPv4) or `ADDR[-ADDR]` / `[ADDR[-ADDR]][:PORT…]`
 * (IPv6), as libxt_NAT's parse_to does. Returns a message when the text is no such range.
 */
export function parseNatRange(text: string, family: Family, allowBase: boolean): NatRange | string {
  let addrText: string;
  let portText: string | undefined;
  if (family === 6) {
    if (text.startsWith("[")) {
      const close = text.indexOf("]");
      if (close < 0) return `"${text}": "[" without "]"`;
      addrText = text.slice(1, close);
      const after = text.slice(close + 1);
      if (after !== "") {
        if (!after.startsWith(":")) return `"${text}": expected ":PORT" after "]"`;
        portText = after.slice(1);
      }
    } else {
      addrText = text;
    }
  } else {
    const colon = text.indexOf(":");
    addrText = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (addrText === "" && portText === undefined) return `expected an address or ":PORT", found "${text}"`;
  let addrs: { min: IpValue; max: IpValue } | undefined;
  if (addrText !== "") {
    const a = parseAddrRange(addrText, family);
    if (typeof a === "string") return a;
    addrs = a;
  }
  if (portText === undefined) return addrs ? { addrs } : {};
  const p = parseNatPorts(portText, allowBase);
  if (typeof p === "string") return p;
  // written out rather than spread: object spread is a slow generic copy, and every KUBE-SEP
  // rule's DNAT comes here
  if (p.basePort === undefined) return addrs ? { addrs, ports: p.ports } : { ports: p.ports };
  return addrs ? { addrs, ports: p.ports, basePort: p.basePort } : { ports: p.ports, basePort: p.basePort };
}

/** Prints a port range as libxt_NAT does: `80`, `80-90`, `80-90/85`. */
/**
 * `--to-ports PORT[-PORT]` of MASQUERADE and REDIRECT: a port range (no shifted base, which
 * iptables-nft 1.8.9 refuses: "Shifted portmap ranges not supported with this kernel"), only with
 * a protocol that has ports. Reports and returns undefined when wrong.
 */
export function toPortsOption(use: OptionUse, ctx: BuildContext): NumRange | undefined {
  const r = parseNatPorts(use.values[0] ?? "", false);
  if (typeof r === "string") return ctx.error("bad-port", `--to-ports expects PORT or PORT-PORT; ${r}`, use, 0);
  if (!natPortsAllowed(ctx.protocol, ctx.family)) {
    return ctx.error("bad-value", `--to-ports needs -p tcp, udp, sctp or dccp (iptables: "Need TCP, UDP, SCTP or DCCP with port specification")`, use, 0);
  }
  return r.ports;
}

export function formatNatPorts(ports: NumRange, basePort?: number): string {
  const r = ports.min === ports.max ? `${ports.min}` : `${ports.min}-${ports.max}`;
  return basePort !== undefined ? `${r}/${basePort}` : r;
}

/** Prints a NAT range as iptables-save does (IPv6 addresses in brackets when ports follow). */
export function formatNatRange(r: NatRange, family: Family): string {
  let s = "";
  if (r.addrs) {
    const min = formatIp(r.addrs.min, family);
    const addr = r.addrs.min === r.addrs.max ? min : `${min}-${formatIp(r.addrs.max, family)}`;
    s = family === 6 && r.ports ? `[${addr}]` : addr;
  }
  if (r.ports) s += `:${formatNatPorts(r.ports, r.basePort)}`;
  return s;
}

/** Reads a NAT range option, checking that ports come with a protocol that has them. */
export function natRangeOption(
  use: OptionUse,
  ctx: BuildContext,
  allowBase: boolean,
): NatRange | undefined {
  const text = use.values[0] ?? "";
  const r = parseNatRange(text, ctx.family, allowBase);
  if (typeof r === "string") return ctx.error("bad-address", `--${use.name} expects ${ctx.family === 4 ? "[ADDR[-ADDR]][:PORT[-PORT]]" : "ADDR[-ADDR] or [ADDR[-ADDR]]:PORT[-PORT]"}; ${r}`, use, 0);
  if (r.ports && !natPortsAllowed(ctx.protocol, ctx.family)) {
    return ctx.error("bad-value", `--${use.name} ${text}: a port needs -p tcp, udp, sctp or dccp (iptables: "Need TCP, UDP, SCTP or DCCP with port specification")`, use, 0);
  }
  return r;
}

/** What a NAT range maps a connection to, and a note when the kernel would have had a choice. */
export interface NatChoice {
  readonly addr?: IpValue;
  readonly port?: number;
  readonly note?: string;
}

function inAddrRange(r: { min: IpValue; max: IpValue }, a: IpValue): boolean {
  return a >= r.min && a <= r.max;
}

/**
 * Chooses the new address and port for a connection whose translated side is `origAddr`:`origPort`,
 * as nf_nat_get_unique_tuple does when the result is unique: the original tuple is kept when it
 * already lies in the range (unless --random); a shifted port map keeps the offset from BASE;
 * otherwise the kernel picks by hash, and iptrace takes the first address and port and says so.
 */
export function natChoice(target: string, r: NatRange, origAddr: IpValue, origPort: number, random: boolean, family: Family): NatChoice {
  const portOk = !r.ports || (origPort >= r.ports.min && origPort <= r.ports.max);
  const addrOk = !r.addrs || inAddrRange(r.addrs, origAddr);
  if (!random && portOk && addrOk && r.basePort === undefined) return {};
  const guesses: string[] = [];
  let addr: IpValue | undefined;
  if (r.addrs) {
    addr = r.addrs.min;
    if (r.addrs.min !== r.addrs.max) guesses.push(`address ${formatIp(r.addrs.min, family)} of ${formatIp(r.addrs.min, family)}-${formatIp(r.addrs.max, family)}`);
  }
  let port: number | undefined;
  if (r.ports) {
    if (r.basePort !== undefined) {
      const size = r.ports.max - r.ports.min + 1;
      port = r.ports.min + (((origPort - r.basePort) & 0xffff) % size);
    } else if (!random && portOk) {
      port = origPort;
    } else {
      port = r.ports.min;
      if (r.ports.min !== r.ports.max) guesses.push(`port ${r.ports.min} of ${r.ports.min}-${r.ports.max}`);
    }
  }
  const note = guesses.length
    ? `${target}: the kernel picks from the range by a hash of the connection${random ? " (--random)" : ""}; iptrace took the first ${guesses.join(" and ")}`
    : undefined;
  return { ...(addr !== undefined ? { addr } : {}), ...(port !== undefined ? { port } : {}), ...(note ? { note } : {}) };
}
