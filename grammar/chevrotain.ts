/**
 * chevrotain's runtime, loaded from the single-file build that its package ships beside the
 * multi-file one (`lib/chevrotain.mjs`, the same release). The package's entry point loads some
 * 600 modules (lodash-es among them): 0.4 s and 34 MB of a 16 MB dump's parse, spent before the
 * first line. The bundle loads in 0.1 s and 3 MB. When the bundle cannot be found (an unusual
 * install), the entry point is loaded instead; both give the same API.
 *
 * Everything in iptrace that needs chevrotain at run time imports it from here (types may come
 * from "chevrotain" directly), so that one copy of it makes every token type and lexer.
 */
import type * as Chevrotain from "chevrotain";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain"); // …/chevrotain/lib/src/api.js
    const bundle = join(dirname(entry), "..", "chevrotain.mjs");
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  } catch {
    // resolution failed: use the entry point below
  }
  return import("chevrotain");
}

const chevrotain = await load();

export const { createToken, Lexer, EmbeddedActionsParser } = chevrotain;
