/**
 * A list of 32-bit integers that grows by whole chunks and never copies: a JavaScript array grown
 * by `push` to 70,000 numbers leaves about twice its final size behind in dead copies (8 bytes a
 * number, each copy a large object that only a full collection frees), which showed as 7 MB more
 * peak memory for the parser's log of a big dump. Chunks of 4 bytes a number, read in place.
 */
export class IntList {
  private readonly chunks: Int32Array[] = [];
  private chunk: Int32Array = new Int32Array(CHUNK);
  private used = 0;
  /** How many numbers the list holds. */
  length = 0;

  push(value: number): void {
    if (this.used === CHUNK) {
      this.chunks.push(this.chunk);
      this.chunk = new Int32Array(CHUNK);
      this.used = 0;
    }
    this.chunk[this.used++] = value;
    this.length++;
  }

  /** The number at `index` (0 to length - 1). */
  at(index: number): number {
    const c = index >>> SHIFT;
    return (c < this.chunks.length ? this.chunks[c] : this.chunk)[index & (CHUNK - 1)];
  }
}

const SHIFT = 12;

/** Numbers a chunk holds: 2 ** SHIFT. */
const CHUNK = 4096;
