/** Terminal colour: on for a terminal, off when piped, with NO_COLOR set, or for TERM=dumb. */

/** Wrappers that colour text, or leave it alone when colour is off. */
export interface Style {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
}

const sgr = (on: string, off: string) => (s: string) => `\x1b[${on}m${s}\x1b[${off}m`;
const id = (s: string) => s;

/** A style with colour on or off. */
export function makeStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, bold: id, dim: id, red: id, green: id, yellow: id, cyan: id, magenta: id };
  return {
    enabled,
    bold: sgr("1", "22"),
    dim: sgr("2", "22"),
    red: sgr("31", "39"),
    green: sgr("32", "39"),
    yellow: sgr("33", "39"),
    cyan: sgr("36", "39"),
    magenta: sgr("35", "39"),
  };
}

/** Whether to colour a stream: https://no-color.org, FORCE_COLOR for tests and pagers that keep escapes. */
export function wantColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return isTTY === true;
}
