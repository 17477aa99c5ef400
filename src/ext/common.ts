/**
 * Small parsers and printers that many extensions share: numbers, ports, marks, and the quoting
 * iptables-save applies to string values.
 */
import type { BuildContext, OptionUse } from "./types.js";
import { SERVICES } from "./services.js";

/** An inclusive range of ports (or any small integers). */
export interface NumRange {
  readonly min: number;
  readonly max: number;
}

/** A value with a mask, as `--mark V/M`. */
export interface ValueMask {
  readonly value: number;
  readonly mask: number;
}

/** Parses an unsigned integer (decimal, or hex with 0x, or octal with a leading 0 as strtoul does) within [min, max]. */
export function parseUint(text: string, min = 0, max = 0xffffffff): number | undefined {
  const d = decimal(text);
  if (d >= 0) return d >= min && d <= max ? d : undefined;
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-9]+$/.test(text)) {
    // strtoul with base 0: a leading 0 means octal, and "08" is refused
    if (!/^0[0-7]+$/.test(text)) return undefined;
    v = parseInt(text, 8);
  } else if (/^[0-9]+$/.test(text)) v = Number(text);
  else return undefined;
  return v >= min && v <= max ? v : undefined;
}

/** Reads value `i` of an option as an integer within bounds, reporting `bad-value` otherwise. */
export function uintOption(use: OptionUse, ctx: BuildContext, min = 0, max = 0xffffffff, i = 0): number | undefined {
  const text = use.values[i] ?? "";
  const v = parseUint(text, min, max);
  if (v === undefined) return ctx.error("bad-value", `--${use.name} expects a number from ${min} to ${max}, found "${text}"`, use, i);
  return v;
}

/**
 * The value of a plain decimal number without a leading zero ("0" itself included) of at most 10
 * digits, or -1 for any other text: the common case of parseUint, read without a regular expression.
 */
function decimal(text: string): number {
  const n = text.length;
  if (n === 0 || n > 10 || (n > 1 && text.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Parses one port: a number or a service name (for tcp/udp/sctp). */
export function parsePort(text: string): number | undefined {
  const d = decimal(text);
  if (d >= 0) return d <= 65535 ? d : undefined;
  const n = parseUint(text, 0, 65535);
  if (n !== undefined && /^[0-9]+$/.test(text)) return n;
  return SERVICES.get(text.toLowerCase());
}

/** Parses `PORT`, `PORT:PORT`, `:PORT` or `PORT:` as iptables does. */
export function parsePortRange(text: string): NumRange | undefined {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? undefined : { min: p, max: p };
  }
  const lo = colon === 0 ? 0 : parsePort(text.slice(0, colon));
  const hi = colon === text.length - 1 ? 65535 : parsePort(text.slice(colon + 1));
  if (lo === undefined || hi === undefined) return undefined;
  // kernel: iptables swaps a reversed range? No: it refuses min > max.
  if (lo > hi) return undefined;
  return { min: lo, max: hi };
}

/** Reads a port range option, reporting `bad-port` when it is not one. */
export function portRangeOption(use: OptionUse, ctx: BuildContext, i = 0): NumRange | undefined {
  const text = use.values[i] ?? "";
  const r = parsePortRange(text);
  if (r === undefined) return ctx.error("bad-port", `--${use.name} expects a port or PORT:PORT, found "${text}"`, use, i);
  return r;
}

/** Prints a port range as iptables-save does: `80` or `1024:65535`. */
export function formatRange(r: NumRange): string {
  return r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`;
}

/** Parses `VALUE[/MASK]`; without a mask the mask is `defaultMask`. */
export function parseValueMask(text: string, defaultMask = 0xffffffff): ValueMask | undefined {
  const slash = text.indexOf("/");
  const value = parseUint(slash < 0 ? text : text.slice(0, slash));
  const mask = slash < 0 ? defaultMask : parseUint(text.slice(slash + 1));
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

/** Reads a `VALUE[/MASK]` option, reporting `bad-mark` when it is not one. */
export function valueMaskOption(use: OptionUse, ctx: BuildContext, defaultMask = 0xffffffff, i = 0): ValueMask | undefined {
  const text = use.values[i] ?? "";
  const r = parseValueMask(text, defaultMask);
  if (r === undefined) return ctx.error("bad-mark", `--${use.name} expects VALUE[/MASK] (numbers up to 0xffffffff), found "${text}"`, use, i);
  return r;
}

/** `0x…` in lower case, as iptables-save prints marks. */
export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** `0xV` or `0xV/0xM` (the mask omitted when it is all ones), as `-m mark` prints. */
export function formatValueMask(vm: ValueMask): string {
  return vm.mask === 0xffffffff ? hex(vm.value) : `${hex(vm.value)}/${hex(vm.mask)}`;
}

/** `! ` when inverted, else "" — for printing `! --opt`. */
export function bang(invert: boolean): string {
  return invert ? "! " : "";
}

/**
 * Quotes a string value as iptables-save does (xtables_print_val / save_string): bare when it is
 * only letters, digits, `_` and `-`; otherwise in double quotes with `"`, `\` and `'` escaped.
 */
export function saveString(s: string): string {
  let bare = s.length > 0;
  let escapes = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22 || c === 0x5c || c === 0x27) escapes = true;
    else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d)) bare = false;
    if (escapes) break;
  }
  if (escapes) return `"${s.replace(/["\\']/g, "\\$&")}"`;
  return bare ? s : `"${s}"`;
}

