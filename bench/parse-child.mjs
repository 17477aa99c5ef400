// Parses one file with the built iptrace (dist/) and nothing else, so that the parent can take
// this process's max RSS as iptrace's peak memory for the parse.
//   node bench/parse-child.mjs FILE [RUNS]   → prints JSON {ms:[...], rules, errors}
import { readFileSync } from "node:fs";
import { parseRuleset } from "../dist/src/parse/index.js";

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 1);
const ms = [];
let rules = 0;
let errors = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const text = readFileSync(file, "utf8");
  const { ruleset, issues } = parseRuleset(text, { source: file });
  ms.push(performance.now() - t0);
  rules = ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  errors = issues.filter((i) => i.severity === "error").length;
}
process.stdout.write(JSON.stringify({ ms, rules, errors }) + "\n");
