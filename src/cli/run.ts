/**
 * The command line, as a function: argv and an io object in, an exit status out. main.ts wires it
 * to the process; tests call it through the real binary.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseRuleset } from "../parse/index.js";
import { printRuleset } from "../print/index.js";
import type { Issue } from "../model/issue.js";
import type { Ruleset } from "../model/ruleset.js";
import { HELP, readArgs, type Command } from "./args.js";
import { shadowedRules } from "./check.js";
import { CliError, formatIssues } from "./diagnostics.js";
import { readInput, type CliIo } from "./io.js";
import { bigintsAsStrings, writeJson } from "./json-out.js";
import { makeStyle, wantColour, type Style } from "./style.js";

/** Exit statuses; scripts rely on them. */
export const EXIT = { accepted: 0, dropped: 1, error: 2, undecided: 3 } as const;

/** The message for a bare `iptrace …` typed at a terminal with no dump. */
export const NO_INPUT = `iptrace needs a ruleset: the output of iptables-save. Give it one of these ways:
  sudo iptables-save | iptrace --src 172.17.0.2 --dst 203.0.113.10
  iptrace -f rules.txt --src 172.17.0.2 --dst 203.0.113.10
  sudo iptrace --live --src 172.17.0.2 --dst 203.0.113.10
See iptrace --help.`;

/** The package version, read from package.json above this file (src/cli or dist/src/cli). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 8; k++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "iptrace" && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** JSON.stringify that writes bigints (IPv6 addresses in the model) as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, bigintsAsStrings, indent);
}

/** The ruleset text and the name to show for it in messages. */
export interface RulesetInput {
  readonly text: string;
  readonly source: string;
}

/** Reads the ruleset from -f FILE, "-", or piped standard input; refuses a terminal. */
export async function readRulesetInput(file: string | undefined, io: CliIo): Promise<RulesetInput> {
  if (file !== undefined && file !== "-") return { text: await readInput(file, io, "ruleset"), source: file };
  if (io.stdinIsTTY) {
    if (file === "-") throw new CliError(`-f - means standard input, but standard input is a terminal; pipe the dump in`);
    throw new CliError(NO_INPUT);
  }
  const text = await io.readStdin();
  if (text.trim() === "") throw new CliError(`standard input is empty: no ruleset to read.\n${NO_INPUT}`);
  return { text, source: "<stdin>" };
}

/** Parses, printing issues; throws CliError (exit 2) when there are errors. */
export function parseOrFail(input: RulesetInput, io: CliIo, err: Style, family?: 4 | 6): { ruleset: Ruleset; issues: Issue[] } {
  const r = parseRuleset(input.text, { source: input.source, ...(family !== undefined ? { family } : {}) });
  const errors = r.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    const n = errors.length;
    throw new CliError(`${formatIssues(errors, input.text, err, input.source)}\n${n} error${n > 1 ? "s" : ""} in ${input.source}; nothing was traced`);
  }
  return r;
}

async function runParse(cmd: Extract<Command, { kind: "parse" }>, io: CliIo, err: Style): Promise<number> {
  const input = await readRulesetInput(cmd.file, io);
  const { ruleset } = parseOrFail(input, io, err);
  if (cmd.json) {
    // in pieces: the JSON of a big dump is longer than a string can be
    writeJson(rulesetJson(ruleset), (s) => io.stdout.write(s), 2);
    io.stdout.write("\n");
  } else io.stdout.write(printRuleset(ruleset));
  return 0;
}

/**
 * The model as `parse --json` writes it: the Ruleset, except that a table block of `document`
 * whose table is the one in `tables` names it (`{ kind, name, committed }`) rather than holding a
 * second copy of every chain and rule. A block that a later block of the same name replaced keeps
 * its `table`, since `tables` does not have it.
 */
function rulesetJson(ruleset: Ruleset): unknown {
  const inEffect = new Set(ruleset.tables);
  return {
    family: ruleset.family,
    ...(ruleset.source !== undefined ? { source: ruleset.source } : {}),
    lineEnding: ruleset.lineEnding,
    tables: ruleset.tables,
    document: ruleset.document.map((item) =>
      item.kind === "table" && inEffect.has(item.table) ? { kind: "table", name: item.table.name, committed: item.committed } : item.kind === "table" ? { kind: "table", name: item.table.name, committed: item.committed, table: item.table } : item,
    ),
  };
}

async function runCheck(cmd: Extract<Command, { kind: "check" }>, io: CliIo, err: Style): Promise<number> {
  const input = await readRulesetInput(cmd.file, io);
  const r = parseRuleset(input.text, { source: input.source });
  const found = [...r.issues, ...shadowedRules(r.ruleset)].sort((a, b) => a.line - b.line || a.column - b.column);
  const errors = found.filter((i) => i.severity === "error").length;
  const warnings = found.length - errors;
  if (cmd.json) {
    writeJson(found.map((i) => ({ ...i, source: i.source ?? input.source })), (s) => io.stdout.write(s));
    io.stdout.write("\n");
  } else {
    const out = makeStyle(wantColour(io.stdout.isTTY, io.env));
    if (found.length > 0) io.stdout.write(`${formatIssues(found, input.text, out, input.source, Infinity)}\n`);
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    io.stdout.write(found.length === 0 ? `${input.source}: no problems found\n` : `${input.source}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
  }
  return errors > 0 ? 1 : 0;
}

/** Runs the command line; returns the exit status. Never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const err = makeStyle(wantColour(io.stderr.isTTY, io.env));
  try {
    // `iptrace` alone at a terminal: say how to start, not which flag is missing
    if (argv.length === 0 && io.stdinIsTTY) throw new CliError(NO_INPUT);
    const cmd = readArgs(argv);
    switch (cmd.kind) {
      case "help":
        io.stdout.write(HELP);
        return 0;
      case "version":
        io.stdout.write(`iptrace ${version()}\n`);
        return 0;
      case "parse":
        return await runParse(cmd, io, err);
      case "check":
        return await runCheck(cmd, io, err);
      case "trace":
        // loaded only here: parse and check do not need the walk
        return await (await import("./trace-cmd.js")).runTrace(cmd.opts, io, err);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`${e.message.includes("\n") ? "" : "iptrace: "}${e.message}\n`);
      return EXIT.error;
    }
    // a bug in iptrace: say so in one line, keep the stack for those who ask
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`iptrace: internal error: ${msg}\n${io.env.IPTRACE_DEBUG ? `${(e as Error).stack}\n` : "(set IPTRACE_DEBUG=1 for details; please report it)\n"}`);
    return EXIT.error;
  }
}
