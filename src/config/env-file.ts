/**
 * The environment file format of systemd's EnvironmentFile= (its env-file.c), so that
 * /etc/gerbang/gerbang.env means the same to the unit and to `gerbang --env-file`: a shell cannot
 * read it (`MAIL_FROM=Toko <no-reply@…>` is a redirection to a shell), and dotenv parsers differ
 * from systemd on comments after a value and on quotes. What systemd does:
 * - `#` or `;` starts a comment only at the start of a line; after a value it is part of the value;
 * - an unquoted value runs to the end of the line, without surrounding blanks; `\x` is `x`, and a
 *   `\` at the end of a line continues it;
 * - '…' is taken literally; in "…" a backslash escapes `"`, `\`, `` ` `` and `$` (others stay);
 * - text after a closing quote is joined on, blanks between dropped.
 * Unlike systemd, a line that is not `NAME=value` is an error (systemd skips it with a warning).
 */
export type EnvFileResult = { ok: true; values: Record<string, string> } | { ok: false; error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOUBLE_QUOTE_ESCAPES = '"\\`$';

export function parseEnvFile(text: string): EnvFileResult {
  const values: Record<string, string> = {};
  let i = 0;
  let line = 1;
  const at = () => text[i];
  while (i < text.length) {
    while (at() === ' ' || at() === '\t' || at() === '\r') i++;
    if (at() === '\n') {
      i++;
      line++;
      continue;
    }
    if (at() === '#' || at() === ';') {
      while (i < text.length && at() !== '\n') i++;
      continue;
    }
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    const end = text.indexOf('\n', i);
    if (eq === -1 || (end !== -1 && eq > end)) return { ok: false, error: `baris ${line}: bukan NAMA=nilai` };
    const name = text.slice(i, eq).trim();
    if (!NAME.test(name))
      return { ok: false, error: `baris ${line}: nama variabel tidak valid "${name.slice(0, 40)}"` };
    i = eq + 1;
    let value = '';
    let blanks = '';
    let pre = true;
    for (;;) {
      const c = at();
      if (c === undefined || c === '\n') break;
      if (pre && (c === ' ' || c === '\t')) {
        i++;
        continue;
      }
      if (pre && (c === "'" || c === '"')) {
        const close = c;
        i++;
        for (;;) {
          const q = at();
          if (q === undefined) return { ok: false, error: `baris ${line}: tanda kutip ${close} tidak ditutup` };
          i++;
          if (q === close) break;
          if (q === '\n') line++;
          if (close === '"' && q === '\\') {
            const next = at();
            i++;
            if (next === '\n') line++;
            else if (next !== undefined && DOUBLE_QUOTE_ESCAPES.includes(next)) value += next;
            else value += `\\${next ?? ''}`;
            continue;
          }
          value += q;
        }
        continue;
      }
      pre = false;
      i++;
      if (c === '\\') {
        const next = at();
        i++;
        if (next === '\n') {
          line++;
          continue;
        }
        value += blanks + (next ?? '');
        blanks = '';
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') blanks += c;
      else {
        value += blanks + c;
        blanks = '';
      }
    }
    values[name] = value;
  }
  return { ok: true, values };
}
