/**
 * Random edits of real rulesets, for the property tests: at a relative position, delete a few
 * characters and insert a piece of iptables syntax (or a random string). PROPERTY_SCALE and
 * PROPERTY_SEED make a longer or a repeated search (fast-check prints the seed of a failure).
 */
import fc from "fast-check";

/** How many times each property runs its usual number of cases (PROPERTY_SCALE, default 1). */
export const SCALE = Number(process.env.PROPERTY_SCALE ?? 1);
/** fast-check's seed from PROPERTY_SEED, to run a found case again. */
export const SEED: { seed?: number } = process.env.PROPERTY_SEED === undefined ? {} : { seed: Number(process.env.PROPERTY_SEED) };

const PIECES = [
  " ", "!", "-", "--", '"', "\\", "\n", "\r\n", ":", "[", "]", "/", ",", "*", "#", "-A", "-j", "-m", "-p", "tcp", "--dport", "0x", "COMMIT", "\t", "\u0000", "é", "::", "1", "65536", "4294967296",
  // restore commands and forms
  "-I", "-D", "-R", "-N", "-X", "-E", "-F", "-Z", "-P", "-g", "-c", "-4", "-6", "--to", "=", "--set-mark", '""', "ACCEPT", "DNAT", "RETURN", "*nat", "*filter", ":X - [0:0]",
];

/** One edit: at a relative position, delete some characters and insert a piece. */
export interface Edit {
  readonly at: number;
  readonly del: number;
  readonly piece: string;
}

export const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  del: fc.nat({ max: 12 }),
  piece: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })),
});

/** `text` with the edits made one after another. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let t = text;
  for (const e of edits) {
    const i = Math.floor(e.at * t.length);
    t = t.slice(0, i) + e.piece + t.slice(i + e.del);
  }
  return t;
}
