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

/**
 * Where each line of the last text shown starts: the command line shows many issues of one input,
 * and finding each line from the top made 30,000 issues of a 150,000-line dump take half a minute.
 */
let indexed: { text: string; starts: number[] } | undefined;

function lineStarts(text: string): number[] {
  if (indexed === undefined || indexed.text !== text) {
    const starts = [0];
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
    indexed = { text, starts };
  }
  return indexed.starts;
}

/** The 1-based line `line` of `text`, without its line end. */
export function lineOf(text: string, line: number): string | undefined {
  const starts = lineStarts(text);
  if (!(line >= 1) || line > starts.length) return undefined;
  const start = starts[line - 1];
  if (start > text.length) return undefined;
  const end = line < starts.length ? starts[line] - 1 : text.length;
  return text.slice(start, end).replace(/\r$/, "");
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
