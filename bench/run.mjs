// `npm run bench`: generates the inputs (bench/gen.mjs, seeded), then measures in one run
//   - parse: iptrace (a node child that only parses, dist/) beside iptables-nft-restore --test and
//     iptables-legacy-restore --test on the same file, in a network namespace of its own
//     (ipt-bench, deleted afterwards, also on failure): wall time and max RSS of each process,
//     medians of several runs, and iptrace's in-process parse time;
//   - trace: per-packet cost of tracePacket on every ruleset, packets to real service addresses,
//     and the target's ratio (largest over smallest kube-proxy size) in paired rounds;
// prints the tables and writes docs/benchmarks.md.
//
// Environment: BENCH_RUNS (default 9: the target is a median of per-round ratios, and on this
// host single rounds range ±25 %), BENCH_TARGET_RUNS (default 25: the (nft, in-process) pairs
// of the parse target's input), BENCH_TRACE_MS (per ruleset, default 3000),
// BENCH_TRACE_PAIRS (default 40), BENCH_NO_DOC=1 (do not write docs/benchmarks.md).
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, freemem, totalmem, release, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATOR_VERSION, SERVICE_COUNTS, SERVICE_COUNT_V6, SERVICE_COUNT_150K, DOCKER_NETWORKS, writeInputs } from "./gen.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dataDir = join(here, ".data");
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** (nft, in-process) pairs for the parse target's input: RUNS in the rounds above, the rest after them. */
const TARGET_RUNS = Math.max(RUNS, Number(process.env.BENCH_TARGET_RUNS ?? 25));
const TRACE_MS = Number(process.env.BENCH_TRACE_MS ?? 3000);
/** Pairs of rounds for the trace target's ratio (bench/trace-pair.mjs). */
const TRACE_PAIRS = Number(process.env.BENCH_TRACE_PAIRS ?? 40);
/** The rulesets the targets compare: the largest and the smallest kube-proxy size. */
const big = `k8s-${SERVICE_COUNTS[SERVICE_COUNTS.length - 1]}`;
const small = `k8s-${SERVICE_COUNTS[0]}`;
const NETNS = "ipt-bench";
const started = performance.now();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (s) => process.stderr.write(s + "\n");

/**
 * A distribution-free interval for the median of `xs` (from order statistics): the narrowest
 * [x(k), x(n+1-k)] whose coverage, 1 - 2·P(Binomial(n, ½) < k), is still at least `level`.
 * With nine rounds and level 0.9 that is the 2nd smallest to the 2nd largest (96 %).
 */
const medianInterval = (xs, level = 0.9) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  // cdf[j] = P(Binomial(n, 1/2) <= j)
  const cdf = [];
  let c = 1;
  let sum = 0;
  for (let j = 0; j <= n; j++) {
    if (j > 0) c = (c * (n - j + 1)) / j;
    sum += c / 2 ** n;
    cdf.push(sum);
  }
  // [x(k), x(n+1-k)] (1-based) covers the median with probability 1 - 2·cdf[k-1]
  let k = 1;
  while (k + 1 <= n - k && 1 - 2 * cdf[k] >= level) k++;
  return { low: s[k - 1], high: s[n - k], coverage: 1 - 2 * cdf[k - 1] };
};

// ---- inputs -------------------------------------------------------------------------------
const versionFile = join(dataDir, "VERSION");
if (!existsSync(versionFile) || readFileSync(versionFile, "utf8").trim() !== String(GENERATOR_VERSION)) {
  log(`generating inputs into ${dataDir} …`);
  writeInputs(dataDir);
}
const inputs = [
  ...SERVICE_COUNTS.map((n) => ({ name: `k8s-${n}`, label: `kube-proxy, ${n.toLocaleString("en")} services`, family: 4 })),
  { name: `k8s6-${SERVICE_COUNT_V6}`, label: `kube-proxy IPv6, ${SERVICE_COUNT_V6.toLocaleString("en")} services`, family: 6 },
  { name: `k8s-${SERVICE_COUNT_150K}`, label: `kube-proxy, ${SERVICE_COUNT_150K.toLocaleString("en")} services (issue #2's 150,000 rules)`, family: 4 },
  { name: `docker-${DOCKER_NETWORKS}`, label: `Docker, ${DOCKER_NETWORKS} networks, 1,000 ports`, family: 4 },
].map((i) => {
  const file = join(dataDir, `${i.name}.rules`);
  const text = readFileSync(file, "utf8");
  return { ...i, file, packets: join(dataDir, `${i.name}.packets.json`), lines: text.split("\n").length - 1, bytes: statSync(file).size };
});

