// The trace target's ratio measured in pairs: per-packet cost at a big ruleset over the cost at a
// small one. Both rulesets are parsed and compiled in one process; then rounds alternate between
// them (small then big, big then small), each round tracing the 100 sampled packets for a few
// milliseconds, and each pair of rounds gives one ratio. A host whose speed swings from one second
// to the next moves both sides of a pair alike, where two children run minutes apart do not.
//   node bench/trace-pair.mjs SMALL_RULES SMALL_PACKETS BIG_RULES BIG_PACKETS [PAIRS]   → prints JSON
import { readFileSync } from "node:fs";
import { parseRuleset } from "../dist/src/parse/index.js";
import { compileRuleset, tracePacket } from "../dist/src/sim/index.js";
import { samplePackets } from "./trace-packets.mjs";

const [smallFile, smallPackets, bigFile, bigPackets, pairsArg] = process.argv.slice(2);
const pairs = Number(pairsArg ?? 40);
const ROUND_MS = 25;

function side(file, packetsFile) {
  const compiled = compileRuleset(parseRuleset(readFileSync(file, "utf8"), { source: file }).ruleset);
  return { compiled, packets: samplePackets(JSON.parse(readFileSync(packetsFile, "utf8")).packets) };
}
const small = side(smallFile, smallPackets);
const big = side(bigFile, bigPackets);
const VERDICT = { detail: "verdict" };
let sink = 0;

/** µs per packet over one round of about ROUND_MS. */
function round(s, options) {
  let n = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < ROUND_MS) {
    for (const p of s.packets) sink += tracePacket(s.compiled, p, options).nat.length;
    n += s.packets.length;
    now = performance.now();
  }
  return ((now - t0) * 1000) / n;
}

const result = {};
for (const [key, options] of [["full", undefined], ["verdict", VERDICT]]) {
  // warm up both (the first pass also compiles the chains the packets enter)
  for (let k = 0; k < 8; k++) round(small, options), round(big, options);
  const ratios = [];
  for (let k = 0; k < pairs; k++) {
    const [a, b] = k % 2 === 0 ? [round(small, options), round(big, options)] : ((x) => [round(small, options), x])(round(big, options));
    ratios.push(b / a);
  }
  result[key] = ratios;
}
process.stdout.write(JSON.stringify({ ...result, sink: sink > 0 }) + "\n");
