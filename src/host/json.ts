/**
 * iptrace's own JSON host format (docs/host-format.md): addresses as text, checked field by field,
 * every error naming the JSON path of the bad field.
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
import {
  HostParseError,
  isHostError,
  type AddressScope,
  type Host,
  type HostAddress,
  type HostError,
  type HostForwarding,
  type HostInterface,
  type InterfaceKind,
  type Route,
  type RouteType,
} from "./host.js";

const KINDS: readonly InterfaceKind[] = ["loopback", "bridge", "veth", "ether", "other"];
const SCOPES: readonly AddressScope[] = ["host", "link", "global"];
const ROUTE_TYPES: readonly RouteType[] = [
  "unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw",
];

/** Thrown inside the reader only; turned into a HostError at the boundary. */
class Bad {
  constructor(readonly error: HostError) {}
}

function fail(code: HostError["code"], path: string, message: string): never {
  throw new Bad({ code, path, message: `${path}: ${message}` });
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail("bad-type", path, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v === "object" ? "an object" : `the ${typeof v} ${String(v)}`}`;
}

function only(o: Obj, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail("unknown-field", `${path}.${k}`, `unknown field; expected one of ${allowed.join(", ")}`);
  }
}

function str(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") fail("bad-type", `${path}.${key}`, `expected a string, got ${describe(v)}`);
  return v;
}

function bool(o: Obj, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") fail("bad-type", `${path}.${key}`, `expected true or false, got ${describe(v)}`);
  return v;
}

function uint(o: Obj, key: string, path: string, max = 0xffffffff): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    fail("bad-value", `${path}.${key}`, `expected an integer 0-${max}, got ${describe(v)}`);
  }
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[]): T | undefined {
  const v = str(o, key, path);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) fail("bad-value", `${path}.${key}`, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
  return v as T;
}

function ip(o: Obj, key: string, path: string, family: Family): IpValue | undefined {
  const v = str(o, key, path);
  if (v === undefined) return undefined;
  const a = parseIp(v, family);
  if (a === undefined) fail("bad-address", `${path}.${key}`, `${JSON.stringify(v)} is not an IPv${family} address`);
  return a;
}

function readAddress(v: unknown, path: string): HostAddress {
  const o: Obj = typeof v === "string" ? { address: v } : obj(v, path);
  const p = typeof v === "string" ? path : `${path}.address`;
  only(o, path, ["address", "broadcast", "scope", "secondary"]);
  const text = str(o, "address", path);
  if (text === undefined) fail("missing-field", p, `missing; expected "ADDR/PREFIX", e.g. "198.51.100.1/24"`);
  const a = parseAddressWithPrefix(text);
  if (typeof a === "string") fail("bad-address", p, a);
  const broadcast = ip(o, "broadcast", path, a.family);
  if (broadcast !== undefined && a.family === 6) fail("bad-value", `${path}.broadcast`, "IPv6 addresses have no broadcast address");
  const scope = oneOf(o, "scope", path, SCOPES);
  const secondary = bool(o, "secondary", path);
  return {
    family: a.family,
    addr: a.addr,
    prefix: a.prefix,
    ...(broadcast !== undefined ? { broadcast } : {}),
    scope: scope ?? defaultScope(a.family, a.addr),
    ...(secondary ? { secondary } : {}),
  };
}

function readInterface(v: unknown, path: string): HostInterface {
  const o = obj(v, path);
  only(o, path, ["name", "index", "kind", "master", "mac", "up", "addresses"]);
  const name = str(o, "name", path);
  if (name === undefined || name === "") fail("missing-field", `${path}.name`, "missing; every interface needs a name");
  if (name.length > 15 || /[\s/]/.test(name)) fail("bad-value", `${path}.name`, `${JSON.stringify(name)} is not a Linux interface name (at most 15 characters, no spaces or /)`);
  const index = uint(o, "index", path);
  const kind = oneOf(o, "kind", path, KINDS);
  const master = str(o, "master", path);
  const mac = str(o, "mac", path);
  const up = bool(o, "up", path);
  const list = o.addresses ?? [];
  if (!Array.isArray(list)) fail("bad-type", `${path}.addresses`, `expected an array of "ADDR/PREFIX" strings, got ${describe(list)}`);
  const addresses = list.map((a, k) => readAddress(a, `${path}.addresses[${k}]`));
  return {
    name,
    ...(index !== undefined ? { index } : {}),
    kind: kind ?? guessKind(name),
    ...(master !== undefined ? { master } : {}),
    ...(mac !== undefined ? { mac } : {}),
    up: up ?? true,
    addresses,
  };
}

function readRoute(v: unknown, path: string, assumptions: string[]): Route {
  const o = obj(v, path);
  only(o, path, ["family", "dst", "via", "dev", "src", "metric", "type", "table"]);
  const dstText = str(o, "dst", path);
  if (dstText === undefined) fail("missing-field", `${path}.dst`, `missing; expected "default" or "ADDR/PREFIX"`);
  const fam = o.family;
  if (fam !== undefined && fam !== 4 && fam !== 6) fail("bad-value", `${path}.family`, `expected 4 or 6, got ${describe(fam)}`);
  const hint = (t: string | undefined) => (t === undefined ? undefined : t.includes(":") ? 6 : 4);
  let family = (fam as Family | undefined) ?? (dstText === "default" ? hint(str(o, "via", path) ?? str(o, "src", path)) : hint(dstText));
  if (family === undefined) {
    family = 4;
    assumptions.push(`${path}: a default route with neither via nor src; taken as IPv4 (add "family": 6 for IPv6).`);
  }
  const dst = parseRouteDst(dstText, family);
  if (typeof dst === "string") fail("bad-address", `${path}.dst`, dst);
  const via = ip(o, "via", path, family);
  const src = ip(o, "src", path, family);
  const dev = str(o, "dev", path);
  const metric = uint(o, "metric", path);
  const type = oneOf(o, "type", path, ROUTE_TYPES) ?? "unicast";
  const table = o.table === undefined ? undefined : typeof o.table === "number" ? String(o.table) : str(o, "table", path);
  if ((type === "unicast" || type === "local" || type === "broadcast") && dev === undefined && via === undefined) {
    fail("missing-field", path, `a ${type} route needs "dev" or "via"`);
  }
  return {
    family,
    dst,
    ...(dev !== undefined ? { dev } : {}),
    ...(via !== undefined ? { via } : {}),
    ...(src !== undefined ? { src } : {}),
    metric: metric ?? (family === 4 ? 0 : 1024),
    type,
    ...(table !== undefined ? { table } : {}),
  };
}

function readForwarding(v: unknown): HostReadOptions["forwarding"] {
  if (v === undefined || typeof v === "boolean") return v;
  const o = obj(v, "$.forwarding");
  only(o, "$.forwarding", ["ipv4", "ipv6"]);
  const r: { ipv4?: boolean; ipv6?: boolean } = {};
  const a = bool(o, "ipv4", "$.forwarding");
  const b = bool(o, "ipv6", "$.forwarding");
  if (a !== undefined) r.ipv4 = a;
  if (b !== undefined) r.ipv6 = b;
  return r as Partial<HostForwarding>;
}

/**
 * Reads a host in iptrace's JSON format (an object, or JSON text). Never throws on bad input:
 * returns a HostError naming the JSON path of the first bad field.
 */
export function hostFromJson(json: unknown, options: Pick<HostReadOptions, "complete"> = {}): Host | HostError {
  try {
    let value = json;
    if (typeof json === "string") {
      try {
        value = JSON.parse(json);
      } catch (e) {
        return { code: "bad-json", path: "$", message: `$: not JSON: ${(e as Error).message}` };
      }
    }
    const o = obj(value, "$");
    only(o, "$", ["interfaces", "routes", "forwarding", "bridgeNetfilter", "assumptions"]);
    const assumptions: string[] = [];
    const given = o.assumptions ?? [];
    if (!Array.isArray(given) || given.some((s) => typeof s !== "string")) fail("bad-type", "$.assumptions", "expected an array of strings");
    assumptions.push(...(given as string[]));
    const ifs = o.interfaces ?? [];
    if (!Array.isArray(ifs)) fail("bad-type", "$.interfaces", `expected an array, got ${describe(ifs)}`);
    const interfaces = ifs.map((i, k) => readInterface(i, `$.interfaces[${k}]`));
    const seen = new Set<string>();
    interfaces.forEach((i, k) => {
      if (seen.has(i.name)) fail("duplicate", `$.interfaces[${k}].name`, `interface ${JSON.stringify(i.name)} is listed twice`);
      seen.add(i.name);
    });
    const rs = o.routes ?? [];
    if (!Array.isArray(rs)) fail("bad-type", "$.routes", `expected an array, got ${describe(rs)}`);
    const routes = rs.map((r, k) => readRoute(r, `$.routes[${k}]`, assumptions));
    const bridgeNetfilter = bool(o, "bridgeNetfilter", "$");
    const forwarding = readForwarding(o.forwarding);
    return finishHost(interfaces, routes, assumptions, {
      ...options,
      ...(forwarding !== undefined ? { forwarding } : {}),
      ...(bridgeNetfilter !== undefined ? { bridgeNetfilter } : {}),
    });
  } catch (e) {
    if (e instanceof Bad) return e.error;
    return { code: "bad-value", path: "$", message: `$: ${(e as Error).message}` };
  }
}

/** Like hostFromJson, but throws a HostParseError instead of returning the error. */
export function hostFromJsonOrThrow(json: unknown, options: Pick<HostReadOptions, "complete"> = {}): Host {
  const r = hostFromJson(json, options);
  if (isHostError(r)) throw new HostParseError(r);
  return r;
}
