/**
 * Addresses as numbers. ip-num validates text at parse time; everything the walk touches is a
 * plain number (IPv4, uint32) or a bigint (IPv6, 128 bits), so a match is `(ip & mask) === net`.
 */
import type * as IpNum from "ip-num";
import { createRequire } from "node:module";

let ipNum: typeof IpNum | undefined;

/**
 * ip-num, loaded on first use: only IPv6 text and the IPv4 reference check need it, and loading
 * it computes its own tables (~10 ms of every start). Required rather than imported: it is a
 * CommonJS package, and importing CommonJS from an ES module starts Node's export scanner for it,
 * which costs the process some 20 MB of memory.
 */
function ipnum(): typeof IpNum {
  return (ipNum ??= createRequire(import.meta.url)("ip-num") as typeof IpNum);
}

/** Address family: 4 for IPv4, 6 for IPv6. */
export type Family = 4 | 6;

/** An IPv4 network: address and mask as unsigned 32-bit numbers; `addr` is already masked. */
export interface Ipv4Net {
  readonly family: 4;
  readonly addr: number;
  readonly mask: number;
}

/** An IPv6 network: address and mask as 128-bit bigints; `addr` is already masked. */
export interface Ipv6Net {
  readonly family: 6;
  readonly addr: bigint;
  readonly mask: bigint;
}

/** A network (address with mask) of either family. */
export type IpNet = Ipv4Net | Ipv6Net;

/** A single address of either family: number for IPv4, bigint for IPv6. */
export type IpValue = number | bigint;

const V6_ALL = (1n << 128n) - 1n;

/** The 129 IPv6 prefix masks, made once: every /128 of a dump shares one bigint (32 bytes an address less). */
const V6_MASKS: readonly bigint[] = Array.from({ length: 129 }, (_, p) => (p === 0 ? 0n : (V6_ALL << BigInt(128 - p)) & V6_ALL));

/**
 * Parses a dotted-quad IPv4 address into a uint32, or returns undefined. Hand-written because it
 * runs for every address of a 150,000-rule dump: four decimal octets, no leading zeros, as
 * inet_pton accepts them (test/net checks it against ip-num on random input).
 */
export function parseIpv4(text: string): number | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** The same check through ip-num, kept as the reference the fast parser is tested against. */
export function parseIpv4Reference(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/.test(text)) return undefined;
  const { IPv4, Validator } = ipnum();
  if (!Validator.isValidIPv4String(text)[0]) return undefined;
  return Number(IPv4.fromString(text).getValue());
}

/**
 * Parses an IPv6 address (any RFC 4291 text form, incl. an embedded IPv4 tail) into a bigint.
 * Hand-written for the same reason as parseIpv4: through ip-num an address took ~25 µs, and an
 * ip6tables dump of 10,000 services spent four of its five seconds there (test/net holds it to
 * the ip-num reference on random input).
 */
export function parseIpv6(text: string): bigint | undefined {
  const n = text.length;
  if (n < 2 || n > 45) return undefined;
  // eight 16-bit groups; `gap` is where "::" stands (the number of groups before it), -1 for none
  const groups = V6_GROUPS;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return undefined; // a lone leading colon
    gap = 0;
    i = 2;
    if (i === n) return 0n; // "::"
  }
  for (;;) {
    // one group: 1 to 4 hex digits, or a dotted IPv4 tail that ends the address
    const start = i;
    let value = 0;
    let c = 0;
    while (i < n) {
      c = text.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      value = value * 16 + d;
      i++;
    }
    if (i < n && c === 46 /* . */) {
      // the last 32 bits as a.b.c.d: two groups
      const v4 = parseIpv4(text.slice(start));
      if (v4 === undefined || count > 6) return undefined;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || count === 8) return undefined;
    groups[count++] = value;
    if (i === n) break;
    if (c !== 58 /* : */) return undefined;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined; // a second "::"
      gap = count;
      i++;
      if (i === n) break; // "…::"
    } else if (i === n) return undefined; // a lone trailing colon
  }
  // "::" stands for at least one zero group
  if (gap < 0 ? count !== 8 : count > 7) return undefined;
  // the sixteen bytes in network order, then two 64-bit halves: four bigint operations where
  // four 32-bit words took ten (70,000 addresses: 5 ms instead of 14-20)
  const bytes = V6_BYTES;
  const zeros = gap < 0 ? 0 : 8 - count;
  for (let g = 0, k = 0; g < 8; g++) bytes.setUint16(g * 2, gap >= 0 && g >= gap && g < gap + zeros ? 0 : groups[k++]);
  return (bytes.getBigUint64(0) << 64n) | bytes.getBigUint64(8);
}

/** Scratch for parseIpv6: the groups as written, and the address as sixteen bytes (big-endian, DataView's default). */
const V6_GROUPS = new Array<number>(8).fill(0);
const V6_BYTES = new DataView(new ArrayBuffer(16));

