/** `-m ecn` (xt_ecn): the TCP ECE/CWR flags and the IP header's ECN code point. */
import type { Negatable } from "../../model/rule.js";
import { Proto, TcpFlag } from "../../sim/packet.js";
import { bang, uintOption } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m ecn` match. */
export interface EcnMatch {
  readonly module: "ecn";
  /** `--ecn-tcp-ece`: the TCP ECE flag is set (or, negated, clear). */
  readonly tcpEce?: Negatable<true>;
  readonly tcpCwr?: Negatable<true>;
  /** `--ecn-ip-ect N`: the two ECN bits of the TOS byte equal N (0 to 3). */
  readonly ipEct?: Negatable<number>;
}

export const ecn: MatchExtension<EcnMatch> = {
  name: "ecn",
  options: [
    { name: "ecn-tcp-cwr", args: 0, invertible: true },
    { name: "ecn-tcp-ece", args: 0, invertible: true },
    { name: "ecn-ip-ect", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof EcnMatch]: EcnMatch[K] } = { module: "ecn" };
    if (uses.length === 0) return ctx.error("missing-value", "-m ecn needs --ecn-tcp-cwr, --ecn-tcp-ece or --ecn-ip-ect", ctx.where);
    for (const u of uses) {
      if (u.name === "ecn-ip-ect") {
        const v = uintOption(u, ctx, 0, 3);
        if (v === undefined) return undefined;
        m.ipEct = { value: v, invert: u.invert };
        continue;
      }
      // kernel: ecn_mt_check refuses TCP bits unless the rule says -p tcp
      if (ctx.protocol !== Proto.TCP) return ctx.error("match-not-allowed", `--${u.name} needs -p tcp (the kernel refuses TCP bits for other protocols)`, u);
      if (u.name === "ecn-tcp-ece") m.tcpEce = { value: true, invert: u.invert };
      else m.tcpCwr = { value: true, invert: u.invert };
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    // libxt_ecn ecn_save: ECE, then CWR, then the IP code point
    if (m.tcpEce) parts.push(`${bang(m.tcpEce.invert)}--ecn-tcp-ece`);
    if (m.tcpCwr) parts.push(`${bang(m.tcpCwr.invert)}--ecn-tcp-cwr`);
    if (m.ipEct) parts.push(`${bang(m.ipEct.invert)}--ecn-ip-ect ${m.ipEct.value}`);
    return parts.join(" ");
  },
  compile(m) {
    const ece = m.tcpEce ? (m.tcpEce.invert ? 0 : 1) : -1;
    const cwr = m.tcpCwr ? (m.tcpCwr.invert ? 0 : 1) : -1;
    const tcpBits = ece >= 0 || cwr >= 0;
    const ect = m.ipEct;
    return {
      kind: "test",
      // kernel: ecn_mt4/6: the IP code point first, then the TCP bits only for TCP packets
      test: (p) =>
        (!ect || ((p.tos & 3) === ect.value) !== ect.invert) &&
        (!tcpBits ||
          (p.proto === Proto.TCP &&
            !p.fragment &&
            (ece < 0 || (p.tcpFlags & TcpFlag.ECE ? 1 : 0) === ece) &&
            (cwr < 0 || (p.tcpFlags & TcpFlag.CWR ? 1 : 0) === cwr))),
    };
  },
};