// ---- the namespace ------------------------------------------------------------------------
const hasTool = (t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const canNetns = isRoot && hasTool("ip");
let nsMade = false;
function deleteNs() {
  if (nsMade) {
    spawnSync("ip", ["netns", "del", NETNS]);
    nsMade = false;
  }
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    deleteNs();
    process.exit(130);
  });
}
process.on("exit", deleteNs);

const tmp = mkdtempSync(join(tmpdir(), "iptrace-bench-"));
const timeOut = join(tmp, "time.out");

/**
 * Runs a command under /usr/bin/time with `file` on stdin; returns wall ms (measured here, around
 * the whole process) and max RSS in KiB (GNU time %M), and the command's stdout.
 */
function timed(argv, file) {
  const fd = openSync(file, "r");
  try {
    const t0 = performance.now();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", timeOut, ...argv], { stdio: [fd, "pipe", "pipe"], maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${argv.join(" ")} < ${file}: exit ${r.status}: ${String(r.stderr).slice(0, 500)}`);
    const rss = Number(readFileSync(timeOut, "utf8").trim().split("\n").pop());
    return { ms, rssKb: rss, stdout: String(r.stdout) };
  } finally {
    closeSync(fd);
  }
}

const node = process.execPath;
const tools = [
  { key: "iptrace", label: "iptrace (node, parse only)", argv: (f) => [node, join(here, "parse-child.mjs"), f] },
];
const inNs = (argv) => ["ip", "netns", "exec", NETNS, ...argv];
// the IPv6 input goes to ip6tables-nft-restore / ip6tables-legacy-restore
const restore = (kind) => (input) => inNs([`${input.family === 6 ? "ip6tables" : "iptables"}-${kind}-restore`, "--test"]);
if (canNetns && hasTool("iptables-nft-restore") && hasTool("ip6tables-nft-restore")) tools.push({ key: "nft", label: "iptables-nft-restore --test", argv: restore("nft") });
if (canNetns && hasTool("iptables-legacy-restore") && hasTool("ip6tables-legacy-restore")) tools.push({ key: "legacy", label: "iptables-legacy-restore --test", argv: restore("legacy") });
if (!existsSync("/usr/bin/time")) {
  log("bench needs GNU time at /usr/bin/time (Debian: apt-get install time)");
  process.exit(2);
}

/** Parses that one in-process child makes after its first (which warms the JIT). */
const WARM_PARSES = 3;

