/** `-m icmp6` (IPv6; `-p icmpv6 --icmpv6-type …` loads it): the ICMPv6 type and code range. */
import { Proto } from "../../sim/packet.js";
import { bang } from "../common.js";
import type { MatchExtension } from "../types.js";
import { formatIcmpType, parseIcmpType, type IcmpName, type IcmpType } from "./icmp.js";

/** The typed `-m icmp6` match. */
export interface Icmp6Match {
  readonly module: "icmp6";
  readonly icmp: IcmpType;
  readonly invert: boolean;
}

/** ICMPv6 names (libxt_icmp.h icmpv6_codes), in the tools' order. */
export const ICMPV6_NAMES: readonly IcmpName[] = [
  ["destination-unreachable", 1, 0, 255],
  ["no-route", 1, 0, 0],
  ["communication-prohibited", 1, 1, 1],
  ["beyond-scope", 1, 2, 2],
  ["address-unreachable", 1, 3, 3],
  ["port-unreachable", 1, 4, 4],
  ["failed-policy", 1, 5, 5],
  ["reject-route", 1, 6, 6],
  ["packet-too-big", 2, 0, 255],
  ["time-exceeded", 3, 0, 255],
  ["ttl-exceeded", 3, 0, 255],
  ["ttl-zero-during-transit", 3, 0, 0],
  ["ttl-zero-during-reassembly", 3, 1, 1],
  ["parameter-problem", 4, 0, 255],
  ["bad-header", 4, 0, 0],
  ["unknown-header-type", 4, 1, 1],
  ["unknown-option", 4, 2, 2],
  ["echo-request", 128, 0, 255],
  ["ping", 128, 0, 255],
  ["echo-reply", 129, 0, 255],
  ["pong", 129, 0, 255],
  ["router-solicitation", 133, 0, 255],
  ["router-advertisement", 134, 0, 255],
  ["neighbour-solicitation", 135, 0, 255],
  ["neighbor-solicitation", 135, 0, 255],
  ["neighbour-advertisement", 136, 0, 255],
  ["neighbor-advertisement", 136, 0, 255],
  ["redirect", 137, 0, 255],
];

export const icmp6: MatchExtension<Icmp6Match> = {
  name: "icmp6",
  aliases: ["icmpv6", "ipv6-icmp"],
  family: 6,
  options: [{ name: "icmpv6-type", args: 1, invertible: true }],
  build(uses, ctx) {
    if (ctx.protocol !== Proto.ICMPV6) return ctx.error("match-not-allowed", "-m icmp6 needs -p icmpv6 (the kernel refuses it for other protocols)", ctx.where);
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m icmp6 needs --icmpv6-type TYPE", ctx.where);
    const t = parseIcmpType(u, ctx, ICMPV6_NAMES, "ICMPv6");
    if (!t) return undefined;
    return { module: "icmp6", icmp: t, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--icmpv6-type ${formatIcmpType(m.icmp)}`;
  },
  compile(m) {
    const { type, codeMin, codeMax } = m.icmp;
    const invert = m.invert;
    return {
      kind: "test",
      // kernel (icmp6_match): no "any" type for IPv6; 255 is type 255
      test: (p) => p.proto === Proto.ICMPV6 && !p.fragment && (p.icmpType === type && p.icmpCode >= codeMin && p.icmpCode <= codeMax) !== invert,
    };
  },
};
