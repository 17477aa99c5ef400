/** `-j LOG` (xt_LOG; nft `log` under iptables-nft): writes a kernel log line and continues. */
import { byName, parseUint, saveString } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j LOG`. */
export interface LogTarget {
  readonly name: "LOG";
  /** Syslog level 0–7; 4 (warning) when not given, and then not printed. */
  readonly level: number;
  /** `--log-prefix`, at most 29 characters ("" when none). */
  readonly prefix: string;
  readonly tcpSequence: boolean;
  readonly tcpOptions: boolean;
  readonly ipOptions: boolean;
  readonly uid: boolean;
  readonly macDecode: boolean;
}

/** Syslog level names libxt_LOG accepts. */
const LEVELS: ReadonlyMap<string, number> = new Map([
  ["emerg", 0], ["panic", 0], ["alert", 1], ["crit", 2], ["err", 3], ["error", 3],
  ["warning", 4], ["warn", 4], ["notice", 5], ["info", 6], ["debug", 7],
]);

/** The prefix buffer is 30 bytes with its NUL (struct xt_log_info). */
const PREFIX_MAX = 29;

export const log: TargetExtension<LogTarget> = {
  name: "LOG",
  options: [
    { name: "log-level", args: 1 },
    { name: "log-prefix", args: 1 },
    { name: "log-tcp-sequence", args: 0 },
    { name: "log-tcp-options", args: 0 },
    { name: "log-ip-options", args: 0 },
    { name: "log-uid", args: 0 },
    { name: "log-macdecode", args: 0 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    let level = 4;
    const lu = o.get("log-level");
    if (lu) {
      const text = lu.values[0] ?? "";
      // names are case-sensitive: iptables 1.8.9 refuses "WARNING"
      const n = parseUint(text, 0, 7) ?? LEVELS.get(text);
      if (n === undefined) return ctx.error("bad-value", `--log-level expects 0-7 or a lower-case syslog level name (emerg, alert, crit, error, warning, notice, info, debug); found "${text}"`, lu, 0);
      level = n;
    }
    let prefix = "";
    const pu = o.get("log-prefix");
    if (pu) {
      prefix = pu.values[0] ?? "";
      if (prefix === "") return ctx.error("bad-value", `--log-prefix must not be empty`, pu, 0);
      if (prefix.length > PREFIX_MAX) {
        // seen with iptables-nft 1.8.9: a longer prefix is cut to 29 characters
        ctx.warn("bad-value", `--log-prefix is longer than ${PREFIX_MAX} characters; the kernel keeps "${prefix.slice(0, PREFIX_MAX)}"`, pu, 0);
        prefix = prefix.slice(0, PREFIX_MAX);
      }
    }
    return {
      name: "LOG",
      level,
      prefix,
      tcpSequence: o.has("log-tcp-sequence"),
      tcpOptions: o.has("log-tcp-options"),
      ipOptions: o.has("log-ip-options"),
      uid: o.has("log-uid"),
      macDecode: o.has("log-macdecode"),
    };
  },
  print(t) {
    const parts: string[] = [];
    if (t.prefix !== "") parts.push(`--log-prefix ${saveString(t.prefix)}`);
    if (t.level !== 4) parts.push(`--log-level ${t.level}`);
    if (t.tcpSequence) parts.push("--log-tcp-sequence");
    if (t.tcpOptions) parts.push("--log-tcp-options");
    if (t.ipOptions) parts.push("--log-ip-options");
    if (t.uid) parts.push("--log-uid");
    if (t.macDecode) parts.push("--log-macdecode");
    return parts.join(" ");
  },
  compile(t) {
    const note = `LOG at level ${t.level}${t.prefix !== "" ? ` with prefix ${JSON.stringify(t.prefix)}` : ""}`;
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(note);
        return "CONTINUE";
      },
    };
  },
};
