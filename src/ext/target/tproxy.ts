/** `-j TPROXY` (xt_TPROXY): hands the packet to a local transparent socket without changing it. */
import type { Family, IpValue } from "../../net/ip.js";
import { formatIp, parseIp } from "../../net/ip.js";
import { Proto } from "../../sim/packet.js";
import { byName, hex, uintOption, valueMaskOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j TPROXY`: iptables-save prints all three fields. */
export interface TproxyTarget {
  readonly name: "TPROXY";
  /** `--on-port` (required; 0 keeps the destination port). */
  readonly port: number;
  /** `--on-ip` (0.0.0.0 / :: when not given: keep the destination address). */
  readonly ip: IpValue;
  /** `--tproxy-mark V[/M]` (0/0 when not given). */
  readonly markValue: number;
  readonly markMask: number;
}

export const tproxy: TargetExtension<TproxyTarget> = {
  name: "TPROXY",
  options: [
    { name: "on-port", args: 1 },
    { name: "on-ip", args: 1 },
    { name: "tproxy-mark", args: 1 },
  ],
  // kernel: xt_TPROXY.c, table "mangle", hooks PRE_ROUTING
  allowed: { tables: ["mangle"], hooks: ["PREROUTING"] },
  build(uses, ctx) {
    const o = byName(uses);
    const pu = o.get("on-port");
    if (!pu) return ctx.error("missing-value", `TPROXY needs --on-port PORT`, ctx.where);
    const port = uintOption(pu, ctx, 0, 65535);
    if (port === undefined) return undefined;
    let ip: IpValue = ctx.family === 4 ? 0 : 0n;
    const iu = o.get("on-ip");
    if (iu) {
      const a = parseIp(iu.values[0] ?? "", ctx.family);
      if (a === undefined) return ctx.error("bad-address", `--on-ip expects an IPv${ctx.family} address, found "${iu.values[0] ?? ""}"`, iu, 0);
      ip = a;
    }
    let markValue = 0;
    let markMask = 0;
    const mu = o.get("tproxy-mark");
    if (mu) {
      const vm = valueMaskOption(mu, ctx);
      if (!vm) return undefined;
      markValue = vm.value;
      markMask = vm.mask;
    }
    if (ctx.protocol !== Proto.TCP && ctx.protocol !== Proto.UDP) {
      // kernel: tproxy_tg4_check / tproxy_tg6_check need -p tcp or -p udp
      return ctx.error("bad-value", `TPROXY needs -p tcp or -p udp (the kernel refuses it for other protocols)`, ctx.where);
    }
    return { name: "TPROXY", port, ip, markValue, markMask };
  },
  print(t, family: Family) {
    return `--on-port ${t.port} --on-ip ${formatIp(t.ip, family)} --tproxy-mark ${hex(t.markValue)}/${hex(t.markMask)}`;
  },
  compile(t) {
    return { kind: "unsupported", reason: `target TPROXY: whether a transparent socket listens on port ${t.port} decides between marking and accepting the packet and dropping it; sockets are not modelled` };
  },
};
