/** `-m mark` (xt_mark): the packet's mark, `(skb->mark & mask) == value`. */
import { bang, formatValueMask, valueMaskOption, type ValueMask } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m mark` match. The value is kept as written (not masked), as the kernel stores it. */
export interface MarkMatch {
  readonly module: "mark";
  readonly mark: ValueMask;
  readonly invert: boolean;
}

export const mark: MatchExtension<MarkMatch> = {
  name: "mark",
  options: [{ name: "mark", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m mark needs --mark VALUE[/MASK]", ctx.where);
    const vm = valueMaskOption(u, ctx);
    if (!vm) return undefined;
    return { module: "mark", mark: vm, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--mark ${formatValueMask(m.mark)}`;
  },
  compile(m) {
    const { value, mask } = m.mark;
    const invert = m.invert;
    return { kind: "test", test: (p) => ((p.mark & mask) >>> 0 === value) !== invert };
  },
};
