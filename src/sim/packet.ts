/**
 * The packet as the walk sees it: plain numbers and strings that compiled matchers read directly.
 * One mutable object per walk; targets (MARK, DNAT, …) change it in place.
 */
import type { Family, IpValue } from "../net/ip.js";
import type { Hook, TableName } from "../model/chain.js";

/** TCP flag bits, as in the TCP header. */
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

/** Conntrack states as bits, for `-m conntrack --ctstate` and `-m state --state`. */
export const CtState = { INVALID: 1, ESTABLISHED: 2, RELATED: 4, NEW: 8, UNTRACKED: 16, SNAT: 32, DNAT: 64 } as const;

/** Conntrack status bits used by `--ctstatus`. */
export const CtStatus = { EXPECTED: 1, SEEN_REPLY: 2, ASSURED: 4, CONFIRMED: 8 } as const;

/** Protocol numbers iptrace needs by name. */
export const Proto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132, UDPLITE: 136, ESP: 50, AH: 51, GRE: 47 } as const;

/** The mutable state of the packet being walked. `-1` or `""` mean "not present". */
export interface PacketState {
  family: Family;
  src: IpValue;
  dst: IpValue;
  /** Layer-4 protocol number. */
  proto: number;
  sport: number;
  dport: number;
  /** TCP flag bits (TcpFlag), 0 for other protocols. */
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  /** Incoming interface ("" when none: OUTPUT and locally generated POSTROUTING). */
  inIface: string;
  /** Outgoing interface ("" before the routing decision). */
  outIface: string;
  /** Bridge ports for bridged traffic (`-m physdev`), "" when not bridged. */
  physIn: string;
  physOut: string;
  bridged: boolean;
  /** Source MAC for `-m mac`, "" when unknown. */
  srcMac: string;
  /** Packet mark (skb->mark), uint32. */
  mark: number;
  /** Connection mark (ct->mark), uint32. */
  ctmark: number;
  /** Conntrack state bits (CtState). */
  ctState: number;
  /** Conntrack status bits (CtStatus). */
  ctStatus: number;
  /** Whether this packet travels in the reply direction of its connection. */
  ctReply: boolean;
  /** The connection's original tuple (for `--ctorigsrc` and friends). */
  ctOrigSrc: IpValue;
  ctOrigDst: IpValue;
  ctOrigSport: number;
  ctOrigDport: number;
  ctReplSrc: IpValue;
  ctReplDst: IpValue;
  ctReplSport: number;
  ctReplDport: number;
  /** Connection zone (CT --zone). */
  ctZone: number;
  /** Conntrack helper name assigned to the connection, "" when none. */
  ctHelper: string;
  /** Total length of the IP packet in bytes. */
  length: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 TOS byte or IPv6 traffic class. */
  tos: number;
  /** Non-first IPv4 fragment (`-f`). */
  fragment: boolean;
  /** Locally generated (OUTPUT path). */
  local: boolean;
  /** Owner of a locally generated packet, -1 when unknown. */
  uid: number;
  gid: number;
  /** Link-layer packet type for `-m pkttype`: 0 unicast, 1 broadcast, 2 multicast (PACKET_* in the kernel: HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4). */
  pktType: number;
  /** Where the walk is now. */
  hook: Hook;
  table: TableName;
}
