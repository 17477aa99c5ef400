/** `-m frag` (ip6t_frag, IPv6 only): fields of the IPv6 fragment header. */
import type { Negatable } from "../../model/rule.js";
import { bang, formatRange, parseUintRange, uintOption, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m frag` match. */
export interface FragMatch {
  readonly module: "frag";
  readonly id?: Negatable<NumRange>;
  readonly len?: Negatable<number>;
  /** `--fragres`: the reserved fields are zero. */
  readonly res: boolean;
  /** `--fragfirst`: offset 0. */
  readonly first: boolean;
  /** `--fragmore`: more fragments follow. */
  readonly more: boolean;
  /** `--fraglast`: the last fragment. */
  readonly last: boolean;
}

export const frag: MatchExtension<FragMatch> = {
  name: "frag",
  family: 6,
  options: [
    { name: "fragid", args: 1, invertible: true },
    { name: "fraglen", args: 1, invertible: true },
    { name: "fragres", args: 0 },
    { name: "fragfirst", args: 0 },
    { name: "fragmore", args: 0 },
    { name: "fraglast", args: 0 },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof FragMatch]: FragMatch[K] } = { module: "frag", res: false, first: false, more: false, last: false };
    for (const u of uses) {
      switch (u.name) {
        case "fragid": {
          const r = parseUintRange(u.values[0] ?? "");
          if (!r) return ctx.error("bad-value", `--fragid expects ID or ID:ID (0 to 4294967295), found "${u.values[0] ?? ""}"`, u, 0);
          m.id = { value: r, invert: u.invert };
          break;
        }
        case "fraglen": {
          const v = uintOption(u, ctx);
          if (v === undefined) return undefined;
          m.len = { value: v, invert: u.invert };
          break;
        }
        case "fragres":
          m.res = true;
          break;
        case "fragfirst":
          m.first = true;
          break;
        case "fragmore":
          m.more = true;
          break;
        case "fraglast":
          m.last = true;
          break;
      }
    }
    if (m.more && m.last) return ctx.error("bad-value", "--fragmore and --fraglast cannot be combined", ctx.where);
    return m;
  },
  print(m) {
    // libip6t_frag frag_save; the full id range without "!" is left out
    const parts: string[] = [];
    if (m.id && (m.id.invert || m.id.value.min !== 0 || m.id.value.max !== 0xffffffff)) parts.push(`${bang(m.id.invert)}--fragid ${formatRange(m.id.value)}`);
    if (m.len) parts.push(`${bang(m.len.invert)}--fraglen ${m.len.value}`);
    if (m.res) parts.push("--fragres");
    if (m.first) parts.push("--fragfirst");
    if (m.more) parts.push("--fragmore");
    if (m.last) parts.push("--fraglast");
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "frag: the IPv6 fragment header (id, offset, more-fragments flag) is not modelled" };
  },
};
