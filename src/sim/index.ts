/**
 * The traversal engine's public face: compile a ruleset once, then trace packets (tracePacket) or
 * whole connections (traceFlow) through it. Without a host, one is inferred from the ruleset and
 * every inferred fact is listed in the trace's assumptions.
 */
import type { Ruleset } from "../model/ruleset.js";
import type { Host } from "../host/host.js";
import { inferHost } from "../host/infer.js";
import { compileHost, type CompiledHost } from "../host/routing.js";
import type { Assumptions, IpsetMap, SimEnv } from "./env.js";
import { compileTables, type CompiledTables, type CompileTuning } from "./compile.js";
import { inferFacts } from "./infer.js";
import { ConntrackTable } from "./conntrack.js";
import { parsePacket, tracePacketOf, type Packet, type ParsedPacket } from "./packet-input.js";
import { enumerate, MAX_OUTCOMES, Walker, type Script, type WalkResult } from "./walk.js";
import type { Outcome, Trace } from "./trace.js";

export type { Step, StepVerdict, Trace, TraceVerdict, TracePath, TracePacket, NatRecord, Outcome, Fork, Unsupported } from "./trace.js";
export { PacketError, type Packet } from "./packet-input.js";
export type { Assumptions, IpsetMap, IpsetView, SimEnv, HostView, WalkContext, NatRequest } from "./env.js";
export { inferFacts } from "./infer.js";

/** What a trace may be told about the world beyond the ruleset. */
export interface TraceOptions {
  /** The host the packet meets; inferred from the ruleset when not given. */
  readonly host?: Host;
  /** The ipsets `-m set` consults (from `ipset save`). */
  readonly ipsets?: IpsetMap;
  /** What to assume for matches that depend on time or history. */
  readonly assume?: Assumptions;
  /**
   * `"full"` (default): every step. `"verdict"`: the verdict, path, packet, NAT and assumptions
   * only, with `steps` left empty — for answering many packets fast.
   */
  readonly detail?: "full" | "verdict";
}

/** A ruleset compiled for tracing: reuse it for many packets; nothing is parsed or compiled again. */
export interface CompiledRuleset {
  /** Tells a compiled ruleset from a parsed one. */
  readonly kind: "compiled-ruleset";
  /** The ruleset it was compiled from. */
  readonly ruleset: Ruleset;
  /** @internal the compiled forms per (host, ipsets, assumptions). */
  readonly variants: WeakMap<object, WeakMap<object, WeakMap<object, Variant>>>;
  /** @internal compiler tuning (tests only). */
  readonly tuning: CompileTuning;
  /** @internal the host inferred from the ruleset, made on first use. */
  inferred?: Host;
}

interface Variant {
  readonly tables: CompiledTables;
  readonly host: CompiledHost;
  /** Assumptions that hold for every packet: the host's inferred facts. */
  readonly hostAssumptions: readonly string[];
}

const NONE = {};
const EMPTY_IPSETS: IpsetMap = new Map();
const EMPTY_ASSUME: Assumptions = {};
const compiledHosts = new WeakMap<Host, CompiledHost>();
const compiledOf = new WeakMap<Ruleset, CompiledRuleset>();

function hostCompiled(h: Host): CompiledHost {
  let c = compiledHosts.get(h);
  if (c === undefined) {
    c = compileHost(h);
    compiledHosts.set(h, c);
  }
  return c;
}

/**
 * Compiles a ruleset for tracing: base matches to numbers, extensions through their `compile`,
 * hash indexes over keyed runs (kube-proxy's KUBE-SERVICES). Each chain is compiled the first
 * time a trace enters it and each rule text printed the first time a trace shows it, so the
 * first packets through a big ruleset pay for the chains they meet and no packet pays for the
 * rest. When `options` are given, they are compiled in now; other options on first use.
 */
export function compileRuleset(ruleset: Ruleset, options: TraceOptions = {}, tuning: CompileTuning = {}): CompiledRuleset {
  const c: CompiledRuleset = { kind: "compiled-ruleset", ruleset, variants: new WeakMap(), tuning };
  variantOf(c, options);
  return c;
}

function asCompiled(r: Ruleset | CompiledRuleset): CompiledRuleset {
  if ((r as CompiledRuleset).kind === "compiled-ruleset") return r as CompiledRuleset;
  const rs = r as Ruleset;
  let c = compiledOf.get(rs);
  if (c === undefined) {
    c = compileRuleset(rs);
    compiledOf.set(rs, c);
  }
  return c;
}

