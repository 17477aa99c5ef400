/**
 * The registry of match modules. To add one: write `src/ext/match/NAME.ts` exporting its
 * MatchExtension and its typed form, then add it to MATCHES and to KnownMatch below.
 */
import type { MatchExtension } from "../types.js";
import { comment, type CommentMatch } from "./comment.js";
import { tcp, type TcpMatch } from "./tcp.js";
import { udp, type UdpMatch } from "./udp.js";
import { addrtype, type AddrtypeMatch } from "./addrtype.js";
import { conntrack, type ConntrackMatch } from "./conntrack.js";
import { connmark, type ConnmarkMatch } from "./connmark.js";
import { dccp, type DccpMatch } from "./dccp.js";
import { icmp, type IcmpMatch } from "./icmp.js";
import { icmp6, type Icmp6Match } from "./icmp6.js";
import { iprange, type IprangeMatch } from "./iprange.js";
import { length, type LengthMatch } from "./length.js";
import { mac, type MacMatch } from "./mac.js";
import { mark, type MarkMatch } from "./mark.js";
import { multiport, type MultiportMatch } from "./multiport.js";
import { owner, type OwnerMatch } from "./owner.js";
import { physdev, type PhysdevMatch } from "./physdev.js";
import { pkttype, type PkttypeMatch } from "./pkttype.js";
import { sctp, type SctpMatch } from "./sctp.js";
import { set, type SetMatch } from "./set.js";
import { state, type StateMatch } from "./state.js";
import { statistic, type StatisticMatch } from "./statistic.js";
import { ttl, type TtlMatch } from "./ttl.js";
import { hl, type HlMatch } from "./hl.js";
import { tos, type TosMatch } from "./tos.js";
import { dscp, type DscpMatch } from "./dscp.js";
import { ecn, type EcnMatch } from "./ecn.js";
import { frag, type FragMatch } from "./frag.js";
import { policy, type PolicyMatch } from "./policy.js";
import { rpfilter, type RpfilterMatch } from "./rpfilter.js";
import { string, type StringMatch } from "./string.js";
import { time, type TimeMatch } from "./time.js";
import { connlimit, type ConnlimitMatch } from "./connlimit.js";
import { connbytes, type ConnbytesMatch } from "./connbytes.js";
import { devgroup, type DevgroupMatch } from "./devgroup.js";
import { cgroup, type CgroupMatch } from "./cgroup.js";
import { socket, type SocketMatch } from "./socket.js";
import { helper, type HelperMatch } from "./helper.js";
import { nfacct, type NfacctMatch } from "./nfacct.js";
import { rt, type RtMatch } from "./rt.js";
import { ipv6header, type Ipv6headerMatch } from "./ipv6header.js";
import { u32, type U32Match } from "./u32.js";
import { bpf, type BpfMatch } from "./bpf.js";
import { limit, type LimitMatch } from "./limit.js";
import { hashlimit, type HashlimitMatch } from "./hashlimit.js";
import { recent, type RecentMatch } from "./recent.js";
import { quota, type QuotaMatch } from "./quota.js";
import { esp, type EspMatch } from "./esp.js";
import { ah, type AhMatch } from "./ah.js";
import { mh, type MhMatch } from "./mh.js";

/** Every typed match. */
export type KnownMatch =
  | TcpMatch
  | UdpMatch
  | CommentMatch
  | AddrtypeMatch
  | ConntrackMatch
  | ConnmarkMatch
  | DccpMatch
  | IcmpMatch
  | Icmp6Match
  | IprangeMatch
  | LengthMatch
  | MacMatch
  | MarkMatch
  | MultiportMatch
  | OwnerMatch
  | PhysdevMatch
  | PkttypeMatch
  | SctpMatch
  | SetMatch
  | StateMatch
  | StatisticMatch
  | TtlMatch
  | HlMatch
  | TosMatch
  | DscpMatch
  | EcnMatch
  | FragMatch
  | PolicyMatch
  | RpfilterMatch
  | StringMatch
  | TimeMatch
  | ConnlimitMatch
  | ConnbytesMatch
  | DevgroupMatch
  | CgroupMatch
  | SocketMatch
  | HelperMatch
  | NfacctMatch
  | RtMatch
  | Ipv6headerMatch
  | U32Match
  | BpfMatch
  | LimitMatch
  | HashlimitMatch
  | RecentMatch
  | QuotaMatch
  | EspMatch
  | AhMatch
  | MhMatch;

/** A match module iptrace does not know: kept with its words, printed back as it came. */
export interface UnknownMatch {
  readonly module: "unknown";
  /** The name given to `-m`. */
  readonly name: string;
  /** The option words that followed, as written (already unquoted). */
  readonly words: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const MATCHES: readonly MatchExtension<any>[] = [
  tcp,
  udp,
  comment,
  addrtype,
  conntrack,
  connmark,
  dccp,
  icmp,
  icmp6,
  iprange,
  length,
  mac,
  mark,
  multiport,
  owner,
  physdev,
  pkttype,
  sctp,
  set,
  state,
  statistic,
  ttl,
  hl,
  tos,
  dscp,
  ecn,
  frag,
  policy,
  rpfilter,
  string,
  time,
  connlimit,
  connbytes,
  devgroup,
  cgroup,
  socket,
  helper,
  nfacct,
  rt,
  ipv6header,
  u32,
  bpf,
  limit,
  hashlimit,
  recent,
  quota,
  esp,
  ah,
  mh,
];

/** Has every match module drop what it keeps from the lines it last built or printed (see MatchExtension.forget). */
export function forgetMatches(): void {
  for (const m of MATCHES) m.forget?.();
}

/** Each typed form, for users who narrow the unions. */
export type {
  AddrtypeMatch,
  AhMatch,
  BpfMatch,
  CgroupMatch,
  CommentMatch,
  ConnbytesMatch,
  ConnlimitMatch,
  ConnmarkMatch,
  ConntrackMatch,
  DccpMatch,
  DevgroupMatch,
  DscpMatch,
  EcnMatch,
  EspMatch,
  FragMatch,
  HashlimitMatch,
  HelperMatch,
  HlMatch,
  Icmp6Match,
  IcmpMatch,
  IprangeMatch,
  Ipv6headerMatch,
  LengthMatch,
  LimitMatch,
  MacMatch,
  MarkMatch,
  MhMatch,
  MultiportMatch,
  NfacctMatch,
  OwnerMatch,
  PhysdevMatch,
  PkttypeMatch,
  PolicyMatch,
  QuotaMatch,
  RecentMatch,
  RpfilterMatch,
  RtMatch,
  SctpMatch,
  SetMatch,
  SocketMatch,
  StateMatch,
  StatisticMatch,
  StringMatch,
  TcpMatch,
  TimeMatch,
  TosMatch,
  TtlMatch,
  U32Match,
  UdpMatch,
};
