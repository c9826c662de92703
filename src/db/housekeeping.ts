/**
 * Housekeeping (deleting rows nobody needs any more) rides on writes, so an idle server runs no
 * queries; this gate lets each kind run at most once per interval per process. A clock that went
 * backwards (tests, NTP) opens the gate rather than shutting it for good.
 */
export function housekeepingGate(intervalMs = 3_600_000): (now: number) => boolean {
  let lastRunAt = Number.NEGATIVE_INFINITY;
  return (now) => {
    if (now - lastRunAt < intervalMs && now >= lastRunAt) return false;
    lastRunAt = now;
    return true;
  };
}
