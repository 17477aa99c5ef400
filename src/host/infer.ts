/**
 * A host inferred from a ruleset alone, for when the user gives no `ip` output: the interfaces
 * the rules name, Docker's bridges with their gateways, an uplink from the documentation ranges,
 * loopback, forwarding and bridge netfilter on. Every inferred fact is listed in `assumptions`.
 */
import { formatIp, formatNet, makeNet, netContains, type Family, type IpNet, type IpValue } from "../net/ip.js";
import { formatAddress, guessKind, prefixOf } from "./complete.js";
import { completeHost } from "./complete.js";
import type { Host, HostAddress, HostInterface, Route } from "./host.js";

/** Facts the walk extracts from a parsed ruleset to infer the host from. */
export interface InferFacts {
  /** The ruleset's family (iptables-save: 4, ip6tables-save: 6). */
  readonly family: Family;
  /** Interface names seen in `-i`/`-o`, with or without `!`; wildcards (`veth+`) are ignored. */
  readonly interfaces: readonly string[];
  /**
   * (subnet, interface) pairs: `-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE` gives
   * (172.17.0.0/16, docker0); `-d 192.168.0.2/32 ! -i br-dummy -o br-dummy` gives a host-sized
   * pair, which is taken as a container address on that bridge, not as a subnet.
   */
  readonly subnets: readonly { readonly subnet: IpNet; readonly iface: string }[];
  /** Addresses that are containers, not the host: DNAT `--to-destination` targets, with their interface when known. */
  readonly endpoints?: readonly { readonly addr: IpValue; readonly iface?: string }[];
}

/** The uplink invented when the ruleset does not say: documentation addresses, never real ones. */
const UPLINK = {
  4: { addr: 0xc6336401, prefix: 24, gateway: 0xc63364fe }, // 198.51.100.1/24 via 198.51.100.254
  6: { addr: 0x20010db8000000000000000000000001n, prefix: 64, gateway: 0x20010db80000000000000000000000fen }, // 2001:db8::1/64 via 2001:db8::fe
} as const;
/** A second uplink-like interface gets an address from the other IPv4 documentation range. */
const SECOND = { 4: { addr: 0xcb007101, prefix: 24 }, 6: { addr: 0x20010db8000100000000000000000001n, prefix: 64 } } as const;

function cleanName(n: string): string | undefined {
  const name = n.startsWith("!") ? n.slice(1).trim() : n.trim();
  if (name === "" || name.endsWith("+")) return undefined; // a wildcard names no single interface
  return name;
}

