/** `-m tos` (xt_tos): the IPv4 TOS byte or IPv6 traffic class, under a mask. */
import type { Negatable } from "../../model/rule.js";
import { bang, parseUint, type ValueMask } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m tos` match: `(tos & mask) === value`. */
export interface TosMatch {
  readonly module: "tos";
  readonly tos: Negatable<ValueMask>;
}

/** libxtables tos_symbol_names; a symbolic name implies the mask 0x3f (xt_tos revision 1). */
const TOS_NAMES: ReadonlyMap<string, number> = new Map([
  ["minimize-delay", 0x10],
  ["maximize-throughput", 0x08],
  ["maximize-reliability", 0x04],
  ["minimize-cost", 0x02],
  ["normal-service", 0x00],
]);

/** Parses `V[/M]` (numbers up to 255; mask 0xff by default) or a symbolic name (mask 0x3f), as xtopt_parse_tosmask. */
export function parseTos(text: string): ValueMask | undefined {
  const named = TOS_NAMES.get(text.toLowerCase());
  if (named !== undefined) return { value: named, mask: 0x3f };
  const slash = text.indexOf("/");
  const value = parseUint(slash < 0 ? text : text.slice(0, slash), 0, 255);
  const mask = slash < 0 ? 0xff : parseUint(text.slice(slash + 1), 0, 255);
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

/** `0x%02x`, as iptables prints TOS and DSCP values. */
export function hex2(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

export const tos: MatchExtension<TosMatch> = {
  name: "tos",
  options: [{ name: "tos", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m tos needs --tos VALUE[/MASK] or a name such as Minimize-Delay", ctx.where);
    const vm = parseTos(u.values[0] ?? "");
    if (!vm) {
      return ctx.error("bad-value", `--tos expects VALUE[/MASK] (0 to 255) or one of Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service; found "${u.values[0] ?? ""}"`, u, 0);
    }
    return { module: "tos", tos: { value: vm, invert: u.invert } };
  },
  print(m) {
    return `${bang(m.tos.invert)}--tos ${hex2(m.tos.value.value)}/${hex2(m.tos.value.mask)}`;
  },
  compile(m) {
    const { value, mask } = m.tos.value;
    const inv = m.tos.invert;
    // kernel: tos_mt: ((ipv4_get_dsfield(iph) & mask) == value) ^ invert (IPv6: the traffic class)
    return { kind: "test", test: (p) => ((p.tos & mask) === value) !== inv };
  },
};
