/**
 * The registry of target modules. To add one: write `src/ext/target/NAME.ts` exporting its
 * TargetExtension and its typed form, then add it to TARGETS and to KnownTarget below.
 */
import type { TargetExtension } from "../types.js";
import { accept, drop, queue, ret, type StandardTarget } from "./standard.js";
import { reject, type RejectTarget } from "./reject.js";
import { nfqueue, type NfqueueTarget } from "./nfqueue.js";
import { log, type LogTarget } from "./log.js";
import { nflog, type NflogTarget } from "./nflog.js";
import { ulog, type UlogTarget } from "./ulog.js";
import { trace, type TraceTarget } from "./trace.js";
import { mark, type MarkTarget } from "./mark.js";
import { connmark, type ConnmarkTarget } from "./connmark.js";
import { ct, type CtTarget } from "./ct.js";
import { notrack, type NotrackTarget } from "./notrack.js";
import { dnat, type DnatTarget } from "./dnat.js";
import { snat, type SnatTarget } from "./snat.js";
import { masquerade, type MasqueradeTarget } from "./masquerade.js";
import { redirect, type RedirectTarget } from "./redirect.js";
import { netmap, type NetmapTarget } from "./netmap.js";
import { tproxy, type TproxyTarget } from "./tproxy.js";
import { checksum, type ChecksumTarget } from "./checksum.js";
import { tcpmss, type TcpmssTarget } from "./tcpmss.js";
import { dscp, type DscpTarget } from "./dscp.js";
import { tos, type TosTarget } from "./tos.js";
import { ttl, type TtlTarget } from "./ttl.js";
import { hl, type HlTarget } from "./hl.js";
import { setTarget, type SetTarget } from "./set.js";
import { classify, type ClassifyTarget } from "./classify.js";
import { secmark, type SecmarkTarget } from "./secmark.js";
import { connsecmark, type ConnsecmarkTarget } from "./connsecmark.js";
import { audit, type AuditTarget } from "./audit.js";

/** Every typed target. */
export type KnownTarget =
  | StandardTarget
  | RejectTarget
  | NfqueueTarget
  | LogTarget
  | NflogTarget
  | UlogTarget
  | TraceTarget
  | MarkTarget
  | ConnmarkTarget
  | CtTarget
  | NotrackTarget
  | DnatTarget
  | SnatTarget
  | MasqueradeTarget
  | RedirectTarget
  | NetmapTarget
  | TproxyTarget
  | ChecksumTarget
  | TcpmssTarget
  | DscpTarget
  | TosTarget
  | TtlTarget
  | HlTarget
  | SetTarget
  | ClassifyTarget
  | SecmarkTarget
  | ConnsecmarkTarget
  | AuditTarget;

/** A jump (`-j CHAIN`) or goto (`-g CHAIN`) to a user chain. */
export interface ChainTarget {
  readonly name: "chain";
  readonly chain: string;
}

/** A target module iptrace does not know: kept with its words, printed back as it came. */
export interface UnknownTarget {
  readonly name: "unknown";
  /** The name given to `-j`. */
  readonly target: string;
  readonly words: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TARGETS: readonly TargetExtension<any>[] = [
  accept,
  drop,
  ret,
  queue,
  reject,
  nfqueue,
  log,
  nflog,
  ulog,
  trace,
  mark,
  connmark,
  ct,
  notrack,
  dnat,
  snat,
  masquerade,
  redirect,
  netmap,
  tproxy,
  checksum,
  tcpmss,
  dscp,
  tos,
  ttl,
  hl,
  setTarget,
  classify,
  secmark,
  connsecmark,
  audit,
];

/** Each typed form, for users who narrow the unions. */
export type {
  AuditTarget,
  ChecksumTarget,
  ClassifyTarget,
  ConnmarkTarget,
  ConnsecmarkTarget,
  CtTarget,
  DnatTarget,
  DscpTarget,
  HlTarget,
  LogTarget,
  MarkTarget,
  MasqueradeTarget,
  NetmapTarget,
  NflogTarget,
  NfqueueTarget,
  NotrackTarget,
  RedirectTarget,
  RejectTarget,
  SecmarkTarget,
  SetTarget,
  SnatTarget,
  StandardTarget,
  TcpmssTarget,
  TosTarget,
  TproxyTarget,
  TraceTarget,
  TtlTarget,
  UlogTarget,
};
