/**
 * Reads `ipset save` output (`create NAME TYPE opts…` and `add NAME ELEMENT opts…` lines) into the
 * IpsetViews the `set` match consults. Each set compiles to a test over the packet's numbers: a
 * Set lookup for plain hash:ip, mask compares for networks, ranges for ports.
 */
import type { Issue } from "../model/issue.js";
import { parseIp, v4PrefixMask, v6PrefixMask, type Family, type IpValue } from "../net/ip.js";
import type { IpsetMap, IpsetView } from "../sim/env.js";
import type { PacketState } from "../sim/packet.js";

/** The set types iptrace understands; others are read, reported, and never match. */
export const SUPPORTED_IPSET_TYPES = [
  "hash:ip", "hash:net", "hash:ip,port", "hash:net,port", "hash:ip,port,ip", "hash:ip,port,net",
  "hash:net,port,net", "hash:net,net", "hash:net,iface", "hash:ip,mark", "hash:mac",
  "bitmap:ip", "bitmap:port", "list:set",
] as const;

/** What one dimension of a set element holds. */
type Dim = "ip" | "net" | "port" | "iface" | "mark" | "mac";

/** One element, one value per dimension. */
type Part =
  | { readonly dim: "ip" | "net"; readonly addr: IpValue; readonly prefix: number }
  | { readonly dim: "port"; readonly proto: number; readonly lo: number; readonly hi: number }
  | { readonly dim: "iface"; readonly name: string; readonly physdev: boolean }
  | { readonly dim: "mark"; readonly mark: number }
  | { readonly dim: "mac"; readonly mac: string };

interface Element {
  readonly parts: readonly Part[];
  readonly nomatch: boolean;
  /** Sum of the prefix lengths: the kernel tries the most specific networks first. */
  readonly specificity: number;
}

interface SetDef {
  readonly name: string;
  readonly type: string;
  readonly family: Family;
  readonly dims: readonly Dim[];
  /** hash:ip `netmask N`: elements and packets are masked to this prefix. */
  readonly netmask?: number;
  readonly elements: Element[];
  /** list:set members, by name, with where they were added. */
  readonly members: { name: string; line: number; column: number }[];
  readonly supported: boolean;
}

/** ICMP type/code names as ipset prints them (ipset's lib/icmp.c), as `type << 8 | code`. */
const ICMP_NAMES: Readonly<Record<string, number>> = {
  "echo-reply": 0x0000, "network-unreachable": 0x0300, "host-unreachable": 0x0301,
  "protocol-unreachable": 0x0302, "port-unreachable": 0x0303, "fragmentation-needed": 0x0304,
  "source-route-failed": 0x0305, "network-unknown": 0x0306, "host-unknown": 0x0307,
  "network-prohibited": 0x0309, "host-prohibited": 0x030a, "TOS-network-unreachable": 0x030b,
  "TOS-host-unreachable": 0x030c, "communication-prohibited": 0x030d, "host-precedence-violation": 0x030e,
  "precedence-cutoff": 0x030f, "source-quench": 0x0400, "network-redirect": 0x0500, "host-redirect": 0x0501,
  "TOS-network-redirect": 0x0502, "TOS-host-redirect": 0x0503, "echo-request": 0x0800,
  "router-advertisement": 0x0900, "router-solicitation": 0x0a00, "ttl-zero-during-transit": 0x0b00,
  "ttl-zero-during-reassembly": 0x0b01, "ip-header-bad": 0x0c00, "required-option-missing": 0x0c01,
  "timestamp-request": 0x0d00, "timestamp-reply": 0x0e00, "address-mask-request": 0x1100,
  "address-mask-reply": 0x1200,
};

/** ICMPv6 names as ipset prints them (lib/icmpv6.c). */
const ICMPV6_NAMES: Readonly<Record<string, number>> = {
  "no-route": 0x0100, "communication-prohibited": 0x0101, "address-unreachable": 0x0103,
  "port-unreachable": 0x0104, "packet-too-big": 0x0200, "ttl-zero-during-transit": 0x0300,
  "ttl-zero-during-reassembly": 0x0301, "bad-header": 0x0400, "unknown-header-type": 0x0401,
  "unknown-option": 0x0402, "echo-request": 0x8000, "echo-reply": 0x8100,
};

