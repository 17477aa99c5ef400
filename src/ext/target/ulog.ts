/**
 * `-j ULOG` (ipt_ULOG, IPv4): the old netlink logger. Linux removed it in 3.17 and this kernel
 * refuses it ("Extension ULOG revision 0 not supported"), so it is typed and printed as
 * libipt_ULOG saves it, reported with a warning, and not simulated.
 */
import { byName, saveString, uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j ULOG`. */
export interface UlogTarget {
  readonly name: "ULOG";
  /** `--ulog-nlgroup` 1–32 (default 1, not printed). */
  readonly nlgroup: number;
  readonly prefix: string;
  /** `--ulog-cprange` bytes (0: whole packet, not printed). */
  readonly cprange: number;
  /** `--ulog-qthreshold` 1–50 (default 1, not printed). */
  readonly qthreshold: number;
}

export const ulog: TargetExtension<UlogTarget> = {
  name: "ULOG",
  family: 4,
  options: [
    { name: "ulog-nlgroup", args: 1 },
    { name: "ulog-prefix", args: 1 },
    { name: "ulog-cprange", args: 1 },
    { name: "ulog-qthreshold", args: 1 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    const num = (name: string, min: number, max: number, dflt: number): number | undefined => {
      const u = o.get(name);
      return u ? uintOption(u, ctx, min, max) : dflt;
    };
    const nlgroup = num("ulog-nlgroup", 1, 32, 1);
    const cprange = num("ulog-cprange", 0, 0xffffffff, 0);
    const qthreshold = num("ulog-qthreshold", 1, 50, 1);
    if (nlgroup === undefined || cprange === undefined || qthreshold === undefined) return undefined;
    const prefix = o.get("ulog-prefix")?.values[0] ?? "";
    if (prefix.length > 31) return ctx.error("bad-value", `--ulog-prefix is longer than 31 characters`, o.get("ulog-prefix") ?? ctx.where, 0);
    ctx.warn("kernel-refuses", `target ULOG was removed from Linux in 3.17; this kernel refuses it (use NFLOG)`, ctx.where);
    return { name: "ULOG", nlgroup, prefix, cprange, qthreshold };
  },
  print(t) {
    const parts: string[] = [];
    if (t.prefix !== "") parts.push(`--ulog-prefix ${saveString(t.prefix)}`);
    if (t.nlgroup !== 1) parts.push(`--ulog-nlgroup ${t.nlgroup}`);
    if (t.cprange !== 0) parts.push(`--ulog-cprange ${t.cprange}`);
    if (t.qthreshold !== 1) parts.push(`--ulog-qthreshold ${t.qthreshold}`);
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "target ULOG: removed from Linux in 3.17; a current kernel refuses the rule" };
  },
};
