/**
 * The connection table traceFlow keeps between packets: each connection's original tuple and its
 * reply tuple after NAT, whether a reply was seen, and which NAT manips are already set up, so a
 * later packet is ESTABLISHED (or still NEW), skips the nat chains and gets the stored translation.
 */
import type { Family, IpValue } from "../net/ip.js";
import { Proto } from "./packet.js";

/** Addresses and ports of one direction (ICMP: the type in `sport`, 0 in `dport`). */
export interface Tuple {
  src: IpValue;
  dst: IpValue;
  sport: number;
  dport: number;
}

/** One connection. */
export interface Connection {
  readonly family: Family;
  readonly proto: number;
  /** As the first packet was seen by conntrack (before any NAT). */
  readonly orig: Tuple;
  /** What a reply looks like on the wire: the original inverted, with NAT applied. */
  readonly reply: Tuple;
  seenReply: boolean;
  /** The destination manip (PREROUTING/OUTPUT nat) is set up: later packets skip those nat chains. */
  dstManipDone: boolean;
  /** The source manip (POSTROUTING/INPUT nat) is set up. */
  srcManipDone: boolean;
  /** IPS_DST_NAT / IPS_SRC_NAT: a translation changed the tuple. */
  dnat: boolean;
  snat: boolean;
  /** What the nat rule was called, for the trace of later packets. */
  dnatKind?: "DNAT" | "REDIRECT" | "NETMAP";
  snatKind?: "SNAT" | "MASQUERADE" | "NETMAP";
  /** ct->mark. */
  mark: number;
  /** TCP: conntrack's state of the connection (TcpState), undefined for other protocols and for a state the caller gave. */
  tcpState?: number;
}

/** nf_conntrack_proto_tcp's connection states (enum tcp_conntrack), in the kernel's order. */
export const TcpState = { NONE: 0, SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT: 4, CLOSE_WAIT: 5, LAST_ACK: 6, TIME_WAIT: 7, CLOSE: 8, SYN_SENT2: 9 } as const;

/** A transition's outcome besides a state: the packet is invalid (sIV), or ignored with no change (sIG). */
const IV = -1;
const IG = -2;

const [sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * tcp_conntracks[direction][flags][state] of nf_conntrack_proto_tcp.c: the next state of a TCP
 * connection for a packet by its direction (0 original, 1 reply) and its flags (get_conntrack_index:
 * syn, synack, fin, ack, rst, none), columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
 */
const TCP_CONNTRACKS: readonly (readonly (readonly number[])[])[] = [
  [
    /* syn    */ [sSS, sSS, IG, IG, IG, IG, IG, sSS, sSS, sS2],
    /* synack */ [IV, IV, IG, IG, IG, IG, IG, IG, IG, sSR],
    /* fin    */ [IV, IV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV],
    /* ack    */ [sES, IV, sES, sES, sCW, sCW, sTW, sTW, sCL, IV],
    /* rst    */ [IV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  ],
  [
    /* syn    */ [IV, sS2, IV, IV, IV, IV, IV, IV, IV, sS2],
    /* synack */ [IV, sSR, IG, IG, IG, IG, IG, IG, IG, sSR],
    /* fin    */ [IV, IV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, IV],
    /* ack    */ [IV, IG, sSR, sES, sCW, sCW, sTW, sTW, sCL, IG],
    /* rst    */ [IV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  ],
];

/** get_conntrack_index: the row of a packet's flags (RST before SYN before FIN before ACK). */
function tcpIndex(flags: number): number {
  if (flags & 0x04) return 4;
  if (flags & 0x02) return flags & 0x10 ? 1 : 0;
  if (flags & 0x01) return 2;
  if (flags & 0x10) return 3;
  return 5;
}

/** The state a TCP connection opens in, for its first packet's flags (SYN: SYN_SENT; a picked-up ACK: ESTABLISHED). */
export function tcpOpeningState(flags: number): number {
  const next = TCP_CONNTRACKS[0][tcpIndex(flags)][sNO];
  return next >= 0 ? next : sNO;
}

/**
 * What a TCP packet does to its connection (tcp_packet): "invalid" (sIV: the packet loses its
 * connection and is INVALID), "reopen" (a SYN to a connection in TIME_WAIT or CLOSE: the kernel
 * kills it and opens a new one), or "tracked" (the state moves on, or stays for an ignored packet).
 * Window checks are not modelled: every packet is taken as in window.
 */
export function tcpTransition(conn: Connection, reply: boolean, flags: number): "invalid" | "reopen" | "tracked" {
  const old = conn.tcpState;
  if (old === undefined) return "tracked";
  const index = tcpIndex(flags);
  const next = TCP_CONNTRACKS[reply ? 1 : 0][index][old];
  if (next === IV) return "invalid";
  if (next === IG) return "tracked";
  if (next === sSS && !reply && old >= sTW) return "reopen";
  conn.tcpState = next;
  return "tracked";
}

/** ICMP query types and their answers (nf_conntrack_proto_icmp invmap). */
const ICMP_INVERSE: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMP6_INVERSE: Readonly<Record<number, number>> = { 128: 129, 129: 128, 130: 131, 131: 130 };

/** The tuple conntrack sees for a packet's fields. */
export function tupleOf(proto: number, src: IpValue, dst: IpValue, sport: number, dport: number, icmpType: number): Tuple {
  if (proto === Proto.ICMP || proto === Proto.ICMPV6) return { src, dst, sport: icmpType, dport: 0 };
  return { src, dst, sport, dport };
}

/** The reply of a tuple. */
export function invert(proto: number, t: Tuple): Tuple {
  if (proto === Proto.ICMP || proto === Proto.ICMPV6) {
    const inv = proto === Proto.ICMP ? ICMP_INVERSE : ICMP6_INVERSE;
    return { src: t.dst, dst: t.src, sport: inv[t.sport] ?? t.sport, dport: 0 };
  }
  return { src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

function key(family: Family, proto: number, t: Tuple): string {
  return `${family}|${proto}|${t.src}|${t.dst}|${t.sport}|${t.dport}`;
}

/** The connection table of one flow. */
export class ConntrackTable {
  private readonly byTuple = new Map<string, { conn: Connection; reply: boolean }>();

  /** The connection a packet belongs to, and whether it travels in the reply direction. */
  lookup(family: Family, proto: number, t: Tuple): { conn: Connection; reply: boolean } | undefined {
    return this.byTuple.get(key(family, proto, t));
  }

  /** Adds a new connection (confirmed when its first packet leaves the host or is delivered). */
  add(conn: Connection): void {
    this.byTuple.set(key(conn.family, conn.proto, conn.orig), { conn, reply: false });
    this.byTuple.set(key(conn.family, conn.proto, conn.reply), { conn, reply: true });
  }

  /** Re-indexes a connection whose reply tuple NAT changed. */
  rekey(conn: Connection, oldReply: Tuple): void {
    this.byTuple.delete(key(conn.family, conn.proto, oldReply));
    this.byTuple.set(key(conn.family, conn.proto, conn.reply), { conn, reply: true });
  }

  /** A copy whose connections can change without touching this one (for branching flows). */
  clone(): ConntrackTable {
    const c = new ConntrackTable();
    const copies = new Map<Connection, Connection>();
    for (const [k, v] of this.byTuple) {
      let cc = copies.get(v.conn);
      if (cc === undefined) {
        cc = { ...v.conn, orig: { ...v.conn.orig }, reply: { ...v.conn.reply } };
        copies.set(v.conn, cc);
      }
      c.byTuple.set(k, { conn: cc, reply: v.reply });
    }
    return c;
  }
}
