#!/usr/bin/env node
/** The `iptrace` executable: wires the process to `run` and exits with its status. */
import { readAllStdin } from "./io.js";
import { run } from "./run.js";

const status = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: process.stdin.isTTY === true,
  readStdin: readAllStdin,
  env: process.env,
});
// let pending writes to a pipe finish before the process ends
process.exitCode = status;
