/**
 * The host compiled for the walk: route lookups on numbers (one Map per prefix length, longest
 * first), the kernel's local table derived from the addresses, and the address choices that
 * MASQUERADE, REDIRECT and locally generated packets make. Build once per host with compileHost.
 */
import { makeNet, netContains, type Family, type IpNet, type IpValue } from "../net/ip.js";
import { isLocalTable, isMainTable, scopeOf } from "./complete.js";
import type { Host, HostAddress, HostInterface, Route, RouteType } from "./host.js";

/**
 * The `-m addrtype` type bits: 1 << RTN_* (include/uapi/linux/netfilter/xt_addrtype.h).
 */
export const XT_ADDRTYPE = {
  UNSPEC: 1 << 0,
  UNICAST: 1 << 1,
  LOCAL: 1 << 2,
  BROADCAST: 1 << 3,
  ANYCAST: 1 << 4,
  MULTICAST: 1 << 5,
  BLACKHOLE: 1 << 6,
  UNREACHABLE: 1 << 7,
  PROHIBIT: 1 << 8,
  THROW: 1 << 9,
  NAT: 1 << 10,
  XRESOLVE: 1 << 11,
} as const;

/** The kernel's RTN_* number of each route type (include/uapi/linux/rtnetlink.h). */
export const RTN_TYPE: Readonly<Record<RouteType, number>> = {
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
};

/** Where a packet from a given source enters the host (the interface of the route back to it). */
export interface Arrival {
  /** The interface iptables sees as `-i`: for bridged traffic the bridge itself (docker0). */
  readonly iface: string;
  /** The bridge port (`--physdev-in`), when known; undefined when the source is behind a bridge and no port was given. */
  readonly port?: string;
  /** The route back to the source that decided it. */
  readonly route: Route;
}

/** A host compiled for fast lookups; every method takes numbers, never address strings. */
export interface CompiledHost {
  /** The host this was compiled from. */
  readonly host: Host;
  /**
   * The route the kernel picks for `dst`: the local table first (every interface address, all of
   * 127.0.0.0/8, ::1, subnet broadcasts), then main by longest prefix, then lowest metric.
   * `mark` is accepted for policy routing but not used: `ip rule` is not modelled.
   */
  routeLookup(family: Family, dst: IpValue, mark?: number): Route | undefined;
  /**
   * The address type bits `-m addrtype` tests. IPv4: exactly one bit, 1 << inet_dev_addr_type().
   * IPv6: the properties match_type6 tests (MULTICAST, UNICAST, UNSPEC, LOCAL, ANYCAST,
   * UNREACHABLE), possibly several; use addrtypeMatches for the kernel's exact rule.
   */
  addressType(family: Family, addr: IpValue, ifaceLimit?: string): number;
  /** The kernel's xt_addrtype test of one address against a type mask (without `!`). */
  addrtypeMatches(family: Family, addr: IpValue, mask: number, ifaceLimit?: string): boolean;
  /** True when `addr` is an address of this host (local-table type `local`). */
  isLocal(family: Family, addr: IpValue): boolean;
  /** The source address of a locally generated packet sent along `route` to `dst`. */
  preferredSource(family: Family, route: Route, dst: IpValue): IpValue | undefined;
  /** The address MASQUERADE writes: the outgoing interface's pick for the next hop (pass the gateway or the destination). */
  masqueradeAddress(family: Family, outIface: string, nextHopOrDst: IpValue): IpValue | undefined;
  /** The address REDIRECT writes: loopback for local packets (no inIface), else the in interface's first address. */
  redirectAddress(family: Family, inIface?: string): IpValue | undefined;
  /** The interface a packet from `src` arrives on: the route back to `src`. */
  arrivalInterface(family: Family, src: IpValue, portHint?: string): Arrival | undefined;
  /** The bridge an interface is a port of, if any. */
  bridgeOf(iface: string): string | undefined;
  /** True when the interface is a bridge. */
  isBridge(iface: string): boolean;
  /** The forwarding sysctl of a family. */
  forwarding(family: Family): boolean;
  /** The interface of that name, if the host has it. */
  iface(name: string): HostInterface | undefined;
}

/** One table of one family: per prefix length (longest first) a map from masked address to route. */
interface Table<V extends IpValue> {
  readonly masks: V[];
  readonly maps: Map<V, Route>[];
}

