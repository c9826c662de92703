import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';

/**
 * The env file must mean the same to systemd (EnvironmentFile=) and to `gerbang --env-file`. The
 * judge is systemd's own parser: its environment.d generator reads files with the same code
 * (env-file.c) and prints what it read; it also expands `$VAR`, so the samples hold no `$`.
 */
const GENERATOR = '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator';

function systemdReads(text: string): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'gerbang-envd-'));
  try {
    mkdirSync(join(home, 'environment.d'));
    writeFileSync(join(home, 'environment.d', '50-gerbang.conf'), text);
    const run = spawnSync(GENERATOR, [], { env: { XDG_CONFIG_HOME: home }, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`generator failed: ${run.stderr}`);
    const values: Record<string, string> = {};
    for (const line of run.stdout.split('\n')) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!match?.[1]) continue;
      const raw = match[2] ?? '';
      // Printed shell-quoted when needed: "…" with \ before " \ ` $.
      values[match[1]] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(["\\`$])/g, '$1') : raw;
    }
    return values;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Only the variables of the file: the generator also prints the machine's own environment.d. */
function parsedNames(text: string): Record<string, string> {
  const parsed = parseEnvFile(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.values;
}

describe('the env file read as systemd reads it', () => {
  it('the shipped example (deploy/gerbang.env.example) reads the same', () => {
    const example = readFileSync(new URL('../../deploy/gerbang.env.example', import.meta.url), 'utf8');
    const ours = parsedNames(example);
    expect(ours.MAIL_FROM).toBe('Toko Contoh <no-reply@toko.example.com>');
    const theirs = systemdReads(example);
    for (const [name, value] of Object.entries(ours)) expect([name, theirs[name]]).toEqual([name, value]);
  });

  it('comments, quotes, blanks, escapes and continued lines read the same', () => {
    const tricky = [
      '# a comment line',
      '; another',
      '   INDENTED=yes',
      'MAIL_FROM=Toko <no-reply@toko.example>',
      'TRAILING_COMMENT=value # stays part of the value',
      'SPACED =  around  ',
      'DOUBLE="quoted # not a comment"  ',
      "SINGLE='single \\n kept'",
      'ESCAPED="a \\"b\\" c \\\\ d \\x"',
      'JOINED="first"second',
      'BACKSLASH=a\\ b\\\\c',
      'CONTINUED=one \\',
      'two',
      'EMPTY=',
      'URL=smtps://toko%40example.com:r4h%40sia@mail.example.com:465?pool=true',
      'LAST=no newline at the end',
    ].join('\n');
    const ours = parsedNames(tricky);
    const theirs = systemdReads(tricky);
    for (const [name, value] of Object.entries(ours)) expect([name, theirs[name] ?? '']).toEqual([name, value]);
    expect(Object.keys(ours)).toHaveLength(13);
  });

  it('a line that is not NAME=value is refused with its number (systemd would skip it)', () => {
    expect(parseEnvFile('A=1\nexport B=2\n')).toEqual({
      ok: false,
      error: 'baris 2: nama variabel tidak valid "export B"',
    });
    expect(parseEnvFile('A=1\n\njust words\n')).toEqual({ ok: false, error: 'baris 3: bukan NAMA=nilai' });
  });
});
