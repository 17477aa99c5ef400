/** `-j MASQUERADE` (xt_MASQUERADE): SNAT to the address of the outgoing interface. */
import { formatIp } from "../../net/ip.js";
import type { NumRange } from "../common.js";
import { byName } from "../common.js";
import type { TargetExtension } from "../types.js";
import { formatNatPorts, natChoice, toPortsOption } from "./nat-range.js";

/** The typed `-j MASQUERADE`. */
export interface MasqueradeTarget {
  readonly name: "MASQUERADE";
  /** `--to-ports PORT[-PORT]`. */
  readonly ports?: NumRange;
  readonly random: boolean;
  readonly randomFully: boolean;
}

export const masquerade: TargetExtension<MasqueradeTarget> = {
  name: "MASQUERADE",
  options: [
    { name: "to-ports", args: 1 },
    { name: "random", args: 0 },
    { name: "random-fully", args: 0 },
  ],
  // kernel: xt_MASQUERADE.c, table "nat", hooks POST_ROUTING
  allowed: { tables: ["nat"], hooks: ["POSTROUTING"] },
  build(uses, ctx) {
    const o = byName(uses);
    let ports: NumRange | undefined;
    const pu = o.get("to-ports");
    if (pu) {
      ports = toPortsOption(pu, ctx);
      if (ports === undefined) return undefined;
    }
    return { name: "MASQUERADE", ...(ports ? { ports } : {}), random: o.has("random"), randomFully: o.has("random-fully") };
  },
  print(t) {
    const parts: string[] = [];
    if (t.ports) parts.push(`--to-ports ${formatNatPorts(t.ports)}`);
    if (t.random) parts.push("--random");
    if (t.randomFully) parts.push("--random-fully");
    return parts.join(" ");
  },
  compile(t, env) {
    const random = t.random || t.randomFully;
    return {
      kind: "effect",
      apply(p, w) {
        if (p.outIface === "") {
          w.unsupported("MASQUERADE: the packet has no outgoing interface yet, so its new source address is unknown");
          return "ACCEPT";
        }
        const addr = env.host.masqueradeAddress(env.family, p.outIface, p.dst);
        if (addr === undefined) {
          w.unsupported(`MASQUERADE: the host view has no address on ${p.outIface} to use as the new source (the kernel drops the packet when the interface has none)`);
          return "ACCEPT";
        }
        const c = natChoice("MASQUERADE", { addrs: { min: addr, max: addr }, ...(t.ports ? { ports: t.ports } : {}) }, p.src, p.sport, random, env.family);
        w.nat({ kind: "MASQUERADE", addr, ...(c.port !== undefined ? { port: c.port } : {}) });
        w.note(`MASQUERADE to ${formatIp(addr, env.family)}, the address of ${p.outIface}`);
        if (c.note) w.note(c.note);
        return "ACCEPT";
      },
    };
  },
};