function buildTable<V extends IpValue>(family: Family, routes: readonly Route[]): Table<V> {
  const byPrefix = new Map<string, { mask: V; map: Map<V, Route> }>();
  for (const r of routes) {
    const key = String(r.dst.mask);
    let slot = byPrefix.get(key);
    if (slot === undefined) {
      slot = { mask: r.dst.mask as V, map: new Map() };
      byPrefix.set(key, slot);
    }
    const k = r.dst.addr as V;
    const prev = slot.map.get(k);
    // kernel: among routes of one prefix, the lowest priority (metric) wins; the first on a tie
    if (prev === undefined || r.metric < prev.metric) slot.map.set(k, r);
  }
  const slots = [...byPrefix.values()];
  // longest prefix first: a larger mask has more leading ones
  if (family === 4) slots.sort((a, b) => (b.mask as number) - (a.mask as number));
  else slots.sort((a, b) => ((b.mask as bigint) > (a.mask as bigint) ? 1 : (b.mask as bigint) < (a.mask as bigint) ? -1 : 0));
  return { masks: slots.map((s) => s.mask), maps: slots.map((s) => s.map) };
}

function lookup4(t: Table<number>, dst: number): Route | undefined {
  for (let i = 0; i < t.masks.length; i++) {
    const r = t.maps[i].get((dst & t.masks[i]) >>> 0);
    if (r !== undefined) return r;
  }
  return undefined;
}

