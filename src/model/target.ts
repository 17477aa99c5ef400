/** Targets: a discriminated union on the target name. */
import type { ChainTarget, KnownTarget, UnknownTarget } from "../ext/target/index.js";
export type { ChainTarget, KnownTarget, UnknownTarget } from "../ext/target/index.js";

/** The `-j`/`-g` of a rule, typed by its target. */
export type Target = KnownTarget | ChainTarget | UnknownTarget;