const PORT_PROTOS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136, icmp: 1, icmpv6: 58 };
/** Other protocols ipset accepts by name with port 0 (`gre:0`). */
const OTHER_PROTOS: Readonly<Record<string, number>> = { gre: 47, esp: 50, ah: 51, ipip: 4, ipv6: 41, igmp: 2 };

/** The options of `create` and `add` lines that take a value. */
const VALUE_OPTIONS = new Set([
  "family", "hashsize", "maxelem", "timeout", "netmask", "bucketsize", "initval", "range", "size",
  "packets", "bytes", "comment", "skbmark", "skbprio", "skbqueue", "markmask",
]);

/** Splits a line into words; `"…"` quotes a word (ipset prints comments that way). */
function words(line: string): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
    if (i >= line.length) break;
    const start = i;
    let text = "";
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        text += line[i];
        i++;
      }
      i++;
    } else {
      while (i < line.length && line[i] !== " " && line[i] !== "\t") text += line[i++];
    }
    out.push({ text, column: start + 1 });
  }
  return out;
}

function dimsOf(type: string): Dim[] | undefined {
  const m = /^(hash|bitmap):([a-z,]+)$/.exec(type);
  if (!m) return undefined;
  const dims = m[2].split(",");
  if (!dims.every((d) => ["ip", "net", "port", "iface", "mark", "mac"].includes(d))) return undefined;
  return dims as Dim[];
}

/** Reads `ipset save` output. Never throws: unreadable lines become issues and are skipped. */
export function parseIpsetSave(text: string, options: { source?: string } = {}): { sets: IpsetMap; issues: Issue[] } {
  const issues: Issue[] = [];
  const defs = new Map<string, SetDef>();
  const lines = text.split(/\r?\n/);
  const report = (severity: Issue["severity"], code: string, message: string, line: number, column: number) =>
    issues.push({ severity, code, message, line, column, ...(options.source !== undefined ? { source: options.source } : {}) });

  lines.forEach((raw, k) => {
    const line = k + 1;
    const w = words(raw);
    if (w.length === 0 || w[0].text.startsWith("#")) return;
    const cmd = w[0].text;
    if (cmd === "create" || cmd === "-N" || cmd === "n") {
      if (w.length < 3) return report("error", "syntax", "expected `create NAME TYPE [options]`", line, 1);
      const name = w[1].text;
      const type = w[2].text;
      if (defs.has(name)) return report("error", "duplicate", `set "${name}" is created twice`, line, w[1].column);
      const opts = readOptions(w.slice(3));
      const family: Family = opts.get("family") === "inet6" ? 6 : 4;
      const dims = type === "list:set" ? [] : dimsOf(type);
      const supported = type === "list:set" || (dims !== undefined && (SUPPORTED_IPSET_TYPES as readonly string[]).includes(type));
      if (!supported) {
        report("warning", "unsupported-set-type", `set type ${type} is not modelled; set "${name}" never matches`, line, w[2].column);
      }
      let netmask: number | undefined;
      const nm = opts.get("netmask");
      if (nm !== undefined) {
        const n = Number(nm);
        const bits = family === 4 ? 32 : 128;
        if (!/^[0-9]+$/.test(nm) || n < 1 || n > bits) report("error", "bad-value", `netmask: expected 1-${bits}, found "${nm}"`, line, 1);
        else netmask = n;
      }
      defs.set(name, { name, type, family, dims: dims ?? [], netmask, elements: [], members: [], supported });
      return;
    }
    if (cmd === "add" || cmd === "-A" || cmd === "a") {
      if (w.length < 3) return report("error", "syntax", "expected `add NAME ELEMENT [options]`", line, 1);
      const def = defs.get(w[1].text);
      if (!def) return report("error", "unknown-set", `set "${w[1].text}" is not created before this line`, line, w[1].column);
      const opts = readOptions(w.slice(3));
      if (def.type === "list:set") {
        def.members.push({ name: w[2].text, line, column: w[2].column });
        return;
      }
      if (!def.supported) return;
      const el = readElement(def, w[2].text, opts.has("nomatch"));
      if (typeof el === "string") return report("error", "bad-element", `set "${def.name}" (${def.type}): ${el}`, line, w[2].column);
      def.elements.push(el);
      return;
    }
    if (cmd === "-exist" || cmd === "COMMIT") return;
    report("warning", "unknown-command", `expected "create" or "add", found "${cmd}"; line ignored`, line, w[0].column);
  });

  const sets = new Map<string, IpsetView>();
  for (const def of defs.values()) {
    if (def.type !== "list:set") sets.set(def.name, compileSet(def));
  }
  // list:set members are resolved after all sets exist; a list may name a list defined earlier
  for (const def of defs.values()) {
    if (def.type !== "list:set") continue;
    for (const m of def.members) {
      if (!defs.has(m.name)) report("error", "unknown-set", `list:set "${def.name}" names set "${m.name}", which does not exist`, m.line, m.column);
    }
    sets.set(def.name, listSet(def, sets));
  }
  return { sets, issues };
}

