// Paired A/B of two builds of the parser in one process: parses FILE with each in turn, ROUNDS
// times after a warm-up, and prints the median of the per-round ratios new/base. Both builds meet
// the machine in the same moment, so a host that runs fast one second and slow the next (this
// one varies by 40 %) moves both sides alike. Called by bench/ab.sh with PAIR=1.
//   node --expose-gc bench/ab-pair.mjs BASE_DIST NEW_DIST FILE [ROUNDS]   (a full GC before each parse)
// It prints the ratios of wall time and, beside them, of the process's CPU time (user + system),
// which does not count the moments another process holds the CPU.
import { readFileSync } from "node:fs";

const [baseDir, newDir, file, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 10);
const base = (await import(`${baseDir}/src/parse/index.js`)).parseRuleset;
const next = (await import(`${newDir}/src/parse/index.js`)).parseRuleset;
const text = readFileSync(file, "utf8");
/** CPU time (user + system, ms) of each timed parse, in the order timed: it does not count the moments another process holds the CPU. */
const cpu = [];
const time = (parse) => {
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  parse(text, { source: file });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  return ms;
};
for (let k = 0; k < 2; k++) time(base), time(next);
cpu.length = 0;
const cpuRatios = [];
const ratios = [];
const b = [];
const n = [];
for (let r = 0; r < rounds; r++) {
  // alternate which goes first, so that neither always follows the other's garbage
  const [tb, tn] = r % 2 === 0 ? [time(base), time(next)] : ((x) => [time(base), x])(time(next));
  const [cFirst, cSecond] = cpu.slice(-2);
  cpuRatios.push(r % 2 === 0 ? cSecond / cFirst : cFirst / cSecond);
  b.push(tb);
  n.push(tn);
  ratios.push(tn / tb);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1];
const min = (xs) => Math.min(...xs).toFixed(0);
console.log(`base ${b.map((x) => x.toFixed(0)).join(" ")}  median ${median(b).toFixed(0)}  min ${min(b)}`);
console.log(`new  ${n.map((x) => x.toFixed(0)).join(" ")}  median ${median(n).toFixed(0)}  min ${min(n)}`);
console.log(`new/base per round: ${ratios.map((x) => x.toFixed(2)).join(" ")}  median ${median(ratios).toFixed(3)}`);
console.log(`cpu time new/base per round: ${cpuRatios.map((x) => x.toFixed(2)).join(" ")}  median ${median(cpuRatios).toFixed(3)}`);
