import { readFileSync } from 'node:fs';
import { parseEnvFile } from '../config/env-file.js';
import { UsageError } from './usage-error.js';

/**
 * `gerbang --env-file /etc/gerbang/gerbang.env <command>`: the unit's own settings for a command
 * run by hand, read as systemd reads them (src/config/env-file.ts). Without it the CLI reads the
 * environment and ./.env; with it ./.env is not read (a stray one in the current folder must not
 * point a command at another database).
 */
let loaded: { path: string; values: Record<string, string> } | undefined;

/** Takes `--env-file PATH` (or `--env-file=PATH`) off the front of the arguments and reads the file. */
export function takeEnvFileOption(argv: string[]): string[] {
  const [first, second] = argv;
  let path: string | undefined;
  let rest = argv;
  if (first === '--env-file') {
    if (second === undefined) throw new UsageError('--env-file butuh path file');
    path = second;
    rest = argv.slice(2);
  } else if (first?.startsWith('--env-file=')) {
    path = first.slice('--env-file='.length);
    rest = argv.slice(1);
  }
  if (path === undefined) return argv;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--env-file ${path} tidak bisa dibaca (${error instanceof Error ? error.message : error})`);
  }
  const parsed = parseEnvFile(text);
  if (!parsed.ok) throw new UsageError(`--env-file ${path}: ${parsed.error}`);
  loaded = { path, values: parsed.values };
  return rest;
}

/** The values of --env-file, if one was given. */
export function environmentFile(): Record<string, string> | undefined {
  return loaded?.values;
}