function variantOf(c: CompiledRuleset, options: TraceOptions): Variant {
  const hk = options.host ?? NONE;
  const ik = options.ipsets ?? NONE;
  const ak = options.assume ?? NONE;
  let byIpsets = c.variants.get(hk);
  if (byIpsets === undefined) c.variants.set(hk, (byIpsets = new WeakMap()));
  let byAssume = byIpsets.get(ik);
  if (byAssume === undefined) byIpsets.set(ik, (byAssume = new WeakMap()));
  let v = byAssume.get(ak);
  if (v === undefined) {
    let host = options.host;
    if (host === undefined) host = c.inferred ??= inferHost(inferFacts(c.ruleset));
    const compiledHost = hostCompiled(host);
    const env: SimEnv = { family: c.ruleset.family, host: compiledHost, ipsets: options.ipsets ?? EMPTY_IPSETS, assume: options.assume ?? EMPTY_ASSUME };
    v = {
      tables: compileTables(c.ruleset, env, c.tuning),
      host: compiledHost,
      hostAssumptions: host.assumptions.map((s) => (options.host === undefined ? `host (inferred from the rules): ${s}` : `host: ${s}`)),
    };
    byAssume.set(ak, v);
  }
  return v;
}

function outcomeOf(r: WalkResult, script: Script): Outcome {
  return {
    probability: script.probability,
    choices: script.choices.slice(0, script.used),
    forks: script.forks.slice(0, script.used),
    verdict: r.verdict,
    ...(r.unsupported ? { unsupported: r.unsupported } : {}),
    path: r.path,
    ...(r.in !== undefined ? { in: r.in } : {}),
    ...(r.out !== undefined ? { out: r.out } : {}),
    packet: tracePacketOf(r.packet),
    nat: r.nat,
    steps: r.steps,
  };
}

function assemble(v: Variant, pp: ParsedPacket, runs: { r: WalkResult; script: Script; probability: number }[], unexplored: number): Trace {
  // the top level shows the most probable outcome (the first among equals)
  let best = 0;
  for (let i = 1; i < runs.length; i++) if (runs[i].probability > runs[best].probability + 1e-12) best = i;
  const top = runs[best].r;
  const assumptions: string[] = [...v.hostAssumptions, ...pp.defaults];
  const seen = new Set(assumptions);
  for (const { r } of runs) for (const a of r.assumptions) if (!seen.has(a)) { seen.add(a); assumptions.push(a); }
  const trace: Trace = {
    verdict: top.verdict,
    ...(top.unsupported ? { unsupported: top.unsupported } : {}),
    ...(top.reason !== undefined ? { reason: top.reason } : {}),
    path: top.path,
    ...(top.in !== undefined ? { in: top.in } : {}),
    ...(top.out !== undefined ? { out: top.out } : {}),
    arrived: tracePacketOf(top.arrived),
    packet: tracePacketOf(top.packet),
    nat: top.nat,
    assumptions,
    ...(runs.length > 1 || unexplored > 0 ? { outcomes: runs.map(({ r, script, probability }) => ({ ...outcomeOf(r, script), probability })) } : {}),
    ...(unexplored > 0 ? { unexplored } : {}),
    steps: top.steps,
  };
  return trace;
}

/**
 * Traces one packet through the ruleset (parsed or compiled): every rule that matched, every
 * policy applied, the verdict, the packet as it leaves. A random match (`statistic --mode
 * random`) forks the walk, and so does an nth counter (`statistic --mode nth`) unless
 * `assume.nthCounters` is "loaded"; the trace then lists every outcome with its probability.
 * Throws PacketError when a packet field is wrong.
 */
export function tracePacket(ruleset: Ruleset | CompiledRuleset, packet: Packet, options: TraceOptions = {}): Trace {
  const c = asCompiled(ruleset);
  const v = variantOf(c, options);
  const pp = parsePacket(packet, c.ruleset.family);
  const record = options.detail !== "verdict";
  const { results, unexplored } = enumerate((script) => new Walker(v.tables, v.host, pp, script, undefined, record).run());
  return assemble(v, pp, results.map(({ result, script }) => ({ r: result, script, probability: script.probability })), unexplored);
}

/**
 * Traces several packets through one conntrack table: a reply to a DNATed or MASQUERADEd
 * connection is translated back and seen as ESTABLISHED, and the nat chains are skipped for every
 * packet of a connection after its first; `statistic --mode nth` counters move on with every
 * packet that reaches them. Returns one trace per packet. When a random match (or an nth counter
 * of unknown position) branches, each branch carries its own connections and counters; a packet's
 * `outcomes` then list its walk in every branch of the whole flow, and its top level shows the
 * most probable branch.
 */
export function traceFlow(ruleset: Ruleset | CompiledRuleset, packets: readonly Packet[], options: TraceOptions = {}): Trace[] {
  const c = asCompiled(ruleset);
  const v = variantOf(c, options);
  const pps = packets.map((p, i) => {
    try {
      return parsePacket(p, c.ruleset.family);
    } catch (e) {
      if (e instanceof Error && e.name === "PacketError") e.message = `packet ${i + 1}: ${e.message}`;
      throw e;
    }
  });
  const { results, unexplored } = enumerate((script) => {
    const flow = new ConntrackTable();
    return pps.map((pp, i) => new Walker(v.tables, v.host, pp, script, flow, options.detail !== "verdict", i).run());
  }, MAX_OUTCOMES);
  return pps.map((pp, i) =>
    assemble(v, pp, results.map(({ result, script }) => ({ r: result[i], script, probability: script.probability })), unexplored),
  );
}
