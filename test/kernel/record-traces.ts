/**
 * Records the kernel's normalised traces of the Docker corpus rulesets:
 * fixtures/kernel-trace/RULESET/CASE.json, the expected output the walk engine is tested against.
 *
 * Run: node --import tsx test/kernel/record-traces.ts [RULESET-NAME…]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DOCKER_RULESETS, dockerCases, REPO_ROOT, TRACE_FIXTURES, type DockerRuleset, type TraceCase } from "./docker-cases.ts";
import { assertKernelUsable, createNetwork, deleteNetwork, type Topology } from "./netns.ts";
import { tracePackets, type PacketLine, type PacketSpec, type TraceStep } from "./trace.ts";

/** The stored form of one traced case. */
export interface TraceFixture {
  /** The ruleset file, relative to the repository root. */
  readonly ruleset: string;
  readonly topology: Topology;
  readonly packet: PacketSpec;
  /** The router's `ip -j addr show`, `ip -j route show` and `ip -6 -j route show`. */
  readonly host: { readonly ipAddrJson: unknown; readonly ipRouteJson: unknown; readonly ip6RouteJson: unknown };
  /** iptables-nft-save (ip6tables for IPv6) of the router after loading, `#` lines dropped. */
  readonly kernelSave: string;
  readonly steps: readonly TraceStep[];
  readonly packetLines: readonly PacketLine[];
  /** Which monitor printed the trace: xtables-monitor (IPv4) or `nft -a monitor` (IPv6). */
  readonly monitor: "xtables-monitor" | "nft monitor";
  /** The monitor's lines for this packet, trace ids masked (they change from run to run). */
  readonly raw: readonly string[];
}

/** Masks the per-run trace id in xtables-monitor and nft monitor lines. */
export function maskTraceIds(raw: string): string[] {
  return raw
    .split("\n")
    .filter((line) => /^\s*(PACKET|TRACE):|^trace id /.test(line))
    .map((line) =>
      line
        .trimEnd()
        .replace(/^(\s*(?:PACKET|TRACE): \d+ )[0-9a-f]{8}/, "$1********")
        .replace(/^trace id [0-9a-f]+/, "trace id ********"),
    );
}

/** Traces one case in an existing network and returns its fixture. */
export async function recordCase(ruleset: DockerRuleset, rulesText: string, c: TraceCase): Promise<TraceFixture> {
  const [fixture] = await recordSequence(ruleset, rulesText, [c]);
  return fixture;
}

/**
 * Traces cases one after the other in an existing network, the ruleset loaded once before the
 * first: state the kernel keeps between packets (connections, `statistic --mode nth` counters)
 * carries over from each case to the next. Returns one fixture per case, in order.
 */
export async function recordSequence(ruleset: DockerRuleset, rulesText: string, cases: readonly TraceCase[]): Promise<TraceFixture[]> {
  const rulesets = ruleset.family === 4 ? { ipv4: rulesText } : { ipv6: rulesText };
  const results = await tracePackets(ruleset.topology, rulesets, cases.map((c) => c.packet));
  return results.map((result, k) => ({
    ruleset: ruleset.file,
    topology: ruleset.topology,
    packet: cases[k].packet,
    host: result.host,
    kernelSave: (ruleset.family === 4 ? result.kernelSave.ipv4 : result.kernelSave.ipv6) ?? "",
    steps: result.steps,
    packetLines: result.packetLines,
    monitor: ruleset.family === 4 ? "xtables-monitor" : "nft monitor",
    raw: maskTraceIds(result.rawMonitor),
  }));
}

/** Records every case of the given rulesets (all by default); one network per topology. */
export async function recordTraces(only: readonly string[] = []): Promise<number> {
  const chosen = DOCKER_RULESETS.filter((r) => only.length === 0 || only.includes(r.name));
  let count = 0;
  let current: Topology | undefined;
  try {
    for (const ruleset of chosen) {
      if (current !== ruleset.topology) {
        await createNetwork(ruleset.topology);
        current = ruleset.topology;
      }
      const rulesText = await readFile(path.join(REPO_ROOT, ruleset.file), "utf8");
      const dir = path.join(TRACE_FIXTURES, ruleset.name);
      await mkdir(dir, { recursive: true });
      for (const c of dockerCases(ruleset, rulesText)) {
        const fixture = await recordCase(ruleset, rulesText, c);
        if (fixture.steps.length === 0) throw new Error(`${ruleset.name}/${c.name}: the kernel printed no trace`);
        await writeFile(path.join(dir, `${c.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
        count++;
        const last = fixture.steps[fixture.steps.length - 1];
        console.log(`${ruleset.name}/${c.name}: ${fixture.steps.length} steps, last ${last.table}:${last.chain} ${last.verdict}`);
      }
    }
  } finally {
    // Only this run's network: other `ipt-` namespaces may belong to a concurrent run.
    if (current) await deleteNetwork(current);
  }
  return count;
}

async function main(): Promise<void> {
  await assertKernelUsable();
  const started = Date.now();
  const count = await recordTraces(process.argv.slice(2));
  console.log(`${count} kernel traces recorded in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
