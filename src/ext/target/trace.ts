/** `-j TRACE` (xt_TRACE; nft `meta nftrace set 1` under iptables-nft): marks the packet for the kernel's rule trace. */
import type { TargetExtension } from "../types.js";

/** The typed `-j TRACE`. */
export interface TraceTarget {
  readonly name: "TRACE";
}

export const trace: TargetExtension<TraceTarget> = {
  name: "TRACE",
  options: [],
  // xt_TRACE itself is raw-only, but iptables-nft 1.8.9 turns it into nftrace, which the kernel accepts in every table (seen: filter INPUT, mangle PREROUTING)
  build: () => ({ name: "TRACE" }),
  print: () => "",
  compile: () => ({ kind: "verdict", verdict: "CONTINUE" }),
};
