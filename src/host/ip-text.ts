/**
 * Reads the plain `ip addr` (or `ip -br addr`) and `ip route` output that users paste. Partial
 * output is normal; completeHost fills the gaps and says so. Errors name line and column.
 */
import { parseIp, type Family, type IpValue } from "../net/ip.js";
import {
  defaultScope,
  finishHost,
  guessKind,
  parseAddressWithPrefix,
  parseRouteDst,
  type HostReadOptions,
} from "./complete.js";
import type { AddressScope, Host, HostAddress, HostError, HostInterface, InterfaceKind, Route, RouteType } from "./host.js";
import { dedupeRoutes } from "./ip-json.js";

interface Word {
  readonly text: string;
  /** 1-based column. */
  readonly column: number;
}

class Bad {
  constructor(readonly error: HostError) {}
}

/** Splits a line into words with their 1-based columns. */
function words(line: string): Word[] {
  const out: Word[] = [];
  const re = /[^ \t\r]+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push({ text: m[0], column: m.index + 1 });
  return out;
}

function fail(what: string, lineNo: number, column: number, line: string, message: string, code: HostError["code"] = "syntax"): never {
  const caret = `${" ".repeat(Math.max(0, column - 1))}^`;
  throw new Bad({
    code,
    line: lineNo,
    column,
    message: `${what}, line ${lineNo}, column ${column}: ${message}\n  ${line.replace(/\r$/, "")}\n  ${caret}`,
  });
}

function splitLines(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/\r$/, ""));
}

/** Strips the `@peer` suffix `ip` prints for veth and vlan links (`vethc00ed59@if6`). */
function baseName(name: string): string {
  const at = name.indexOf("@");
  return at > 0 ? name.slice(0, at) : name;
}

interface MutableIface {
  name: string;
  index?: number;
  kind: InterfaceKind;
  master?: string;
  mac?: string;
  up: boolean;
  addresses: HostAddress[];
}

function freeze(i: MutableIface): HostInterface {
  return {
    name: i.name,
    ...(i.index !== undefined ? { index: i.index } : {}),
    kind: i.kind,
    ...(i.master !== undefined ? { master: i.master } : {}),
    ...(i.mac !== undefined ? { mac: i.mac } : {}),
    up: i.up,
    addresses: i.addresses,
  };
}

const HEADER = /^([0-9]+):[ \t]+([^ \t:]+):[ \t]+<([A-Z0-9_,-]*)>/;

/** Reads full `ip addr` (or `ip link`) output. */
function readIpAddr(text: string, what: string): HostInterface[] {
  const out: MutableIface[] = [];
  let cur: MutableIface | undefined;
  splitLines(text).forEach((line, k) => {
    const lineNo = k + 1;
    if (line.trim() === "") return;
    const ws = words(line);
    if (!/^[ \t]/.test(line)) {
      const m = HEADER.exec(line);
      if (m === null) fail(what, lineNo, 1, line, 'expected an interface line such as "2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500 …"');
      const flags = m[3].split(",");
      const name = baseName(m[2]);
      cur = { name, index: Number(m[1]), kind: flags.includes("LOOPBACK") ? "loopback" : guessKind(name), up: flags.includes("UP"), addresses: [] };
      if (m[2].includes("@") && cur.kind === "other") cur.kind = "veth";
      for (let j = 0; j < ws.length - 1; j++) {
        if (ws[j].text === "master") cur.master = ws[j + 1].text;
      }
      out.push(cur);
      return;
    }
    if (cur === undefined) fail(what, lineNo, ws[0].column, line, "an indented line before the first interface line");
    const head = ws[0].text;
    if (head.startsWith("link/")) {
      if (head === "link/loopback") cur.kind = "loopback";
      if (ws[1] !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(ws[1].text)) cur.mac = ws[1].text;
      return;
    }
    if (head !== "inet" && head !== "inet6") return; // valid_lft, altname, alias, …: nothing for us
    const at = ws[1];
    if (at === undefined) fail(what, lineNo, ws[0].column + head.length + 1, line, `expected an address after "${head}"`);
    const a = parseAddressWithPrefix(at.text);
    if (typeof a === "string") fail(what, lineNo, at.column, line, a, "bad-address");
    const family: Family = head === "inet" ? 4 : 6;
    if (a.family !== family) fail(what, lineNo, at.column, line, `"${at.text}" is not an IPv${family} address`, "bad-address");
    let broadcast: IpValue | undefined;
    let scope: AddressScope | undefined;
    let secondary = false;
    for (let j = 2; j < ws.length; j++) {
      const w = ws[j].text;
      if ((w === "brd" || w === "scope" || w === "peer") && ws[j + 1] === undefined) fail(what, lineNo, ws[j].column, line, `"${w}" without a value`);
      if (w === "brd") {
        const b = parseIp(ws[j + 1].text, 4);
        if (b === undefined) fail(what, lineNo, ws[j + 1].column, line, `"${ws[j + 1].text}" is not an IPv4 broadcast address`, "bad-address");
        broadcast = b;
        j++;
      } else if (w === "scope") {
        const s = ws[j + 1].text;
        scope = s === "host" || s === "link" || s === "global" ? s : undefined;
        j++;
      } else if (w === "peer") {
        j++;
      } else if (w === "secondary") {
        secondary = true;
      }
    }
    cur.addresses.push({
      family,
      addr: a.addr,
      prefix: a.prefix,
      ...(broadcast !== undefined ? { broadcast } : {}),
      scope: scope ?? defaultScope(family, a.addr),
      ...(secondary ? { secondary } : {}),
    });
  });
  return out.map(freeze);
}