function readOptions(w: readonly { text: string }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < w.length; i++) {
    const k = w[i].text;
    if (VALUE_OPTIONS.has(k) && i + 1 < w.length) m.set(k, w[++i].text);
    else m.set(k, "");
  }
  return m;
}

function readElement(def: SetDef, text: string, nomatch: boolean): Element | string {
  const pieces = text.split(",");
  if (pieces.length !== def.dims.length) return `expected ${def.dims.length} comma-separated parts (${def.dims.join(",")}), found "${text}"`;
  const parts: Part[] = [];
  let specificity = 0;
  for (let i = 0; i < pieces.length; i++) {
    const dim = def.dims[i];
    const piece = pieces[i];
    switch (dim) {
      case "ip":
      case "net": {
        const bits = def.family === 4 ? 32 : 128;
        const slash = piece.indexOf("/");
        const addr = parseIp(slash < 0 ? piece : piece.slice(0, slash), def.family);
        if (addr === undefined) return `"${piece}" is not an IPv${def.family} address`;
        let prefix = slash < 0 ? bits : Number(piece.slice(slash + 1));
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return `"${piece}": bad prefix length`;
        if (dim === "ip" && def.netmask !== undefined) prefix = Math.min(prefix, def.netmask);
        parts.push({ dim, addr: mask(def.family, addr, prefix), prefix });
        specificity += prefix;
        break;
      }
      case "port": {
        const p = readPort(def.family, piece);
        if (typeof p === "string") return p;
        parts.push(p);
        break;
      }
      case "iface":
        parts.push(piece.startsWith("physdev:") ? { dim, name: piece.slice(8), physdev: true } : { dim, name: piece, physdev: false });
        break;
      case "mark": {
        const v = Number(piece);
        if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(piece) || v > 0xffffffff) return `"${piece}" is not a 32-bit mark`;
        parts.push({ dim, mark: v });
        break;
      }
      case "mac":
        if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(piece)) return `"${piece}" is not a MAC address`;
        parts.push({ dim, mac: piece.toLowerCase() });
        break;
    }
  }
  return { parts, nomatch, specificity };
}

