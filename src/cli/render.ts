/**
 * A Trace as a person reads it, after the kernel's TRACE and the live tracers people know: the
 * packet, then per hook and table the rules that matched (`file:line`, text, verdict), packet
 * changes where they happen, the policy when it decides, and a last line with the verdict.
 */
import type { Hook } from "../model/chain.js";
import type { NatRecord, Outcome, Step, Trace, TracePacket, TracePath } from "../sim/trace.js";
import type { Style } from "./style.js";

/** How one packet of the trace is written: `tcp 172.17.0.2:40000 → 203.0.113.10:443`. */
export function describePacket(p: TracePacket): string {
  const ported = p.sport !== undefined || p.dport !== undefined;
  const host = (a: string, port?: number) => (port === undefined ? a : a.includes(":") ? `[${a}]:${port}` : `${a}:${port}`);
  const proto = String(p.proto);
  let s = ported ? `${proto} ${host(p.src, p.sport)} → ${host(p.dst, p.dport)}` : `${proto} ${p.src} → ${p.dst}`;
  if (p.tcpFlags) s += ` [${p.tcpFlags}]`;
  if (p.icmpType !== undefined) s += ` type ${p.icmpType}`;
  return s;
}

function arrival(p: { in?: string; local?: boolean }): string {
  if (p.local) return "generated on this host";
  return p.in ? `in ${p.in}` : "";
}

/** The step's verdict as the kernel's trace words it, with the chain for jumps. */
function verdictText(s: Step, st: Style): string {
  switch (s.verdict) {
    case "JUMP":
    case "GOTO":
      return st.cyan(`${s.verdict} ${s.target ?? ""}`.trim());
    case "ACCEPT":
      return st.green("ACCEPT");
    case "DROP":
      return st.red("DROP");
    case "RETURN":
      return st.cyan("RETURN");
    case "QUEUE":
      return st.magenta("QUEUE");
    case "CONTINUE":
      return st.dim("CONTINUE");
  }
}

/** The line between the way out and the way back in of a loopback trace. */
export const LOOPED_BACK = "↻ looped back to this host: out on lo, in again on lo (NAT was settled on the way out: nat PREROUTING and INPUT are skipped)";

function natText(n: NatRecord): string {
  const how = n.by === "rule" ? "" : n.by === "conntrack" ? " (the connection's stored translation)" : " (reply: the stored translation undone)";
  return `${n.kind} ${n.from} → ${n.to}${how}`;
}

/**
 * The lines for the steps, grouped by hook, then by table. In a loopback trace, a line marks where
 * the packet comes back in on lo: every PREROUTING and INPUT step is after it.
 */
function stepLines(steps: readonly Step[], nat: readonly NatRecord[], source: string, st: Style, path?: TracePath): string[] {
  const out: string[] = [];
  let looped = path !== "loopback";
  let hook: Hook | undefined;
  let table: string | undefined;
  const natShown = new Set<NatRecord>();
  // file:line references padded to one width, so the rule texts line up
  const ref = (s: Step) => `${source}:${s.line ?? "?"}`;
  // a loop, not Math.max(...): a walk through a long chain of rules without targets has more steps than a call takes arguments
  let width = 0;
  for (const s of steps) if (s.kind === "rule") width = Math.max(width, ref(s).length);
  const flushNat = (h: Hook | undefined) => {
    for (const n of nat) {
      if (n.hook === h && !natShown.has(n)) {
        out.push(`      ${st.yellow(natText(n))}`);
        natShown.add(n);
      }
    }
  };
  for (const s of steps) {
    if (s.hook !== hook) {
      flushNat(hook);
      if (!looped && (s.hook === "PREROUTING" || s.hook === "INPUT")) {
        looped = true;
        out.push(st.cyan(LOOPED_BACK));
      }
      hook = s.hook;
      table = undefined;
      out.push(st.bold(s.hook));
      // translations kept by conntrack happen before any rule of the hook
      for (const n of nat) {
        if (n.hook === hook && n.by !== "rule") {
          out.push(`      ${st.yellow(natText(n))}`);
          natShown.add(n);
        }
      }
    }
    if (s.table !== table) {
      table = s.table;
      out.push(`  ${st.bold(s.table)}`);
    }
    switch (s.kind) {
      case "rule":
        out.push(`    ${st.dim(ref(s).padEnd(width))}  ${s.text ?? ""}  ${st.dim("→")} ${verdictText(s, st)}`);
        break;
      case "policy":
        out.push(`    ${s.chain} policy ${verdictText(s, st)}`);
        break;
      case "return":
        out.push(`    ${st.dim(`end of ${s.chain}, back to the calling chain`)}`);
        break;
    }
    if (s.note) out.push(`      ${st.yellow(s.note)}`);
    // a NAT rule's translation is shown right under it
    if (s.kind === "rule" && s.table === "nat" && (s.verdict === "ACCEPT")) {
      for (const n of nat) {
        if (n.hook === s.hook && n.by === "rule" && !natShown.has(n)) {
          out.push(`      ${st.yellow(natText(n))}`);
          natShown.add(n);
          break;
        }
      }
    }
  }
  flushNat(hook);
  return out;
}

