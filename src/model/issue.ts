/** Diagnostics as data: every problem found in the input, with where it is. */

/** The kinds of problem the parser and the validator report. */
export type IssueCode =
  | "syntax"
  | "unterminated-quote"
  | "unknown-table"
  | "unknown-chain"
  | "unknown-builtin-chain"
  | "duplicate-chain"
  | "rule-outside-table"
  | "missing-commit"
  | "unknown-option"
  | "ambiguous-option"
  | "missing-value"
  | "bad-value"
  | "bad-address"
  | "bad-port"
  | "bad-mark"
  | "bad-protocol"
  | "bad-interface"
  | "bad-policy"
  | "bad-counters"
  | "unknown-match"
  | "unknown-target"
  | "target-not-allowed"
  | "match-not-allowed"
  | "family-mismatch"
  | "chain-loop"
  | "undefined-jump"
  | "bad-command"
  | "chain-in-use"
  | "no-such-rule"
  | "duplicate-option"
  | "counter-overflow";

/** One problem in the input. */
export interface Issue {
  readonly severity: "error" | "warning";
  readonly code: IssueCode | (string & {});
  /** What was expected and what was found. */
  readonly message: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The input's name (file path), when one was given. */
  readonly source?: string;
}

/** Thrown by the throwing parse variant when the input has error-level issues. */
export class IptablesParseError extends Error {
  /** Every issue found, errors and warnings. */
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[]) {
    const errors = issues.filter((i) => i.severity === "error");
    const first = errors[0] ?? issues[0];
    super(first ? `${formatIssueLocation(first)}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ""}` : "parse error");
    this.name = "IptablesParseError";
    this.issues = issues;
  }
}

/** `file:line:col` (or `line:col`) for an issue. */
export function formatIssueLocation(issue: Issue): string {
  return `${issue.source ? `${issue.source}:` : ""}${issue.line}:${issue.column}`;
}
