/** `-m rpfilter` (xt_rpfilter): reverse-path filter — would a reply to the source leave by the interface the packet came in on? */
import { checkHooks } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m rpfilter` match. Its options are flags, printed in this order. */
export interface RpfilterMatch {
  readonly module: "rpfilter";
  /** `--loose`: any route back to the source will do, whatever its interface. */
  readonly loose: boolean;
  /** `--validmark`: the packet mark takes part in the route lookup. */
  readonly validmark: boolean;
  /** `--accept-local`: sources that are the host's own addresses pass. */
  readonly acceptLocal: boolean;
  /** `--invert`: match packets that fail the check. */
  readonly invert: boolean;
}

export const rpfilter: MatchExtension<RpfilterMatch> = {
  name: "rpfilter",
  options: [
    { name: "loose", args: 0 },
    { name: "validmark", args: 0 },
    { name: "accept-local", args: 0 },
    { name: "invert", args: 0 },
  ],
  build(uses, ctx) {
    const has = (n: string) => uses.some((u) => u.name === n);
    // kernel: rpfilter_check: only in the raw and mangle tables, and xt_rpfilter registers only PREROUTING
    if (ctx.table !== "raw" && ctx.table !== "mangle") {
      return ctx.error("match-not-allowed", `-m rpfilter is only valid in the raw and mangle tables, not ${ctx.table}`, ctx.where);
    }
    if (!checkHooks(ctx, "-m rpfilter", ["PREROUTING"])) return undefined;
    return { module: "rpfilter", loose: has("loose"), validmark: has("validmark"), acceptLocal: has("accept-local"), invert: has("invert") };
  },
  print(m) {
    const parts: string[] = [];
    if (m.loose) parts.push("--loose");
    if (m.validmark) parts.push("--validmark");
    if (m.acceptLocal) parts.push("--accept-local");
    if (m.invert) parts.push("--invert");
    return parts.join(" ");
  },
  compile() {
    // HostView offers isLocal/addressType but no route lookup (fib_lookup with the source as destination)
    return { kind: "unsupported", reason: "rpfilter needs a route lookup of the packet's source address, and iptrace's host view has no routing table lookup" };
  },
};