function lookup6(t: Table<bigint>, dst: bigint): Route | undefined {
  for (let i = 0; i < t.masks.length; i++) {
    const r = t.maps[i].get(dst & t.masks[i]);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Numeric scopes as the kernel orders them (RT_SCOPE_UNIVERSE 0 … RT_SCOPE_HOST 254). */
const SCOPE_UNIVERSE = 0;
const SCOPE_LINK = 253;
const SCOPE_HOST = 254;

function scopeNum(a: HostAddress): number {
  const s = scopeOf(a);
  return s === "global" ? SCOPE_UNIVERSE : s === "link" ? SCOPE_LINK : SCOPE_HOST;
}

/** IPv6 scope rank for source selection: larger is wider (RFC 4007 scope values). */
function v6ScopeRank(addr: bigint): number {
  if (addr === 1n) return 1; // loopback: interface-local
  if (addr >> 118n === 0x3fan) return 2; // fe80::/10
  if (addr >> 120n === 0xffn) return Number((addr >> 112n) & 0xfn) || 14; // multicast: its scope nibble
  return 14;
}

function commonPrefix6(a: bigint, b: bigint): number {
  let x = a ^ b;
  if (x === 0n) return 128;
  let n = 0;
  while (x < 1n << 127n) { x <<= 1n; n++; }
  return n;
}

/** The local-table routes the kernel derives from the addresses (fib_add_ifaddr, addrconf). */
export function localTableRoutes(host: Host): Route[] {
  const out: Route[] = [];
  for (const i of host.interfaces) {
    const v4 = i.addresses.filter((a) => a.family === 4);
    for (const a of v4) {
      const net = makeNet(4, a.addr, a.prefix);
      // `prim`: the primary address of the same subnet, the src of the derived routes
      const prim = a.secondary ? (v4.find((p) => !p.secondary && netContains(net, p.addr) && p.prefix === a.prefix)?.addr ?? a.addr) : a.addr;
      // kernel: the local route exists even while the interface is down
      out.push({ family: 4, dst: makeNet(4, a.addr, 32), dev: i.name, src: prim, metric: 0, type: "local", table: "local" });
      if (!i.up) continue;
      if (a.broadcast !== undefined && a.broadcast !== 0xffffffff) {
        out.push({ family: 4, dst: makeNet(4, a.broadcast, 32), dev: i.name, src: prim, metric: 0, type: "broadcast", table: "local" });
      }
      const zeronet = (net.addr as number) >>> 24 === 0;
      if (a.secondary || zeronet || a.prefix === 32) continue;
      if (i.kind === "loopback") {
        // a prefix route on a loopback device is a local route (lo's 127.0.0.0/8)
        out.push({ family: 4, dst: net, dev: i.name, src: prim, metric: 0, type: "local", table: "local" });
      }
      if (a.prefix < 31) {
        const bcast = ((net.addr as number) | ~(net.mask as number)) >>> 0;
        out.push({ family: 4, dst: makeNet(4, bcast, 32), dev: i.name, src: prim, metric: 0, type: "broadcast", table: "local" });
      }
    }
    for (const a of i.addresses) {
      if (a.family !== 6) continue;
      out.push({ family: 6, dst: makeNet(6, a.addr, 128), dev: i.name, src: a.addr, metric: 0, type: "local", table: "local" });
      // addrconf: with forwarding on, the subnet-router anycast address of each prefix
      if (i.up && host.forwarding.ipv6 && a.prefix < 127 && i.kind !== "loopback") {
        out.push({ family: 6, dst: makeNet(6, makeNet(6, a.addr, a.prefix).addr, 128), dev: i.name, metric: 0, type: "anycast", table: "local" });
      }
    }
    if (i.up && i.kind !== "loopback") {
      out.push({ family: 6, dst: makeNet(6, 0xffn << 120n, 8), dev: i.name, metric: 256, type: "multicast", table: "local" });
    }
  }
  return out;
}

/** Compiles a host for the walk; every later call is a few Map lookups on numbers. */
export function compileHost(host: Host): CompiledHost {
  const ifaces = new Map<string, HostInterface>();
  for (const i of host.interfaces) ifaces.set(i.name, i);
  const down = (r: Route) => r.dev !== undefined && ifaces.get(r.dev)?.up === false;
  // Given local-table routes first (authoritative), then the derived ones fill the gaps.
  const localRoutes = [...host.routes.filter(isLocalTable), ...localTableRoutes(host)];
  // kernel: routes through a down device are gone (fib_sync_down_dev); local ones stay
  const mainRoutes = host.routes.filter((r) => isMainTable(r) && !down(r));
  const local4 = buildTable<number>(4, localRoutes.filter((r) => r.family === 4));
  const local6 = buildTable<bigint>(6, localRoutes.filter((r) => r.family === 6));
  const main4 = buildTable<number>(4, mainRoutes.filter((r) => r.family === 4));
  const main6 = buildTable<bigint>(6, mainRoutes.filter((r) => r.family === 6));
  // dev_base order: lo first, then by index (inet_select_addr's fallback walks it)
  const ordered = [...host.interfaces].sort((a, b) => {
    const la = a.kind === "loopback" ? 0 : 1;
    const lb = b.kind === "loopback" ? 0 : 1;
    if (la !== lb) return la - lb;
    return (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER);
  });

  const lookupLocal = (family: Family, dst: IpValue) =>
    family === 4 ? lookup4(local4, dst as number) : lookup6(local6, dst as bigint);
  const lookupMain = (family: Family, dst: IpValue) =>
    family === 4 ? lookup4(main4, dst as number) : lookup6(main6, dst as bigint);

  function routeLookup(family: Family, dst: IpValue): Route | undefined {
    // fib rules: 0 local, 32766 main, 32767 default (empty); `throw` ends a table's lookup
    const l = lookupLocal(family, dst);
    if (l !== undefined && l.type !== "throw") return l;
    const m = lookupMain(family, dst);
    if (m !== undefined && m.type !== "throw") return m;
    return undefined;
  }

  function addressType4(addr: number, limit?: string): number {
    // __inet_dev_addr_type: zeronet and limited broadcast are BROADCAST, class D is MULTICAST,
    // else the type of the local-table route (if its device is the limit), else UNICAST
    if (addr >>> 24 === 0 || addr === 0xffffffff) return XT_ADDRTYPE.BROADCAST;
    if (addr >>> 28 === 0xe) return XT_ADDRTYPE.MULTICAST;
    const r = lookup4(local4, addr);
    if (r === undefined) return XT_ADDRTYPE.UNICAST;
    if (limit !== undefined && r.dev !== limit) return XT_ADDRTYPE.UNICAST;
    return 1 << RTN_TYPE[r.type];
  }

  /** ipv6_addr_type's MULTICAST / UNICAST / ANY as addrtype bits. */
  function kind6(addr: bigint): number {
    if (addr === 0n) return XT_ADDRTYPE.UNSPEC;
    if (addr >> 120n === 0xffn) return XT_ADDRTYPE.MULTICAST;
    if (addr >> 32n === 0xffffn) return 0; // ::ffff:0:0/96 is IPV6_ADDR_MAPPED, not UNICAST
    return XT_ADDRTYPE.UNICAST;
  }

  // Per-device IPv6 tables, built on first use: a lookup with an output interface (flowi6_oif)
  // is strict (RT6_LOOKUP_F_IFACE) and only considers routes through that device.
  const byDev6 = new Map<string, { local: Table<bigint>; main: Table<bigint> }>();
  function lookupOnDev6(dev: string, dst: bigint): Route | undefined {
    let t = byDev6.get(dev);
    if (t === undefined) {
      t = {
        local: buildTable<bigint>(6, localRoutes.filter((r) => r.family === 6 && r.dev === dev)),
        main: buildTable<bigint>(6, mainRoutes.filter((r) => r.family === 6 && r.dev === dev)),
      };
      byDev6.set(dev, t);
    }
    const l = lookup6(t.local, dst);
    if (l !== undefined && l.type !== "throw") return l;
    const m = lookup6(t.main, dst);
    return m !== undefined && m.type !== "throw" ? m : undefined;
  }

  /** match_lookup_rt6: LOCAL, ANYCAST, UNREACHABLE from a route lookup. */
  function lookupBits6(addr: bigint, limit: string | undefined, wantLocal: boolean): number {
    let ret = 0;
    if (limit !== undefined && wantLocal) {
      // nf_ipv6_chk_addr(net, addr, dev, strict): the address is on that very device
      if (ifaces.get(limit)?.addresses.some((a) => a.family === 6 && a.addr === addr)) ret = XT_ADDRTYPE.LOCAL;
    }
    // kernel, recorded: with --limit-iface-out lo, fd00:5100::1 (an eth0 address) is UNREACHABLE
    const r = limit === undefined ? routeLookup(6, addr) : lookupOnDev6(limit, addr);
    if (r === undefined) return XT_ADDRTYPE.UNREACHABLE; // ip6_null_entry: -ENETUNREACH
    if (r.type === "blackhole" || r.type === "unreachable" || r.type === "prohibit") ret = XT_ADDRTYPE.UNREACHABLE; // RTF_REJECT
    if (limit === undefined && r.type === "local") ret |= XT_ADDRTYPE.LOCAL;
    // ipv6_anycast_destination: an anycast route, or the subnet-router address of an on-link prefix
    const plen = prefixLen6(r.dst);
    if (r.type === "anycast" || (plen < 127 && r.via === undefined && r.type === "unicast" && r.dst.addr === addr)) {
      ret |= XT_ADDRTYPE.ANYCAST;
    }
    return ret;
  }

  function addressType(family: Family, addr: IpValue, limit?: string): number {
    if (family === 4) return addressType4(addr as number, limit);
    const a = addr as bigint;
    return kind6(a) | lookupBits6(a, limit, true);
  }

  function addrtypeMatches(family: Family, addr: IpValue, mask: number, limit?: string): boolean {
    if (family === 4) return (mask & addressType4(addr as number, limit)) !== 0;
    // match_type6: MULTICAST, UNICAST and UNSPEC are each a must; LOCAL/ANYCAST/UNREACHABLE any-of
    const a = addr as bigint;
    const k = kind6(a);
    if (mask & XT_ADDRTYPE.MULTICAST && !(k & XT_ADDRTYPE.MULTICAST)) return false;
    if (mask & XT_ADDRTYPE.UNICAST && !(k & XT_ADDRTYPE.UNICAST)) return false;
    if (mask & XT_ADDRTYPE.UNSPEC && a !== 0n) return false;
    const lookupMask = XT_ADDRTYPE.LOCAL | XT_ADDRTYPE.ANYCAST | XT_ADDRTYPE.UNREACHABLE;
    if (mask & lookupMask) return (mask & lookupBits6(a, limit, (mask & XT_ADDRTYPE.LOCAL) !== 0)) !== 0;
    return true;
  }

  function isLocal(family: Family, addr: IpValue): boolean {
    return lookupLocal(family, addr)?.type === "local";
  }

  /** inet_select_addr(dev, dst, scope) for IPv4. */
  function selectAddr4(dev: string | undefined, dst: number, scope: number): number | undefined {
    let first: number | undefined;
    const i = dev === undefined ? undefined : ifaces.get(dev);
    for (const a of i?.addresses ?? []) {
      if (a.family !== 4 || a.secondary) continue;
      if (scopeNum(a) > scope) continue;
      if (dst === 0 || netContains(makeNet(4, a.addr, a.prefix), dst)) return a.addr as number;
      if (first === undefined) first = a.addr as number;
    }
    if (first !== undefined) return first;
    // no address on the device: the first primary of any device, lo first, link scope excluded
    for (const j of ordered) {
      for (const a of j.addresses) {
        if (a.family !== 4 || a.secondary) continue;
        const s = scopeNum(a);
        if (s !== SCOPE_LINK && s <= scope) return a.addr as number;
      }
    }
    return undefined;
  }

  /**
   * IPv6 source selection, simplified from ipv6_dev_get_saddr (RFC 6724): rule 1 (the address
   * itself), rule 2 (the smallest scope not narrower than the destination's), rule 5 (the
   * outgoing interface), rule 8 (longest matching prefix), then list order. Not modelled: rules
   * 3, 4, 6, 7 (deprecated, home, label, temporary addresses) and tentative addresses.
   */
  function selectAddr6(dev: string | undefined, dst: bigint): bigint | undefined {
    const dstRank = v6ScopeRank(dst);
    let best: { addr: bigint; key: number[] } | undefined;
    for (const j of ordered) {
      if (!j.up && j.name !== dev) continue;
      for (const a of j.addresses) {
        if (a.family !== 6) continue;
        const addr = a.addr as bigint;
        const rank = v6ScopeRank(addr);
        // a link-local destination can only be answered from the outgoing link
        if (dstRank <= 2 && j.name !== dev) continue;
        const key = [
          addr === dst ? 1 : 0,
          rank >= dstRank ? 1000 - rank : rank - 1000,
          j.name === dev ? 1 : 0,
          Math.min(commonPrefix6(addr, dst), a.prefix),
        ];
        if (best === undefined || greater(key, best.key)) best = { addr, key };
      }
    }
    return best?.addr;
  }

  function preferredSource(family: Family, route: Route, dst: IpValue): IpValue | undefined {
    if (route.src !== undefined) return route.src;
    if (family === 4) {
      if (route.type === "local") return dst; // kernel: no prefsrc on a local route → the destination itself
      // fib_info_update_nhc_saddr: inet_select_addr(dev, gateway, route scope); the brief's
      // "address in the destination's subnet" is used for routes without a gateway
      const scope = route.via !== undefined ? SCOPE_UNIVERSE : SCOPE_LINK;
      return selectAddr4(route.dev, (route.via ?? dst) as number, scope);
    }
    if (route.type === "local") return dst;
    return selectAddr6(route.dev, dst as bigint);
  }

  function masqueradeAddress(family: Family, outIface: string, nh: IpValue): IpValue | undefined {
    // nf_nat_masquerade_ipv4: inet_select_addr(out, rt_nexthop(rt, daddr), RT_SCOPE_UNIVERSE);
    // the route's `src` is not consulted. ipv6: ipv6_dev_get_saddr(out, daddr).
    // Given the destination, find the next hop as rt_nexthop does (a gateway given directly
    // resolves to itself through its connected route, so either may be passed).
    const r = lookupMain(family, nh);
    const hop = r !== undefined && r.dev === outIface && r.via !== undefined ? r.via : nh;
    if (family === 4) return selectAddr4(outIface, hop as number, SCOPE_UNIVERSE);
    return selectAddr6(outIface, nh as bigint);
  }

  function redirectAddress(family: Family, inIface?: string): IpValue | undefined {
    // nf_nat_redirect: LOCAL_OUT → loopback; else the first address of skb->dev, or drop
    if (inIface === undefined) return family === 4 ? 0x7f000001 : 1n;
    return ifaces.get(inIface)?.addresses.find((a) => a.family === family)?.addr;
  }

  function arrivalInterface(family: Family, src: IpValue, portHint?: string): Arrival | undefined {
    const route = lookupMain(family, src);
    if (route === undefined || route.dev === undefined || route.type !== "unicast") return undefined;
    const i = ifaces.get(route.dev);
    if (i?.kind === "bridge") {
      const portOk = portHint !== undefined && ifaces.get(portHint)?.master === i.name;
      return { iface: i.name, route, ...(portOk ? { port: portHint } : {}) };
    }
    return { iface: route.dev, route };
  }

  function bridgeOf(name: string): string | undefined {
    const m = ifaces.get(name)?.master;
    if (m === undefined) return undefined;
    return ifaces.get(m)?.kind === "bridge" ? m : undefined;
  }

  return {
    host,
    routeLookup: (family, dst) => routeLookup(family, dst),
    addressType,
    addrtypeMatches,
    isLocal,
    preferredSource,
    masqueradeAddress,
    redirectAddress,
    arrivalInterface,
    bridgeOf,
    isBridge: (name) => ifaces.get(name)?.kind === "bridge",
    forwarding: (family) => (family === 4 ? host.forwarding.ipv4 : host.forwarding.ipv6),
    iface: (name) => ifaces.get(name),
  };
}

function greater(a: number[], b: number[]): boolean {
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) return a[k] > b[k];
  }
  return false;
}

function prefixLen6(net: IpNet): number {
  let p = 0;
  const m = net.mask as bigint;
  for (let b = 127n; b >= 0n && ((m >> b) & 1n) === 1n; b--) p++;
  return p;
}
