/**
 * Shared pieces of the readers: address text, scopes and kinds, and `completeHost`, which fills the
 * gaps of partial `ip` output with the least surprising facts and says so in `assumptions`.
 */
import {
  formatIp,
  formatNet,
  makeNet,
  netContains,
  parseIp,
  type Family,
  type IpNet,
  type IpValue,
} from "../net/ip.js";
import type { AddressScope, Host, HostAddress, HostForwarding, HostInterface, InterfaceKind, Route } from "./host.js";

/** Options every reader accepts for facts that `ip addr`/`ip route` output does not carry. */
export interface HostReadOptions {
  /** net.ipv4.ip_forward / net.ipv6.conf.all.forwarding; assumed on (as Docker sets it) when absent. */
  readonly forwarding?: boolean | Partial<HostForwarding>;
  /** net.bridge.bridge-nf-call-iptables; assumed on when the host has a bridge (Docker sets it). */
  readonly bridgeNetfilter?: boolean;
  /** Fill gaps (loopback, connected routes, addresses named only by routes); default true. */
  readonly complete?: boolean;
}

/** Parses `ADDR/PREFIX` (or a bare address, full prefix) of either family, or returns a message. */
export function parseAddressWithPrefix(
  text: string,
): { family: Family; addr: IpValue; prefix: number } | string {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const family: Family = addrText.includes(":") ? 6 : 4;
  const addr = parseIp(addrText, family);
  if (addr === undefined) return `"${addrText}" is not an IPv${family} address`;
  const bits = family === 4 ? 32 : 128;
  if (slash < 0) return { family, addr, prefix: bits };
  const p = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bits) return `"${p}" is not a prefix length (0-${bits})`;
  return { family, addr, prefix: Number(p) };
}

/** Parses a route destination: `default`, `ADDR` (a host route) or `ADDR/PREFIX`, for a known family. */
export function parseRouteDst(text: string, family: Family): IpNet | string {
  if (text === "default" || text === "all" || text === "any") return makeNet(family, family === 4 ? 0 : 0n, 0);
  const a = parseAddressWithPrefix(text);
  if (typeof a === "string") return a;
  if (a.family !== family) return `"${text}" is an IPv${a.family} destination in an IPv${family} table`;
  return makeNet(a.family, a.addr, a.prefix);
}

/** The scope the kernel gives an address by default (ip addr add picks host for 127/8, link for fe80::/10). */
export function defaultScope(family: Family, addr: IpValue): AddressScope {
  if (family === 4) return ((addr as number) >>> 24) === 127 ? "host" : "global";
  const a = addr as bigint;
  if (a === 1n) return "host";
  if (a >> 118n === 0x3fan) return "link"; // fe80::/10
  return "global";
}

/** The scope of an address, given or derived. */
export function scopeOf(a: HostAddress): AddressScope {
  return a.scope ?? defaultScope(a.family, a.addr);
}

/** Guesses an interface kind from its name, as Docker and the kernel name them. */
export function guessKind(name: string): InterfaceKind {
  if (name === "lo") return "loopback";
  if (name === "docker0" || name.startsWith("br-") || /^(br|virbr|cni|lxcbr|lxdbr)[0-9]/.test(name)) return "bridge";
  if (name.startsWith("veth")) return "veth";
  if (/^(eth|en|wl|em|eno|ens|enp)/.test(name)) return "ether";
  return "other";
}

/** The subnet an address sits in. */
export function addressNet(a: HostAddress): IpNet {
  return makeNet(a.family, a.addr, a.prefix);
}

/** Formats an address with its prefix length, as `ip addr` prints it. */
export function formatAddress(a: HostAddress): string {
  return `${formatIp(a.addr, a.family)}/${a.prefix}`;
}

/** Formats a route in `ip route` style, for messages and assumptions. */
export function formatRoute(r: Route): string {
  const parts: string[] = [];
  if (r.type !== "unicast") parts.push(r.type);
  const full = r.family === 4 ? r.dst.mask === 0xffffffff : r.dst.mask === (1n << 128n) - 1n;
  // ip prints host routes without their prefix length
  parts.push(r.dst.mask === (r.family === 4 ? 0 : 0n) ? "default" : full ? formatIp(r.dst.addr, r.family) : formatNet(r.dst));
  if (r.via !== undefined) parts.push("via", formatIp(r.via, r.family));
  if (r.dev !== undefined) parts.push("dev", r.dev);
  if (r.src !== undefined) parts.push("src", formatIp(r.src, r.family));
  if (r.metric !== 0) parts.push("metric", String(r.metric));
  if (r.table !== undefined && r.table !== "main") parts.push("table", r.table);
  return parts.join(" ");
}

/** True when the route belongs to the main table (no table, or `main`/254). */
export function isMainTable(r: Route): boolean {
  return r.table === undefined || r.table === "main" || r.table === "254";
}

/** True when the route belongs to the kernel's local table (`local`/255). */
export function isLocalTable(r: Route): boolean {
  return r.table === "local" || r.table === "255";
}

