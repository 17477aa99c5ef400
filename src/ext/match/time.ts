/** `-m time` (xt_time): time of day, weekdays, days of the month and a date range. */
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";

/** The typed `-m time` match, in the kernel's numbers (xt_time_info). */
export interface TimeMatch {
  readonly module: "time";
  /** Seconds since midnight, 0 to 86399 (defaults 0 and 86399). */
  readonly daytimeStart: number;
  readonly daytimeStop: number;
  /** Bit i (1 = Mon … 7 = Sun); 0xfe is every day. A `!` is folded into the bits, as iptables does. */
  readonly weekdays: number;
  /** Bit i for day i of the month (1 to 31); 0xfffffffe is every day. `!` folded in. */
  readonly monthdays: number;
  /** Unix seconds (UTC); defaults 0 and 2147483647. */
  readonly dateStart: number;
  readonly dateStop: number;
  /** `--kerneltz` (or the old `--localtz`): judge times in the kernel's time zone rather than UTC. */
  readonly kerneltz: boolean;
  /** `--contiguous`: a start after the stop spans midnight as one period. */
  readonly contiguous: boolean;
}

const ALL_WEEKDAYS = 0xfe;
const ALL_MONTHDAYS = 0xfffffffe;
const MAX_DAYTIME = 86399;
const DATE_MAX = 2147483647;
const WEEK_DAYS = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** time_parse_date: `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, years 1970 to 2038, as UTC. */
export function parseDate(s: string): number | undefined {
  const m = /^([0-9]+)(?:-([0-9]+)(?:-([0-9]+)(?:T([0-9]+)(?::([0-9]+)(?::([0-9]+))?)?)?)?)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2] ?? "1", m[3] ?? "1", m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number);
  if (y < 1970 || y > 2038 || mo > 12 || d > 31 || h > 23 || mi > 59 || se > 59) return undefined;
  // mktime normalises day 0 or month 0 (the previous day/month); Date.UTC does the same
  return Date.UTC(y, mo - 1, d, h, mi, se) / 1000;
}

/** time_parse_minutes: `hh:mm[:ss]`. */
export function parseDaytime(s: string): number | undefined {
  const m = /^([0-9]+):([0-9]+)(?::([0-9]+))?$/.exec(s);
  if (!m) return undefined;
  const [h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3] ?? "0")];
  if (h > 23 || mi > 59 || se > 59) return undefined;
  return h * 3600 + mi * 60 + se;
}

function parseWeekdays(s: string): number | undefined {
  let bits = 0;
  for (const part of s.split(",")) {
    if (part === "") continue;
    if (/^[0-9]+$/.test(part)) {
      const n = Number(part);
      if (n < 1 || n > 7) return undefined;
      bits |= 1 << n;
      continue;
    }
    // libxt_time compares the first two letters, case-sensitively
    const i = WEEK_DAYS.findIndex((d, k) => k > 0 && part.length >= 2 && d.startsWith(part.slice(0, 2)));
    if (i < 1) return undefined;
    bits |= 1 << i;
  }
  return bits;
}

function parseMonthdays(s: string): number | undefined {
  let bits = 0;
  for (const part of s.split(",")) {
    if (part === "") continue;
    if (!/^[0-9]+$/.test(part) || Number(part) > 31) return undefined;
    bits = (bits | (1 << Number(part))) >>> 0;
  }
  return bits;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

function formatDaytime(s: number): string {
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

function formatDate(t: number): string {
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function bad(u: OptionUse, ctx: BuildContext, expected: string): undefined {
  return ctx.error("bad-value", `--${u.name} expects ${expected}, found "${u.values[0] ?? ""}"`, u, 0);
}

/** xt_time's time_mt at one moment (Unix seconds, already shifted to the zone the rule uses). */
export function timeMatches(m: TimeMatch, stamp: number): boolean {
  if (stamp < m.dateStart || stamp > m.dateStop) return false;
  let t = stamp;
  const packetTime = ((stamp % 86400) + 86400) % 86400;
  if (m.daytimeStart < m.daytimeStop) {
    if (packetTime < m.daytimeStart || packetTime > m.daytimeStop) return false;
  } else {
    if (packetTime < m.daytimeStart && packetTime > m.daytimeStop) return false;
    // kernel: with --contiguous, the early-morning part belongs to the previous day
    if (m.contiguous && packetTime <= m.daytimeStop) t -= 86400;
  }
  const d = new Date(t * 1000);
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  if (!(m.weekdays & (1 << weekday))) return false;
  if (m.monthdays !== ALL_MONTHDAYS && !(m.monthdays & (1 << d.getUTCDate()))) return false;
  return true;
}

export const time: MatchExtension<TimeMatch> = {
  name: "time",
  options: [
    { name: "datestart", args: 1 },
    { name: "datestop", args: 1 },
    { name: "timestart", args: 1 },
    { name: "timestop", args: 1 },
    { name: "contiguous", args: 0 },
    { name: "weekdays", args: 1, invertible: true },
    { name: "monthdays", args: 1, invertible: true },
    { name: "localtz", args: 0 },
    { name: "utc", args: 0 },
    { name: "kerneltz", args: 0 },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof TimeMatch]: TimeMatch[K] } = {
      module: "time",
      daytimeStart: 0,
      daytimeStop: MAX_DAYTIME,
      weekdays: ALL_WEEKDAYS,
      monthdays: ALL_MONTHDAYS,
      dateStart: 0,
      dateStop: DATE_MAX,
      kerneltz: false,
      contiguous: false,
    };
    let utc: OptionUse | undefined;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      switch (u.name) {
        case "datestart":
        case "datestop": {
          const v = parseDate(text);
          if (v === undefined) return bad(u, ctx, "a date YYYY[-MM[-DD[Thh[:mm[:ss]]]]] from 1970 to 2038");
          if (u.name === "datestart") m.dateStart = v;
          else m.dateStop = v;
          break;
        }
        case "timestart":
        case "timestop": {
          const v = parseDaytime(text);
          if (v === undefined) return bad(u, ctx, "a time of day hh:mm[:ss] from 00:00 to 23:59:59");
          if (u.name === "timestart") m.daytimeStart = v;
          else m.daytimeStop = v;
          break;
        }
        case "weekdays": {
          const v = parseWeekdays(text);
          if (v === undefined) return bad(u, ctx, "a comma-separated list of Mon, Tue, Wed, Thu, Fri, Sat, Sun or 1 to 7");
          m.weekdays = u.invert ? v ^ ALL_WEEKDAYS : v;
          break;
        }
        case "monthdays": {
          const v = parseMonthdays(text);
          if (v === undefined) return bad(u, ctx, "a comma-separated list of days of the month, 1 to 31");
          m.monthdays = (u.invert ? v ^ ALL_MONTHDAYS : v) >>> 0;
          break;
        }
        case "contiguous":
          m.contiguous = true;
          break;
        case "localtz":
        case "kerneltz":
          m.kerneltz = true;
          break;
        case "utc":
          utc = u;
          break;
      }
    }
    // libxt_time time_check: "--contiguous only makes sense when stoptime is smaller than starttime"
    if (m.contiguous && m.daytimeStart < m.daytimeStop) {
      return ctx.error("bad-value", "--contiguous only makes sense when --timestop is earlier than --timestart (a period across midnight)", uses.find((u) => u.name === "contiguous") ?? ctx.where);
    }
    if (utc && m.kerneltz) return ctx.error("bad-value", "--utc cannot be combined with --kerneltz (or --localtz)", utc);
    return m;
  },
  print(m) {
    // libxt_time time_save
    const parts: string[] = [];
    if (m.daytimeStart !== 0 || m.daytimeStop !== MAX_DAYTIME) {
      parts.push(`--timestart ${formatDaytime(m.daytimeStart)}`, `--timestop ${formatDaytime(m.daytimeStop)}`);
    }
    if (m.monthdays !== ALL_MONTHDAYS) {
      const days: number[] = [];
      for (let i = 1; i <= 31; i++) if (m.monthdays & (1 << i)) days.push(i);
      parts.push(`--monthdays ${days.join(",")}`);
    }
    if (m.weekdays !== ALL_WEEKDAYS) {
      const days: string[] = [];
      for (let i = 1; i <= 7; i++) if (m.weekdays & (1 << i)) days.push(WEEK_DAYS[i]);
      parts.push(`--weekdays ${days.join(",")}`);
    }
    // time_print_date skips 0; the default stop (INT_MAX) is printed, as iptables-save 1.8.9 on 64-bit does
    if (m.dateStart !== 0) parts.push(`--datestart ${formatDate(m.dateStart)}`);
    if (m.dateStop !== 0) parts.push(`--datestop ${formatDate(m.dateStop)}`);
    if (m.kerneltz) parts.push("--kerneltz");
    if (m.contiguous) parts.push("--contiguous");
    return parts.join(" ");
  },
  compile(m, env) {
    const at = env.assume.time;
    if (at === undefined) return { kind: "test", test: () => true, assumption: "the time match is assumed to match (no packet time was given)" };
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) return { kind: "unsupported", reason: `time: the assumed packet time "${at}" is not an ISO 8601 date` };
    const result = timeMatches(m, Math.floor(ms / 1000));
    const zone = m.kerneltz ? " (--kerneltz: the kernel's time zone is unknown, UTC is used)" : " (UTC)";
    return { kind: "test", test: () => result, assumption: `the packet is seen at ${at}${zone}; the time match ${result ? "matches" : "does not match"}` };
  },
};
