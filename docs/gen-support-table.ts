/**
 * Writes the table of supported matches and targets into README.md (between the support-table
 * markers) and docs/support.md, from the registries themselves, so the table cannot claim more than
 * the code does. Run: node --import tsx docs/gen-support-table.ts  (--check: exit 1 if stale)
 *
 * What a row says about semantics is read from the extension's own source file: every
 * `kind: "unsupported"` reason it can return, and every `assumption` it can state.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MATCHES } from "../src/ext/match/index.js";
import { TARGETS } from "../src/ext/target/index.js";
import type { OptionSpec } from "../src/ext/types.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Ext {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly family?: 4 | 6;
  readonly options: readonly OptionSpec[];
  readonly allowed?: { readonly tables: readonly string[]; readonly hooks?: readonly string[] };
}

/**
 * The source of the file that declares the extension NAME: an exported object whose first field
 * is `name: "NAME"`, or else a call that makes it (`standard("ACCEPT")`). An option spec's
 * `{ name: "set", … }` (in recent.ts) is not a declaration.
 */
function sourceOf(dir: string, name: string): string | undefined {
  const quoted = `["'\`]${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["'\`]`;
  const declared = new RegExp(`export const \\w+: \\w+Extension<[^=]*> = \\{\\s*name: ${quoted}`);
  const made = new RegExp(`export const \\w+ = \\w+\\(${quoted}`);
  const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".ts") && f !== "index.ts");
  for (const re of [declared, made]) {
    for (const f of files) {
      const text = readFileSync(join(ROOT, dir, f), "utf8");
      if (re.test(text)) return text;
    }
  }
  return undefined;
}

/**
 * Reads the string or template literal that starts at `text[at]` (a quote or backtick), with each
 * `${…}` shown as `…`; nested literals inside `${…}` are skipped whole. Returns it and its end.
 */
function readLiteral(text: string, at: number): { value: string; end: number } {
  const q = text[at];
  let value = "";
  let i = at + 1;
  while (i < text.length && text[i] !== q) {
    if (text[i] === "\\") {
      value += text[i + 1] ?? "";
      i += 2;
    } else if (q === "`" && text.startsWith("${", i)) {
      i = skipExpression(text, i + 2);
      value += "…";
    } else value += text[i++];
  }
  return { value, end: i + 1 };
}

/** The index after the `}` that closes a `${` whose body starts at `i`. */
function skipExpression(text: string, i: number): number {
  let depth = 1;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === '"' || c === "'" || c === "`") {
      i = readLiteral(text, i).end;
      continue;
    }
    i++;
  }
  return i;
}

/** String literals after `reason:` or `assumption` in a source, with `${…}` shown as `…`. */
function literals(text: string, key: RegExp): string[] {
  const out = new Set<string>();
  const re = new RegExp(`${key.source}\\s*[:=]?\\s*(?:[^"\`;]*?\\?\\s*)?(?=["\`])`, "g");
  for (const m of text.matchAll(re)) {
    const lit = readLiteral(text, (m.index ?? 0) + m[0].length).value;
    out.add(lit.replace(/…+/g, "…").replace(/\|/g, "\\|"));
  }
  return [...out];
}

/**
 * Extensions whose semantics the walk holds itself, because their state spans packets and
 * compile() cannot hold it: the Walker method that models each, whose `this.assume(…)` texts
 * belong in the extension's row beside those of its own file. (`statistic --mode nth`: one
 * counter per rule, Walker.nthHit; `limit`: one bucket per rule, Walker.limitHit; `recent`: lists
 * shared by name, Walker.recentHit.)
 */
const MODELLED_BY_WALK: Readonly<Record<string, { readonly file: string; readonly method: string }>> = {
  statistic: { file: "src/sim/walk.ts", method: "nthHit" },
  limit: { file: "src/sim/walk.ts", method: "limitHit" },
  recent: { file: "src/sim/walk.ts", method: "recentHit" },
};

/** The body of method METHOD in a source: from its opening `{` to the `}` that closes it. */
function methodBody(text: string, method: string): string {
  const head = new RegExp(`^\\s*(?:(?:private|protected|public|static)\\s+)*${method}\\s*\\(`, "m").exec(text);
  if (head === null) throw new Error(`no method ${method}`);
  // the signature may hold braces of its own only in types; the body starts at the first `{` after `)`
  const open = text.indexOf("{", text.indexOf(")", head.index + head[0].length));
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    // comments may hold quotes and braces ("the counter's …"): skip them whole, and literals too
    if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i);
    else if (c === "/" && text[i + 1] === "*") i = text.indexOf("*/", i) + 1;
    else if (c === '"' || c === "'" || c === "`") i = readLiteral(text, i).end - 1;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(open, i + 1);
    if (i <= 0) break;
  }
  throw new Error(`method ${method}: no closing brace`);
}