function sameNet(a: IpNet, b: IpNet): boolean {
  return a.family === b.family && a.addr === b.addr && a.mask === b.mask;
}

/** Resolves the forwarding option to both switches, recording what was assumed. */
export function resolveForwarding(opt: HostReadOptions["forwarding"], assumptions: string[]): HostForwarding {
  if (typeof opt === "boolean") return { ipv4: opt, ipv6: opt };
  const ipv4 = opt?.ipv4;
  const ipv6 = opt?.ipv6;
  if (ipv4 === undefined) assumptions.push("IPv4 forwarding not given; assumed on (net.ipv4.ip_forward=1, as Docker sets it).");
  if (ipv6 === undefined) assumptions.push("IPv6 forwarding not given; assumed on (net.ipv6.conf.all.forwarding=1).");
  return { ipv4: ipv4 ?? true, ipv6: ipv6 ?? true };
}

/**
 * Fills the gaps of a partial host description and records each inference in `assumptions`:
 * a missing loopback; bridges named only as `master`; interfaces named only by routes; an address
 * for an interface that has none but a route with `src` or a gateway names it; the connected
 * route the kernel adds for every primary address of an up interface.
 */
export function completeHost(host: Host): Host {
  const assumptions = [...host.assumptions];
  const ifaces = new Map<string, HostInterface>();
  for (const i of host.interfaces) ifaces.set(i.name, i);
  const routes = [...host.routes];

  // Every Linux host has lo with 127.0.0.1/8 and ::1/128.
  if (!ifaces.has("lo") && ![...ifaces.values()].some((i) => i.kind === "loopback")) {
    ifaces.set("lo", {
      name: "lo",
      kind: "loopback",
      up: true,
      addresses: [
        { family: 4, addr: 0x7f000001, prefix: 8, scope: "host" },
        { family: 6, addr: 1n, prefix: 128, scope: "host" },
      ],
    });
    assumptions.push("lo: not given; assumed up with 127.0.0.1/8 and ::1/128.");
  }

  // Bridges named only as the master of a port.
  for (const i of [...ifaces.values()]) {
    if (i.master === undefined) continue;
    const m = ifaces.get(i.master);
    if (m === undefined) {
      ifaces.set(i.master, { name: i.master, kind: "bridge", up: true, addresses: [] });
      assumptions.push(`${i.master}: not listed, but ${i.name} is its port; assumed an up bridge.`);
    } else if (m.kind !== "bridge") {
      ifaces.set(m.name, { ...m, kind: "bridge" });
      if (m.kind !== undefined && m.kind !== "other") assumptions.push(`${m.name}: is the master of ${i.name}; taken as a bridge.`);
    }
  }

  // Interfaces named only by routes.
  for (const r of routes) {
    if (r.dev === undefined || ifaces.has(r.dev)) continue;
    ifaces.set(r.dev, { name: r.dev, kind: guessKind(r.dev), up: true, addresses: [] });
    assumptions.push(`${r.dev}: no address entry, but the route "${formatRoute(r)}" names it; assumed an up ${guessKind(r.dev)} interface.`);
  }

  // An interface without an address of a family that its routes use: infer one.
  for (const i of [...ifaces.values()]) {
    for (const family of [4, 6] as const) {
      if (i.addresses.some((a) => a.family === family)) continue;
      // link-local prefixes say nothing about a configured address (every link has fe80::/64)
      const mine = routes.filter(
        (r) => r.family === family && r.dev === i.name && r.type === "unicast" && !(family === 6 && isLinkLocal6(r.dst.addr as bigint)),
      );
      if (mine.length === 0) continue;
      const inferred = inferAddress(i.name, family, mine, assumptions);
      if (inferred === undefined) continue;
      ifaces.set(i.name, { ...ifaces.get(i.name)!, addresses: [...ifaces.get(i.name)!.addresses, inferred.address] });
      if (inferred.route !== undefined) routes.push(inferred.route);
    }
  }

  // The connected route the kernel adds with each primary address of an up interface.
  for (const i of ifaces.values()) {
    if (!i.up) continue;
    for (const a of i.addresses) {
      if (a.secondary || a.prefix === (a.family === 4 ? 32 : 128)) continue;
      if (a.family === 4 && i.kind === "loopback") continue; // lo's 127.0.0.0/8 is a local-table route
      const net = addressNet(a);
      if (routes.some((r) => r.family === a.family && r.dev === i.name && sameNet(r.dst, net) && !isLocalTable(r))) continue;
      const route: Route = {
        family: a.family,
        dst: net,
        dev: i.name,
        ...(a.family === 4 ? { src: a.addr } : {}),
        metric: a.family === 4 ? 0 : 256,
        type: "unicast",
      };
      routes.push(route);
      assumptions.push(`${i.name}: added the connected route "${formatRoute(route)}" that the kernel creates with ${formatAddress(a)}.`);
    }
  }

  // lo first, as the kernel lists it (ifindex 1)
  const list = [...ifaces.values()].sort((a, b) => (a.kind === "loopback" ? 0 : 1) - (b.kind === "loopback" ? 0 : 1));
  return { ...host, interfaces: list, routes, assumptions };
}

