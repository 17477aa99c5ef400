/**
 * `-m state` (xt_state; iptables-nft keeps it as `-m state --state …` in its saved form, with `!`
 * before `--state` when negated): the connection's state only.
 */
import { CtState } from "../../sim/packet.js";
import { bang } from "../common.js";
import type { MatchExtension } from "../types.js";
import { STATE_ONLY_NAMES, formatStates, parseBitList } from "./conntrack.js";

/** The typed `-m state` match. */
export interface StateMatch {
  readonly module: "state";
  /** CtState bits (INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED only). */
  readonly states: number;
  readonly invert: boolean;
}

/** `-m state` knows no SNAT/DNAT, and prints in the same order as conntrack. */
const PRINT_ORDER = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"] as const;

export const state: MatchExtension<StateMatch> = {
  name: "state",
  options: [{ name: "state", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m state needs --state LIST (e.g. ESTABLISHED,RELATED)", ctx.where);
    const states = parseBitList(u, ctx, STATE_ONLY_NAMES, CtState, "state");
    if (states === undefined) return undefined;
    return { module: "state", states, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--state ${formatStates(m.states, PRINT_ORDER)}`;
  },
  compile(m) {
    const { states, invert } = m;
    // kernel (state_mt): the packet's one state bit (INVALID or UNTRACKED without a conntrack entry)
    return { kind: "test", test: (p) => ((p.ctState & states) !== 0) !== invert };
  },
};