/** Where the packet ends up, in words. */
function ending(t: Pick<Outcome, "verdict" | "path" | "in" | "out" | "steps" | "unsupported" | "packet"> & { reason?: string }, source: string): string {
  // no rule decided: the routing decision, forwarding or the bridge did
  if (t.reason !== undefined && t.verdict !== "ACCEPT" && t.verdict !== "UNSUPPORTED") return `${t.verdict === "DROP" ? "dropped" : t.verdict.toLowerCase()}: ${t.reason}`;
  const decisive = [...t.steps].reverse().find((s) => s.kind !== "return" && (s.verdict === "DROP" || s.verdict === "QUEUE"));
  const by = decisive
    ? decisive.kind === "policy"
      ? `by the policy of ${decisive.table} ${decisive.chain}`
      : `by ${decisive.table} ${decisive.chain} rule at ${source}:${decisive.line}`
    : "";
  switch (t.verdict) {
    case "ACCEPT":
      if (t.path === "input") return `delivered to this host${t.in ? ` (arrived on ${t.in})` : ""}`;
      if (t.path === "forward") return `forwarded from ${t.in ?? "?"} to ${t.out ?? "?"}`;
      if (t.path === "loopback") return "delivered to this host (generated on it, looped back through lo)";
      return `sent out on ${t.out ?? "?"}`;
    case "DROP":
      return `dropped ${by}`.trim();
    case "REJECT":
      return `rejected ${by}${decisive?.note ? ` (${decisive.note})` : ""}`.trim();
    case "QUEUE":
      return `handed to user space (QUEUE) ${by}; what happens next is up to the program listening`.trim();
    case "UNSUPPORTED": {
      const u = t.unsupported;
      return u ? `undecided: ${u.reason} (${u.table} ${u.chain}${u.line !== undefined ? `, ${source}:${u.line}` : ""})` : "undecided";
    }
  }
}

function verdictWord(v: Trace["verdict"], st: Style): string {
  return v === "ACCEPT" ? st.green(st.bold(v)) : v === "DROP" || v === "REJECT" ? st.red(st.bold(v)) : st.magenta(st.bold(v));
}

function pct(p: number): string {
  const v = p * 100;
  return `${v >= 10 || v === 0 ? v.toFixed(1) : v.toPrecision(2)}%`;
}

/** What forked a walk into outcomes: how many random matches, and how many nth counters whose position is not known, it met. */
export interface ForkCount {
  readonly random: number;
  readonly nth: number;
}

/**
 * What forked the walk of `t`: the statistic matches at its outcomes' forks, each counted once
 * however often it was met (a user chain reached from two hooks, a packet looped back to this host).
 */
