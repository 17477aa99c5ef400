/** `-m length` (xt_length): the packet's length (IPv4 total length; IPv6 payload length + 40). */
import { bang, formatRange, looseRangeOption, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m length` match; a reversed range is kept (the kernel then matches nothing). */
export interface LengthMatch {
  readonly module: "length";
  readonly length: NumRange;
  readonly invert: boolean;
}

export const length: MatchExtension<LengthMatch> = {
  name: "length",
  options: [{ name: "length", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m length needs --length N[:M]", ctx.where);
    const r = looseRangeOption(u, ctx, 65535);
    if (!r) return undefined;
    return { module: "length", length: r, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--length ${formatRange(m.length)}`;
  },
  compile(m) {
    const { min, max } = m.length;
    const invert = m.invert;
    return { kind: "test", test: (p) => (p.length >= min && p.length <= max) !== invert };
  },
};
