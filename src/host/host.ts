/**
 * The host a packet meets: interfaces, addresses, routes and the two sysctls that change the walk
 * (forwarding, bridge netfilter). Plain readonly data; `compileHost` turns it into fast lookups.
 */
import type { Family, IpNet, IpValue } from "../net/ip.js";

/** What kind of link an interface is; only loopback and bridge change the walk. */
export type InterfaceKind = "loopback" | "bridge" | "veth" | "ether" | "other";

/** Address scope as `ip addr` prints it (`host` for 127.0.0.1, `link` for fe80::/10, else `global`). */
export type AddressScope = "host" | "link" | "global";

/** One address of an interface, as `ip addr` lists it. */
export interface HostAddress {
  /** Address family of `addr`. */
  readonly family: Family;
  /** The interface's own address (not masked). */
  readonly addr: IpValue;
  /** Prefix length of the subnet the address sits in. */
  readonly prefix: number;
  /** Explicit broadcast address (`brd`), IPv4 only. */
  readonly broadcast?: IpValue;
  /** Address scope; derived from the address when not given. */
  readonly scope?: AddressScope;
  /** True for an IPv4 secondary address: never chosen as a source, gets no subnet route. */
  readonly secondary?: boolean;
}

/** One network interface of the host. */
export interface HostInterface {
  /** Interface name without any `@peer` suffix (`vethc00ed59`, not `vethc00ed59@if6`). */
  readonly name: string;
  /** Kernel interface index, when known. */
  readonly index?: number;
  /** Link kind; loopback and bridge matter to the walk. */
  readonly kind?: InterfaceKind;
  /** The bridge this interface is a port of (`master docker0`). */
  readonly master?: string;
  /** Link-layer address, when known. */
  readonly mac?: string;
  /** Administrative state: a down interface keeps its local addresses but loses its routes. */
  readonly up: boolean;
  /** Addresses in the kernel's list order (the order `ip addr` prints them). */
  readonly addresses: readonly HostAddress[];
}

/** The route types of `ip route`; the kernel's RTN_* names in lower case. */
export type RouteType =
  | "unicast"
  | "local"
  | "broadcast"
  | "multicast"
  | "anycast"
  | "blackhole"
  | "unreachable"
  | "prohibit"
  | "throw";

/** One route of a routing table. */
export interface Route {
  /** Address family of the route. */
  readonly family: Family;
  /** Destination network; `default` is 0.0.0.0/0 or ::/0. */
  readonly dst: IpNet;
  /** Output device, when the route has one. */
  readonly dev?: string;
  /** Gateway (`via`), when the next hop is not the destination itself. */
  readonly via?: IpValue;
  /** Preferred source address (`src`), when set on the route. */
  readonly src?: IpValue;
  /** Route priority; among routes of equal prefix the lowest wins. */
  readonly metric: number;
  /** Route type; `unicast` for ordinary routes. */
  readonly type: RouteType;
  /** Routing table (`main` when absent; `local` for the kernel's local table). */
  readonly table?: string;
}

/** Forwarding switches per family (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding). */
export interface HostForwarding {
  /** net.ipv4.ip_forward. */
  readonly ipv4: boolean;
  /** net.ipv6.conf.all.forwarding. */
  readonly ipv6: boolean;
}

/** The machine the walk simulates. */
export interface Host {
  /** All interfaces, loopback included. */
  readonly interfaces: readonly HostInterface[];
  /** Routes of all tables; the local table may be left out (it is derived from the addresses). */
  readonly routes: readonly Route[];
  /** Whether the host forwards packets between interfaces, per family. */
  readonly forwarding: HostForwarding;
  /** net.bridge.bridge-nf-call-iptables: bridged frames go through the iptables hooks. */
  readonly bridgeNetfilter: boolean;
  /** Every fact that was inferred rather than given, as a readable sentence. */
  readonly assumptions: readonly string[];
}

/** What went wrong while reading a host description. */
export type HostErrorCode =
  | "bad-json"
  | "bad-type"
  | "missing-field"
  | "bad-address"
  | "bad-value"
  | "unknown-field"
  | "syntax"
  | "duplicate";

/** A host-description error as data: JSON input names a `path`, text input a `line` and `column`. */
export interface HostError {
  /** Machine-readable error kind. */
  readonly code: HostErrorCode;
  /** Human-readable message that names the place and says what was expected. */
  readonly message: string;
  /** JSON path of the bad field (`$.interfaces[0].addresses[1]`), for JSON input. */
  readonly path?: string;
  /** 1-based line of the bad text, for text input. */
  readonly line?: number;
  /** 1-based column of the bad text, for text input. */
  readonly column?: number;
}

/** Thrown by the throwing variants (`hostFromJsonOrThrow`, …); carries the error as data. */
export class HostParseError extends Error {
  /** Builds the exception from the error it carries. */
  constructor(readonly error: HostError) {
    super(error.message);
    this.name = "HostParseError";
  }
}

/** True when a reader's result is an error rather than a host. */
export function isHostError(x: Host | HostError): x is HostError {
  return typeof (x as HostError).code === "string" && typeof (x as HostError).message === "string";
}

/** Returns the host, or throws a HostParseError carrying the error. */
export function unwrapHost(x: Host | HostError): Host {
  if (isHostError(x)) throw new HostParseError(x);
  return x;
}
