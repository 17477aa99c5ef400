/** Parsing iptables-save / iptables-restore text into the model. */
import type { Issue } from "../model/issue.js";
import { IptablesParseError } from "../model/issue.js";
import type { Ruleset } from "../model/ruleset.js";
import { buildRuleset, type ParseOptions } from "./build.js";

export type { ParseOptions } from "./build.js";
export { guessFamily } from "./build.js";

/** Parses iptables-save or iptables-restore text; never throws on bad input, reports issues instead. */
export function parseRuleset(text: string, options: ParseOptions = {}): { ruleset: Ruleset; issues: Issue[] } {
  return buildRuleset(text, options);
}

/** Parses like parseRuleset, but throws IptablesParseError when there is any error-level issue. */
export function parseRulesetOrThrow(text: string, options: ParseOptions = {}): { ruleset: Ruleset; issues: Issue[] } {
  const result = buildRuleset(text, options);
  if (result.issues.some((i) => i.severity === "error")) throw new IptablesParseError(result.issues);
  return result;
}
