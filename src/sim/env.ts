/**
 * What compiled matchers and targets may consult: the host, ipsets, assumptions, and (for targets)
 * the walk they run in. The walk implements these; extensions only read and call them.
 */
import type { Family, IpValue } from "../net/ip.js";
import type { PacketState } from "./packet.js";

/** The parts of the host that matches and targets need (implemented by the compiled host). */
export interface HostView {
  /** True when the address belongs to this host (any interface, 127.0.0.0/8 and ::1 included). */
  isLocal(family: Family, addr: IpValue): boolean;
  /** The address type bits used by `-m addrtype` (XT_ADDRTYPE_*), optionally limited to one interface. */
  addressType(family: Family, addr: IpValue, iface?: string): number;
  /**
   * Whether `addr` has one of the types in `mask` (XT_ADDRTYPE_* bits), as xt_addrtype decides:
   * for IPv4 any one type in the mask suffices; for IPv6, UNICAST, MULTICAST and UNSPEC in the
   * mask must each hold. Prefer this over `addressType(...) & mask`.
   */
  addrtypeMatches(family: Family, addr: IpValue, mask: number, iface?: string): boolean;
  /** The route the kernel picks for `dst` (for rpfilter-style checks), or undefined. */
  routeLookup(family: Family, dst: IpValue, mark?: number): { readonly dev?: string; readonly type: string } | undefined;
  /** The address MASQUERADE picks on `outIface` for a packet to `dst`. */
  masqueradeAddress(family: Family, outIface: string, dst: IpValue): IpValue | undefined;
  /** The address REDIRECT sends to: the primary address of `inIface`, loopback for local packets. */
  redirectAddress(family: Family, inIface: string): IpValue | undefined;
}

/** One ipset, as loaded from `ipset save`. */
export interface IpsetView {
  readonly name: string;
  /** The set type, e.g. `hash:ip`, `hash:net,port`. */
  readonly type: string;
  /** Whether the packet's fields named by `dirs` (one per set dimension: "src" or "dst") are in the set. */
  test(p: PacketState, dirs: readonly ("src" | "dst")[]): boolean;
}

/** The ipsets known to the walk, by name. */
export type IpsetMap = ReadonlyMap<string, IpsetView>;

/**
 * What iptrace assumes for matches that depend on time or history. Every assumption that decided a
 * match is named in the trace.
 */
export interface Assumptions {
  /** limit, hashlimit: whether the packet is within the rate (default true). */
  readonly withinLimit?: boolean;
  /** recent: the lists (by `--name`) that already hold the packet's address (default: none). */
  readonly recentLists?: readonly string[];
  /** connlimit: how many connections the group already has (default 0). */
  readonly connections?: number;
  /** quota: whether the quota is used up (default false). */
  readonly quotaExceeded?: boolean;
  /**
   * statistic --mode nth: one fixed answer for every nth match, whether this packet is the one
   * the counter picks. Unset (the default), the counter is modelled as `nthCounters` says.
   */
  readonly nthHit?: boolean;
  /**
   * statistic --mode nth: where each rule's counter stands (the kernel keeps one per rule and
   * advances it for every packet that reaches the match). `"unknown"` (default): anywhere in its
   * cycle, so the walk forks as a random match does, one packet in N being the pick; along a
   * flow, the packets after the first follow the position the earlier ones fixed. `"loaded"`: as
   * a ruleset just loaded sets it (iptables-restore starts every counter afresh), so the k-th
   * packet to reach `--every N --packet P` is the pick when k-1 is P modulo N.
   */
  readonly nthCounters?: "unknown" | "loaded";
  /** connbytes: the connection's count so far (default 0). */
  readonly connbytes?: number;
  /** time: the moment the packet is seen, ISO 8601 (default: the time match is assumed to match). */
  readonly time?: string;
}

/** Everything a compiled extension may consult. */
export interface SimEnv {
  readonly family: Family;
  readonly host: HostView;
  readonly ipsets: IpsetMap;
  readonly assume: Assumptions;
}

/** A translation asked for by a NAT target. */
export interface NatRequest {
  readonly kind: "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" | "NETMAP";
  /** The new address (destination for DNAT/REDIRECT/NETMAP in PREROUTING/OUTPUT, source otherwise). */
  readonly addr?: IpValue;
  /** The new port, when the target maps ports. */
  readonly port?: number;
}

/** What a target may do to the walk beyond changing the packet. */
export interface WalkContext {
  /** Applies a NAT translation to the packet and its connection, and records it in the trace. */
  nat(request: NatRequest): void;
  /** Records a note on the current step (LOG prefix, REJECT reply type, …). */
  note(text: string): void;
  /** Marks the connection untracked (CT --notrack, NOTRACK); does nothing when the packet already has a connection (see hasConnection). */
  untrack(): void;
  /**
   * Whether the packet already carries its conntrack entry when it reaches raw: true only for a
   * packet looped back to this host (it keeps the one it got in OUTPUT). xt_CT then does nothing.
   */
  hasConnection(): boolean;
  /** Ends the walk as unsupported: this target's effect on this packet cannot be modelled; `reason` names why (the verdict the target returns is then ignored). */
  unsupported(reason: string): void;
}
