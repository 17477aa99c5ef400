/**
 * The trace command: read the ruleset, the host and the ipsets, parse and compile once, trace one
 * packet or a batch, print text or the library's Trace as JSON, and map the verdict to the exit
 * status. No walk logic lives here.
 */
import { familyOf } from "../net/ip.js";
import { hostFromIpJson, hostFromIpText, hostFromJson, isHostError, type Host, type HostError } from "../host/index.js";
import { parseIpsetSave } from "../ipset/parse.js";
import type { IpsetMap } from "../sim/env.js";
import { compileRuleset, tracePacket, PacketError, type Packet, type Trace } from "../sim/index.js";
import type { CliPacket, TraceOptions } from "./args.js";
import { CliError, formatIssues, showLine } from "./diagnostics.js";
import { readInput, runSave, type CliIo } from "./io.js";
import { renderBatchLine, renderTrace } from "./render.js";
import { EXIT, parseOrFail, readRulesetInput, toJson, type RulesetInput } from "./run.js";
import { makeStyle, wantColour, type Style } from "./style.js";

/** The exit status for a verdict: 0 accepted, 1 dropped or rejected, 3 undecided. */
export function exitFor(verdict: Trace["verdict"]): number {
  switch (verdict) {
    case "ACCEPT":
      return EXIT.accepted;
    case "DROP":
    case "REJECT":
      return EXIT.dropped;
    case "QUEUE":
    case "UNSUPPORTED":
      return EXIT.undecided;
    default:
      return assertUnreachable(verdict);
  }
}

function assertUnreachable(x: never): never {
  throw new Error(`unexpected verdict ${String(x)}`);
}

/** How a file is named in messages: standard input is `<stdin>`. */
function shown(file: string): string {
  return file === "-" ? "<stdin>" : file;
}

function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

function hostErrorText(e: HostError, file: string, text: string, err: Style): string {
  if (e.line !== undefined) {
    // the reader's message repeats the place and the line; keep only what went wrong
    const what = e.message.split("\n")[0].replace(/^[a-z -]+, line [0-9]+, column [0-9]+: /, "");
    return [`${err.bold(`${file}:${e.line}:${e.column ?? 1}`)}: ${err.red("error")}: ${what}`, ...showLine(text, e.line, e.column ?? 1, err)].join("\n");
  }
  return `${file}: ${e.message}`;
}

/** Reads --host, or --ip-addr/--ip-route (JSON or text); undefined when none is given. */
async function readHost(opts: TraceOptions, family: 4 | 6, io: CliIo, err: Style): Promise<Host | undefined> {
  if (opts.host !== undefined) {
    if (opts.ipAddr !== undefined || opts.ipRoute !== undefined) throw new CliError("give the host with --host or with --ip-addr/--ip-route, not both");
    const text = await readInput(opts.host, io, "host file");
    const h = hostFromJson(text);
    if (isHostError(h)) throw new CliError(hostErrorText(h, shown(opts.host), text, err));
    return h;
  }
  if (opts.ipAddr === undefined && opts.ipRoute === undefined) return undefined;
  const addr = opts.ipAddr !== undefined ? await readInput(opts.ipAddr, io, "--ip-addr file") : undefined;
  const route = opts.ipRoute !== undefined ? await readInput(opts.ipRoute, io, "--ip-route file") : undefined;
  const json = looksLikeJson(addr ?? route ?? "");
  if (addr !== undefined && route !== undefined && looksLikeJson(route) !== json) {
    throw new CliError("--ip-addr and --ip-route must both be JSON (ip -j …) or both be text (ip addr, ip route)");
  }
  // the route file holds the routes of the packet's family (`ip route` or `ip -6 route`)
  const v4Routes = family === 4 ? route : undefined;
  const v6Routes = family === 6 ? route : undefined;
  const h = json
    ? hostFromIpJson(addr ?? "[]", v4Routes ?? "[]", v6Routes)
    : hostFromIpText(addr ?? "", v4Routes ?? "", v6Routes);
  if (isHostError(h)) {
    // say which file the error is in: an error that names a route came from the route file
    const inRoute = /route/.test(h.message) && route !== undefined;
    const file = shown(inRoute ? opts.ipRoute! : (opts.ipAddr ?? opts.ipRoute!));
    throw new CliError(hostErrorText(h, file, (inRoute ? route : addr ?? route) ?? "", err));
  }
  return h;
}

async function readIpsets(file: string | undefined, io: CliIo, err: Style): Promise<IpsetMap | undefined> {
  if (file === undefined) return undefined;
  const text = await readInput(file, io, "ipsets file");
  const { sets, issues } = parseIpsetSave(text, { source: shown(file) });
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length > 0) throw new CliError(`${formatIssues(errors, text, err, shown(file))}\n${errors.length} error${errors.length > 1 ? "s" : ""} in ${shown(file)}; nothing was traced`);
  for (const w of issues) io.stderr.write(`iptrace: ${shown(file)}:${w.line}:${w.column}: warning: ${w.message}\n`);
  return sets;
}

/** One line of a --batch file, read as a packet. */
interface BatchLine {
  readonly line: number;
  readonly packet: Packet;
}

