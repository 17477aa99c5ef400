/** `-m udp` (xt_tcpudp): UDP ports. */
import type { Negatable } from "../../model/rule.js";
import { Proto } from "../../sim/packet.js";
import { portRangeOption, Recent, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";
import { onePort, portsTest, printPorts } from "./tcp.js";

/** The typed `-m udp` match. */
export interface UdpMatch {
  readonly module: "udp";
  readonly sport?: Negatable<NumRange>;
  readonly dport?: Negatable<NumRange>;
}

/** A bare `-m udp`, shared. */
const BARE_UDP: UdpMatch = { module: "udp" };

/** `-m udp --dport N` alone, shared by port and `!` (see tcp's onePort). */
const ONE_DPORT = new Recent<UdpMatch>(64);

export const udp: MatchExtension<UdpMatch> = {
  name: "udp",
  options: [
    { name: "source-port", args: 1, invertible: true },
    { name: "sport", args: 1, invertible: true },
    { name: "destination-port", args: 1, invertible: true },
    { name: "dport", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    if (ctx.protocol !== Proto.UDP) {
      return ctx.error("match-not-allowed", "-m udp needs -p udp (the kernel refuses it for other protocols)", ctx.where);
    }
    if (uses.length === 0) return BARE_UDP;
    if (uses.length === 1 && (uses[0].name === "dport" || uses[0].name === "destination-port")) return onePort(uses[0], ctx, ONE_DPORT, "udp");
    const m: { -readonly [K in keyof UdpMatch]: UdpMatch[K] } = { module: "udp" };
    for (const u of uses) {
      const r = portRangeOption(u, ctx);
      if (!r) return undefined;
      if (u.name === "source-port" || u.name === "sport") m.sport = { value: r, invert: u.invert };
      else m.dport = { value: r, invert: u.invert };
    }
    return m;
  },
  print(m) {
    return [printPorts("sport", m.sport), printPorts("dport", m.dport)].filter((x) => x !== undefined).join(" ");
  },
  compile(m) {
    const ports = portsTest(m.sport, m.dport);
    return { kind: "test", test: (p) => p.proto === Proto.UDP && !p.fragment && ports(p.sport, p.dport) };
  },
};