/** iptrace's in-process parse time of `file`: the median of a fresh child's warm parses. */
function inProcess(file) {
  const r = spawnSync(node, [join(here, "parse-child.mjs"), file, String(WARM_PARSES + 1)], { maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`parse-child.mjs ${file}: exit ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  return median(JSON.parse(String(r.stdout)).ms.slice(1));
}

const results = { parse: {}, inproc: {}, paired: {}, trace: {} };
try {
  if (canNetns) {
    spawnSync("ip", ["netns", "del", NETNS]); // a stale one from a killed run
    execFileSync("ip", ["netns", "add", NETNS]);
    nsMade = true;
  } else log("not root (or no `ip`): iptables-restore --test is skipped; only iptrace is measured");

  // ---- parse ----
  for (const input of inputs) {
    const per = Object.fromEntries(tools.map((t) => [t.key, { ms: [], rssKb: [], inChildMs: [] }]));
    const inproc = [];
    const paired = [];
    for (let r = 0; r < RUNS; r++) {
      // interleaved, so that load on the machine falls on every tool alike
      for (const t of tools) {
        const m = timed(t.key === "iptrace" ? t.argv(input.file) : t.argv(input), input.file);
        per[t.key].ms.push(m.ms);
        per[t.key].rssKb.push(m.rssKb);
        if (t.key === "iptrace") {
          const j = JSON.parse(m.stdout);
          per[t.key].inChildMs.push(j.ms[0]);
          per[t.key].rules = j.rules;
          per[t.key].errors = j.errors;
        }
        if (t.key === "nft" || (t.key === "iptrace" && !tools.some((x) => x.key === "nft"))) {
          // in-process, right after nft's run of this round: a warm parse, paired with it
          const ms = inProcess(input.file);
          inproc.push(ms);
          if (t.key === "nft") paired.push(ms / m.ms);
        }
      }
    }
    // the parse target's input gets more (nft, in-process) pairs than the others: on this host
    // one pair's ratio moves by ±30 %, and the interval of their median narrows with their number
    if (input.name === big && per.nft) {
      const nft = tools.find((t) => t.key === "nft");
      for (let r = RUNS; r < TARGET_RUNS; r++) {
        const m = timed(nft.argv(input), input.file);
        const ms = inProcess(input.file);
        inproc.push(ms);
        paired.push(ms / m.ms);
      }
    }
    results.parse[input.name] = per;
    results.inproc[input.name] = inproc;
    results.paired[input.name] = paired;
    log(`parse ${input.name}: ` + tools.map((t) => `${t.key} ${median(per[t.key].ms).toFixed(0)} ms ${(median(per[t.key].rssKb) / 1024).toFixed(0)} MiB`).join(", "));
  }
  deleteNs();

  // ---- trace ----
  for (const input of inputs) {
    const r = spawnSync(node, [join(here, "trace-child.mjs"), input.file, input.packets, String(TRACE_MS)], { maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      results.trace[input.name] = { error: String(r.stderr).split("\n").slice(0, 6).join("\n") };
      log(`trace ${input.name}: failed: ${results.trace[input.name].error}`);
      continue;
    }
    results.trace[input.name] = JSON.parse(String(r.stdout));
    log(`trace ${input.name}: ${median(results.trace[input.name].verdictUs).toFixed(1)} µs/packet verdict-only, ${median(results.trace[input.name].fullUs).toFixed(1)} full`);
  }
  // the target's ratio, big over small, measured in pairs of rounds in one process
  const [smallInput, bigInput] = [inputs.find((i) => i.name === small), inputs.find((i) => i.name === big)];
  if (smallInput && bigInput) {
    const r = spawnSync(node, [join(here, "trace-pair.mjs"), smallInput.file, smallInput.packets, bigInput.file, bigInput.packets, String(TRACE_PAIRS)], { maxBuffer: 1 << 20 });
    if (r.status === 0) {
      results.tracePair = JSON.parse(String(r.stdout));
      log(`trace ${big}/${small} paired: full ${median(results.tracePair.full).toFixed(2)}, verdict-only ${median(results.tracePair.verdict).toFixed(2)}`);
    } else log(`trace pair: failed: ${String(r.stderr).split("\n").slice(0, 6).join("\n")}`);
  }
} finally {
  deleteNs();
  rmSync(tmp, { recursive: true, force: true });
}

// ---- report -------------------------------------------------------------------------------
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (kb) => (kb / 1024).toFixed(0);
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : "–");
const cmd = (s) => "`" + s + "`";
const out = [];
const sh = (c) => {
  try {
    return execFileSync("sh", ["-c", c], { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
};
const mem = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
out.push("# Benchmarks", "");
out.push("Written by `npm run bench` (bench/run.mjs); the numbers below are from one run, every ratio is between measurements of that run.", "");
out.push("## Machine", "");
out.push(`- CPUs (nproc): ${sh("nproc")} (${cpus()[0]?.model ?? "?"})`);
out.push(`- memory: ${mem} (free at start: ${(freemem() / 2 ** 30).toFixed(1)} GiB)`);
out.push(`- load average at the end: ${sh("cut -d' ' -f1-3 /proc/loadavg")}`);
out.push(`- node ${process.version}, kernel ${release()}, ${sh("iptables-nft-restore --version 2>&1 | head -1")}`);
out.push(`- date: ${new Date().toISOString()}`, "");
out.push("## Commands", "");
out.push(`- inputs: ${cmd("node bench/gen.mjs bench/.data")} (seeded; iptables-save canonical form, the same bytes that ${cmd("iptables-nft-save")} prints after restoring them)`);
out.push(`- iptrace parse: ${cmd("/usr/bin/time -f %M node bench/parse-child.mjs FILE < FILE")} (node + the built dist/, reads and parses the file, nothing else)`);
out.push(`- references: ${cmd(`ip netns exec ${NETNS} /usr/bin/time -f %M iptables-nft-restore --test < FILE`)}, the same with ${cmd("iptables-legacy-restore --test")} (ip6tables-nft-restore and ip6tables-legacy-restore for the IPv6 input), in a namespace made for the run and deleted after it`);
out.push(`- wall time is measured around each whole process (start-up included for every tool); peak memory is the process's max RSS; ${RUNS} runs each, interleaved, medians shown`);
out.push(`- in-process: ${cmd(`node bench/parse-child.mjs FILE ${WARM_PARSES + 1}`)} in each round right after iptables-nft-restore's run: the median of the child's parses 2..${WARM_PARSES + 1} (read + parse, warm JIT); the table shows the median over the rounds`);
out.push(`- "in-process/nft": the median over the rounds of (this round's in-process time / this round's iptables-nft-restore time). This host's speed swings by up to 40 % from one second to the next; a ratio of two measurements taken moments apart moves less than a ratio of medians taken minutes apart, which is shown too (in brackets). The target's input, ${big}, gets ${TARGET_RUNS} such pairs (the last ${TARGET_RUNS - RUNS} are only nft and the in-process child), and the target line gives a distribution-free interval for their median (order statistics: the coverage of [x(k), x(n+1-k)] is 1 - 2·P(Binomial(n, ½) < k))`);
out.push(`- trace: ${cmd(`node bench/trace-child.mjs FILE FILE.packets.json ${TRACE_MS}`)}: compileRuleset once, then ${cmd("tracePacket")} (verdict-only and full) over 100 packets to real service addresses (ClusterIP:port for kube-proxy, host port on eth0 for Docker) spread over all services; median of 5 timed rounds after a warm-up`);
out.push(`- trace target: ${cmd(`node bench/trace-pair.mjs k8s-100.rules k8s-100.packets.json k8s-10000.rules k8s-10000.packets.json ${TRACE_PAIRS}`)}: both rulesets compiled in one process, rounds of ~25 ms alternating between them, the median over the pairs of (big round / small round); the table's numbers come from separate children minutes apart and move with the host`, "");

out.push("## Inputs", "");
out.push("| input | lines | bytes | rules (iptrace) |", "|---|---:|---:|---:|");
for (const i of inputs) out.push(`| ${i.label} (${i.name}.rules) | ${i.lines.toLocaleString("en")} | ${i.bytes.toLocaleString("en")} | ${(results.parse[i.name]?.iptrace?.rules ?? 0).toLocaleString("en")} |`);
out.push("");

out.push("## Parse: time and peak memory", "");
const hdr = ["input", ...tools.flatMap((t) => [`${t.key} ms`, `${t.key} MiB`]), "iptrace in-process ms"];
if (tools.some((t) => t.key === "nft")) hdr.push("time iptrace/nft", "time in-process/nft paired (of medians)", "memory iptrace/nft");
out.push("| " + hdr.join(" | ") + " |", "|" + hdr.map((_, k) => (k === 0 ? "---" : "---:")).join("|") + "|");
for (const i of inputs) {
  const p = results.parse[i.name];
  if (!p) continue;
  const inproc = median(results.inproc[i.name]);
  const row = [i.name, ...tools.flatMap((t) => [fmtMs(median(p[t.key].ms)), mib(median(p[t.key].rssKb))]), fmtMs(inproc)];
  if (p.nft) row.push(ratio(median(p.iptrace.ms), median(p.nft.ms)), `${median(results.paired[i.name]).toFixed(2)} (${ratio(inproc, median(p.nft.ms))})`, ratio(median(p.iptrace.rssKb), median(p.nft.rssKb)));
  out.push("| " + row.join(" | ") + " |");
}
out.push("");
for (const i of inputs) {
  const e = results.parse[i.name]?.iptrace?.errors;
  if (e) out.push(`Note: iptrace reported ${e} error(s) on ${i.name}.rules.`);
}

out.push("## Trace: cost per packet", "");
out.push("Verdict-only is `tracePacket(compiled, packet, { detail: \"verdict\" })` (no step objects); full is `tracePacket(compiled, packet)`. `compileRuleset` makes the chains and compiles each one when a walk first enters it: \"first 100 packets\" is the first full trace of the 100 packets, which compiles every chain they meet.", "");
out.push("| input | compile ms | first 100 packets ms | µs/packet verdict-only | packets/s verdict-only | µs/packet full trace | packets/s full | mean steps | verdicts of the 100 packets |", "|---|---:|---:|---:|---:|---:|---:|---:|---|");
for (const i of inputs) {
  const t = results.trace[i.name];
  if (!t) continue;
  if (t.error) {
    out.push(`| ${i.name} | – | failed | – | – | ${t.error.split("\n")[0].replace(/\|/g, "\\|")} |`);
    continue;
  }
  const us = median(t.fullUs);
  const vus = median(t.verdictUs);
  out.push(`| ${i.name} | ${fmtMs(t.compileMs)} | ${fmtMs(t.firstPassMs)} | ${vus.toFixed(1)} | ${Math.round(1e6 / vus).toLocaleString("en")} | ${us.toFixed(1)} | ${Math.round(1e6 / us).toLocaleString("en")} | ${t.meanSteps.toFixed(1)} | ${Object.entries(t.verdicts).map(([k, v]) => `${k} ${v}`).join(", ")}; NAT applied to ${t.natted} |`);
}
out.push("");

// ---- targets ----
const targets = [];
const pb = results.parse[big];
if (pb?.nft) {
  const tr = median(pb.iptrace.ms) / median(pb.nft.ms);
  const ti = median(results.paired[big]);
  const tim = median(results.inproc[big]) / median(pb.nft.ms);
  const mr = median(pb.iptrace.rssKb) / median(pb.nft.rssKb);
  const ci = medianInterval(results.paired[big]);
  const where = ci.high <= 0.5 ? "below 0.5 as a whole" : ci.low > 0.5 ? "above 0.5 as a whole" : "which holds 0.5";
  targets.push(`- parse time at ${big} ≤ 0.5 × iptables-nft-restore --test: whole process ${tr.toFixed(2)} × (${tr <= 0.5 ? "met" : "missed"}); in-process parse ${ti.toFixed(2)} × (${ti <= 0.5 ? "met" : "missed"}; ${Math.round(ci.coverage * 100)} % interval of the median ${ci.low.toFixed(2)}–${ci.high.toFixed(2)}, ${where}; per-round ratios ${results.paired[big].map((x) => x.toFixed(2)).join(", ")}; ratio of the medians ${tim.toFixed(2)} ×)`);
  targets.push(`- peak memory at ${big} ≤ iptables-nft-restore --test's: ${mr.toFixed(2)} × (${mr <= 1 ? "met" : "missed"})`);
}
const ts = results.trace[small];
const tb = results.trace[big];
const tp = results.tracePair;
if (tp?.full && ts?.fullUs && tb?.fullUs) {
  const r = median(tp.full);
  const rv = median(tp.verdict);
  const unpaired = `${(median(tb.fullUs) / median(ts.fullUs)).toFixed(2)} × and ${(median(tb.verdictUs) / median(ts.verdictUs)).toFixed(2)} ×`;
  targets.push(
    `- per-packet trace cost at ${big} ≤ 3 × the cost at ${small} (paired rounds in one process, median of ${tp.full.length}): full trace ${r.toFixed(2)} × (${r <= 3 ? "met" : "missed"}; pairs ${Math.min(...tp.full).toFixed(2)}–${Math.max(...tp.full).toFixed(2)}), verdict-only ${rv.toFixed(2)} × (${rv <= 3 ? "met" : "missed"}); from the table's separate children: ${unpaired}`,
  );
}
const p150 = results.parse[`k8s-${SERVICE_COUNT_150K}`];
if (p150) {
  const warm = median(results.inproc[`k8s-${SERVICE_COUNT_150K}`]);
  const cold = median(p150.iptrace.inChildMs);
  const nft = p150.nft ? `; iptables-nft-restore --test ${fmtMs(median(p150.nft.ms))} ms` : "";
  targets.push(`- issue #2, parse a ${p150.iptrace.rules.toLocaleString("en")}-rule dump well under a second: ${fmtMs(warm)} ms in-process (warm), ${fmtMs(cold)} ms as the first parse of a fresh process, ${fmtMs(median(p150.iptrace.ms))} ms for the whole process${nft} (${warm < 1000 && cold < 1000 ? "under a second" : "not under a second"}, cold and warm)`);
}
out.push("## Targets", "", ...targets, "");
out.push(`Total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s.`, "");

const text = out.join("\n");
process.stdout.write(text);
if (!process.env.BENCH_NO_DOC) {
  const existing = existsSync(join(root, "docs/benchmarks.md")) ? readFileSync(join(root, "docs/benchmarks.md"), "utf8") : "";
  // keep a hand-written analysis section (after the marker) across runs
  const marker = "<!-- analysis: kept across runs -->";
  const kept = existing.includes(marker) ? existing.slice(existing.indexOf(marker)) : "";
  writeFileSync(join(root, "docs/benchmarks.md"), text + (kept ? "\n" + kept : ""));
}
