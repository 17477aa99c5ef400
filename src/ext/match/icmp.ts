/** `-m icmp` (IPv4; `-p icmp --icmp-type …` loads it): the ICMP type and code range. */
import { Proto } from "../../sim/packet.js";
import { bang, parseUint } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** An ICMP type with its code range, as the kernel stores it. */
export interface IcmpType {
  /** 0–255; for IPv4, 255 means any type. */
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

/** The typed `-m icmp` match. */
export interface IcmpMatch {
  readonly module: "icmp";
  readonly icmp: IcmpType;
  readonly invert: boolean;
}

/** A name the tools know, with the type and codes it stands for (libxt_icmp.h). */
export type IcmpName = readonly [name: string, type: number, codeMin: number, codeMax: number];

/** ICMP names (libxt_icmp.h icmp_codes), in the tools' order (it decides what is ambiguous). */
export const ICMP_NAMES: readonly IcmpName[] = [
  ["any", 255, 0, 255],
  ["echo-reply", 0, 0, 255],
  ["pong", 0, 0, 255],
  ["destination-unreachable", 3, 0, 255],
  ["network-unreachable", 3, 0, 0],
  ["host-unreachable", 3, 1, 1],
  ["protocol-unreachable", 3, 2, 2],
  ["port-unreachable", 3, 3, 3],
  ["fragmentation-needed", 3, 4, 4],
  ["source-route-failed", 3, 5, 5],
  ["network-unknown", 3, 6, 6],
  ["host-unknown", 3, 7, 7],
  ["network-prohibited", 3, 9, 9],
  ["host-prohibited", 3, 10, 10],
  ["TOS-network-unreachable", 3, 11, 11],
  ["TOS-host-unreachable", 3, 12, 12],
  ["communication-prohibited", 3, 13, 13],
  ["host-precedence-violation", 3, 14, 14],
  ["precedence-cutoff", 3, 15, 15],
  ["source-quench", 4, 0, 255],
  ["redirect", 5, 0, 255],
  ["network-redirect", 5, 0, 0],
  ["host-redirect", 5, 1, 1],
  ["TOS-network-redirect", 5, 2, 2],
  ["TOS-host-redirect", 5, 3, 3],
  ["echo-request", 8, 0, 255],
  ["ping", 8, 0, 255],
  ["router-advertisement", 9, 0, 255],
  ["router-solicitation", 10, 0, 255],
  ["time-exceeded", 11, 0, 255],
  ["ttl-exceeded", 11, 0, 255],
  ["ttl-zero-during-transit", 11, 0, 0],
  ["ttl-zero-during-reassembly", 11, 1, 1],
  ["parameter-problem", 12, 0, 255],
  ["ip-header-bad", 12, 0, 0],
  ["required-option-missing", 12, 1, 1],
  ["timestamp-request", 13, 0, 255],
  ["timestamp-reply", 14, 0, 255],
  ["address-mask-request", 17, 0, 255],
  ["address-mask-reply", 18, 0, 255],
];

/** One `N` or `N:M` of 0–255 (parse_range in libxt_icmp.h). */
function byteRange(text: string): [number, number] | undefined {
  const colon = text.indexOf(":");
  const a = parseUint(colon < 0 ? text : text.slice(0, colon), 0, 255);
  const b = colon < 0 ? a : parseUint(text.slice(colon + 1), 0, 255);
  return a === undefined || b === undefined ? undefined : [a, b];
}

/**
 * Reads `--icmp-type` / `--icmpv6-type` as __parse_icmp does: a case-insensitive prefix of exactly
 * one name (several hits are ambiguous), else `TYPE[/CODE[:CODE]]` in numbers.
 */
export function parseIcmpType(u: OptionUse, ctx: BuildContext, names: readonly IcmpName[], what: string): IcmpType | undefined {
  const text = u.values[0] ?? "";
  const lower = text.toLowerCase();
  const hits = names.filter(([n]) => n.toLowerCase().startsWith(lower));
  if (hits.length > 1) return ctx.error("bad-value", `${what} type "${text}" is ambiguous: "${hits[0][0]}" or "${hits[1][0]}"?`, u, 0);
  if (hits.length === 1) return { type: hits[0][1], codeMin: hits[0][2], codeMax: hits[0][3] };
  const slash = text.indexOf("/");
  const t = byteRange(slash < 0 ? text : text.slice(0, slash));
  if (!t) return ctx.error("bad-value", `--${u.name} expects a ${what} type name or TYPE[/CODE] with numbers from 0 to 255, found "${text}"`, u, 0);
  if (t[0] !== t[1]) return ctx.error("bad-value", `--${u.name}: a range of ${what} types is not supported, found "${text}"`, u, 0);
  if (slash < 0) return { type: t[0], codeMin: 0, codeMax: 255 };
  const c = byteRange(text.slice(slash + 1));
  if (!c) return ctx.error("bad-value", `--${u.name} expects TYPE/CODE with a code from 0 to 255, found "${text}"`, u, 0);
  return { type: t[0], codeMin: c[0], codeMax: c[1] };
}

/** Prints `TYPE` or `TYPE/CODE` as icmp_save does (only the lower code of a range is printed). */
export function formatIcmpType(t: IcmpType): string {
  return t.codeMin !== 0 || t.codeMax !== 255 ? `${t.type}/${t.codeMin}` : `${t.type}`;
}

export const icmp: MatchExtension<IcmpMatch> = {
  name: "icmp",
  family: 4,
  options: [{ name: "icmp-type", args: 1, invertible: true }],
  build(uses, ctx) {
    if (ctx.protocol !== Proto.ICMP) return ctx.error("match-not-allowed", "-m icmp needs -p icmp (the kernel refuses it for other protocols)", ctx.where);
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m icmp needs --icmp-type TYPE", ctx.where);
    const t = parseIcmpType(u, ctx, ICMP_NAMES, "ICMP");
    if (!t) return undefined;
    return { module: "icmp", icmp: t, invert: u.invert };
  },
  print(m) {
    // icmp_save: the "any" type is printed by name
    return `${bang(m.invert)}--icmp-type ${m.icmp.type === 255 ? "any" : formatIcmpType(m.icmp)}`;
  },
  compile(m) {
    const { type, codeMin, codeMax } = m.icmp;
    const invert = m.invert;
    return {
      kind: "test",
      // kernel (icmp_match): non-first fragments never match; type 0xFF matches every type
      test: (p) =>
        p.proto === Proto.ICMP &&
        !p.fragment &&
        (type === 255 || (p.icmpType === type && p.icmpCode >= codeMin && p.icmpCode <= codeMax)) !== invert,
    };
  },
};