function isLinkLocal6(a: bigint): boolean {
  return a >> 118n === 0x3fan;
}

/** Infers one address for `name` from the routes that name it (see completeHost). */
function inferAddress(
  name: string,
  family: Family,
  routes: Route[],
  assumptions: string[],
): { address: HostAddress; route?: Route } | undefined {
  const bits = family === 4 ? 32 : 128;
  const withSrc = routes.find((r) => r.src !== undefined);
  const connected = routes.find((r) => r.via === undefined && r.dst.mask !== (family === 4 ? 0 : 0n) && r.type === "unicast");
  if (withSrc !== undefined) {
    // The kernel's connected route carries the address as `src`; take its prefix from that route
    // when it contains the source, else from the connected route, else a host address.
    const src = withSrc.src!;
    const net = [withSrc, ...routes].find((r) => r.via === undefined && netContains(r.dst, src) && r.dst.mask !== (family === 4 ? 0 : 0n));
    const prefix = net ? prefixOf(net.dst) : bits;
    const address: HostAddress = { family, addr: src, prefix };
    assumptions.push(`${name}: address not given; assumed ${formatAddress(address)} from the route "${formatRoute(withSrc)}".`);
    return { address };
  }
  if (connected !== undefined) {
    const used = routes.filter((r) => r.via !== undefined).map((r) => r.via!);
    const addr = lowestFreeHost(connected.dst, used);
    if (addr === undefined) return undefined;
    const address: HostAddress = { family, addr, prefix: prefixOf(connected.dst) };
    assumptions.push(`${name}: address not given; assumed ${formatAddress(address)}, the lowest host address of the connected route "${formatRoute(connected)}".`);
    return { address };
  }
  const gw = routes.find((r) => r.via !== undefined);
  if (gw === undefined) return undefined;
  // A gateway must be on-link: assume the usual LAN size around it (/24, /64) and the lowest
  // host address in it that is not the gateway (10.0.3.1 → 10.0.3.2, 192.168.1.254 → 192.168.1.1).
  const prefix = family === 4 ? 24 : 64;
  const net = makeNet(family, gw.via!, prefix);
  const addr = lowestFreeHost(net, [gw.via!]);
  if (addr === undefined) return undefined;
  const address: HostAddress = { family, addr, prefix };
  const route: Route = { family, dst: net, dev: name, ...(family === 4 ? { src: addr } : {}), metric: family === 4 ? 0 : 256, type: "unicast" };
  assumptions.push(
    `${name}: address not given; assumed ${formatAddress(address)} (the lowest free host address of a /${prefix} around the gateway ${formatIp(gw.via!, family)} of "${formatRoute(gw)}"), with its connected route ${formatNet(net)}.`,
  );
  return { address, route };
}

/** Prefix length of a contiguous mask. */
export function prefixOf(net: IpNet): number {
  if (net.family === 4) {
    let m = net.mask >>> 0;
    let p = 0;
    while (m & 0x80000000) { p++; m = (m << 1) >>> 0; }
    return p;
  }
  let p = 0;
  for (let b = 127n; b >= 0n && ((net.mask >> b) & 1n) === 1n; b--) p++;
  return p;
}

/** The lowest host address of `net` that is neither the network address nor in `taken`. */
function lowestFreeHost(net: IpNet, taken: IpValue[]): IpValue | undefined {
  for (let k = 1; k < 256; k++) {
    const cand: IpValue = net.family === 4 ? (net.addr + k) >>> 0 : net.addr + BigInt(k);
    if (!netContains(net, cand)) return undefined;
    if (taken.some((t) => t === cand)) continue;
    if (net.family === 4 && net.mask !== 0xffffffff && ((cand as number) | ~net.mask) >>> 0 === cand) continue; // broadcast
    return cand;
  }
  return undefined;
}

/**
 * Builds the final host from what a reader found: resolves the sysctls (recording what was
 * assumed) and, unless `options.complete` is false, fills the gaps with completeHost.
 */
export function finishHost(
  interfaces: readonly HostInterface[],
  routes: readonly Route[],
  assumptions: readonly string[],
  options: HostReadOptions,
): Host {
  const notes = [...assumptions];
  const forwarding = resolveForwarding(options.forwarding, notes);
  const host0: Host = { interfaces, routes, forwarding, bridgeNetfilter: options.bridgeNetfilter ?? false, assumptions: notes };
  const host = options.complete === false ? host0 : completeHost(host0);
  if (options.bridgeNetfilter !== undefined) return host;
  const bridged = host.interfaces.some((i) => i.kind === "bridge");
  return {
    ...host,
    bridgeNetfilter: bridged,
    assumptions: [
      ...host.assumptions,
      bridged
        ? "bridgeNetfilter not given; assumed on because the host has a bridge (Docker loads br_netfilter and sets net.bridge.bridge-nf-call-iptables=1)."
        : "bridgeNetfilter not given; assumed off because the host has no bridge.",
    ],
  };
}
