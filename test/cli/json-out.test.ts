/**
 * JSON written in pieces gives exactly `JSON.stringify`'s text: on every corpus model, on random
 * JSON values, and on the values JSON leaves out or changes (undefined, functions, bigints).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bigintsAsStrings, writeJson } from "../../src/cli/json-out.js";
import { parseRuleset } from "../../src/parse/index.js";
import { corpusFiles } from "../corpus-files.js";

function pieces(value: unknown, indent?: number): { text: string | undefined; writes: number } {
  const out: string[] = [];
  writeJson(value, (s) => out.push(s), indent);
  return { text: out.length === 0 ? undefined : out.join(""), writes: out.length };
}

describe("writeJson", () => {
  it("writes every corpus model as JSON.stringify does, indented or not", () => {
    for (const file of corpusFiles()) {
      const { ruleset } = parseRuleset(readFileSync(file, "utf8"), { source: file });
      for (const indent of [0, 2]) expect(pieces(ruleset, indent).text, `${file}, indent ${indent}`).toBe(JSON.stringify(ruleset, bigintsAsStrings, indent));
    }
  });

  it("writes random JSON values as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(0, 1, 2, 4), (v, indent) => {
        expect(pieces(v, indent).text).toBe(JSON.stringify(v, bigintsAsStrings, indent));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes random JSON values that stand deep inside a big value as JSON.stringify does", () => {
    // a value past the writer's size for one JSON.stringify call is walked, and its small parts
    // are written at their depth (as the items of a big chain's rules are)
    const filler = Array.from({ length: 5000 }, (_, k) => k);
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 8 }), fc.constantFrom(0, 1, 2, 3), (items, indent) => {
        const v = { outer: [{ inner: [...items, filler] }, ...items] };
        expect(pieces(v, indent).text).toBe(JSON.stringify(v, bigintsAsStrings, indent));
      }),
      { numRuns: 150 },
    );
  });

  it("leaves out what JSON leaves out and writes bigints as strings", () => {
    const v = { a: undefined, b: () => 1, c: [undefined, () => 1, 1n << 100n, -0, Number.NaN, new Date(0)], d: {}, e: [], f: new Map([[1, 2]]), g: { h: [[], {}] } };
    for (const indent of [0, 2]) expect(pieces(v, indent).text).toBe(JSON.stringify(v, bigintsAsStrings, indent));
    expect(pieces(undefined).text).toBeUndefined();
    expect(pieces(() => 1).text).toBeUndefined();
    expect(pieces(3n).text).toBe('"3"');
  });

  it("writes a bigint that first turns up deep in a big value, after many pieces without one, as a string", () => {
    // pieces go to JSON.stringify without the replacer until one holds a bigint
    const rules = Array.from({ length: 20_000 }, (_, k) => ({ line: k + 1, source: { value: k === 15_000 ? { family: 6, addr: 1n << 120n } : { family: 4, addr: k } } }));
    for (const indent of [0, 2]) expect(pieces({ rules }, indent).text).toBe(JSON.stringify({ rules }, bigintsAsStrings, indent));
  });

  it("writes a big value in pieces of about a megabyte, no one string holding it all", () => {
    const rules = Array.from({ length: 60_000 }, (_, k) => ({ line: k + 1, matches: [{ module: "comment", comment: `rule ${k}` }], target: { name: "ACCEPT" } }));
    const { text, writes } = pieces({ rules }, 2);
    expect(text).toBe(JSON.stringify({ rules }, bigintsAsStrings, 2));
    expect(writes).toBeGreaterThan(5);
  });
});
