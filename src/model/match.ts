/** Matches: a discriminated union on the module name. */
import type { KnownMatch, UnknownMatch } from "../ext/match/index.js";
export type { KnownMatch, UnknownMatch } from "../ext/match/index.js";

/** One `-m NAME …` of a rule (the implicit `-p tcp` match included), typed by its module. */
export type Match = KnownMatch | UnknownMatch;
