/**
 * iptrace: reads iptables-save output and tells you what the Linux kernel would do with a packet.
 * @packageDocumentation
 */
export { parseRuleset, parseRulesetOrThrow, guessFamily, type ParseOptions } from "./parse/index.js";
export { printRuleset, printRule, printMatch, printTarget, type PrintOptions } from "./print/index.js";
export * from "./model/index.js";
export type { Family, IpNet, Ipv4Net, Ipv6Net, IpValue } from "./net/ip.js";
export { parseNet, formatNet, formatIp, parseIp } from "./net/ip.js";
export {
  compileRuleset,
  tracePacket,
  traceFlow,
  PacketError,
  inferFacts,
  type CompiledRuleset,
  type TraceOptions,
  type Packet,
  type Trace,
  type Step,
  type StepVerdict,
  type TraceVerdict,
  type TracePath,
  type TracePacket,
  type NatRecord,
  type Outcome,
  type Fork,
  type Unsupported,
  type Assumptions,
  type IpsetMap,
  type IpsetView,
} from "./sim/index.js";
export {
  hostFromJson,
  hostFromJsonOrThrow,
  hostFromIpJson,
  hostFromIpText,
  inferHost,
  compileHost,
  isHostError,
  unwrapHost,
  HostParseError,
  type InferFacts,
  type CompiledHost,
  type Host,
  type HostAddress,
  type HostError,
  type HostInterface,
  type Route,
} from "./host/index.js";
export { parseIpsetSave } from "./ipset/parse.js";
export type * from "./ext/match/index.js";
export type * from "./ext/target/index.js";
export type { NumRange, ValueMask } from "./ext/common.js";
export type { CompileTuning } from "./sim/compile.js";
export type { PacketState } from "./sim/packet.js";
export type { HostForwarding, AddressScope, HostErrorCode, InterfaceKind, RouteType } from "./host/host.js";
export type { Arrival } from "./host/routing.js";
export type { HostReadOptions } from "./host/complete.js";
export type { HostMask } from "./ext/match/conntrack.js";
export type { NatRange } from "./ext/target/nat-range.js";
export type { HashlimitMode } from "./ext/match/hashlimit.js";
export type { TtlOp } from "./ext/match/ttl.js";
export type { HopMode } from "./ext/target/ttl.js";
export type { IcmpType } from "./ext/match/icmp.js";
export type { IpRange } from "./ext/match/iprange.js";
export type { Ipv6HeaderName } from "./ext/match/ipv6header.js";
export type { PktType } from "./ext/match/pkttype.js";
export type { PolicyElement } from "./ext/match/policy.js";
export type { RecentCommand } from "./ext/match/recent.js";
export type { RejectType } from "./ext/target/reject.js";
export type { SctpChunkTest } from "./ext/match/sctp.js";
export type { SetCounterTest } from "./ext/match/set.js";
export type { SetRef } from "./ext/target/set.js";
export type { Shift } from "./ext/target/connmark.js";
export type { MatchExtension, TargetExtension, OptionSpec, OptionUse, BuildContext, CompiledMatch, CompiledTarget, TargetVerdict } from "./ext/types.js";
export type { TcpFlagsTest } from "./ext/match/tcp.js";
export type { U32Op, U32Test } from "./ext/match/u32.js";
export type { BpfInsn } from "./ext/match/bpf.js";
export type { SimEnv, WalkContext, HostView, NatRequest } from "./sim/env.js";
