/** `-j NFLOG` (xt_NFLOG; nft `log group` under iptables-nft): hands a copy to a netlink log group and continues. */
import { byName, saveString, uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j NFLOG`. */
export interface NflogTarget {
  readonly name: "NFLOG";
  /** `--nflog-group`, 0 when not given (then not printed). */
  readonly group: number;
  /** `--nflog-prefix`, "" when none. */
  readonly prefix: string;
  /** `--nflog-size` bytes to copy, when given (printed even when 0). */
  readonly size?: number;
  /** `--nflog-threshold`, 0 when not given (then not printed). */
  readonly threshold: number;
}

/** The prefix buffer is 64 bytes with its NUL (struct xt_nflog_info). */
const PREFIX_MAX = 63;

export const nflog: TargetExtension<NflogTarget> = {
  name: "NFLOG",
  options: [
    { name: "nflog-group", args: 1 },
    { name: "nflog-prefix", args: 1 },
    { name: "nflog-range", args: 1 },
    { name: "nflog-size", args: 1 },
    { name: "nflog-threshold", args: 1 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    let group = 0;
    const gu = o.get("nflog-group");
    if (gu) {
      const n = uintOption(gu, ctx, 0, 65535);
      if (n === undefined) return undefined;
      group = n;
    }
    let prefix = "";
    const pu = o.get("nflog-prefix");
    if (pu) {
      prefix = pu.values[0] ?? "";
      if (prefix.length > PREFIX_MAX) return ctx.error("bad-value", `--nflog-prefix is longer than ${PREFIX_MAX} characters`, pu, 0);
    }
    const ru = o.get("nflog-range");
    const su = o.get("nflog-size");
    if (ru && su) return ctx.error("bad-value", `--nflog-range cannot be used together with --nflog-size`, ru);
    if (ru) {
      if (uintOption(ru, ctx) === undefined) return undefined;
      // iptables: "--nflog-range has never worked and is no longer supported"; it is dropped
      ctx.warn("bad-value", `--nflog-range has never worked and is ignored (not saved); use --nflog-size`, ru);
    }
    let size: number | undefined;
    if (su) {
      size = uintOption(su, ctx);
      if (size === undefined) return undefined;
    }
    let threshold = 0;
    const tu = o.get("nflog-threshold");
    if (tu) {
      const n = uintOption(tu, ctx, 0, 65535);
      if (n === undefined) return undefined;
      threshold = n;
    }
    return { name: "NFLOG", group, prefix, ...(size !== undefined ? { size } : {}), threshold };
  },
  print(t) {
    const parts: string[] = [];
    if (t.prefix !== "") parts.push(`--nflog-prefix ${saveString(t.prefix)}`);
    if (t.group !== 0) parts.push(`--nflog-group ${t.group}`);
    if (t.size !== undefined) parts.push(`--nflog-size ${t.size}`);
    if (t.threshold !== 0) parts.push(`--nflog-threshold ${t.threshold}`);
    return parts.join(" ");
  },
  compile(t) {
    const note = `NFLOG to group ${t.group}${t.prefix !== "" ? ` with prefix ${JSON.stringify(t.prefix)}` : ""}`;
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(note);
        return "CONTINUE";
      },
    };
  },
};
