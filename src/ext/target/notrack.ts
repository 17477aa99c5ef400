/**
 * `-j NOTRACK`: the old name of `CT --notrack`. iptables-nft 1.8.9 keeps the name: it saves
 * `-j NOTRACK` as written (seen in a namespace), so it is its own typed target.
 */
import type { TargetExtension } from "../types.js";
import { NOTRACK_EFFECT } from "./ct.js";

/** The typed `-j NOTRACK`. */
export interface NotrackTarget {
  readonly name: "NOTRACK";
}

export const notrack: TargetExtension<NotrackTarget> = {
  name: "NOTRACK",
  options: [],
  // kernel: xt_CT.c registers NOTRACK with table "raw"
  allowed: { tables: ["raw"] },
  build: () => ({ name: "NOTRACK" }),
  print: () => "",
  compile: () => NOTRACK_EFFECT,
};
