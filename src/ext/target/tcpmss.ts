/** `-j TCPMSS` (xt_TCPMSS): rewrites the MSS option of TCP SYN packets. */
import { Proto } from "../../sim/packet.js";
import { byName, uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j TCPMSS`: a fixed MSS, or clamping to the path MTU. */
export type TcpmssTarget =
  | { readonly name: "TCPMSS"; readonly mode: "set"; readonly mss: number }
  | { readonly name: "TCPMSS"; readonly mode: "clamp" };

export const tcpmss: TargetExtension<TcpmssTarget> = {
  name: "TCPMSS",
  options: [
    { name: "set-mss", args: 1 },
    { name: "clamp-mss-to-pmtu", args: 0 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    const su = o.get("set-mss");
    const cu = o.get("clamp-mss-to-pmtu");
    if (!su && !cu) return ctx.error("missing-value", `TCPMSS needs --set-mss VALUE or --clamp-mss-to-pmtu`, ctx.where);
    if (su && cu) return ctx.error("bad-value", `TCPMSS: --set-mss cannot be used together with --clamp-mss-to-pmtu`, cu);
    if (ctx.protocol !== Proto.TCP) return ctx.error("bad-value", `TCPMSS needs -p tcp (the kernel refuses it for other protocols)`, ctx.where);
    if (cu) {
      // kernel: tcpmss_tg4_check — path-MTU clamping only in FORWARD, OUTPUT and POSTROUTING (user chains are not checked here)
      if (ctx.chain === "PREROUTING" || ctx.chain === "INPUT") {
        return ctx.error("target-not-allowed", `TCPMSS --clamp-mss-to-pmtu is only valid in FORWARD, OUTPUT and POSTROUTING, not in ${ctx.chain}`, cu);
      }
      return { name: "TCPMSS", mode: "clamp" };
    }
    const mss = uintOption(su!, ctx, 0, 65535);
    if (mss === undefined) return undefined;
    return { name: "TCPMSS", mode: "set", mss };
  },
  print(t) {
    return t.mode === "set" ? `--set-mss ${t.mss}` : "--clamp-mss-to-pmtu";
  },
  compile(t) {
    const note = t.mode === "set" ? `TCPMSS: the MSS option of a SYN is lowered to ${t.mss} (TCP options are not in the packet model)` : "TCPMSS: the MSS option of a SYN is clamped to the path MTU (TCP options are not in the packet model)";
    return {
      kind: "effect",
      apply(p, w) {
        if (p.tcpFlags & 0x02) w.note(note);
        return "CONTINUE";
      },
    };
  },
};
