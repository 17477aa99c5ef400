/** The real rulesets the parser tests read: every `.rules` file under fixtures/corpus. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Paths of every `.rules` file below fixtures/corpus, in directory order. */
export function corpusFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".rules")) files.push(path);
    }
  };
  walk(join(import.meta.dirname, "../fixtures/corpus"));
  return files;
}
