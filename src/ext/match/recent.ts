/** `-m recent` (xt_recent): lists of recently seen addresses — add to, test, refresh or remove from one. */
import { formatIp, parseIp, type IpValue } from "../../net/ip.js";
import { parseUint } from "../common.js";
import type { MatchExtension, OptionUse } from "../types.js";

/** What the rule does with the list. */
export type RecentCommand = "set" | "rcheck" | "update" | "remove";

/** The typed `-m recent` match. */
export interface RecentMatch {
  readonly module: "recent";
  readonly command: RecentCommand;
  /** `!` before the command. */
  readonly invert: boolean;
  /** The list (`DEFAULT` when not named). */
  readonly name: string;
  /** 0 when not given. */
  readonly seconds: number;
  readonly reap: boolean;
  /** 0 when not given. */
  readonly hitcount: number;
  readonly rttl: boolean;
  /** Which address goes in the list: the source (default) or the destination. */
  readonly side: "source" | "dest";
  /** Address mask applied before the lookup (all ones by default). */
  readonly mask: IpValue;
}

/** kernel: XT_RECENT_NAME_LEN is 200 including the NUL; hit counts up to 65535 load on this kernel, 65536 is refused (checked with iptables-nft-restore 1.8.9). */
const MAX_NAME = 199;
const MAX_HITCOUNT = 65536;

export const recent: MatchExtension<RecentMatch> = {
  name: "recent",
  options: [
    { name: "set", args: 0, invertible: true },
    { name: "rcheck", args: 0, invertible: true },
    { name: "update", args: 0, invertible: true },
    { name: "remove", args: 0, invertible: true },
    { name: "seconds", args: 1 },
    { name: "reap", args: 0 },
    { name: "hitcount", args: 1 },
    { name: "rttl", args: 0 },
    { name: "name", args: 1 },
    { name: "rsource", args: 0 },
    { name: "rdest", args: 0 },
    { name: "mask", args: 1 },
  ],
  build(uses, ctx) {
    let cmd: OptionUse | undefined;
    let name = "DEFAULT";
    let seconds = 0;
    let hitcount = 0;
    let reap = false;
    let rttl = false;
    let side: "source" | "dest" = "source";
    let mask: IpValue = ctx.family === 4 ? 0xffffffff : (1n << 128n) - 1n;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      switch (u.name) {
        case "set":
        case "rcheck":
        case "update":
        case "remove":
          if (cmd) return ctx.error("bad-value", `--${u.name} cannot be combined with --${cmd.name}; give one of --set, --rcheck, --update, --remove`, u);
          cmd = u;
          break;
        case "seconds": {
          const v = parseUint(text);
          if (v === undefined || v === 0) return ctx.error("bad-value", `--seconds expects a number of seconds from 1 to 4294967295, found "${text}"`, u, 0);
          seconds = v;
          break;
        }
        case "hitcount": {
          const v = parseUint(text, 1, MAX_HITCOUNT - 1);
          if (v === undefined) return ctx.error("bad-value", `--hitcount expects a number from 1 to ${MAX_HITCOUNT - 1}, found "${text}"`, u, 0);
          hitcount = v;
          break;
        }
        case "reap":
          reap = true;
          break;
        case "rttl":
          rttl = true;
          break;
        case "name":
          // kernel: recent_mt_check refuses empty names, names that are too long, "." and ".." and names with "/"
          if (text.length === 0 || text.length > MAX_NAME || text === "." || text === ".." || text.includes("/")) {
            return ctx.error("bad-value", `--name expects a list name of 1 to ${MAX_NAME} characters without "/", found "${text}"`, u, 0);
          }
          name = text;
          break;
        case "rsource":
          side = "source";
          break;
        case "rdest":
          side = "dest";
          break;
        case "mask": {
          const v = parseIp(text, ctx.family);
          if (v === undefined) return ctx.error("bad-address", `--mask expects an IPv${ctx.family} address mask, found "${text}"`, u, 0);
          mask = v;
          break;
        }
      }
    }
    if (!cmd) return ctx.error("missing-value", "-m recent needs one of --set, --rcheck, --update, --remove", ctx.where);
    const command = cmd.name as RecentCommand;
    // kernel: recent_mt_check: --seconds/--hitcount/--rttl/--reap only with --rcheck or --update; --reap needs --seconds
    if ((command === "set" || command === "remove") && (seconds || hitcount || rttl || reap)) {
      return ctx.error("bad-value", `--seconds, --hitcount, --rttl and --reap only go with --rcheck or --update, not --${command}`, cmd);
    }
    if (reap && !seconds) return ctx.error("bad-value", "--reap needs --seconds", uses.find((u) => u.name === "reap") ?? cmd);
    return { module: "recent", command, invert: cmd.invert, name, seconds, reap, hitcount, rttl, side, mask };
  },
  print(m, family) {
    // libxt_recent recent_save
    const parts = [`${m.invert ? "! " : ""}--${m.command}`];
    if (m.seconds) parts.push(`--seconds ${m.seconds}`);
    if (m.reap) parts.push("--reap");
    if (m.hitcount) parts.push(`--hitcount ${m.hitcount}`);
    if (m.rttl) parts.push("--rttl");
    parts.push(`--name ${m.name}`, `--mask ${formatIp(m.mask, family)}`, m.side === "source" ? "--rsource" : "--rdest");
    return parts.join(" ");
  },
  // the answer for one packet on its own; the walk keeps the lists across the traced packets
  // itself (Walker.recentHit), since they change as packets pass
  compile(m, env) {
    const listed = (env.assume.recentLists ?? []).includes(m.name);
    const who = m.side === "source" ? "source" : "destination";
    let hit: boolean;
    let assumption: string;
    switch (m.command) {
      case "set":
        // kernel: recent_mt: --set always succeeds (and adds or refreshes the address)
        hit = true;
        assumption = `the packet's ${who} address is added to recent list "${m.name}"`;
        break;
      case "remove":
        // kernel: --remove matches only when the address was in the list (and removes it)
        hit = listed;
        assumption = `recent list "${m.name}" is assumed ${listed ? "to hold" : "not to hold"} the packet's ${who} address; --remove takes it out`;
        break;
      case "rcheck":
      case "update":
        hit = listed;
        assumption = `recent list "${m.name}" is assumed ${listed ? "to hold" : "not to hold"} the packet's ${who} address${listed && (m.seconds || m.hitcount) ? `, within the --seconds/--hitcount bounds` : ""}`;
        break;
    }
    const result = hit !== m.invert;
    return { kind: "test", test: () => result, assumption };
  },
};