/** The option uses of one module, looked up by name. */
export interface UsesByName {
  /** The last use named `name` (later uses of a non-repeatable option are reported by the rule parser). */
  get(name: string): OptionUse | undefined;
  has(name: string): boolean;
}

/**
 * The last use of each option by name. A module has a handful of uses, so a scan beats building
 * a Map for every rule (DNAT alone is built for every KUBE-SEP rule).
 */
export function byName(uses: readonly OptionUse[]): UsesByName {
  return new UsesScan(uses);
}

class UsesScan implements UsesByName {
  constructor(private readonly uses: readonly OptionUse[]) {}
  get(name: string): OptionUse | undefined {
    for (let k = this.uses.length - 1; k >= 0; k--) if (this.uses[k].name === name) return this.uses[k];
    return undefined;
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** Reads a comma-separated list of names from a fixed vocabulary, reporting the first unknown one. */
export function nameListOption<N extends string>(use: OptionUse, ctx: BuildContext, vocabulary: readonly N[], i = 0): N[] | undefined {
  const out: N[] = [];
  for (const part of (use.values[i] ?? "").split(",")) {
    const found = vocabulary.find((v) => v.toLowerCase() === part.toLowerCase());
    if (!found) return ctx.error("bad-value", `--${use.name} expects a comma-separated list of ${vocabulary.join(", ")}; found "${part}"`, use, i);
    out.push(found);
  }
  return out;
}

/** The hook of the rule's chain when it is a builtin chain (user chains may be reached from any hook: undefined). */
export function builtinHook(ctx: BuildContext): "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING" | undefined {
  const c = ctx.chain;
  return c === "PREROUTING" || c === "INPUT" || c === "FORWARD" || c === "OUTPUT" || c === "POSTROUTING" ? c : undefined;
}

/**
 * Reports `match-not-allowed` when the rule's builtin chain is not among the hooks where the kernel
 * accepts the module (xt_check_match: "used from hooks X, but only valid from Y"). Returns false then.
 */
export function checkHooks(ctx: BuildContext, what: string, hooks: readonly string[]): boolean {
  const h = builtinHook(ctx);
  if (h === undefined || hooks.includes(h)) return true;
  ctx.error("match-not-allowed", `${what} is not allowed in ${h}; the kernel accepts it only in ${hooks.join("/")}`, ctx.where);
  return false;
}

/**
 * Parses a range as xtables' UINT16RC/UINT32RC and PORTRC option types do: `N`, `N:M`, `:M` (from 0)
 * or `N:` (up to `max`). A reversed range is kept as written: the tools accept it and the kernel then
 * matches nothing. With `ports`, each end may be a service name and numbers are decimal; otherwise
 * numbers are read as strtoul with base 0 does (hex `0x…`, octal `0…`).
 */
export function parseLooseRange(text: string, max: number, ports = false): NumRange | undefined {
  const parts = text.split(":");
  if (parts.length > 2) return undefined;
  const one = (t: string, dflt: number): number | undefined => {
    if (t === "") return dflt;
    if (ports) {
      const p = parsePort(t);
      return p !== undefined && p <= max ? p : undefined;
    }
    return parseUint(t, 0, max);
  };
  const lo = one(parts[0], 0);
  if (parts.length === 1) return lo === undefined || text === "" ? undefined : { min: lo, max: lo };
  const hi = one(parts[1], max);
  if (lo === undefined || hi === undefined) return undefined;
  return { min: lo, max: hi };
}

/** Reads a loose range option (see parseLooseRange), reporting `bad-value` (or `bad-port`) otherwise. */
export function looseRangeOption(use: OptionUse, ctx: BuildContext, max: number, ports = false, i = 0): NumRange | undefined {
  const text = use.values[i] ?? "";
  const r = parseLooseRange(text, max, ports);
  if (r === undefined) {
    return ctx.error(ports ? "bad-port" : "bad-value", `--${use.name} expects ${ports ? "a port" : `a number from 0 to ${max}`} or a range N:M, found "${text}"`, use, i);
  }
  return r;
}

/**
 * Finds the one name of `names` that `word` abbreviates, case-insensitively, the way many xtables
 * modules read lists (`strncasecmp(word, name, strlen(word))`, first hit in table order).
 */
export function prefixName<N extends string>(word: string, names: readonly N[]): N | undefined {
  if (word === "") return undefined;
  const w = word.toLowerCase();
  return names.find((n) => n.toLowerCase().startsWith(w));
}

/** Parses a number range as XTTYPE_UINT32RC does: `N`, `N:M`, `:M`, `N:` (open ends are 0 and `max`), refusing min > max. */
export function parseUintRange(text: string, max = 0xffffffff): NumRange | undefined {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const v = parseUint(text, 0, max);
    return v === undefined ? undefined : { min: v, max: v };
  }
  const lo = colon === 0 ? 0 : parseUint(text.slice(0, colon), 0, max);
  const hi = colon === text.length - 1 ? max : parseUint(text.slice(colon + 1), 0, max);
  if (lo === undefined || hi === undefined || lo > hi) return undefined;
  return { min: lo, max: hi };
}

/**
 * The last values a builder made, by a numeric key (a port, a probability): building an equal
 * value again gives the same read-only object. A big dump repeats a handful of them thousands of
 * times (kube-proxy writes one `--dport` per service, from a few ports, and the same two
 * probabilities in every service), and sharing saves some 150 bytes a rule. Direct-mapped and
 * small: it keeps at most `size` values alive, whatever the input.
 */
export class Recent<T> {
  private readonly keys: number[];
  private readonly values: (T | undefined)[];
  private readonly mask: number;

  /** `size` must be a power of two. */
  constructor(size: number) {
    this.mask = size - 1;
    this.keys = new Array<number>(size).fill(-1);
    this.values = new Array<T | undefined>(size).fill(undefined);
  }

  /** The value stored under `key` (a whole number, 0 or more), if it is still there. */
  get(key: number): T | undefined {
    const k = key & this.mask;
    return this.keys[k] === key ? this.values[k] : undefined;
  }

  /** Stores `value` under `key`, in place of whatever shared its slot; returns it. */
  set(key: number, value: T): T {
    const k = key & this.mask;
    this.keys[k] = key;
    this.values[k] = value;
    return value;
  }
}
