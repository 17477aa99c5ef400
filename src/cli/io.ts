/**
 * Where the command's inputs come from: files, standard input, or `iptables-save` run here. Every
 * failure becomes a one-line CliError that names the file.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { CliError } from "./diagnostics.js";

/** The outside world as the command sees it; tests and main.ts provide it. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Whether standard input is a terminal (then it holds no dump). */
  readonly stdinIsTTY: boolean;
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  readonly env: NodeJS.ProcessEnv;
}

/** Reads all of process.stdin as UTF-8. */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a file as UTF-8, or standard input for "-". */
export async function readInput(path: string, io: CliIo, what: string): Promise<string> {
  if (path === "-") {
    if (io.stdinIsTTY) throw new CliError(`${what} "-" means standard input, but standard input is a terminal; pipe the input in`);
    return io.readStdin();
  }
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" :
      code === "EACCES" ? "permission denied" :
      code === "EISDIR" ? "it is a directory" :
      (e as Error).message;
    throw new CliError(`cannot read ${what} ${path}: ${why}`);
  }
}

/** Runs iptables-save (or ip6tables-save) on this machine and returns its output. */
export function runSave(family: 4 | 6): string {
  const cmd = family === 6 ? "ip6tables-save" : "iptables-save";
  try {
    return execFileSync(cmd, [], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") throw new CliError(`--live: ${cmd} is not installed here (or not on PATH)`);
    const first = (err.stderr ?? "").trim().split("\n")[0] || err.message.split("\n")[0];
    throw new CliError(`--live: ${cmd} failed: ${first}${/ermission/.test(first) ? " (run as root: sudo iptrace --live …)" : ""}`);
  }
}