function readBatch(text: string, file: string, err: Style): BatchLine[] {
  const out: BatchLine[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((raw, k) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    try {
      const v: unknown = JSON.parse(line);
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new SyntaxError("expected a JSON object: one packet per line");
      out.push({ line: k + 1, packet: v as Packet });
    } catch (e) {
      // JSON.parse says "at position N"; turn it into a column
      const pos = /position ([0-9]+)/.exec((e as Error).message);
      const column = pos ? Number(pos[1]) + 1 : 1;
      problems.push([`${err.bold(`${file}:${k + 1}:${column}`)}: ${err.red("error")}: ${(e as Error).message.replace(/ in JSON at position [0-9]+.*$/, "")}`, ...showLine(text, k + 1, column, err)].join("\n"));
    }
  });
  if (problems.length > 0) throw new CliError(`${problems.slice(0, 20).join("\n")}\n${problems.length} bad line${problems.length > 1 ? "s" : ""} in ${file}; nothing was traced`);
  return out;
}

function packetFamily(p: { src?: unknown; dst?: unknown }): 4 | 6 | undefined {
  if (typeof p.dst === "string") return familyOf(p.dst);
  if (typeof p.src === "string") return familyOf(p.src);
  return undefined;
}

/** Runs the trace command; returns the exit status. */
export async function runTrace(opts: TraceOptions, io: CliIo, err: Style): Promise<number> {
  // read everything first, so that an input error never leaves half an output behind
  let batch: BatchLine[] | undefined;
  let batchSource = "";
  if (opts.batch !== undefined) {
    if (opts.batch === "-" && opts.file === undefined && !opts.live) throw new CliError("--batch - reads packets from standard input, so give the ruleset with -f FILE or --live");
    const text = await readInput(opts.batch, io, "batch file");
    batchSource = opts.batch === "-" ? "<stdin>" : opts.batch;
    batch = readBatch(text, batchSource, err);
  }
  const first: { src?: unknown; dst?: unknown } | undefined = batch ? batch[0]?.packet : opts.packet;
  const family = (first && packetFamily(first)) ?? 4;

  let input: RulesetInput;
  if (opts.live) input = { text: runSave(family), source: family === 6 ? "ip6tables-save" : "iptables-save" };
  else input = await readRulesetInput(opts.file, io);
  const { ruleset, issues } = parseOrFail(input, io, err, first && packetFamily(first));
  const warnings = issues.filter((i) => i.severity === "warning");
  for (const w of warnings.slice(0, 5)) io.stderr.write(`iptrace: ${w.source ?? input.source}:${w.line}:${w.column}: warning: ${w.message}\n`);
  if (warnings.length > 5) io.stderr.write(`iptrace: … and ${warnings.length - 5} more warnings (iptrace check shows them all)\n`);

  const host = await readHost(opts, ruleset.family, io, err);
  const ipsets = await readIpsets(opts.ipsets, io, err);
  const compiled = compileRuleset(ruleset);
  const env = { ...(host !== undefined ? { host } : {}), ...(ipsets !== undefined ? { ipsets } : {}), assume: opts.assume };
  const out = makeStyle(wantColour(io.stdout.isTTY, io.env));

  if (batch === undefined) {
    const { packet, assumed } = withCliDefaults(opts.packet);
    let trace: Trace;
    try {
      trace = tracePacket(compiled, packet, env);
      if (assumed) trace = { ...trace, assumptions: [assumed, ...trace.assumptions] };
    } catch (e) {
      if (e instanceof PacketError) throw new CliError(packetErrorText(e));
      throw e;
    }
    io.stdout.write(opts.json ? `${toJson(trace)}\n` : renderTrace(trace, input.source, out));
    return exitFor(trace.verdict);
  }

  // trace all, then print: a bad packet on line 900 must not leave 899 traces and an error
  const traces: Trace[] = [];
  const bad: string[] = [];
  for (const b of batch) {
    try {
      traces.push(tracePacket(compiled, b.packet, env));
    } catch (e) {
      if (!(e instanceof PacketError)) throw e;
      bad.push(`${batchSource}:${b.line}: ${e.message}`);
    }
  }
  if (bad.length > 0) throw new CliError(`${bad.slice(0, 20).map((b) => `iptrace: ${b}`).join("\n")}${bad.length > 20 ? `\n… and ${bad.length - 20} more` : ""}\n${bad.length} bad packet${bad.length > 1 ? "s" : ""} in ${batchSource}; nothing was traced`);
  traces.forEach((t, k) => io.stdout.write(opts.json ? `${toJson(t)}\n` : renderBatchLine(batch![k].line, t, input.source, out)));
  // the batch's status: the worst of its packets (undecided over dropped over accepted)
  return traces.reduce((worst, t) => Math.max(worst, exitFor(t.verdict)), EXIT.accepted as number);
}

/**
 * The command line's one default of its own: with no protocol, port, flag or ICMP type given, the
 * question is "can A reach B", asked as a ping (ICMP echo-request), the way people test it.
 */
export function withCliDefaults(p: CliPacket): { packet: Packet; assumed?: string } {
  const { src, dst, ...rest } = p;
  const packet = { ...(src !== undefined ? { src } : {}), dst: dst ?? "", ...rest } as Packet;
  if (p.proto !== undefined || p.sport !== undefined || p.dport !== undefined || p.tcpFlags !== undefined) return { packet };
  const proto = packetFamily(p) === 6 ? "icmpv6" : "icmp";
  if (p.icmpType !== undefined) return { packet: { ...packet, proto } };
  return { packet: { ...packet, proto, icmpType: "echo-request" }, assumed: `proto: ${proto} echo-request, a ping (no -p, --dport or --icmp-type given)` };
}

/** A PacketError in command-line words: `--dport` rather than `packet field "dport"`. */
function packetErrorText(e: PacketError): string {
  const flag: Record<string, string> = { tcpFlags: "tcp-flags", icmpType: "icmp-type" };
  const name = flag[e.field] ?? e.field;
  return `--${name}: expected ${e.expected}${e.found === undefined ? "" : `, found ${JSON.stringify(e.found)}`}`;
}
