/** `-m hashlimit` (xt_hashlimit, revision 3): per-group token buckets (by address/port), in packets or bytes. */
import { parseUint } from "../common.js";
import type { MatchExtension } from "../types.js";
import { formatRate, parseRateText } from "./limit.js";

/** Which fields group packets into buckets, in the order iptables prints them. */
export type HashlimitMode = "srcip" | "srcport" | "dstip" | "dstport";

/** The typed `-m hashlimit` match, in the kernel's numbers (hashlimit_cfg3). */
export interface HashlimitMatch {
  readonly module: "hashlimit";
  /** True for `--hashlimit-above` (match packets over the rate); `! --hashlimit-upto` is the same. */
  readonly above: boolean;
  /** True when the rate is in bytes (`1mb/s`); `avg` is then a cost per byte unit. */
  readonly bytes: boolean;
  /** Packets: the period in 1/1000000 s (XT_HASHLIMIT_SCALE_v2). Bytes: the kernel's cost value. */
  readonly avg: number;
  /** Packets: the bucket size in packets. Bytes: in multiples of the rate's byte unit (0 when not given). */
  readonly burst: number;
  readonly mode: readonly HashlimitMode[];
  readonly name: string;
  /** 0 means the kernel default. */
  readonly htableSize: number;
  readonly htableMax: number;
  /** Milliseconds (default 1000). */
  readonly htableGcInterval: number;
  /** Milliseconds; by default the rate's unit (60000 for /min), 15000/60000 for byte rates. */
  readonly htableExpire: number;
  /** Prefix lengths (default 32 or 128). */
  readonly srcMask: number;
  readonly dstMask: number;
  readonly rateMatch: boolean;
  /** Seconds, for --hashlimit-rate-match. */
  readonly rateInterval: number;
}

const SCALE = 1000000;
const DEFAULT_BURST = 5;
const MAX_BURST = 1000000;
const GC_INTERVAL = 1000;
const BYTE_SHIFT = 4;
const U32_MAX = 0xffffffff;
const MODES: readonly HashlimitMode[] = ["srcip", "srcport", "dstip", "dstport"];

/** bytes_to_cost / cost_to_bytes of libxt_hashlimit. */
function bytesToCost(bytes: number): number {
  return Math.floor(U32_MAX / (Math.floor(bytes / 2 ** BYTE_SHIFT) + 1));
}
function costToBytes(cost: number): number {
  const r = cost ? Math.floor(U32_MAX / cost) : U32_MAX;
  return (r - 1) * 2 ** BYTE_SHIFT;
}

const UNITS: readonly [string, number][] = [["m", 1024 * 1024], ["k", 1024], ["", 1]];

/** parse_bytes: `N[k|m]b/s`. */
function parseBytes(text: string): { cost: number } | undefined | "bad" {
  const m = /^([0-9]+)([kmKM]?)b\/s$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2].toLowerCase() === "m" ? 1024 * 1024 : m[2].toLowerCase() === "k" ? 1024 : 1);
  if (n === 0) return undefined;
  const cost = bytesToCost(n);
  if (cost === 0) return "bad";
  return { cost };
}

/** print_bytes: the rate (and burst) in the largest unit that gives back the same cost. */
function formatBytes(avg: number, burst: number): { text: string; quantum: number } {
  let r = costToBytes(avg);
  let i = 0;
  for (; i < UNITS.length - 1; i++) {
    const t = UNITS[i][1];
    if (r >= t && bytesToCost(r - (r % t)) === avg) break;
  }
  let text = `${Math.floor(r / UNITS[i][1])}${UNITS[i][0]}b/s`;
  if (burst === 0) return { text, quantum: 15000 };
  r *= burst;
  for (i = 0; i < UNITS.length - 1; i++) if (r >= UNITS[i][1]) break;
  text += ` --hashlimit-burst ${Math.floor(r / UNITS[i][1])}${UNITS[i][0]}b`;
  return { text, quantum: 60000 };
}

/** print_rate of libxt_hashlimit: also returns the printed unit in milliseconds (the default expiry). */
function formatPacketRate(avg: number): { text: string; quantum: number } {
  const text = formatRate(avg, SCALE);
  const unit = text.slice(text.indexOf("/") + 1);
  const quantum = unit === "day" ? 86400000 : unit === "hour" ? 3600000 : unit === "min" ? 60000 : 1000;
  return { text, quantum };
}

