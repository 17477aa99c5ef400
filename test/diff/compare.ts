/**
 * The comparison of differential testing, shared by the unit test (recorded kernel traces in
 * fixtures/kernel-diff) and the live kernel suite: iptrace runs on the kernel's own iptables-save
 * text, the router's recorded `ip -j addr/route` and the same packet, and its steps must equal the
 * kernel's, rule for rule. iptrace's `return` steps are left out (the kernel prints nothing when a
 * user chain runs off its end); a step is compared on hook, table, chain, kind, text, verdict and
 * the chain of a JUMP/GOTO.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parseRuleset } from "../../src/parse/index.js";
import { printRuleset } from "../../src/print/index.js";
import { traceFlow, tracePacket, type Trace } from "../../src/sim/index.js";
import { normaliseSave } from "../kernel/trace.js";
import { inputsOf, normaliseIptrace, normaliseKernel, type KernelCase, type NormalStep } from "../sim/kernel-fixtures.js";

export const KERNEL_DIFF_DIR = path.resolve(import.meta.dirname, "../../fixtures/kernel-diff");

/** A recorded differential case (test/kernel/differential.ts writes it). */
export interface DiffCaseFile extends KernelCase {
  readonly name: string;
  readonly input: string;
  readonly seed?: number;
}

/**
 * The packet's IP total length as test/kernel/packet-server.py sends it: no payload, so the IP
 * header plus TCP 20, UDP 8, ICMP echo 8 bytes.
 */
export function sentLength(packet: KernelCase["packet"]): number {
  return (packet.family === 4 ? 20 : 40) + (packet.proto === "tcp" ? 20 : 8);
}

export interface Comparison {
  readonly agree: boolean;
  readonly kernel: readonly NormalStep[];
  readonly iptrace: readonly NormalStep[];
  /** Index of the first step that differs (or where one list ends early). */
  readonly at?: number;
  readonly verdict: string;
  readonly unsupported?: string;
}

const same = (a: NormalStep | undefined, b: NormalStep | undefined) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether iptrace had to guess a NAT pick at this step: the kernel takes a port or address from
 * a range by a hash or at random, and iptrace takes the first and says so in the step's note.
 */
export function guessedNat(step: { readonly note?: string }): boolean {
  return step.note?.includes("by a hash") === true;
}

/** Runs iptrace on a recorded (or just traced) case and compares it with the kernel's steps. */
export function compareCase(c: KernelCase): Comparison {
  const { ruleset, host, packet } = inputsOf(c);
  return compareTrace(c, tracePacket(ruleset, { ...packet, length: sentLength(c.packet) }, { host }));
}

/**
 * The packets of one flow, traced by the kernel one after another through one ruleset (one case
 * each, in order): iptrace's traceFlow of them, compared packet for packet. The comparison ends
 * with the packet whose NAT pick iptrace had to guess (see compareTrace): the connection keeps
 * the kernel's own pick for the packets after it, so fewer comparisons than cases may come back.
 */
export function compareFlow(cases: readonly KernelCase[]): Comparison[] {
  const inputs = cases.map((c) => inputsOf(c));
  const traces = traceFlow(inputs[0].ruleset, inputs.map((i, k) => ({ ...i.packet, length: sentLength(cases[k].packet) })), { host: inputs[0].host });
  const guessed = traces.findIndex((t) => t.steps.some(guessedNat));
  return traces.slice(0, guessed < 0 ? traces.length : guessed + 1).map((t, k) => compareTrace(cases[k], t));
}

function compareTrace(c: KernelCase, trace: Trace): Comparison {
  let got = normaliseIptrace(trace.steps);
  let want = normaliseKernel(c.steps);
  // A NAT pick iptrace had to guess: the steps after it, such as the looped-back copy of a
  // broadcast meeting a test of the new port, follow the kernel's own pick, so the two are
  // compared up to that step (kernel:fuzz-flows seed 590341407).
  const guessed = trace.steps.filter((s) => s.kind !== "return").findIndex(guessedNat);
  if (guessed >= 0 && guessed + 1 < Math.max(got.length, want.length)) {
    got = got.slice(0, guessed + 1);
    want = want.slice(0, guessed + 1);
  }
  let at: number | undefined;
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (!same(got[i], want[i])) {
      at = i;
      break;
    }
  }
  const unsupported = trace.verdict === "UNSUPPORTED" ? JSON.stringify((trace as { unsupported?: unknown }).unsupported ?? null) : undefined;
  return { agree: at === undefined && unsupported === undefined, kernel: want, iptrace: got, ...(at !== undefined ? { at } : {}), verdict: trace.verdict, ...(unsupported ? { unsupported } : {}) };
}

const showStep = (s: NormalStep | undefined) =>
  s ? `${s.hook} ${s.table}:${s.chain} ${s.kind} ${s.verdict}${s.target ? `:${s.target}` : ""}${s.text ? `  ${s.text}` : ""}` : "(nothing)";

/** The case and its first differing step, for a failure message. */
export function describeDifference(c: KernelCase & { name?: string; input?: string }, r: Comparison): string {
  const lines = [
    `case ${c.name ?? c.file}: packet ${JSON.stringify(c.packet)}`,
    ...(r.unsupported ? [`iptrace: UNSUPPORTED ${r.unsupported}`] : []),
    ...(r.at !== undefined
      ? [
          `first difference at step ${r.at + 1}:`,
          `  kernel:  ${showStep(r.kernel[r.at])}`,
          `  iptrace: ${showStep(r.iptrace[r.at])}`,
          `steps before it:`,
          ...r.kernel.slice(0, r.at).map((s) => `  ${showStep(s)}`),
        ]
      : []),
    `ruleset (kernel's save):`,
    c.kernelSave.trim(),
  ];
  return lines.join("\n");
}

/**
 * iptrace's printer against the kernel's iptables-nft-save on a case's restore input (the
 * generator writes some options as iptables accepts them, not as it saves them: rates, flags,
 * table order): undefined when they agree, else the first differing line of each.
 */
export function comparePrinted(c: { readonly input: string; readonly kernelSave: string; readonly packet: { readonly family: 4 | 6 } }): { line: number; ours: string; kernel: string } | undefined {
  const { ruleset } = parseRuleset(c.input, { family: c.packet.family });
  const ours = normaliseSave(printRuleset(ruleset, { order: "kernel" })).trimEnd().split("\n");
  const kernel = normaliseSave(c.kernelSave).trimEnd().split("\n");
  for (let k = 0; k < Math.max(ours.length, kernel.length); k++) {
    if (ours[k] !== kernel[k]) return { line: k + 1, ours: ours[k] ?? "(end)", kernel: kernel[k] ?? "(end)" };
  }
  return undefined;
}

/** comparePrinted's difference, for a failure message. */
export function describePrinted(d: { line: number; ours: string; kernel: string }): string {
  return `line ${d.line} of the save\n  iptrace: ${d.ours}\n  kernel:  ${d.kernel}`;
}

/** Every recorded differential case (fixtures/kernel-diff/*.json), by seed/name. */
export function loadDiffCases(dir = KERNEL_DIFF_DIR): DiffCaseFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "known.json")
    .map((f) => ({ ...(JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Omit<DiffCaseFile, "file">), file: f }))
    .sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0) || a.file.localeCompare(b.file));
}
