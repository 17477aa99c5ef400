/**
 * Reads the kernel's recorded traces (fixtures/kernel-trace/<ruleset>/<case>.json, written by
 * test/kernel tooling) and runs iptrace on the same ruleset (the kernel's own iptables-save text),
 * the same host (the recorded `ip -j addr/route`) and the same packet.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parseRuleset } from "../../src/parse/index.js";
import { hostFromIpJson } from "../../src/host/ip-json.js";
import { isHostError, type Host } from "../../src/host/host.js";
import { tracePacket, type Packet, type Step, type Trace } from "../../src/sim/index.js";
import type { Ruleset } from "../../src/model/ruleset.js";

export const KERNEL_TRACE_DIR = path.resolve(import.meta.dirname, "../../fixtures/kernel-trace");

/** A recorded case as helper tooling writes it (only the fields iptrace reads). */
export interface KernelCase {
  readonly file: string;
  readonly ruleset: string;
  readonly topology: { readonly bridgeNetfilter?: boolean };
  readonly packet: {
    readonly family: 4 | 6;
    readonly origin: { readonly kind: "container" | "internet" | "router"; readonly namespace?: string };
    readonly src: string;
    readonly dst: string;
    readonly proto: "tcp" | "udp" | "icmp";
    readonly sport?: number;
    readonly dport?: number;
    readonly tcpFlags?: readonly string[];
    readonly icmpType?: number;
  };
  readonly host: { readonly ipAddrJson: unknown; readonly ipRouteJson: unknown; readonly ip6RouteJson?: unknown };
  readonly kernelSave: string;
  readonly steps: readonly { hook: string; table: string; chain: string; kind: string; text?: string; verdict: string; target?: string }[];
}

/** Every recorded case, sorted by file name. */
export function loadKernelCases(): KernelCase[] {
  if (!existsSync(KERNEL_TRACE_DIR)) return [];
  const out: KernelCase[] = [];
  for (const dir of readdirSync(KERNEL_TRACE_DIR).sort()) {
    const full = path.join(KERNEL_TRACE_DIR, dir);
    let files: string[];
    try {
      files = readdirSync(full).filter((f) => f.endsWith(".json")).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const c = JSON.parse(readFileSync(path.join(full, f), "utf8")) as Omit<KernelCase, "file">;
      if (!c.kernelSave || !c.steps || !c.host) continue;
      out.push({ ...c, file: `${dir}/${f}` });
    }
  }
  return out;
}

/** The ruleset, host and packet of a case, as iptrace takes them. */
export function inputsOf(c: KernelCase): { ruleset: Ruleset; host: Host; packet: Packet } {
  const fam = c.packet.family;
  const ruleset = parseRuleset(c.kernelSave, { family: fam }).ruleset;
  const host = hostFromIpJson(c.host.ipAddrJson, c.host.ipRouteJson, c.host.ip6RouteJson, {
    bridgeNetfilter: c.topology.bridgeNetfilter ?? true,
    forwarding: true,
  });
  if (isHostError(host)) throw new Error(`${c.file}: host: ${host.message}`);
  const p = c.packet;
  const packet: Packet = {
    src: p.src,
    dst: p.dst,
    proto: p.proto === "icmp" && fam === 6 ? "icmpv6" : p.proto,
    ...(p.sport !== undefined && p.proto !== "icmp" ? { sport: p.sport } : {}),
    ...(p.dport !== undefined && p.proto !== "icmp" ? { dport: p.dport } : {}),
    ...(p.proto === "tcp" && p.tcpFlags ? { tcpFlags: p.tcpFlags.join(",") } : {}),
    ...(p.proto === "icmp" && p.icmpType !== undefined ? { icmpType: p.icmpType } : {}),
    // the router's packets come from test/kernel/packet-server.py, which runs as root
    ...(p.origin.kind === "router" ? { local: true, uid: 0, gid: 0 } : {}),
  };
  return { ruleset, host, packet };
}

/** A step as the comparison sees it. */
export interface NormalStep {
  hook: string;
  table: string;
  chain: string;
  kind: string;
  text?: string;
  verdict: string;
  target?: string;
}

/** What both sides' steps have in common. */
type AnyStep = Pick<Step, "hook" | "table" | "chain" | "kind" | "verdict"> & { readonly text?: string; readonly target?: string };

/**
 * Steps in the compared shape, without `return` steps: the kernel prints nothing when a user chain
 * runs off its end, so iptrace's `kind: "return"` events have no kernel counterpart.
 */
function normalise(steps: readonly AnyStep[]): NormalStep[] {
  return steps
    .filter((s) => s.kind !== "return")
    .map((s) => ({
      hook: s.hook,
      table: s.table,
      chain: s.chain,
      kind: s.kind,
      ...(s.text !== undefined ? { text: s.text } : {}),
      verdict: s.verdict,
      ...(s.target !== undefined ? { target: s.target } : {}),
    }));
}

/** iptrace's steps in the compared shape. */
export function normaliseIptrace(steps: readonly Step[]): NormalStep[] {
  return normalise(steps);
}

/** The kernel's steps in the same shape (its own `return` messages, if any, left out likewise). */
export function normaliseKernel(steps: KernelCase["steps"]): NormalStep[] {
  return normalise(steps as readonly AnyStep[]);
}

/** Runs iptrace on a case. */
export function runCase(c: KernelCase): { trace: Trace; got: NormalStep[]; want: NormalStep[] } {
  const { ruleset, host, packet } = inputsOf(c);
  const trace = tracePacket(ruleset, packet, { host });
  return { trace, got: normaliseIptrace(trace.steps), want: normaliseKernel(c.steps) };
}