const BRIEF_STATES = new Set(["UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", "DORMANT", "NOTPRESENT", "TESTING"]);

/** Reads `ip -br addr` output: `NAME[@PEER]  STATE  ADDR/PREFIX …`. */
function readIpBrief(text: string, what: string, notes: string[]): HostInterface[] {
  const out: HostInterface[] = [];
  splitLines(text).forEach((line, k) => {
    const ws = words(line);
    if (ws.length === 0) return;
    if (ws.length < 2) fail(what, k + 1, ws[0].column, line, 'expected "NAME STATE ADDRESS…" (ip -br addr)');
    const name = baseName(ws[0].text);
    const addresses: HostAddress[] = [];
    for (const w of ws.slice(2)) {
      const a = parseAddressWithPrefix(w.text);
      if (typeof a === "string") fail(what, k + 1, w.column, line, a, "bad-address");
      addresses.push({ family: a.family, addr: a.addr, prefix: a.prefix, scope: defaultScope(a.family, a.addr) });
    }
    const state = ws[1].text;
    if (!BRIEF_STATES.has(state)) fail(what, k + 1, ws[1].column, line, `expected a link state (UP, DOWN, UNKNOWN, …), got "${state}"`);
    out.push({ name, kind: name === "lo" ? "loopback" : guessKind(name), up: state !== "DOWN", addresses });
  });
  if (out.length > 0) notes.push("ip -br addr gives no secondary flags, broadcast addresses or bridge ports; addresses are taken as primary, ports as unknown.");
  return out;
}

const ROUTE_TYPES: readonly string[] = [
  "unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw", "nat",
];
/** Route attributes that take one value word. */
const VALUE_KEYS = new Set([
  "via", "dev", "proto", "scope", "src", "metric", "table", "pref", "expires", "mtu", "advmss", "hoplimit",
  "rtt", "rttvar", "reordering", "window", "cwnd", "initcwnd", "initrwnd", "ssthresh", "realms", "realm",
  "rto_min", "quickack", "congctl", "features", "fastopen_no_cookie", "tos", "dsfield", "from", "nhid",
  "weight", "error", "ttl-propagate", "uid", "iif", "oif", "mark", "priority", "preference", "hops",
]);
/** Route flags without a value. */
const FLAG_WORDS = new Set(["onlink", "linkdown", "dead", "pervasive", "offload", "trap", "notify", "rt_offload", "rt_trap", "rt_offload_failed", "cache"]);

/** Reads `ip route` / `ip -6 route` output (any table). */
function readIpRoute(text: string, what: string, defFamily: Family, notes: string[]): Route[] {
  const out: Route[] = [];
  let lastMultipath: { index: number; family: Family } | undefined;
  splitLines(text).forEach((line, k) => {
    const lineNo = k + 1;
    const ws = words(line);
    if (ws.length === 0) return;
    if (/^[ \t]/.test(line)) {
      // `nexthop via A dev X weight 1` lines of a multipath route: the walk follows the first.
      if (ws[0].text === "nexthop" && lastMultipath !== undefined) {
        const r = out[lastMultipath.index];
        if (r.dev !== undefined || r.via !== undefined) return;
        const attrs = readAttrs(ws.slice(1), what, lineNo, line, lastMultipath.family, notes);
        out[lastMultipath.index] = { ...r, ...pick(attrs) };
        notes.push(`${what}, line ${lineNo}: multipath route; only its first next hop is used.`);
        return;
      }
      if (ws[0].text === "cache" || ws[0].text === "nexthop") return;
      fail(what, lineNo, ws[0].column, line, "an indented line that is not a nexthop of a multipath route");
    }
    let j = 0;
    let type: string = "unicast";
    if (ROUTE_TYPES.includes(ws[0].text)) {
      type = ws[0].text;
      j = 1;
    }
    if (type === "nat") {
      notes.push(`${what}, line ${lineNo}: skipped an obsolete nat route.`);
      return;
    }
    const dstWord = ws[j];
    if (dstWord === undefined) fail(what, lineNo, ws[0].column + ws[0].text.length + 1, line, "expected a destination after the route type");
    // Only a gateway or source can tell the family of `default`.
    const family: Family = dstWord.text.includes(":")
      ? 6
      : dstWord.text.includes(".")
        ? 4
        : familyHint(ws.slice(j + 1)) ?? defFamily;
    const dst = parseRouteDst(dstWord.text, family);
    if (typeof dst === "string") {
      const what2 = /^[0-9a-fA-F:.\/]+$/.test(dstWord.text) || dstWord.text === "default" ? dst : `expected a route type or destination, got "${dstWord.text}"`;
      fail(what, lineNo, dstWord.column, line, what2, "bad-address");
    }
    const attrs = readAttrs(ws.slice(j + 1), what, lineNo, line, family, notes);
    const route: Route = {
      family,
      dst,
      ...pick(attrs),
      metric: attrs.metric ?? 0,
      type: type as RouteType,
      ...(attrs.table !== undefined ? { table: attrs.table } : {}),
    };
    out.push(route);
    lastMultipath = route.dev === undefined && route.via === undefined && type === "unicast" ? { index: out.length - 1, family } : undefined;
  });
  return out;
}

