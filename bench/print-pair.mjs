// Paired A/B of two builds' printRuleset in one process (see bench/ab-pair.mjs for why paired):
// parses FILE with each build, prints each model in turn 16 times after a warm-up, checks the two
// texts are equal, and gives the median per-round ratio new/base.
//   node bench/print-pair.mjs BASE_DIST NEW_DIST FILE
import { readFileSync } from "node:fs";
const A = await import(process.argv[2] + "/src/index.js");
const B = await import(process.argv[3] + "/src/index.js");
const text = readFileSync(process.argv[4], "utf8");
const ra = A.parseRuleset(text).ruleset, rb = B.parseRuleset(text).ruleset;
const t = (f, r) => { const t0 = performance.now(); const s = f(r); return [performance.now() - t0, s]; };
for (let i = 0; i < 3; i++) { t(A.printRuleset, ra); t(B.printRuleset, rb); }
const ratios = []; const as = [], bs = [];
for (let i = 0; i < 16; i++) { const [ta, sa] = t(A.printRuleset, ra); const [tb, sb] = t(B.printRuleset, rb); if (sa !== sb) throw new Error("differ"); as.push(ta); bs.push(tb); ratios.push(tb / ta); }
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
console.log("base", med(as).toFixed(0), "new", med(bs).toFixed(0), "ratio", med(ratios).toFixed(3), ratios.map((r) => r.toFixed(2)).join(" "));
