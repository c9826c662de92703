import { readFileSync } from 'node:fs';

/**
 * This process's soft limit on open file descriptors (`ulimit -n`), from /proc on Linux; null
 * where it cannot be read (other systems) or is unlimited. Node has no getrlimit of its own.
 */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | null {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync(limitsFile, 'utf8'));
    const soft = line?.[1];
    if (!soft || soft === 'unlimited') return null;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * How many event streams this instance holds before refusing new ones: each holds a socket (one
 * descriptor), and `headroom` descriptors stay free for everything else — webhooks, logins, the
 * database, log files — so a crowd of streams can never leave a payment without a socket.
 */
export function streamCeiling(fdLimit: number | null, headroom: number): number {
  return fdLimit === null ? Number.POSITIVE_INFINITY : Math.max(0, fdLimit - headroom);
}
