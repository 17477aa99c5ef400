// Paired A/B of two builds of the parser in one process: parses FILE with each in turn, ROUNDS
// times after a warm-up, and prints the median of the per-round ratios new/base. Both builds meet
// the machine in the same moment, so a host that runs fast one second and slow the next (this
// one varies by 40 %) moves both sides alike. Called by bench/ab.sh with PAIR=1.
//   node --expose-gc bench/ab-pair.mjs BASE_DIST NEW_DIST FILE [ROUNDS]   (a full GC before each parse)
import { readFileSync } from "node:fs";

const [baseDir, newDir, file, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 10);
const base = (await import(`${baseDir}/src/parse/index.js`)).parseRuleset;
const next = (await import(`${newDir}/src/parse/index.js`)).parseRuleset;
const text = readFileSync(file, "utf8");
const time = (parse) => {
  globalThis.gc?.();
  const t0 = performance.now();
  parse(text, { source: file });
  return performance.now() - t0;
};
for (let k = 0; k < 2; k++) time(base), time(next);
const ratios = [];
const b = [];
const n = [];
for (let r = 0; r < rounds; r++) {
  // alternate which goes first, so that neither always follows the other's garbage
  const [tb, tn] = r % 2 === 0 ? [time(base), time(next)] : ((x) => [time(base), x])(time(next));
  b.push(tb);
  n.push(tn);
  ratios.push(tn / tb);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1];
const min = (xs) => Math.min(...xs).toFixed(0);
console.log(`base ${b.map((x) => x.toFixed(0)).join(" ")}  median ${median(b).toFixed(0)}  min ${min(b)}`);
console.log(`new  ${n.map((x) => x.toFixed(0)).join(" ")}  median ${median(n).toFixed(0)}  min ${min(n)}`);
console.log(`new/base per round: ${ratios.map((x) => x.toFixed(2)).join(" ")}  median ${median(ratios).toFixed(3)}`);
