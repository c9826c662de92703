/** Calendar days in the seller's time zone (WIB by default), as epoch milliseconds. */

function wallParts(ms: number, timeZone: string): Record<string, number> {
  return Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
}

/** How far the zone's wall clock is ahead of UTC at that instant (Asia/Jakarta: +7 h). */
export function zoneOffset(instant: number, timeZone: string): number {
  const p = wallParts(instant, timeZone);
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Midnight of the day `ms` falls on, in `timeZone`. */
export function startOfDay(now: number, timeZone: string): number {
  const parts = wallParts(now, timeZone);
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1) - zoneOffset(now, timeZone);
}

/** "2026-11-23": the day `ms` falls on in `timeZone` (the value of an <input type="date">). */
export function isoDay(ms: number, timeZone: string): string {
  const p = wallParts(ms, timeZone);
  const pad = (n: number | undefined, w = 2) => String(n ?? 0).padStart(w, '0');
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Midnight of a "YYYY-MM-DD" day in `timeZone`, or null when it is not a real date. */
export function dayStartOf(day: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const noonUtc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 12);
  if (Number.isNaN(noonUtc) || isoDay(noonUtc, 'UTC') !== day) return null;
  // Noon UTC is the same calendar day in every zone within ±12 h (all of Indonesia's).
  return startOfDay(noonUtc, timeZone);
}