/** Reads `tcp:80`, `80` (tcp), `80-81`, `icmp:echo-request`, `icmp:3/4`, `gre:0`. */
function readPort(family: Family, text: string): Part | string {
  const colon = text.indexOf(":");
  const protoName = colon < 0 ? "tcp" : text.slice(0, colon);
  const rest = colon < 0 ? text : text.slice(colon + 1);
  const proto = PORT_PROTOS[protoName] ?? OTHER_PROTOS[protoName] ?? (/^[0-9]+$/.test(protoName) ? Number(protoName) : undefined);
  if (proto === undefined || proto > 255) return `"${protoName}" is not a protocol ipset knows`;
  if (proto === 1 || proto === 58) {
    const names = proto === 1 ? ICMP_NAMES : ICMPV6_NAMES;
    const named = names[rest];
    if (named !== undefined) return { dim: "port", proto, lo: named, hi: named };
    const tc = /^([0-9]{1,3})\/([0-9]{1,3})$/.exec(rest);
    if (!tc) return `"${rest}" is not an ICMP type name or TYPE/CODE`;
    const v = (Number(tc[1]) << 8) | Number(tc[2]);
    return { dim: "port", proto, lo: v, hi: v };
  }
  void family;
  const r = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(rest);
  if (!r) return `"${rest}" is not a port or port range`;
  const lo = Number(r[1]);
  const hi = r[2] === undefined ? lo : Number(r[2]);
  if (lo > 65535 || hi > 65535 || hi < lo) return `"${rest}" is not a port range within 0-65535`;
  return { dim: "port", proto, lo, hi };
}

function mask(family: Family, addr: IpValue, prefix: number): IpValue {
  return family === 4 ? ((addr as number) & v4PrefixMask(prefix)) >>> 0 : (addr as bigint) & v6PrefixMask(prefix);
}

/** The packet's port for a port dimension, as the kernel's ip_set_get_ip_port reads it. */
function packetPort(p: PacketState, dir: "src" | "dst"): number {
  if (p.proto === 1 || p.proto === 58) return ((p.icmpType & 255) << 8) | (p.icmpCode & 255);
  if (p.proto === 6 || p.proto === 17 || p.proto === 132 || p.proto === 136) return dir === "src" ? p.sport : p.dport;
  return 0;
}

function partMatches(part: Part, p: PacketState, dir: "src" | "dst", family: Family): boolean {
  switch (part.dim) {
    case "ip":
    case "net":
      return mask(family, dir === "src" ? p.src : p.dst, part.prefix) === part.addr;
    case "port": {
      if (p.proto !== part.proto) return false;
      const port = packetPort(p, dir);
      return port >= part.lo && port <= part.hi;
    }
    case "iface":
      return part.physdev ? (dir === "src" ? p.physIn : p.physOut) === part.name : (dir === "src" ? p.inIface : p.outIface) === part.name;
    case "mark":
      return p.mark === part.mark;
    case "mac":
      // only the source MAC is visible to iptables; a dst-direction MAC never matches here
      return dir === "src" && p.srcMac.toLowerCase() === part.mac;
  }
}

function compileSet(def: SetDef): IpsetView {
  const { name, type, family, dims, elements } = def;
  const base = { name, type };
  if (!def.supported) return { ...base, test: () => false };
  // fast path: hash:ip / bitmap:ip with single addresses and no nomatch entries
  if (dims.length === 1 && dims[0] === "ip" && elements.every((e) => !e.nomatch && (e.parts[0] as { prefix: number }).prefix === (def.netmask ?? (family === 4 ? 32 : 128)))) {
    const keys = new Set<IpValue>(elements.map((e) => (e.parts[0] as { addr: IpValue }).addr));
    const prefix = def.netmask ?? (family === 4 ? 32 : 128);
    return {
      ...base,
      test: (p, dirs) => p.family === family && dirs.length >= 1 && keys.has(mask(family, dirs[0] === "src" ? p.src : p.dst, prefix)),
    };
  }
  // most specific first, so a nomatch entry inside a wider network wins, as in the kernel
  const sorted = [...elements].sort((a, b) => b.specificity - a.specificity);
  return {
    ...base,
    test: (p, dirs) => {
      if (p.family !== family || dirs.length < dims.length) return false;
      for (const e of sorted) {
        let all = true;
        for (let i = 0; i < e.parts.length && all; i++) all = partMatches(e.parts[i], p, dirs[i], family);
        if (all) return !e.nomatch;
      }
      return false;
    },
  };
}

function listSet(def: SetDef, sets: ReadonlyMap<string, IpsetView>): IpsetView {
  return {
    name: def.name,
    type: def.type,
    // kernel: list:set tests its members in order and matches when one does
    test: (p, dirs) => def.members.some((m) => sets.get(m.name)?.test(p, dirs) ?? false),
  };
}
