/**
 * How the command line shows problems: `file:line:col: error: message`, the offending line, and a
 * caret under the column, as compilers do. No stack traces reach the user.
 */
import type { Issue } from "../model/issue.js";
import type { Style } from "./style.js";

/** A problem that ends the command with exit status 2 (usage or input error). */
export class CliError extends Error {
  /** Builds an error whose message is printed as is. */
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = "CliError";
  }
}

/** The 1-based line `line` of `text`, without its line end. */
export function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let k = 1; k < line; k++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, "");
}

/** The offending line with a caret under `column`, indented behind a `  N | ` gutter. */
export function showLine(text: string, line: number, column: number, style: Style): string[] {
  const src = lineOf(text, line);
  if (src === undefined) return [];
  const gutter = String(line).padStart(5);
  // tabs keep their width only if the caret line copies them
  const pad = src.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, " ");
  return [`${style.dim(`${gutter} |`)} ${src}`, `${style.dim(`${" ".repeat(gutter.length)} |`)} ${pad}${style.red("^")}`];
}

/** One issue as `file:line:col: severity: message [code]` with the line and a caret. */
export function formatIssue(issue: Issue, text: string, style: Style, fallbackSource = "<stdin>"): string {
  const where = `${issue.source ?? fallbackSource}:${issue.line}:${issue.column}`;
  const sev = issue.severity === "error" ? style.red("error") : style.yellow("warning");
  return [`${style.bold(where)}: ${sev}: ${issue.message} ${style.dim(`[${issue.code}]`)}`, ...showLine(text, issue.line, issue.column, style)].join("\n");
}

/** Formats up to `limit` issues, then says how many more there were. */
export function formatIssues(issues: readonly Issue[], text: string, style: Style, source: string, limit = 20): string {
  const shown = issues.slice(0, limit).map((i) => formatIssue(i, text, style, source));
  if (issues.length > limit) shown.push(`… and ${issues.length - limit} more`);
  return shown.join("\n");
}
