/**
 * JSON output written in pieces. `JSON.stringify` of a 150,000-rule model makes one 260 MB string
 * and needs 950 MB to do it; a model twice that size passes V8's longest string (2^29 − 24
 * characters) and cannot be written at all. The text is the same as
 * `JSON.stringify(value, bigintsAsStrings, indent)`: containers are walked here, and everything
 * else — strings, numbers, and any value this walk does not know (a toJSON method, a Map) — goes
 * through `JSON.stringify` itself.
 */

/** How bigints (IPv6 addresses) appear in iptrace's JSON: as decimal strings. */
export function bigintsAsStrings(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

/** Pieces are joined and written when this many characters have gathered. */
const FLUSH_AT = 1 << 20;

/** A value of at most this many objects, arrays and array items goes to JSON.stringify whole (4 × faster than this walk). */
const SMALL = 4096;

/** `budget` less the containers and items of `v`, stopping once it is below 0. */
function within(v: unknown, budget: number): number {
  if (v === null || typeof v !== "object") return budget;
  let left = budget - 1;
  if (Array.isArray(v)) {
    left -= v.length;
    for (let k = 0; k < v.length && left >= 0; k++) left = within(v[k], left);
    return left;
  }
  for (const key in v) {
    if (left < 0) break;
    left = within((v as Record<string, unknown>)[key], left);
  }
  return left;
}

/**
 * Writes `value` as JSON to `write`, in pieces of about a megabyte, indented by `indent` spaces per
 * level (as `JSON.stringify`'s third argument), bigints as decimal strings. Writes nothing for a
 * value JSON has no text for (undefined, a function), as `JSON.stringify` returns undefined then.
 */
export function writeJson(value: unknown, write: (s: string) => void, indent = 0): void {
  const pieces: string[] = [];
  let size = 0;
  const put = (s: string) => {
    pieces.push(s);
    size += s.length;
    if (size >= FLUSH_AT) {
      write(pieces.join(""));
      pieces.length = 0;
      size = 0;
    }
  };
  const step = " ".repeat(Math.min(10, Math.max(0, Math.floor(indent))));

  /**
   * Whether a piece held a bigint: until one does, pieces go to JSON.stringify without the
   * replacer, which it calls for every key and which makes it twice as slow (the text is the same
   * when there is no bigint; JSON.stringify throws on a bigint, and that piece is made again).
   */
  let bigints = false;
  const stringify = (v: unknown): string | undefined => {
    if (!bigints) {
      try {
        return JSON.stringify(v, undefined, step);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
        bigints = true; // or a cycle, which the replacer's pass throws on again
      }
    }
    return JSON.stringify(v, bigintsAsStrings, step);
  };

  /** Puts `JSON.stringify`'s text of `v`, its lines indented by `pad`; false when it has none. */
  const whole = (v: unknown, pad: string): boolean => {
    if (pad !== "" && v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON !== "function") return nested(v, pad);
    const s = stringify(v);
    if (s === undefined) return false;
    put(pad === "" ? s : s.replace(/\n/g, `\n${pad}`));
    return true;
  };

  /**
   * `whole` for an object or array below the top: JSON.stringify of `v` inside as many one-item
   * arrays as `pad` has levels indents `v`'s lines exactly as they stand in the whole text, and
   * the wrapping is cut off again. One pass over the text instead of two (a regular expression
   * putting `pad` after each line end took a fifth of the time of a big dump's JSON).
   */
  const nested = (v: object, pad: string): boolean => {
    const depth = pad.length / step.length;
    let wrapped: unknown = v;
    for (let k = 0; k < depth; k++) wrapped = [wrapped];
    const s = stringify(wrapped) as string;
    // each level adds "[\n" and its indent before, and "\n", its indent and "]" after
    const around = 2 * depth + (step.length * depth * (depth - 1)) / 2;
    put(s.slice(around + pad.length, s.length - around));
    return true;
  };

  /** Puts the JSON of `v` (already passed through the replacer); false when it has none. */
  const emit = (v: unknown, pad: string): boolean => {
    if (v === null || typeof v !== "object" || typeof (v as { toJSON?: unknown }).toJSON === "function" || within(v, SMALL) >= 0) return whole(v, pad);
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (v.length === 0) {
        put("[]");
        return true;
      }
      const inner = pad + step;
      put(step === "" ? "[" : `[\n${inner}`);
      for (let k = 0; k < v.length; k++) {
        if (k > 0) put(step === "" ? "," : `,\n${inner}`);
        if (!emit(bigintsAsStrings(String(k), v[k]), inner)) put("null");
      }
      put(step === "" ? "]" : `\n${pad}]`);
      return true;
    }
    // not plain data: as JSON.stringify has it
    if (proto !== Object.prototype && proto !== null) return whole(v, pad);
    const inner = pad + step;
    let first = true;
    for (const key of Object.keys(v)) {
      const item = bigintsAsStrings(key, (v as Record<string, unknown>)[key]);
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      put(first ? (step === "" ? "{" : `{\n${inner}`) : step === "" ? "," : `,\n${inner}`);
      first = false;
      put(JSON.stringify(key));
      put(step === "" ? ":" : ": ");
      emit(item, inner);
    }
    put(first ? "{}" : step === "" ? "}" : `\n${pad}}`);
    return true;
  };

  emit(bigintsAsStrings("", value), "");
  if (pieces.length > 0) write(pieces.join(""));
}
