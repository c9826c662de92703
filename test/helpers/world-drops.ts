// Schemas of closed worlds, dropped in the background and settled at the end of each test file.

const pendingDrops = new Set<Promise<void>>();
const failedDrops: unknown[] = [];

/**
 * A closed world's schema is dropped while the next test runs (a drop of its ~40 tables took 0.1–0.5 s
 * of every PostgreSQL test). Its connections are closed already, and no other world knows its name.
 */
export function dropLater(drop: () => Promise<void>): void {
  const dropping: Promise<void> = drop()
    .catch((error: unknown) => void failedDrops.push(error))
    .finally(() => pendingDrops.delete(dropping));
  pendingDrops.add(dropping);
}

/** Waits for the drops still under way (test/setup-file.ts runs this after each file); a failed drop fails the file. */
export async function settleWorldDrops(): Promise<void> {
  while (pendingDrops.size > 0) await Promise.all(pendingDrops);
  const failed = failedDrops.splice(0);
  if (failed.length > 0) throw new Error(`dropping ${failed.length} world schema(s) failed: ${String(failed[0])}`);
}
