/** `-j DNAT` (xt_nat): rewrites the destination of a new connection. */
import type { Family } from "../../net/ip.js";
import { byName } from "../common.js";
import type { TargetExtension } from "../types.js";
import { formatNatRange, natChoice, natRangeOption, type NatRange } from "./nat-range.js";

/** The typed `-j DNAT`. */
export interface DnatTarget {
  readonly name: "DNAT";
  /** `--to-destination` (required, once). */
  readonly to: NatRange;
  readonly random: boolean;
  readonly persistent: boolean;
}

export const dnat: TargetExtension<DnatTarget> = {
  name: "DNAT",
  options: [
    { name: "to-destination", args: 1 },
    { name: "random", args: 0 },
    { name: "persistent", args: 0 },
  ],
  // kernel: xt_nat.c, table "nat", hooks PRE_ROUTING | LOCAL_OUT
  allowed: { tables: ["nat"], hooks: ["PREROUTING", "OUTPUT"] },
  build(uses, ctx) {
    const o = byName(uses);
    const toUse = o.get("to-destination");
    if (!toUse) return ctx.error("missing-value", `DNAT needs --to-destination ADDR[-ADDR][:PORT[-PORT]] (iptables: option "--to-destination" must be specified)`, ctx.where);
    const to = natRangeOption(toUse, ctx, true);
    if (!to) return undefined;
    return { name: "DNAT", to, random: o.has("random"), persistent: o.has("persistent") };
  },
  print(t, family: Family) {
    const parts = [`--to-destination ${formatNatRange(t.to, family)}`];
    if (t.random) parts.push("--random");
    if (t.persistent) parts.push("--persistent");
    return parts.join(" ");
  },
  compile(t, env) {
    const random = t.random;
    return {
      kind: "effect",
      apply(p, w) {
        const c = natChoice("DNAT", t.to, p.dst, p.dport, random, env.family);
        w.nat({ kind: "DNAT", ...(c.addr !== undefined ? { addr: c.addr } : {}), ...(c.port !== undefined ? { port: c.port } : {}) });
        if (c.note) w.note(c.note);
        return "ACCEPT";
      },
    };
  },
};