export function forksOf(t: Pick<Trace, "outcomes">): ForkCount {
  const seen = new Set<string>();
  let random = 0;
  let nth = 0;
  for (const o of t.outcomes ?? []) {
    for (const f of o.forks) {
      const key = `${f.table} ${f.chain} ${f.rule} ${f.match}`;
      if (seen.has(key)) continue;
      seen.add(key);
      switch (f.kind) {
        case "random":
          random++;
          break;
        case "nth":
          nth++;
          break;
        default:
          assertUnreachable(f.kind);
      }
    }
  }
  return { random, nth };
}

function assertUnreachable(x: never): never {
  throw new Error(`unexpected fork kind ${String(x)}`);
}

/** "of a random match and 2 nth counters whose positions are not known", for the outcomes' heading. */
function forkWords(f: ForkCount): string {
  const what: string[] = [];
  if (f.random > 0) what.push(f.random === 1 ? "a random match" : `${f.random} random matches`);
  if (f.nth > 0) what.push(f.nth === 1 ? "an nth counter whose position is not known" : `${f.nth} nth counters whose positions are not known`);
  return what.length > 0 ? ` of ${what.join(" and ")}` : "";
}

/** The whole trace as text; `source` names the ruleset in `file:line` references. */
export function renderTrace(t: Trace, source: string, st: Style): string {
  // the header is the packet as it arrived, kept by the walk: what the rules then changed in
  // place (marks, NAT, a looped-back packet's interfaces, conntrack's state) is not undone here
  const input = t.arrived;
  const out: string[] = [];
  const head = arrival(input);
  out.push(`${st.bold("Packet")}  ${describePacket(input)}  ${st.dim(`state ${input.state}${head ? `, ${head}` : ""}${input.mark !== "0x0" ? `, mark ${input.mark}` : ""}`)}`);
  out.push("");
  for (const line of stepLines(t.steps, t.nat, source, st, t.path)) out.push(line);
  const outcomes = t.outcomes && t.outcomes.length > 1 ? t.outcomes : undefined;
  if (outcomes) {
    out.push("");
    const shown = outcomes.findIndex((o) => o.steps === t.steps) + 1 || 1;
    out.push(st.bold(`${outcomes.length} possible outcomes${forkWords(forksOf(t))}; the walk above is outcome ${shown}:`));
    outcomes.forEach((o, k) => {
      out.push(`  ${st.bold(`${k + 1}.`)} ${pct(o.probability).padStart(6)}  ${verdictWord(o.verdict, st)}  ${ending(o, source)}`);
      for (const n of o.nat) out.push(`            ${st.yellow(natText(n))}`);
    });
    if (t.unexplored !== undefined && t.unexplored > 0) out.push(`  ${st.dim(`(${pct(t.unexplored)} in outcomes not followed)`)}`);
  }
  if (t.assumptions.length > 0) {
    out.push("");
    out.push(st.bold("Assumed:"));
    // the host's facts share a prefix; say it once
    const groups = new Map<string, string[]>();
    for (const a of t.assumptions) {
      const m = /^(host(?: \([^)]*\))?): (.*)$/s.exec(a);
      const key = m ? m[1] : "";
      groups.set(key, [...(groups.get(key) ?? []), m ? m[2] : a]);
    }
    for (const a of groups.get("") ?? []) out.push(`  - ${a}`);
    for (const [key, items] of groups) {
      if (key === "") continue;
      out.push(`  - ${key}:`);
      for (const a of items) out.push(`      ${a}`);
    }
  }
  out.push("");
  const changed = describePacket(t.packet) !== describePacket(input) ? `  ${st.dim(`as ${describePacket(t.packet)}`)}` : "";
  out.push(`${verdictWord(t.verdict, st)}  ${ending(t, source)}${changed}`);
  return `${out.join("\n")}\n`;
}

/** One line per packet for `--batch` without `--json`. */
export function renderBatchLine(n: number, t: Trace, source: string, st: Style): string {
  return `${st.dim(`${n}:`)} ${describePacket(t.arrived)}  ${verdictWord(t.verdict, st)}  ${ending(t, source)}\n`;
}
