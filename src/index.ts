/**
 * iptrace: reads iptables-save output and tells you what the Linux kernel would do with a packet.
 * @packageDocumentation
 */
export { parseRuleset, parseRulesetOrThrow, guessFamily, type ParseOptions } from "./parse/index.js";
export { printRuleset, printRule, printMatch, printTarget, type PrintOptions } from "./print/index.js";
export * from "./model/index.js";
export type { Family, IpNet, Ipv4Net, Ipv6Net, IpValue } from "./net/ip.js";
export { parseNet, formatNet, formatIp, parseIp } from "./net/ip.js";
