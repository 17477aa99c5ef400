/**
 * Reads `ip -j addr show` and `ip -j route show` (also `-6` and `table all`) into a Host.
 * Errors name the input and the JSON path of the bad field; nothing here throws on bad input.
 */
import { parseIp, type Family, type IpValue } from "../net/ip.js";
import { defaultScope, finishHost, guessKind, parseRouteDst, type HostReadOptions } from "./complete.js";
import type { AddressScope, Host, HostAddress, HostError, HostInterface, InterfaceKind, Route, RouteType } from "./host.js";

const ROUTE_TYPES: readonly string[] = [
  "unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw",
];

class Bad {
  constructor(readonly error: HostError) {}
}

type Obj = Record<string, unknown>;

function fail(what: string, path: string, message: string, code: HostError["code"] = "bad-value"): never {
  throw new Bad({ code, path, message: `${what}: ${path}: ${message}` });
}

function parseDoc(what: string, v: unknown): unknown[] {
  let doc = v;
  if (typeof v === "string") {
    try {
      doc = JSON.parse(v.trim() === "" ? "[]" : v);
    } catch (e) {
      throw new Bad({ code: "bad-json", path: "$", message: `${what}: not JSON: ${(e as Error).message}` });
    }
  }
  if (!Array.isArray(doc)) fail(what, "$", "expected the array that `ip -j` prints", "bad-type");
  return doc;
}

function asObj(what: string, v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(what, path, "expected an object", "bad-type");
  return v as Obj;
}

function optStr(what: string, o: Obj, k: string, path: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== "string") fail(what, `${path}.${k}`, `expected a string, got ${JSON.stringify(v)}`, "bad-type");
  return v;
}

function optNum(what: string, o: Obj, k: string, path: string): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(what, `${path}.${k}`, `expected a non-negative integer, got ${JSON.stringify(v)}`, "bad-type");
  return v;
}

function optIp(what: string, o: Obj, k: string, path: string, family: Family): IpValue | undefined {
  const t = optStr(what, o, k, path);
  if (t === undefined) return undefined;
  const a = parseIp(t, family);
  if (a === undefined) fail(what, `${path}.${k}`, `"${t}" is not an IPv${family} address`, "bad-address");
  return a;
}

function readAddrInfo(what: string, v: unknown, path: string): HostAddress | undefined {
  const o = asObj(what, v, path);
  const fam = optStr(what, o, "family", path);
  if (fam !== "inet" && fam !== "inet6") return undefined; // e.g. mpls: not ours
  const family: Family = fam === "inet" ? 4 : 6;
  const addr = optIp(what, o, "local", path, family);
  if (addr === undefined) fail(what, `${path}.local`, "missing address", "missing-field");
  const prefix = optNum(what, o, "prefixlen", path);
  if (prefix === undefined || prefix > (family === 4 ? 32 : 128)) fail(what, `${path}.prefixlen`, "missing or out of range", "bad-value");
  const broadcast = family === 4 ? optIp(what, o, "broadcast", path, 4) : undefined;
  const scopeText = optStr(what, o, "scope", path);
  const scope: AddressScope | undefined =
    scopeText === "host" || scopeText === "link" || scopeText === "global" ? scopeText : undefined;
  return {
    family,
    addr,
    prefix,
    ...(broadcast !== undefined ? { broadcast } : {}),
    scope: scope ?? defaultScope(family, addr),
    ...(o.secondary === true ? { secondary: true } : {}),
  };
}

function readLink(what: string, v: unknown, path: string): HostInterface {
  const o = asObj(what, v, path);
  const name = optStr(what, o, "ifname", path);
  if (name === undefined || name === "") fail(what, `${path}.ifname`, "missing interface name", "missing-field");
  const flags = Array.isArray(o.flags) ? (o.flags as unknown[]) : [];
  const linkinfo = typeof o.linkinfo === "object" && o.linkinfo !== null ? (o.linkinfo as Obj) : undefined;
  const infoKind = linkinfo && typeof linkinfo.info_kind === "string" ? linkinfo.info_kind : undefined;
  const linkType = optStr(what, o, "link_type", path);
  let kind: InterfaceKind;
  if (linkType === "loopback" || flags.includes("LOOPBACK")) kind = "loopback";
  else if (infoKind === "bridge" || infoKind === "veth") kind = infoKind;
  else if (guessKind(name) !== "other") kind = guessKind(name);
  else kind = linkType === "ether" ? "ether" : "other";
  const info = Array.isArray(o.addr_info) ? (o.addr_info as unknown[]) : [];
  const addresses = info.flatMap((a, k) => readAddrInfo(what, a, `${path}.addr_info[${k}]`) ?? []);
  const index = optNum(what, o, "ifindex", path);
  const master = optStr(what, o, "master", path);
  const mac = optStr(what, o, "address", path);
  return {
    name,
    ...(index !== undefined ? { index } : {}),
    kind,
    ...(master !== undefined ? { master } : {}),
    ...(mac !== undefined ? { mac } : {}),
    up: flags.length === 0 ? true : flags.includes("UP"),
    addresses,
  };
}

