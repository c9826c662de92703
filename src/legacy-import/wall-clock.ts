import { zoneOffset } from '../shared/zoned-day.js';

/**
 * The old tables store DATETIME without a zone: the wall clock of the old server, which for an
 * Indonesian shop is DISPLAY_TIMEZONE (Asia/Jakarta by default). Returns epoch ms, or null for an
 * empty or impossible value (MySQL's zero date 0000-00-00 included).
 */
export function wallClockToEpoch(text: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text.trim());
  if (!m) return null;
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) {
    const instant = Date.parse(text.trim());
    return Number.isNaN(instant) ? null : instant;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  if (!y || !mo || !d) return null;
  const guess = Date.UTC(y, mo - 1, d, h ?? 0, mi ?? 0, s ?? 0);
  return guess - zoneOffset(guess, timeZone);
}
