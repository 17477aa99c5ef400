/** `-j SNAT` (xt_nat): rewrites the source of a new connection. */
import type { Family } from "../../net/ip.js";
import { byName } from "../common.js";
import type { TargetExtension } from "../types.js";
import { formatNatRange, natChoice, natRangeOption, type NatRange } from "./nat-range.js";

/** The typed `-j SNAT`. */
export interface SnatTarget {
  readonly name: "SNAT";
  /** `--to-source` (required, once). */
  readonly to: NatRange;
  readonly random: boolean;
  readonly randomFully: boolean;
  readonly persistent: boolean;
}

export const snat: TargetExtension<SnatTarget> = {
  name: "SNAT",
  options: [
    { name: "to-source", args: 1 },
    { name: "random", args: 0 },
    { name: "random-fully", args: 0 },
    { name: "persistent", args: 0 },
  ],
  // kernel: xt_nat.c, table "nat", hooks POST_ROUTING | LOCAL_IN
  allowed: { tables: ["nat"], hooks: ["POSTROUTING", "INPUT"] },
  build(uses, ctx) {
    const o = byName(uses);
    const toUse = o.get("to-source");
    if (!toUse) return ctx.error("missing-value", `SNAT needs --to-source ADDR[-ADDR][:PORT[-PORT]] (iptables: option "--to-source" must be specified)`, ctx.where);
    let to = natRangeOption(toUse, ctx, true);
    if (!to) return undefined;
    if (to.basePort !== undefined) {
      // seen with iptables-nft 1.8.9: `--to-source 1.2.3.4:80-90/85` is saved as `…:80-90/0`
      ctx.warn("bad-value", `--to-source: a shifted port map (/BASE) has no effect for SNAT; the kernel keeps base 0`, toUse, 0);
      to = { ...to, basePort: 0 };
    }
    return { name: "SNAT", to, random: o.has("random"), randomFully: o.has("random-fully"), persistent: o.has("persistent") };
  },
  print(t, family: Family) {
    const parts = [`--to-source ${formatNatRange(t.to, family)}`];
    if (t.random) parts.push("--random");
    if (t.randomFully) parts.push("--random-fully");
    if (t.persistent) parts.push("--persistent");
    return parts.join(" ");
  },
  compile(t, env) {
    const random = t.random || t.randomFully;
    return {
      kind: "effect",
      apply(p, w) {
        const c = natChoice("SNAT", t.to, p.src, p.sport, random, env.family);
        w.nat({ kind: "SNAT", ...(c.addr !== undefined ? { addr: c.addr } : {}), ...(c.port !== undefined ? { port: c.port } : {}) });
        if (c.note) w.note(c.note);
        return "ACCEPT";
      },
    };
  },
};
