// Used by bench/parse-diff.sh (run it rather than this file).
// Parses many inputs with /tmp/pd/base and /tmp/pd/new and compares ruleset + issues + printed text.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
const base = await import("/tmp/pd/base/dist/src/parse/index.js");
const neu = await import("/tmp/pd/new/dist/src/parse/index.js");
const pb = await import("/tmp/pd/base/dist/src/print/index.js");
const pn = await import("/tmp/pd/new/dist/src/print/index.js");
const files = [];
const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); else if (/\.(rules|restore|saved|txt)$/.test(e.name)) files.push(p); } };
for (const d of ["/work/shared/corpus", new URL("../fixtures", import.meta.url).pathname]) if (existsSync(d)) walk(d);
for (const f of ["k8s-100", "k8s-1000", "docker-200"]) files.push(new URL(`.data/${f}.rules`, import.meta.url).pathname);
// matches no longer carry their position (the base may still): compare them without it
const dropPos = (v) => (v && typeof v === "object" && "module" in v && ("line" in v || "column" in v) ? (({ line, column, ...rest }) => rest)(v) : v);
const ser = (r) => JSON.stringify(r, (k, v) => (typeof v === "bigint" ? v.toString() + "n" : v instanceof Map ? [...v] : dropPos(v)));
let n = 0, bad = 0;
function cmp(name, text, opts) {
  n++;
  let a, b;
  try { a = base.parseRuleset(text, opts); } catch (e) { a = { threw: String(e) }; }
  try { b = neu.parseRuleset(text, opts); } catch (e) { b = { threw: String(e) }; }
  let sa = ser(a), sb = ser(b);
  if (sa === sb && !a.threw) { sa = pb.printRuleset(a.ruleset); sb = pn.printRuleset(b.ruleset); }
  if (sa !== sb) { bad++; if (process.env.ALL || bad <= 5) { let i = 0; while (sa[i] === sb[i]) i++; console.log("DIFF", name, "\n base:", sa.slice(Math.max(0, i - 150), i + 150), "\n new: ", sb.slice(Math.max(0, i - 150), i + 150)); } }
}
const texts = files.filter((f) => existsSync(f)).map((f) => [f, readFileSync(f, "utf8")]);
for (const [f, t] of texts) { cmp(f, t, { source: f }); cmp(f + "#6", t, { family: 6 }); }
// mutations: every rule line of the small inputs, mutated in several ways, inside a minimal table
let seed = 12345; const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const lines = [];
for (const [f, t] of texts) if (t.length < 400000) for (const l of t.split("\n")) if (l.startsWith("-")) lines.push(l);
const tokensPool = ["!", "-m", "--dport", "--dp", "--d", "-p", "tcp", "udp", "\"", "\"a b\"", "--comment", "-j", "ACCEPT", "X", "--", "-", "--to", "1.2.3.4", "::1", "[1:2]", "-c", "5", "--set-xmark", "0x1/0x1", "--mark", "--prob", "-s", "-d", "1.2.3.4/33", "--ctstate", "NEW", "-g", "KUBE", "-4", "-6", "=", "--dport=80", "-I", "-D", "-R", "-N", "-X", "-F", "-P", "-E", "-Z", "2", "\\", "'x'", "\t"];
const mutate = (l) => {
  const w = l.split(" ");
  const k = Math.floor(rnd() * 4);
  for (let m = 0; m <= k; m++) {
    const op = Math.floor(rnd() * 4), i = Math.floor(rnd() * w.length);
    if (op === 0) w.splice(i, 1);
    else if (op === 1) w.splice(i, 0, tokensPool[Math.floor(rnd() * tokensPool.length)]);
    else if (op === 2) w[i] = tokensPool[Math.floor(rnd() * tokensPool.length)];
    else if (w[i]) w[i] = w[i].slice(0, Math.max(1, Math.floor(rnd() * w[i].length)));
  }
  return w.join(" ");
};
const tables = ["filter", "nat", "mangle", "raw", "security"];
for (let r = 0; r < 6000; r++) {
  const t = tables[r % 5];
  const body = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => (rnd() < 0.7 ? mutate(lines[Math.floor(rnd() * lines.length)]) : lines[Math.floor(rnd() * lines.length)]));
  const text = `*${t}\n:FOO - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:DOCKER - [0:0]\n${body.join(rnd() < 0.1 ? "\r\n" : "\n")}\n${rnd() < 0.9 ? "COMMIT\n" : ""}`;
  cmp(`mut${r}`, text, { family: rnd() < 0.8 ? 4 : 6 });
}
console.log(`${n} comparisons, ${bad} differences`);
process.exit(bad ? 1 : 0);