function readRoute(what: string, v: unknown, path: string, defFamily: Family, notes: string[]): Route | undefined {
  const o = asObj(what, v, path);
  const dstText = optStr(what, o, "dst", path);
  if (dstText === undefined) fail(what, `${path}.dst`, "missing destination", "missing-field");
  const typeText = optStr(what, o, "type", path) ?? "unicast";
  if (!ROUTE_TYPES.includes(typeText)) {
    notes.push(`${what}: ${path}: skipped a route of type "${typeText}".`);
    return undefined;
  }
  // Multipath routes list their next hops under `nexthops`; the walk follows the first one.
  let hop: Obj = o;
  if (Array.isArray(o.nexthops) && o.nexthops.length > 0) {
    hop = asObj(what, o.nexthops[0], `${path}.nexthops[0]`);
    notes.push(`${what}: ${path}: multipath route to ${dstText}; only its first next hop is used.`);
  }
  const gwText = optStr(what, hop, "gateway", path) ?? optStr(what, o, "prefsrc", path);
  const family: Family =
    dstText.includes(":") ? 6 : dstText.includes(".") ? 4 : gwText !== undefined ? (gwText.includes(":") ? 6 : 4) : defFamily;
  const dst = parseRouteDst(dstText, family);
  if (typeof dst === "string") fail(what, `${path}.dst`, dst, "bad-address");
  const via = optIp(what, hop, "gateway", path, family);
  const src = optIp(what, o, "prefsrc", path, family);
  const dev = optStr(what, hop, "dev", path);
  const metric = optNum(what, o, "metric", path);
  const table = o.table === undefined ? undefined : String(o.table);
  return {
    family,
    dst,
    ...(dev !== undefined ? { dev } : {}),
    ...(via !== undefined ? { via } : {}),
    ...(src !== undefined ? { src } : {}),
    metric: metric ?? 0,
    type: typeText as RouteType,
    ...(table !== undefined ? { table } : {}),
  };
}

/**
 * Reads `ip -j addr show` and `ip -j route show` output (text or parsed), plus optionally
 * `ip -j -6 route show`; `ip -j route show table all` is accepted too (local and broadcast routes
 * included). Returns a HostError naming the input and JSON path instead of throwing.
 */
export function hostFromIpJson(
  ipAddrJson: string | unknown,
  ipRouteJson: string | unknown,
  ip6RouteJson?: string | unknown,
  options: HostReadOptions = {},
): Host | HostError {
  try {
    const notes: string[] = [];
    const links = parseDoc("ip -j addr", ipAddrJson).map((l, k) => readLink("ip -j addr", l, `$[${k}]`));
    const seen = new Set<string>();
    links.forEach((l, k) => {
      if (seen.has(l.name)) fail("ip -j addr", `$[${k}].ifname`, `interface "${l.name}" is listed twice`, "duplicate");
      seen.add(l.name);
    });
    const routes: Route[] = [];
    const add = (what: string, doc: unknown, family: Family) => {
      parseDoc(what, doc).forEach((r, k) => {
        const route = readRoute(what, r, `$[${k}]`, family, notes);
        if (route !== undefined) routes.push(route);
      });
    };
    add("ip -j route", ipRouteJson, 4);
    if (ip6RouteJson !== undefined) add("ip -j -6 route", ip6RouteJson, 6);
    return finishHost(links, dedupeRoutes(routes), notes, options);
  } catch (e) {
    if (e instanceof Bad) return e.error;
    return { code: "bad-value", path: "$", message: `ip -j: ${(e as Error).message}` };
  }
}

/** Drops exact duplicates (the same route read from `route show` and `-6 route show table all`). */
export function dedupeRoutes(routes: readonly Route[]): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  for (const r of routes) {
    const key = [r.family, r.dst.addr, r.dst.mask, r.dev, r.via, r.src, r.metric, r.type, r.table ?? "main"].join("|");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
