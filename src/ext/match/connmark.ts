/** `-m connmark` (xt_connmark): the connection's mark, `(ct->mark & mask) == value`. */
import { CtState } from "../../sim/packet.js";
import { bang, formatValueMask, valueMaskOption, type ValueMask } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m connmark` match. */
export interface ConnmarkMatch {
  readonly module: "connmark";
  readonly mark: ValueMask;
  readonly invert: boolean;
}

const NO_CT = CtState.INVALID | CtState.UNTRACKED;

export const connmark: MatchExtension<ConnmarkMatch> = {
  name: "connmark",
  options: [{ name: "mark", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m connmark needs --mark VALUE[/MASK]", ctx.where);
    const vm = valueMaskOption(u, ctx);
    if (!vm) return undefined;
    return { module: "connmark", mark: vm, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--mark ${formatValueMask(m.mark)}`;
  },
  compile(m) {
    const { value, mask } = m.mark;
    const invert = m.invert;
    return {
      kind: "test",
      // kernel (connmark_mt): no conntrack entry means no match, whatever the `!`
      test: (p) => (p.ctState & NO_CT) === 0 && ((p.ctmark & mask) >>> 0 === value) !== invert,
    };
  },
};
