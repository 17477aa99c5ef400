/**
 * Records the kernel's canonical text for hand-written restore files:
 * fixtures/kernel-save/NAME.restore → iptables-nft-restore in a fresh namespace → iptables-nft-save
 * → fixtures/kernel-save/NAME.saved. Files named `*.v6.restore` go through ip6tables-nft-*. A file
 * NAME.ipset beside a restore file is fed to `ipset restore` first (the set match and SET target
 * need existing sets), and each line of NAME.nfacct is created with `nfacct add` (the nfacct match
 * needs an existing accounting object; kube-proxy uses one).
 *
 * The .saved files keep what iptables-nft-save prints except its `#` comment lines (they hold
 * the date) and with chain counters zeroed; printer tests compare the table, chain and rule lines.
 *
 * Run: node --import tsx test/kernel/record-save.ts [NAME…]
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertKernelUsable, runIn, runInOk, withScratchNamespace } from "./netns.ts";
import { normaliseSave } from "./trace.ts";

export const SAVE_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/kernel-save");

/** One golden: its name, family, input text and (optional) ipset definitions. */
export interface SaveCase {
  readonly name: string;
  readonly family: 4 | 6;
  readonly restore: string;
  readonly ipset?: string;
  readonly nfacct?: readonly string[];
}

/** Lists fixtures/kernel-save/*.restore, optionally only the given names. */
export async function listSaveCases(only: readonly string[] = []): Promise<SaveCase[]> {
  const files = (await readdir(SAVE_FIXTURES)).filter((f) => f.endsWith(".restore")).sort();
  const cases: SaveCase[] = [];
  for (const file of files) {
    const name = file.slice(0, -".restore".length);
    if (only.length > 0 && !only.includes(name)) continue;
    const ipsetFile = path.join(SAVE_FIXTURES, `${name}.ipset`);
    const nfacctFile = path.join(SAVE_FIXTURES, `${name}.nfacct`);
    cases.push({
      name,
      family: name.endsWith(".v6") ? 6 : 4,
      restore: await readFile(path.join(SAVE_FIXTURES, file), "utf8"),
      ...(existsSync(ipsetFile) ? { ipset: await readFile(ipsetFile, "utf8") } : {}),
      ...(existsSync(nfacctFile)
        ? { nfacct: (await readFile(nfacctFile, "utf8")).split("\n").map((l) => l.trim()).filter(Boolean) }
        : {}),
    });
  }
  return cases;
}

/**
 * Loads one case into a fresh namespace and returns the kernel's save text. Throws with
 * iptables-restore's message (which names the failing line) when the kernel refuses it.
 */
export async function kernelSaveOf(c: SaveCase): Promise<string> {
  return withScratchNamespace(async (ns) => {
    if (c.ipset !== undefined) await runInOk(ns, ["ipset", "restore"], { input: c.ipset });
    for (const name of c.nfacct ?? []) await runInOk(ns, ["nfacct", "add", name]);
    const tool = c.family === 4 ? "iptables-nft" : "ip6tables-nft";
    const restored = await runIn(ns, [`${tool}-restore`], { input: c.restore });
    if (restored.code !== 0) throw new Error(`${c.name}: ${tool}-restore refused it: ${restored.stderr.trim()}`);
    return normaliseSave((await runInOk(ns, [`${tool}-save`])).stdout);
  });
}

async function main(): Promise<void> {
  await assertKernelUsable();
  const cases = await listSaveCases(process.argv.slice(2));
  let failed = 0;
  const started = Date.now();
  for (const c of cases) {
    try {
      const saved = await kernelSaveOf(c);
      await writeFile(path.join(SAVE_FIXTURES, `${c.name}.saved`), saved);
      console.log(`recorded ${c.name}.saved`);
    } catch (error) {
      failed++;
      console.error((error as Error).message);
    }
  }
  console.log(`${cases.length - failed}/${cases.length} save goldens recorded in ${Date.now() - started} ms`);
  if (failed > 0) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
