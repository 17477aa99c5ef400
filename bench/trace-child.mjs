// Traces packets to real service addresses through one ruleset with the built iptrace (dist/).
//   node bench/trace-child.mjs RULES PACKETS_JSON BUDGET_MS   → prints JSON
import { readFileSync } from "node:fs";
import { parseRuleset } from "../dist/src/parse/index.js";
import { compileRuleset, tracePacket } from "../dist/src/sim/index.js";
import { samplePackets } from "./trace-packets.mjs";

const [file, packetsFile, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg ?? 2000);
const { ruleset } = parseRuleset(readFileSync(file, "utf8"), { source: file });
const t0 = performance.now();
const compiled = compileRuleset(ruleset);
const compileMs = performance.now() - t0;
const packets = samplePackets(JSON.parse(readFileSync(packetsFile, "utf8")).packets);

const verdicts = {};
let dnatToEndpoint = 0;
let steps = 0;
// the first pass also compiles every chain these packets enter (chains compile on first use)
const f0 = performance.now();
for (const p of packets) {
  const t = tracePacket(compiled, p);
  verdicts[t.verdict] = (verdicts[t.verdict] ?? 0) + 1;
  if (t.nat.length > 0) dnatToEndpoint++;
  steps += t.steps.length;
}
const firstPassMs = performance.now() - f0;

/** Runs `fn` over the packets for about budget/rounds ms per round; returns per-packet µs of each round. */
function measure(fn, rounds = 5) {
  // warm up
  const w0 = performance.now();
  while (performance.now() - w0 < budget / (rounds + 1)) for (const p of packets) fn(p);
  const us = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const s = performance.now();
    let now = s;
    while (now - s < budget / (rounds + 1)) {
      for (const p of packets) fn(p);
      n += packets.length;
      now = performance.now();
    }
    us.push(((now - s) * 1000) / n);
  }
  return us;
}
let sink = 0;
const full = measure((p) => {
  const t = tracePacket(compiled, p);
  sink += t.steps.length;
});
// detail: "verdict" (verdict, path, packet, NAT, assumptions; no step objects)
const VERDICT = { detail: "verdict" };
const verdictOnly = measure((p) => {
  const t = tracePacket(compiled, p, VERDICT);
  sink += t.nat.length;
});
process.stdout.write(JSON.stringify({ compileMs, firstPassMs, fullUs: full, verdictUs: verdictOnly, verdicts, natted: dnatToEndpoint, packets: packets.length, meanSteps: steps / packets.length, sink: sink > 0 }) + "\n");
