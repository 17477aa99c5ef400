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
