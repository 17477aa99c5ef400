/** `-j NETMAP` (xt_NETMAP): maps the network part of an address onto another network, keeping the host part. */
import { formatNet, makeNet, maskPrefix, parseNet, type IpNet } from "../../net/ip.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j NETMAP`. */
export interface NetmapTarget {
  readonly name: "NETMAP";
  /** `--to ADDR[/MASK]`: the network mapped to (address already masked). */
  readonly to: IpNet;
}

export const netmap: TargetExtension<NetmapTarget> = {
  name: "NETMAP",
  options: [{ name: "to", args: 1 }],
  // kernel: xt_NETMAP.c, table "nat", hooks PRE_ROUTING | POST_ROUTING | LOCAL_OUT | LOCAL_IN
  allowed: { tables: ["nat"], hooks: ["PREROUTING", "POSTROUTING", "OUTPUT", "INPUT"] },
  build(uses, ctx) {
    const u = uses.find((x) => x.name === "to");
    if (!u) return ctx.error("missing-value", `NETMAP needs --to ADDR[/MASK]`, ctx.where);
    const net = parseNet(u.values[0] ?? "", ctx.family);
    if (typeof net === "string") return ctx.error("bad-address", `--to expects an IPv${ctx.family} network ADDR[/MASK]; ${net}`, u, 0);
    if (maskPrefix(net) === undefined) {
      // seen with iptables-nft 1.8.9: --to 10.0.0.0/255.0.255.0 is saved as 10.0.0.0/32
      ctx.warn("bad-address", `--to ${u.values[0] ?? ""}: a mask with holes is saved by iptables-nft as a single address (/${ctx.family === 4 ? 32 : 128})`, u, 0);
      return { name: "NETMAP", to: makeNet(ctx.family, net.addr, ctx.family === 4 ? 32 : 128) };
    }
    return { name: "NETMAP", to: net };
  },
  print(t) {
    return `--to ${formatNet(t.to)}`;
  },
  compile(t) {
    const to = t.to;
    return {
      kind: "effect",
      apply(p, w) {
        // kernel: PREROUTING/OUTPUT map the destination, POSTROUTING/INPUT the source; new = (old & ~mask) | net
        const dst = p.hook === "PREROUTING" || p.hook === "OUTPUT";
        const old = dst ? p.dst : p.src;
        const addr = to.family === 4
          ? ((((old as number) & ~to.mask) | to.addr) >>> 0)
          : (((old as bigint) & ~to.mask & ((1n << 128n) - 1n)) | to.addr);
        w.nat({ kind: "NETMAP", addr });
        return "ACCEPT";
      },
    };
  },
};
