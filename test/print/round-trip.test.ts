/**
 * The printer loses nothing the model holds: parsing the printed text gives back the model the
 * first parse gave (line numbers aside), for every ruleset the tests ship, save and restore form.
 * The same holds for rule lines whose base options (-p, -s, -d, -i, -o) stand after their matches,
 * where the printer moves them to the front as iptables-save does. The printer leaves out only a
 * test that every packet passes, a full port range, as the kernel's iptables-save does; the
 * comparison treats it as no test.
 *
 * The print-stability property (test/parse/property.test.ts) compares printed text with printed
 * text, so it cannot see an option the printer drops: this one compares models.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRuleset, printRuleset } from "../../src/index.js";
import type { Ruleset } from "../../src/index.js";
import { applyEdits, edit, SCALE, SEED } from "../edits.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures");

/** Every iptables text under fixtures/: `.rules` (saved dumps), `.restore` and `.saved` (the kernel-save pairs). */
function rulesetFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...rulesetFiles(path));
    else if (/\.(rules|restore|saved)$/.test(name)) out.push(path);
  }
  return out;
}

const files = rulesetFiles(FIXTURES).map((path) => ({ name: relative(FIXTURES, path), text: readFileSync(path, "utf8") }));

/** A port range that every port is in: the printer leaves it out, so the comparison does too. */
function isFullPortRange(v: unknown): boolean {
  const n = v as { value?: { min?: unknown; max?: unknown }; invert?: unknown } | null;
  return typeof n === "object" && n !== null && n.invert === false && n.value?.min === 0 && n.value?.max === 65535;
}

/** The model as data to compare: no line numbers (printing renumbers), full port ranges left out. */
function comparable(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(comparable);
  if (typeof x !== "object" || x === null) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === "line") continue;
    if ((k === "sport" || k === "dport") && isFullPortRange(v)) continue;
    out[k] = comparable(v);
  }
  return out;
}

/** The first parse's tables, and the tables of the parse of its printed text; undefined when the first has errors. */
function roundTrip(text: string): { first: unknown; second: unknown; printed: string } | undefined {
  const a = parseRuleset(text);
  if (a.issues.some((i) => i.severity === "error")) return undefined;
  const printed = printRuleset(a.ruleset);
  const b = parseRuleset(printed, { family: a.ruleset.family });
  expect(b.issues.filter((i) => i.severity === "error"), printed).toEqual([]);
  return { first: tablesOf(a.ruleset), second: tablesOf(b.ruleset), printed };
}

function tablesOf(r: Ruleset): unknown {
  return comparable({ family: r.family, tables: r.tables });
}

/** Moves base options with their value (`-p tcp`, `! -s 10.0.0.0/8`) from where they stand to just before the target. */
function baseOptionsLast(line: string, pick: number): string {
  const words = line.split(" ");
  const moved: string[] = [];
  const kept: string[] = [];
  let k = 0;
  let seen = 0;
  while (k < words.length) {
    const negated = words[k] === "!" && /^-[psdio]$/.test(words[k + 1] ?? "");
    const at = negated ? k + 1 : k;
    if (k > 1 && /^-[psdio]$/.test(words[at]) && at + 1 < words.length) {
      // the option, its value and its "!" go together, moved or not
      (((pick >> seen++) & 1) === 1 ? moved : kept).push(...words.slice(k, at + 2));
      k = at + 2;
      continue;
    }
    kept.push(words[k]);
    k++;
  }
  const j = kept.findIndex((w) => w === "-j" || w === "-g");
  kept.splice(j < 0 ? kept.length : j, 0, ...moved);
  return kept.join(" ");
}

describe("print then parse gives the same model", () => {
  it("reads at least 100 shipped rulesets, both families, nearly all of them without errors", () => {
    const clean = files.filter((f) => roundTrip(f.text) !== undefined);
    expect(files.length).toBeGreaterThanOrEqual(100);
    // the kernel-save inputs that iptables refuses are kept out of the files, so only a few fail
    expect(clean.length).toBeGreaterThanOrEqual(files.length - 5);
    expect(clean.some((f) => parseRuleset(f.text).ruleset.family === 6)).toBe(true);
  });

  for (const f of files) {
    it(f.name, () => {
      const r = roundTrip(f.text);
      if (r === undefined) return; // a file the parser refuses: the malformed-input tests cover those
      expect(r.second, r.printed).toEqual(r.first);
    });
  }

  it("also when rule lines give -p, -s, -d, -i or -o after their matches", () => {
    const withRules = files.filter((f) => /^-A .* -[psdio] /m.test(f.text));
    const runs = 60 * SCALE;
    let compared = 0;
    fc.assert(
      fc.property(fc.nat({ max: withRules.length - 1 }), fc.nat({ max: 2 ** 20 }), fc.nat(), (k, salt, pick) => {
        const lines = withRules[k].text.split("\n");
        const text = lines.map((l, i) => (l.startsWith("-A ") && ((i * 7 + salt) & 3) === 0 ? baseOptionsLast(l, pick) : l)).join("\n");
        // iptables too refuses some moves (`--dport 80 -p tcp` with no -m tcp): those are skipped
        const r = roundTrip(text);
        if (r === undefined) return;
        compared++;
        expect(r.second).toEqual(r.first);
      }),
      { numRuns: runs, ...SEED },
    );
    expect(compared).toBeGreaterThan(runs / 2);
  });

  it("also after random edits of the shipped rulesets (those that still parse)", () => {
    const runs = 300 * SCALE;
    let compared = 0;
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(edit, { maxLength: 3 }), (k, edits) => {
        const r = roundTrip(applyEdits(files[k].text, edits));
        if (r === undefined) return;
        compared++;
        expect(r.second, r.printed).toEqual(r.first);
      }),
      { numRuns: runs, ...SEED },
    );
    // an edit that breaks the text is skipped: about 30 % of the cases still parse (fewer than an
    // eighth of 300 is more than six standard deviations away, so this fails only when they stop)
    expect(compared).toBeGreaterThan(runs / 8);
  });

  it("leaves out only a full port range, which matches every packet", () => {
    const text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 0:65535 -j ACCEPT\n-A INPUT -p tcp -m tcp ! --dport 0:65535 -j DROP\nCOMMIT\n";
    const r = roundTrip(text);
    expect(r?.printed).toContain("-A INPUT -p tcp -m tcp -j ACCEPT\n");
    expect(r?.printed).toContain("-A INPUT -p tcp -m tcp ! --dport 0:65535 -j DROP\n");
    expect(r?.second).toEqual(r?.first);
  });
});
