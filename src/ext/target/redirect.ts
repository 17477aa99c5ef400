/** `-j REDIRECT` (xt_REDIRECT): DNAT to this host, on the incoming interface's address. */
import { formatIp } from "../../net/ip.js";
import type { NumRange } from "../common.js";
import { byName } from "../common.js";
import type { TargetExtension } from "../types.js";
import { formatNatPorts, natChoice, toPortsOption } from "./nat-range.js";

/** The typed `-j REDIRECT`. */
export interface RedirectTarget {
  readonly name: "REDIRECT";
  /** `--to-ports PORT[-PORT]`. */
  readonly ports?: NumRange;
  readonly random: boolean;
}

export const redirect: TargetExtension<RedirectTarget> = {
  name: "REDIRECT",
  options: [
    { name: "to-ports", args: 1 },
    { name: "random", args: 0 },
  ],
  // kernel: xt_REDIRECT.c, table "nat", hooks PRE_ROUTING | LOCAL_OUT
  allowed: { tables: ["nat"], hooks: ["PREROUTING", "OUTPUT"] },
  build(uses, ctx) {
    const o = byName(uses);
    let ports: NumRange | undefined;
    const pu = o.get("to-ports");
    if (pu) {
      ports = toPortsOption(pu, ctx);
      if (ports === undefined) return undefined;
    }
    return { name: "REDIRECT", ...(ports ? { ports } : {}), random: o.has("random") };
  },
  print(t) {
    const parts: string[] = [];
    if (t.ports) parts.push(`--to-ports ${formatNatPorts(t.ports)}`);
    if (t.random) parts.push("--random");
    return parts.join(" ");
  },
  compile(t, env) {
    const loopback = env.family === 4 ? 0x7f000001 : 1n;
    return {
      kind: "effect",
      apply(p, w) {
        // kernel: nf_nat_redirect_ipv4/ipv6 — locally generated packets go to loopback, others to the primary address of the incoming interface
        const local = p.hook === "OUTPUT";
        const addr = local ? loopback : env.host.redirectAddress(env.family, p.inIface);
        if (addr === undefined) {
          w.unsupported(`REDIRECT: the host view has no address on ${p.inIface || "(no interface)"} (the kernel drops the packet when the incoming interface has none)`);
          return "ACCEPT";
        }
        const c = natChoice("REDIRECT", { addrs: { min: addr, max: addr }, ...(t.ports ? { ports: t.ports } : {}) }, p.dst, p.dport, t.random, env.family);
        w.nat({ kind: "REDIRECT", addr, ...(c.port !== undefined ? { port: c.port } : {}) });
        w.note(`REDIRECT to ${formatIp(addr, env.family)}${local ? " (loopback, for a locally generated packet)" : `, the address of ${p.inIface}`}`);
        if (c.note) w.note(c.note);
        return "ACCEPT";
      },
    };
  },
};
