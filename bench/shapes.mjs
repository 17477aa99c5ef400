// What one kind of rule line costs the parser: for each shape below, a nat table of 100,000
// copies of the line (addresses counting up where the shape has one), parsed in interleaved
// rounds with a full collection before each, and the fastest round of each shape shown per line.
// Interleaving and taking the fastest keep the host's swings (±25 % from one second to the next
// here) out of the differences between shapes. Each family's shapes run in a process of their
// own: a real dump has one family, and the JIT's feedback from both would slow either (an IPv4
// `-s` line costs ~30 % more in a process that has also parsed IPv6). Uses the built dist/.
//   node bench/shapes.mjs [ROUNDS]      (default 12; the first two warm the JIT)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseRuleset } from "../dist/src/parse/index.js";

const LINES = 100_000;
const rounds = Number(process.argv[2] ?? 12);
const only = process.argv[3] === undefined ? undefined : Number(process.argv[3]);

/** Name, family, and the line with {a}.{b} (v4) or {a:x}{b:02x} (v6) standing for a counter. */
const SHAPES = [
  ["jump to a target, IPv6", 6, "-A X -j ACCEPT"],
  ["jump to a target", 4, "-A X -j ACCEPT"],
  ["jump to a chain", 4, "-A X -j Y"],
  ["-p tcp", 4, "-A X -p tcp -j ACCEPT"],
  ["-s address", 4, "-A X -s 10.1.{a}.{b}/32 -j ACCEPT"],
  ["-s address, IPv6", 6, "-A X -s fd00:b4::{a:x}{b:02x}/128 -j ACCEPT"],
  ["-m tcp, no option", 4, "-A X -p tcp -m tcp -j ACCEPT"],
  ["-m comment", 4, '-A X -m comment --comment "ns1/svc2:p80" -j ACCEPT'],
  ["-m tcp --dport", 4, "-A X -p tcp -m tcp --dport 80 -j ACCEPT"],
  ["-m mark --mark", 4, "-A X -m mark --mark 0x1 -j ACCEPT"],
  ["-j DNAT", 4, "-A X -p tcp -j DNAT --to-destination 10.1.{a}.{b}:8080"],
  ["-j DNAT, IPv6", 6, "-A X -p tcp -j DNAT --to-destination [fd00:b4::{a:x}{b:02x}]:8080"],
  ["-m statistic", 4, "-A X -m statistic --mode random --probability 0.50000000000 -j ACCEPT"],
];

function text(line) {
  const out = ["*nat", ":PREROUTING ACCEPT [0:0]", ":X - [0:0]", ":Y - [0:0]"];
  for (let i = 0; i < LINES; i++) {
    const a = (i >> 8) & 255;
    const b = i & 255;
    out.push(line.replace("{a}", String(a)).replace("{b}", String(b)).replace("{a:x}", a.toString(16)).replace("{b:02x}", b.toString(16).padStart(2, "0")));
  }
  out.push("COMMIT", "");
  return out.join("\n");
}

if (only === undefined) {
  // the parent: one child per family, then one table
  console.log("| shape | line | ns a line (fastest round) |");
  console.log("|---|---|---:|");
  for (const family of [4, 6]) {
    const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), String(rounds), String(family)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`shapes of IPv${family}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
    process.stdout.write(r.stdout);
  }
} else {
  const inputs = SHAPES.filter(([, family]) => family === only).map(([name, family, line]) => ({ name, family, line, text: text(line), best: Infinity }));
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      globalThis.gc?.();
      const t0 = performance.now();
      const { issues } = parseRuleset(input.text, { family: input.family });
      const ms = performance.now() - t0;
      const error = issues.find((i) => i.severity === "error");
      if (error) throw new Error(`${input.name}: line ${error.line}: ${error.message}`);
      if (r >= 2) input.best = Math.min(input.best, ms);
    }
  }
  for (const i of inputs) console.log(`| ${i.name} | \`${i.line.replace(/\{a(:x)?\}\{b(:02x)?\}|\{a\}\.\{b\}/, "…")}\` | ${Math.round((i.best * 1e6) / LINES)} |`);
}
