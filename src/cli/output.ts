/**
 * Everything the CLI prints for people goes through `terminalSafe`: buyer names, product titles and
 * refused webhook bodies come from strangers, and an ESC or CSI in them would drive the operator's
 * terminal (rewrite the screen, set the title, in some terminals paste or run things). JSON output
 * (--json) is for scripts and stays byte-exact; JSON.stringify already escapes C0 itself.
 */

/**
 * C0 controls except TAB and LF, DEL, the C1 controls (U+009B is a one-character CSI), and the bidi
 * controls that make text display in another order than it is stored (Trojan Source, CVE-2021-42574).
 */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
/** Line structure is kept: a table cell has its whitespace folded already, a body keeps its lines. */
const KEPT = new Set(['\t', '\n']);

/** The text with each unsafe character written out as a visible escape (`\x1b`, `\u202e`). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (KEPT.has(c)) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Human-readable output on stdout. */
export function say(text: string): void {
  process.stdout.write(terminalSafe(text));
}

/** Human-readable messages on stderr (they may quote what was stored or typed). */
export function complain(text: string): void {
  process.stderr.write(terminalSafe(text));
}

/** --json output: exact, one document. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Times on the terminal are in the seller's zone (DISPLAY_TIME_ZONE, WIB by default), like the
 * console's: "2026-11-23 12:00:00 WIB". One zone per process: configFromEnvironment sets it.
 */
let terminalTimeZone = 'Asia/Jakarta';

export function useTimeZone(timeZone: string): void {
  terminalTimeZone = timeZone;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const wall = new Intl.DateTimeFormat('sv-SE', {
    timeZone: terminalTimeZone,
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(ms);
  const zone =
    new Intl.DateTimeFormat('id-ID', { timeZone: terminalTimeZone, timeZoneName: 'short' })
      .formatToParts(ms)
      .find((p) => p.type === 'timeZoneName')?.value ?? terminalTimeZone;
  return `${wall} ${zone}`;
}

/** Output for list commands: an aligned table for people, or a JSON array with --json for scripts. */
export function printRows(rows: Record<string, unknown>[], columns: string[], json: boolean): void {
  if (json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) {
    say('(kosong)\n');
    return;
  }
  // Escaped before measuring, so the columns line up with what is shown.
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : terminalSafe(String(v).replace(/\s+/g, ' ')));
  const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 10;
        return (v.length > w ? `${v.slice(0, w - 1)}…` : v).padEnd(w);
      })
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(r[c])))}\n`);
}