/** What the walk assumes on the extension's behalf (see MODELLED_BY_WALK). */
function walkAssumptions(name: string): string[] {
  const m = MODELLED_BY_WALK[name];
  if (m === undefined) return [];
  const body = methodBody(readFileSync(join(ROOT, m.file), "utf8"), m.method);
  const found = literals(body, /this\.assume\(/);
  if (found.length === 0) throw new Error(`${m.file} ${m.method}: no this.assume(…) text found for ${name}'s row`);
  return found;
}

function semantics(src: string | undefined, name: string): string {
  const walk = walkAssumptions(name);
  if (src === undefined && walk.length === 0) return "yes";
  src ??= "";
  // `reason: "…"` of a compiled form, and `w.unsupported("…")` at walk time (NAT targets)
  const unsupported = [...literals(src, /reason/), ...literals(src, /\.unsupported\(/)];
  const assumed = [...walk, ...literals(src, /assumption/)];
  const parts: string[] = [];
  if (unsupported.length > 0) parts.push(`**not modelled:** ${unsupported.join("; ")}`);
  if (assumed.length > 0) parts.push(`**assumed:** ${assumed.join("; ")}`);
  if (parts.length === 0) return "yes";
  if (unsupported.length === 0) return `yes, ${parts.join(" ")}`;
  // an extension whose every compile path is unsupported is marked "no"
  const onlyUnsupported = !/kind:\s*"(test|verdict|effect|random)"/.test(src);
  return `${onlyUnsupported ? "no" : "partly"}: ${parts.join(" ")}`;
}

function row(e: Ext, dir: string): string {
  const names = [e.name, ...(e.aliases ?? [])].map((n) => `\`${n}\``).join(", ");
  const fam = e.family === undefined ? "4, 6" : String(e.family);
  const opts = e.options.map((o) => `--${o.name}`).join(" ") || "—";
  const where = e.allowed ? e.allowed.tables.join(", ") + (e.allowed.hooks ? ` (${e.allowed.hooks.join(", ")})` : "") : "any";
  return `| ${names} | ${fam} | ${opts} | ${dir.includes("target") ? `${where} | ` : ""}${semantics(sourceOf(dir, e.name), e.name)} |`;
}

function table(): string {
  const matches = [...(MATCHES as readonly Ext[])].sort((a, b) => a.name.localeCompare(b.name));
  const targets = [...(TARGETS as readonly Ext[])].sort((a, b) => a.name.localeCompare(b.name));
  return [
    `${matches.length} match modules and ${targets.length} targets are read, printed back in iptables-save's form, and evaluated as the "semantics" column says. "partly" and "no" list what iptrace cannot decide (the walk then stops with verdict UNSUPPORTED, exit status 3, naming the rule) and what it assumes (named in the trace's \`assumptions\`). A module not listed here is kept as written, reported by \`iptrace check\`, and stops the walk when a packet reaches it.`,
    "",
    "Base matches of every rule: `-s`, `-d`, `-i`, `-o` (with `+` wildcards), `-p`, `-f`, each with `!`.",
    "",
    "| match (`-m`) | family | options | semantics |",
    "|---|---|---|---|",
    ...matches.map((m) => row(m, "src/ext/match")),
    "",
    "Jumps and gotos to user chains (`-j CHAIN`, `-g CHAIN`) and RETURN follow the kernel's stack rules.",
    "",
    "| target (`-j`) | family | options | tables | semantics |",
    "|---|---|---|---|---|",
    ...targets.map((t) => row(t, "src/ext/target")),
  ].join("\n");
}

const START = "<!-- support-table:start (generated by docs/gen-support-table.ts; do not edit) -->";
const END = "<!-- support-table:end -->";

const body = table();
const readmePath = join(ROOT, "README.md");
const readme = readFileSync(readmePath, "utf8");
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error("README.md has no support-table markers");
const next = `${readme.slice(0, a + START.length)}\n${body}\n${readme.slice(b)}`;
const page = `# Supported matches and targets\n\nGenerated from the registries by \`docs/gen-support-table.ts\`; the same table is in the README.\n\n${body}\n`;
if (process.argv.includes("--check")) {
  const stale = next !== readme || readFileSync(join(ROOT, "docs", "support.md"), "utf8") !== page;
  if (stale) {
    console.error("README.md or docs/support.md is stale: run node --import tsx docs/gen-support-table.ts");
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, next);
  writeFileSync(join(ROOT, "docs", "support.md"), page);
}