function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** The lowest host address of `net` that no endpoint uses (Docker's gateway is the first address). */
function firstFree(net: IpNet, taken: readonly IpValue[]): IpValue | undefined {
  for (let k = 1; k < 1024; k++) {
    const cand: IpValue = net.family === 4 ? (net.addr + k) >>> 0 : net.addr + BigInt(k);
    if (!netContains(net, cand)) return undefined;
    if (!taken.some((t) => t === cand)) return cand;
  }
  return undefined;
}

/**
 * Infers a host from ruleset facts. Docker bridges get the subnet's first address not used by a
 * container as gateway (172.17.0.1/16); the uplink is eth0 198.51.100.1/24 via 198.51.100.254
 * (IPv6: 2001:db8::1/64 via 2001:db8::fe) unless the rules name another uplink-like interface,
 * which then gets those addresses; lo, forwarding and bridge netfilter are on.
 */
export function inferHost(facts: InferFacts): Host {
  const family = facts.family;
  const notes: string[] = [];
  const order: string[] = [];
  const seen = (n: string) => {
    if (!order.includes(n)) order.push(n);
  };
  for (const n of facts.interfaces) {
    const c = cleanName(n);
    if (c !== undefined) seen(c);
  }
  const subnets = new Map<string, IpNet[]>();
  const endpoints = new Map<string, IpValue[]>();
  const allEndpoints: IpValue[] = (facts.endpoints ?? []).map((e) => e.addr);
  for (const { subnet, iface } of facts.subnets) {
    const c = cleanName(iface);
    if (c === undefined || subnet.family !== family) continue;
    seen(c);
    if (prefixOf(subnet) === bits(family)) {
      endpoints.set(c, [...(endpoints.get(c) ?? []), subnet.addr]);
      allEndpoints.push(subnet.addr);
    } else if (!(subnets.get(c) ?? []).some((s) => s.addr === subnet.addr && s.mask === subnet.mask)) {
      subnets.set(c, [...(subnets.get(c) ?? []), subnet]);
    }
  }
  for (const e of facts.endpoints ?? []) {
    const c = e.iface === undefined ? undefined : cleanName(e.iface);
    if (c !== undefined) {
      seen(c);
      endpoints.set(c, [...(endpoints.get(c) ?? []), e.addr]);
    }
  }

  const interfaces: HostInterface[] = [];
  const routes: Route[] = [];
  let uplinks = 0;
  for (const name of order) {
    if (name === "lo") continue; // completeHost adds it
    const nets = subnets.get(name) ?? [];
    const eps = endpoints.get(name) ?? [];
    let kind = guessKind(name);
    const addresses: HostAddress[] = [];
    if (nets.length > 0 || (eps.length > 0 && kind === "bridge")) {
      if (kind !== "bridge" && kind !== "veth") {
        notes.push(`${name}: rules pair it with a container subnet; taken as a bridge.`);
        kind = "bridge";
      }
      const list = nets.length > 0 ? nets : [makeNet(family, eps[0], family === 4 ? 24 : 64)];
      if (nets.length === 0) notes.push(`${name}: only the container address ${formatIp(eps[0], family)} is known; assumed the subnet ${formatNet(list[0])}.`);
      for (const net of list) {
        const gw = firstFree(net, allEndpoints);
        if (gw === undefined) continue;
        const a: HostAddress = { family, addr: gw, prefix: prefixOf(net), scope: "global" };
        addresses.push(a);
        const first = firstFree(net, [])!;
        notes.push(
          `${name}: bridge address not given; assumed ${formatAddress(a)}, Docker's gateway: the first address of ${formatNet(net)}` +
            (first !== gw ? ` that is not a container (the rules treat ${formatIp(first, family)} as a container).` : "."),
        );
      }
    } else if (kind === "ether" || kind === "other") {
      uplinks++;
      if (uplinks <= 2) {
        const u = uplinks === 1 ? UPLINK[family] : SECOND[family];
        const a: HostAddress = { family, addr: u.addr, prefix: u.prefix, scope: "global" };
        addresses.push(a);
        if (uplinks === 1) {
          const gw = UPLINK[family].gateway;
          routes.push({ family, dst: makeNet(family, family === 4 ? 0 : 0n, 0), dev: name, via: gw, metric: family === 4 ? 0 : 1024, type: "unicast" });
          notes.push(`${name}: taken as the uplink; assumed ${formatAddress(a)} and the default route via ${formatIp(gw, family)} (documentation addresses).`);
        } else {
          notes.push(`${name}: address not given; assumed ${formatAddress(a)} (a documentation range).`);
        }
      } else {
        notes.push(`${name}: named by the rules; no address assumed.`);
      }
    } else if (kind === "veth") {
      notes.push(`${name}: named by the rules; assumed a veth with no address whose bridge is unknown.`);
    } else {
      notes.push(`${name}: named by the rules; assumed an up ${kind} interface with no address.`);
    }
    interfaces.push({ name, kind, up: true, addresses });
  }
  if (uplinks === 0) {
    const u = UPLINK[family];
    const a: HostAddress = { family, addr: u.addr, prefix: u.prefix, scope: "global" };
    interfaces.unshift({ name: "eth0", kind: "ether", up: true, addresses: [a] });
    routes.push({ family, dst: makeNet(family, family === 4 ? 0 : 0n, 0), dev: "eth0", via: u.gateway, metric: family === 4 ? 0 : 1024, type: "unicast" });
    notes.push(`eth0: no uplink named by the rules; assumed eth0 with ${formatAddress(a)} and the default route via ${formatIp(u.gateway, family)} (documentation addresses).`);
  }
  notes.push("Forwarding assumed on for IPv4 and IPv6 (Docker sets net.ipv4.ip_forward=1).");
  notes.push("Bridge netfilter assumed on (Docker loads br_netfilter: net.bridge.bridge-nf-call-iptables=1).");
  // loopback and the connected routes the kernel adds with each address
  return completeHost({
    interfaces,
    routes,
    forwarding: { ipv4: true, ipv6: true },
    bridgeNetfilter: true,
    assumptions: notes,
  });
}
