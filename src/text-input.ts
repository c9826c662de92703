import { z } from 'zod';

/** The one message every text input refuses NUL with (the field's name comes from the error path). */
export const NUL_REFUSED = 'tidak boleh berisi karakter NUL (\\u0000)';

/** Whether `value` holds a NUL character. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/**
 * A string from outside (JSON body, form, query string) that may reach the database. NUL is legal
 * in JSON ("\u0000") and in URLs (%00), but PostgreSQL cannot hold it in a text value: the query
 * itself fails, which made a 500 where SQLite answered. Refused at the edge, on both dialects
 * alike, as a 400. Chain the field's own rules after it: `inputText().trim().max(100)`.
 */
export function inputText() {
  return z.string().refine((value) => !hasNul(value), { error: NUL_REFUSED });
}