interface Attrs {
  dev?: string;
  via?: IpValue;
  src?: IpValue;
  metric?: number;
  table?: string;
}

function pick(a: Attrs): Pick<Route, "dev" | "via" | "src"> {
  return {
    ...(a.dev !== undefined ? { dev: a.dev } : {}),
    ...(a.via !== undefined ? { via: a.via } : {}),
    ...(a.src !== undefined ? { src: a.src } : {}),
  };
}

function familyHint(ws: Word[]): Family | undefined {
  for (let j = 0; j < ws.length - 1; j++) {
    if (ws[j].text === "via" || ws[j].text === "src") {
      const v = ws[j + 1].text === "inet" || ws[j + 1].text === "inet6" ? ws[j + 2]?.text : ws[j + 1].text;
      if (v !== undefined) return v.includes(":") ? 6 : 4;
    }
  }
  return undefined;
}

function readAttrs(ws: Word[], what: string, lineNo: number, line: string, family: Family, notes: string[]): Attrs {
  const a: Attrs = {};
  for (let j = 0; j < ws.length; j++) {
    const key = ws[j].text;
    if (FLAG_WORDS.has(key)) continue;
    if (!VALUE_KEYS.has(key)) {
      notes.push(`${what}, line ${lineNo}, column ${ws[j].column}: ignored the unknown route word "${key}".`);
      continue;
    }
    let v = ws[j + 1];
    if (v !== undefined && v.text === "lock") v = ws[++j + 1]; // `mtu lock 1400`
    if (v !== undefined && key === "via" && (v.text === "inet" || v.text === "inet6")) v = ws[++j + 1];
    if (v === undefined) fail(what, lineNo, ws[j].column, line, `"${key}" without a value`);
    j++;
    switch (key) {
      case "dev":
        a.dev = v.text;
        break;
      case "via":
      case "src": {
        const ip = parseIp(v.text, family);
        if (ip === undefined) fail(what, lineNo, v.column, line, `"${v.text}" is not an IPv${family} address`, "bad-address");
        if (key === "via") a.via = ip;
        else a.src = ip;
        break;
      }
      case "metric":
        if (!/^[0-9]{1,10}$/.test(v.text) || Number(v.text) > 0xffffffff) fail(what, lineNo, v.column, line, `"${v.text}" is not a metric (0-4294967295)`, "bad-value");
        a.metric = Number(v.text);
        break;
      case "table":
        a.table = v.text;
        break;
      default:
        break;
    }
  }
  return a;
}

/**
 * Reads pasted `ip addr` (or `ip -br addr`) and `ip route` output, plus optionally `ip -6 route`.
 * Missing facts are inferred and listed in `assumptions`; bad input gives a HostError with line
 * and column instead of throwing.
 */
export function hostFromIpText(
  ipAddrText: string,
  ipRouteText: string,
  ip6RouteText?: string,
  options: HostReadOptions = {},
): Host | HostError {
  try {
    const notes: string[] = [];
    const first = splitLines(ipAddrText).find((l) => l.trim() !== "");
    const ifaces =
      first === undefined || /^[0-9]+:[ \t]/.test(first) || /^[ \t]/.test(first)
        ? readIpAddr(ipAddrText, "ip addr")
        : readIpBrief(ipAddrText, "ip -br addr", notes);
    const seen = new Set<string>();
    for (const i of ifaces) {
      if (seen.has(i.name)) throw new Bad({ code: "duplicate", message: `ip addr: interface "${i.name}" is listed twice` });
      seen.add(i.name);
    }
    let routes = readIpRoute(ipRouteText, "ip route", 4, notes);
    // concat, not push(...): a full routing table has more routes than a call takes arguments
    if (ip6RouteText !== undefined) routes = routes.concat(readIpRoute(ip6RouteText, "ip -6 route", 6, notes));
    return finishHost(ifaces, dedupeRoutes(routes), notes, options);
  } catch (e) {
    if (e instanceof Bad) return e.error;
    return { code: "syntax", line: 1, column: 1, message: `ip: ${(e as Error).message}` };
  }
}
