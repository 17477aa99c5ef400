/** `-m connlimit` (xt_connlimit): how many connections a source (or destination) group already has. */
import { CtState } from "../../sim/packet.js";
import { uintOption } from "../common.js";
import type { MatchExtension, OptionUse } from "../types.js";

/** The typed `-m connlimit` match. `! --connlimit-upto N` is `--connlimit-above N` (iptables stores one flag). */
export interface ConnlimitMatch {
  readonly module: "connlimit";
  readonly limit: number;
  /** True for "more than limit connections" (--connlimit-above), false for "at most limit" (--connlimit-upto). */
  readonly above: boolean;
  /** Prefix length that groups addresses (32 or 128 by default). */
  readonly mask: number;
  /** Group by destination address (--connlimit-daddr) rather than source. */
  readonly daddr: boolean;
}

export const connlimit: MatchExtension<ConnlimitMatch> = {
  name: "connlimit",
  options: [
    { name: "connlimit-upto", args: 1, invertible: true },
    { name: "connlimit-above", args: 1, invertible: true },
    { name: "connlimit-mask", args: 1 },
    { name: "connlimit-saddr", args: 0 },
    { name: "connlimit-daddr", args: 0 },
  ],
  build(uses, ctx) {
    let limitUse: OptionUse | undefined;
    let limit = 0;
    let above = false;
    let mask = ctx.family === 4 ? 32 : 128;
    let daddr = false;
    let side: OptionUse | undefined;
    for (const u of uses) {
      switch (u.name) {
        case "connlimit-upto":
        case "connlimit-above": {
          if (limitUse) return ctx.error("bad-value", `--${u.name} cannot be combined with --${limitUse.name}`, u);
          const v = uintOption(u, ctx);
          if (v === undefined) return undefined;
          limitUse = u;
          limit = v;
          above = (u.name === "connlimit-above") !== u.invert;
          break;
        }
        case "connlimit-mask": {
          const v = uintOption(u, ctx, 0, ctx.family === 4 ? 32 : 128);
          if (v === undefined) return undefined;
          mask = v;
          break;
        }
        case "connlimit-saddr":
        case "connlimit-daddr":
          if (side && side.name !== u.name) return ctx.error("bad-value", `--${u.name} cannot be combined with --${side.name}`, u);
          side = u;
          daddr = u.name === "connlimit-daddr";
          break;
      }
    }
    if (!limitUse) return ctx.error("missing-value", "-m connlimit needs --connlimit-upto N or --connlimit-above N", ctx.where);
    return { module: "connlimit", limit, above, mask, daddr };
  },
  print(m) {
    return `--connlimit-${m.above ? "above" : "upto"} ${m.limit} --connlimit-mask ${m.mask} --connlimit-${m.daddr ? "daddr" : "saddr"}`;
  },
  compile(m, env) {
    const existing = env.assume.connections ?? 0;
    const { limit, above } = m;
    return {
      kind: "test",
      // kernel: connlimit_mt counts the group's connections, this one included when it is new
      // (nf_conncount_count adds the tuple), then (count > limit) ^ upto
      test: (p) => {
        const count = existing + (p.ctState & CtState.NEW ? 1 : 0);
        return count > limit === above;
      },
      assumption: `the ${m.daddr ? "destination" : "source"} group (/${m.mask}) already has ${existing} connection${existing === 1 ? "" : "s"}${env.assume.connections === undefined ? " (none assumed)" : ""}, plus this one when it is new`,
    };
  },
};
