/**
 * Per-packet cost of tracePacket on generated kube-proxy rulesets of growing size (the index over
 * KUBE-SERVICES keeps it nearly flat). Run: node --import tsx test/sim/bench-kube.ts 100 10000
 * (tsx adds overhead; for the real numbers compile with tsc and run the same code on dist).
 */
import { parseRuleset } from "../../src/parse/index.js";
import { compileRuleset, tracePacket, type Packet } from "../../src/sim/index.js";
import { clusterIp, kubeRuleset } from "./kube-gen.js";

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [100, 1000]) {
  const t0 = performance.now();
  const { ruleset } = parseRuleset(kubeRuleset(n, 3));
  const t1 = performance.now();
  const c = compileRuleset(ruleset);
  const t2 = performance.now();
  const packets: Packet[] = Array.from({ length: 500 }, (_, k) => ({ src: "10.0.1.5", dst: clusterIp((k * 7919) % n), proto: "tcp", dport: 80 }));
  for (let r = 0; r < 2000; r++) tracePacket(c, packets[r % packets.length]);
  const N = 20000;
  const t3 = performance.now();
  for (let r = 0; r < N; r++) tracePacket(c, packets[r % packets.length]);
  const t4 = performance.now();
  console.log(`services=${n} parse ${(t1 - t0).toFixed(0)} ms, compile ${(t2 - t1).toFixed(0)} ms, per packet (3 outcomes) ${(((t4 - t3) / N) * 1000).toFixed(1)} µs`);
}
