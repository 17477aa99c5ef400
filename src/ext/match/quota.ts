/** `-m quota` (xt_quota): matches until a byte budget is spent. */
import type { Negatable } from "../../model/rule.js";
import { bang } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m quota` match: the budget in bytes (uint64). */
export interface QuotaMatch {
  readonly module: "quota";
  readonly quota: Negatable<bigint>;
}

export const quota: MatchExtension<QuotaMatch> = {
  name: "quota",
  options: [{ name: "quota", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m quota needs --quota BYTES", ctx.where);
    const text = u.values[0] ?? "";
    if (!/^[0-9]+$/.test(text) || BigInt(text) > 0xffffffffffffffffn) return ctx.error("bad-value", `--quota expects a number of bytes from 0 to 2^64-1, found "${text}"`, u, 0);
    return { module: "quota", quota: { value: BigInt(text), invert: u.invert } };
  },
  print(m) {
    return `${bang(m.quota.invert)}--quota ${m.quota.value}`;
  },
  compile(m, env) {
    const exceeded = env.assume.quotaExceeded ?? false;
    const inv = m.quota.invert;
    const budget = m.quota.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(m.quota.value);
    // kernel: quota_mt: the packet matches when it fits in what is left (quota >= skb->len), inverted by "!"
    return {
      kind: "test",
      test: exceeded ? () => inv : (p) => (budget >= p.length) !== inv,
      assumption: exceeded ? `the quota of ${m.quota.value} bytes is assumed used up` : `the quota of ${m.quota.value} bytes is assumed untouched so far`,
    };
  },
};
