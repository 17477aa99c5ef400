/** The typed model of a ruleset. */
export * from "./rule.js";
export * from "./chain.js";
export * from "./ruleset.js";
export * from "./issue.js";
export * from "./match.js";
export * from "./target.js";