/** The same parse through ip-num, kept as the reference the fast parser is tested against. */
export function parseIpv6Reference(text: string): bigint | undefined {
  if (text.length === 0 || text.includes("%") || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let t = text;
  const lastColon = t.lastIndexOf(":");
  if (t.includes(".")) {
    // dotted IPv4 tail (::ffff:1.2.3.4): turn it into two hex groups
    const v4 = parseIpv4(t.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const { IPv6, Validator } = ipnum();
  if (!Validator.isValidIPv6String(t)[0]) return undefined;
  try {
    return IPv6.fromString(t).getValue();
  } catch {
    return undefined;
  }
}

/** Parses an address of the given family. */
export function parseIp(text: string, family: Family): IpValue | undefined {
  return family === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** The family of an address text, or undefined when it is neither. */
export function familyOf(text: string): Family | undefined {
  if (parseIpv4(text) !== undefined) return 4;
  if (parseIpv6(text) !== undefined) return 6;
  return undefined;
}

/** Mask of `prefix` leading one bits, as uint32. */
export function v4PrefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Mask of `prefix` leading one bits, as a 128-bit bigint. */
export function v6PrefixMask(prefix: number): bigint {
  return V6_MASKS[prefix] ?? (prefix === 0 ? 0n : (V6_ALL << BigInt(128 - prefix)) & V6_ALL);
}

/** The prefix length of a contiguous mask, or undefined when the mask has holes. */
export function maskPrefix(net: IpNet): number | undefined {
  const bits = net.family === 4 ? 32 : 128;
  for (let p = 0; p <= bits; p++) {
    if (net.family === 4 ? v4PrefixMask(p) === net.mask : v6PrefixMask(p) === net.mask) return p;
  }
  return undefined;
}

/** Makes a network from an address and a prefix length; the address is masked as iptables does. */
export function makeNet(family: Family, addr: IpValue, prefix: number): IpNet {
  if (family === 4) {
    const mask = v4PrefixMask(prefix);
    return { family: 4, addr: ((addr as number) & mask) >>> 0, mask };
  }
  const mask = v6PrefixMask(prefix);
  // a full mask leaves the address as it is: no second bigint
  return { family: 6, addr: prefix === 128 ? (addr as bigint) : (addr as bigint) & mask, mask };
}

/**
 * The number text[from..] when it is one to three decimal digits (a prefix length), else -1;
 * read without a regular expression, as every `-s`/`-d` of a dump has one.
 */
function prefixLength(text: string, from: number): number {
  const n = text.length - from;
  if (n < 1 || n > 3) return -1;
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * Parses `ADDR`, `ADDR/PREFIX` or `ADDR/MASK` (dotted or colon mask) as iptables does for -s/-d.
 * A bare address gets a full mask. Returns a message instead when the text is no such thing.
 */
export function parseNet(text: string, family: Family): IpNet | string {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIp(addrText, family);
  if (addr === undefined) return `"${addrText}" is not an IPv${family} address`;
  const bits = family === 4 ? 32 : 128;
  if (slash < 0) return makeNet(family, addr, bits);
  const prefix = prefixLength(text, slash + 1);
  if (prefix >= 0) {
    if (prefix > bits) return `prefix length ${prefix} is longer than ${bits}`;
    return makeNet(family, addr, prefix);
  }
  const maskText = text.slice(slash + 1);
  const mask = parseIp(maskText, family);
  if (mask === undefined) return `"${maskText}" is neither a prefix length nor an IPv${family} mask`;
  if (family === 4) return { family: 4, addr: ((addr as number) & (mask as number)) >>> 0, mask: mask as number };
  return { family: 6, addr: (addr as bigint) & (mask as bigint), mask: mask as bigint };
}

/** Formats an IPv4 uint32 as dotted quad. */
export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Formats an IPv6 bigint as inet_ntop does (longest run of two or more zero groups as `::`). */
export function formatIpv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // glibc inet_ntop prints IPv4-mapped and IPv4-compatible addresses with a dotted tail
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || (groups[5] === 0 && groups[6] !== 0))) {
    const tail = formatIpv4(((groups[6] << 16) | groups[7]) >>> 0);
    return groups[5] === 0xffff ? `::ffff:${tail}` : `::${tail}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}

/** Formats an address of either family. */
export function formatIp(v: IpValue, family: Family): string {
  return family === 4 ? formatIpv4(v as number) : formatIpv6(v as bigint);
}

/** Formats a network as iptables-save does: `addr/prefix`, or `addr/mask` when the mask has holes. */
export function formatNet(net: IpNet): string {
  const prefix = maskPrefix(net);
  const addr = formatIp(net.addr, net.family);
  if (prefix !== undefined) return `${addr}/${prefix}`;
  return `${addr}/${formatIp(net.mask, net.family)}`;
}

/** True when `ip` lies in `net`; both of the same family (the walk compiles this to inline code). */
export function netContains(net: IpNet, ip: IpValue): boolean {
  if (net.family === 4) return ((((ip as number) & net.mask) >>> 0) === net.addr);
  return ((ip as bigint) & net.mask) === net.addr;
}