export const hashlimit: MatchExtension<HashlimitMatch> = {
  name: "hashlimit",
  options: [
    { name: "hashlimit-upto", args: 1, invertible: true },
    { name: "hashlimit-above", args: 1, invertible: true },
    { name: "hashlimit", args: 1, invertible: true },
    { name: "hashlimit-srcmask", args: 1 },
    { name: "hashlimit-dstmask", args: 1 },
    { name: "hashlimit-burst", args: 1 },
    { name: "hashlimit-htable-size", args: 1 },
    { name: "hashlimit-htable-max", args: 1 },
    { name: "hashlimit-htable-gcinterval", args: 1 },
    { name: "hashlimit-htable-expire", args: 1 },
    { name: "hashlimit-mode", args: 1 },
    { name: "hashlimit-name", args: 1 },
    { name: "hashlimit-rate-match", args: 0 },
    { name: "hashlimit-rate-interval", args: 1 },
  ],
  build(uses, ctx) {
    const full = ctx.family === 4 ? 32 : 128;
    let rateSeen = false;
    let above = false;
    let bytes = false;
    let avg = 0;
    let mult = 1;
    let burstText: { n: number; factor: number } | undefined;
    let burstUse: (typeof uses)[number] | undefined;
    const modes = new Set<HashlimitMode>();
    let name: string | undefined;
    let size = 0;
    let max = 0;
    let gc = GC_INTERVAL;
    let expire: number | undefined;
    let srcMask = full;
    let dstMask = full;
    let rateMatch = false;
    let interval = 0;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      switch (u.name) {
        case "hashlimit-upto":
        case "hashlimit-above":
        case "hashlimit": {
          if (rateSeen) return ctx.error("bad-value", `--${u.name}: the rate is already given; use one of --hashlimit-upto and --hashlimit-above`, u);
          rateSeen = true;
          above = (u.name === "hashlimit-above") !== u.invert;
          const b = parseBytes(text);
          if (b === "bad") return ctx.error("bad-value", `--${u.name} ${text} is too high a byte rate`, u, 0);
          if (b) {
            bytes = true;
            avg = b.cost;
            mult = 15; // XT_HASHLIMIT_BYTE_EXPIRE
            break;
          }
          const r = parseRateText(text);
          if (!r) return ctx.error("bad-value", `--${u.name} expects a rate N[/sec|/min|/hour|/day] or N[k|m]b/s, found "${text}"`, u, 0);
          avg = Math.floor((SCALE * r.mult) / r.n);
          mult = r.mult;
          if (avg === 0) return ctx.error("bad-value", `--${u.name} ${text} is too fast`, u, 0);
          break;
        }
        case "hashlimit-burst": {
          const m = /^([0-9]+)([kmKM]?)(b?)$/.exec(text);
          const n = m ? Number(m[1]) : NaN;
          if (!m || n < 1 || (m[2] === "" && n > MAX_BURST)) return ctx.error("bad-value", `--hashlimit-burst expects a number from 1 to ${MAX_BURST} (or a size such as 1mb for byte rates), found "${text}"`, u, 0);
          burstText = { n, factor: m[2].toLowerCase() === "m" ? 1024 * 1024 : m[2].toLowerCase() === "k" ? 1024 : 1 };
          burstUse = u;
          break;
        }
        case "hashlimit-mode":
          for (const part of text.split(/[,|]/)) {
            if (part === "") continue;
            const md = MODES.find((x) => x === part);
            if (!md) return ctx.error("bad-value", `--hashlimit-mode expects a comma-separated list of srcip, srcport, dstip, dstport; found "${part}"`, u, 0);
            modes.add(md);
          }
          break;
        case "hashlimit-name":
          if (text.length === 0 || text.length > 255) return ctx.error("bad-value", `--hashlimit-name expects a name of 1 to 255 characters, found "${text}"`, u, 0);
          name = text;
          break;
        case "hashlimit-srcmask":
        case "hashlimit-dstmask": {
          const v = parseUint(text, 0, full);
          if (v === undefined || !/^[0-9]+$/.test(text)) return ctx.error("bad-value", `--${u.name} expects a prefix length from 0 to ${full}, found "${text}"`, u, 0);
          if (u.name === "hashlimit-srcmask") srcMask = v;
          else dstMask = v;
          break;
        }
        case "hashlimit-htable-size":
        case "hashlimit-htable-max":
        case "hashlimit-htable-gcinterval":
        case "hashlimit-htable-expire": {
          const v = parseUint(text);
          if (v === undefined) return ctx.error("bad-value", `--${u.name} expects a number from 0 to 4294967295, found "${text}"`, u, 0);
          if (u.name === "hashlimit-htable-size") size = v;
          else if (u.name === "hashlimit-htable-max") max = v;
          else if (u.name === "hashlimit-htable-gcinterval") gc = v;
          else expire = v;
          break;
        }
        case "hashlimit-rate-match":
          rateMatch = true;
          break;
        case "hashlimit-rate-interval": {
          const v = parseUint(text, 1);
          if (v === undefined) return ctx.error("bad-value", `--hashlimit-rate-interval expects a number of seconds ≥ 1, found "${text}"`, u, 0);
          interval = v;
          break;
        }
      }
    }
    if (!rateSeen) return ctx.error("missing-value", "-m hashlimit needs --hashlimit-upto RATE or --hashlimit-above RATE", ctx.where);
    if (name === undefined) return ctx.error("missing-value", "-m hashlimit needs --hashlimit-name NAME", ctx.where);
    // hashlimit_mt_check: the default expiry is the rate's unit; byte rates turn the burst into rate units
    let burst = DEFAULT_BURST;
    let exp = expire ?? mult * 1000;
    if (bytes) {
      burst = 0;
      if (burstText && burstUse) {
        const b = burstText.n * burstText.factor;
        const unit = costToBytes(avg);
        if (b < unit) return ctx.error("bad-value", `--hashlimit-burst cannot be smaller than ${unit}b for this rate`, burstUse, 0);
        burst = Math.ceil(b / unit);
        if (expire === undefined) exp = 60000;
      }
    } else if (burstText) {
      burst = burstText.n * burstText.factor;
      if (burst > MAX_BURST && burstUse) return ctx.error("bad-value", `--hashlimit-burst is at most ${MAX_BURST}, found ${burst}`, burstUse, 0);
    }
    if (rateMatch) {
      if (!bytes) avg = Math.floor(avg / mult);
      if (interval === 0) interval = bytes ? 1 : mult;
    }
    return {
      module: "hashlimit",
      above,
      bytes,
      avg,
      burst,
      mode: MODES.filter((x) => modes.has(x)),
      name,
      htableSize: size,
      htableMax: max,
      htableGcInterval: gc,
      htableExpire: exp,
      srcMask,
      dstMask,
      rateMatch,
      rateInterval: interval,
    };
  },
  print(m, family) {
    // libxt_hashlimit hashlimit_mt_save (revision 3)
    const full = family === 4 ? 32 : 128;
    const parts = [m.above ? "--hashlimit-above" : "--hashlimit-upto"];
    let quantum: number;
    if (m.bytes) {
      const b = formatBytes(m.avg, m.burst);
      parts.push(b.text);
      quantum = b.quantum;
    } else {
      const r = formatPacketRate(m.avg);
      parts.push(r.text, `--hashlimit-burst ${m.burst}`);
      quantum = r.quantum;
    }
    if (m.mode.length > 0) parts.push(`--hashlimit-mode ${m.mode.join(",")}`);
    parts.push(`--hashlimit-name ${m.name}`);
    if (m.htableSize !== 0) parts.push(`--hashlimit-htable-size ${m.htableSize}`);
    if (m.htableMax !== 0) parts.push(`--hashlimit-htable-max ${m.htableMax}`);
    if (m.htableGcInterval !== GC_INTERVAL) parts.push(`--hashlimit-htable-gcinterval ${m.htableGcInterval}`);
    if (m.htableExpire !== quantum) parts.push(`--hashlimit-htable-expire ${m.htableExpire}`);
    if (m.srcMask !== full) parts.push(`--hashlimit-srcmask ${m.srcMask}`);
    if (m.dstMask !== full) parts.push(`--hashlimit-dstmask ${m.dstMask}`);
    if (m.rateMatch) {
      parts.push("--hashlimit-rate-match");
      if (m.rateInterval !== 1) parts.push(`--hashlimit-rate-interval ${m.rateInterval}`);
    }
    return parts.join(" ");
  },
  compile(m, env) {
    const within = env.assume.withinLimit ?? true;
    const result = within !== m.above;
    return {
      kind: "test",
      test: () => result,
      assumption: `the packet's bucket in hashlimit "${m.name}" is assumed ${within ? "within" : "over"} the rate`,
    };
  },
};
