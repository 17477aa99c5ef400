/**
 * Runs the real command line as a user does: a child process, argv, standard input, exit status.
 * The CLI test files build the project once with tsc (into node_modules/.cache/iptrace-cli, so the
 * build is shared by the test workers and redone only when a source file changed), then spawn
 * `node …/src/cli/main.js` like the installed `iptrace` binary.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DOCKER = "fixtures/seed/docker-default-2020.rules";
const OUT = join(ROOT, "node_modules", ".cache", "iptrace-cli");
const MAIN = join(OUT, "src", "cli", "main.js");

/** A fingerprint of every source file: path, size and mtime. */
function sourceStamp(): string {
  const h = createHash("sha1");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) {
        const s = statSync(p);
        h.update(`${p}:${s.size}:${s.mtimeMs}\n`);
      }
    }
  };
  for (const d of ["src", "grammar"]) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  h.update(readFileSync(join(ROOT, "package.json")));
  return h.digest("hex");
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds the project once for all CLI test workers (a directory as lock). */
function ensureBuilt(): void {
  const stamp = sourceStamp();
  const stampFile = join(OUT, ".stamp");
  const fresh = () => existsSync(MAIN) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp;
  if (fresh()) return;
  mkdirSync(dirname(OUT), { recursive: true });
  const lock = `${OUT}.lock`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (fresh()) return;
      // a lock older than five minutes belongs to a killed run
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for another test worker to build the CLI");
      sleep(200);
    }
  }
  try {
    if (fresh()) return;
    // tsc emits even when some file has type errors; the type check is `npx tsc --noEmit`'s job
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.json"), "--outDir", OUT, "--declaration", "false", "--sourceMap", "false"], { cwd: ROOT, encoding: "utf8" });
    if (!existsSync(MAIN)) throw new Error(`building the CLI failed:\n${r.stdout}${r.stderr}`);
    writeFileSync(stampFile, stamp);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

ensureBuilt();

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `iptrace ARGS` in the repository root; `stdin` undefined means an empty, non-terminal standard input. */
export function iptrace(args: readonly string[], opts: { stdin?: string; env?: Record<string, string> } = {}): CliResult {
  // standard output is a pipe here, so no colour unless a test asks for it
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  Object.assign(env, opts.env);
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, input: opts.stdin ?? "", encoding: "utf8", env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
