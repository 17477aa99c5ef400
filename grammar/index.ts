/** The iptables-save grammar: tokens and the line parser. */
export * from "./tokens.js";
export * from "./parser.js";
