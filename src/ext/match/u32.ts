/** `-m u32` (xt_u32): tests on 32-bit words read at computed offsets of the packet. */
import type { NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** How a location number combines with the value so far: `&` mask, `<<`/`>>` shift, `@` move to that offset. */
export type U32Op = "&" | "<<" | ">>" | "@";

/** One `LOCATION=VALUES` test. */
export interface U32Test {
  /** The first number (a byte offset), then operator–number pairs. */
  readonly start: number;
  readonly steps: readonly { readonly op: U32Op; readonly number: number }[];
  /** The word must lie in one of these ranges. */
  readonly values: readonly NumRange[];
}

/** The typed `-m u32` match: tests joined by `&&`. */
export interface U32Match {
  readonly module: "u32";
  readonly tests: readonly U32Test[];
  readonly invert: boolean;
}

/** kernel: XT_U32_MAXSIZE bounds tests, location numbers and values. */
const MAX = 10;

/** Parses a u32 expression as libxt_u32's u32_parse (numbers as strtoul base 0, spaces allowed between tokens). */
export function parseU32(text: string): U32Test[] | string {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const num = (): number | string => {
    skip();
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(i));
    if (!m) return `at character ${i}: a number was expected`;
    const v = m[1].startsWith("0x") || m[1].startsWith("0X") ? parseInt(m[1].slice(2), 16) : m[1].length > 1 && m[1][0] === "0" ? parseInt(m[1], 8) : Number(m[1]);
    if (v > 0xffffffff) return `at character ${i}: ${m[1]} is larger than 0xffffffff`;
    i += m[1].length;
    return v;
  };
  const tests: U32Test[] = [];
  for (;;) {
    const start = num();
    if (typeof start === "string") return start;
    const steps: { op: U32Op; number: number }[] = [];
    for (;;) {
      skip();
      if (text[i] === "=") {
        i++;
        break;
      }
      let op: U32Op;
      if (text[i] === "&") op = "&";
      else if (text.startsWith("<<", i)) op = "<<";
      else if (text.startsWith(">>", i)) op = ">>";
      else if (text[i] === "@") op = "@";
      else return i >= text.length ? "the location is not followed by =VALUE" : `at character ${i}: an operator (&, <<, >>, @) or = was expected`;
      i += op.length;
      const n = num();
      if (typeof n === "string") return n;
      steps.push({ op, number: n });
      if (steps.length + 1 > MAX) return `at character ${i}: at most ${MAX} numbers in one location`;
    }
    const values: NumRange[] = [];
    for (;;) {
      const lo = num();
      if (typeof lo === "string") return lo;
      skip();
      let hi = lo;
      if (text[i] === ":") {
        i++;
        const h = num();
        if (typeof h === "string") return h;
        hi = h;
      }
      values.push({ min: lo, max: hi });
      if (values.length > MAX) return `at character ${i}: at most ${MAX} values in one test`;
      skip();
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    tests.push({ start, steps, values });
    if (tests.length > MAX) return `at most ${MAX} tests joined by &&`;
    skip();
    if (i >= text.length) return tests;
    if (!text.startsWith("&&", i)) return `at character ${i}: "," or "&&" was expected`;
    i += 2;
  }
}

const h = (v: number) => `0x${v.toString(16)}`;

/** u32_dump: every number in lower-case hex, no spaces. */
export function formatU32(tests: readonly U32Test[]): string {
  return tests
    .map((t) => `${h(t.start)}${t.steps.map((s) => `${s.op}${h(s.number)}`).join("")}=${t.values.map((v) => (v.min === v.max ? h(v.min) : `${h(v.min)}:${h(v.max)}`)).join(",")}`)
    .join("&&");
}

export const u32: MatchExtension<U32Match> = {
  name: "u32",
  options: [{ name: "u32", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m u32 needs --u32 TESTS", ctx.where);
    const tests = parseU32(u.values[0] ?? "");
    if (typeof tests === "string") return ctx.error("bad-value", `--u32: ${tests}; found "${u.values[0] ?? ""}"`, u, 0);
    return { module: "u32", tests, invert: u.invert };
  },
  print(m) {
    return `${m.invert ? "! " : ""}--u32 "${formatU32(m.tests)}"`;
  },
  compile() {
    return { kind: "unsupported", reason: "u32: reads raw packet bytes at computed offsets, and the packet's bytes are not modelled" };
  },
};
