/**
 * Keyset pagination for the operators' lists: newest first on id, `before` being the last id of the
 * previous page, so page 500 costs what page 1 costs (an OFFSET would read and drop every row before).
 */

export const PAGE_SIZE = 50;

/** Ids are 32-bit (PostgreSQL serial). */
export const MAX_ID = 2_147_483_647;

export interface PageQuery {
  before?: number | undefined;
  limit?: number;
}

export interface Paged<T> {
  rows: T[];
  /** `before` for the next page, or null on the last one. */
  next: number | null;
}

/** The id every row of the page is below: always present, so the first page is an index range too (never a table scan). */
export function keysetBound(query: PageQuery): number {
  return Math.min(query.before ?? MAX_ID, MAX_ID);
}

/** One row more than shown (fetch `limit + 1`) tells whether there is a next page, without a COUNT(*). */
export function paged<T extends { id: number }>(rows: T[], limit: number): Paged<T> {
  const shown = rows.slice(0, limit);
  return { rows: shown, next: rows.length > limit ? (shown.at(-1)?.id ?? null) : null };
}
