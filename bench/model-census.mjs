// Counts the objects of the model that the built iptrace (dist/) makes of FILE, by where they
// stand and what keys they have, each shared object once: what a parse leaves for the garbage
// collector to copy and keep. Strings and numbers are not counted (a script cannot see whether a
// string is a slice of the input or a copy).
//   node bench/model-census.mjs FILE [TOP]   (default: the 30 largest groups)
import { readFileSync } from "node:fs";
import { parseRuleset } from "../dist/src/parse/index.js";

const file = process.argv[2];
const top = Number(process.argv[3] ?? 30);
if (!file) {
  process.stderr.write("usage: node bench/model-census.mjs FILE [TOP]\n");
  process.exit(2);
}
const { ruleset } = parseRuleset(readFileSync(file, "utf8"), { source: file });

/** Short names for the containers, so that a group reads `rule.matches[]{module,comment}`. */
const STEP = { tables: "table", chains: "chain", rules: "rule", matches: "rule.matches[]" };
const seen = new Set();
const groups = new Map();
let rules = 0;
// an explicit stack: a chain's rules are 100,000 deep for recursion
const stack = [[ruleset, "ruleset"]];
while (stack.length > 0) {
  const [value, where] = stack.pop();
  if (value === null || typeof value !== "object" || seen.has(value)) continue;
  seen.add(value);
  const key = Array.isArray(value) ? `${where} (array)` : `${where}{${Object.keys(value).join(",")}}`;
  groups.set(key, (groups.get(key) ?? 0) + 1);
  if (where === "rule") rules++;
  if (Array.isArray(value)) {
    const item = where.endsWith("[]") ? where : where in STEP ? STEP[where] : `${where}[]`;
    for (const v of value) stack.push([v, item]);
    continue;
  }
  for (const [k, v] of Object.entries(value)) {
    const next = Array.isArray(v) && k in STEP ? k : k === "matches" ? "rule.matches" : `${where}.${k}`;
    stack.push([v, next]);
  }
}
const total = [...groups.values()].reduce((a, b) => a + b, 0);
const rows = [...groups].sort((a, b) => b[1] - a[1]);
process.stdout.write(`${file}: ${total.toLocaleString("en-US")} objects for ${rules.toLocaleString("en-US")} rules (${(total / Math.max(rules, 1)).toFixed(2)} a rule)\n`);
for (const [key, n] of rows.slice(0, top)) process.stdout.write(`${String(n).padStart(9)}  ${key}\n`);
