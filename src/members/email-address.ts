import { z } from 'zod';

/**
 * The one spelling of an email address Gerbang stores and looks up: trimmed and lower-cased, and
 * refused when it is written with compatibility characters. `toLowerCase()` turns the Kelvin sign
 * (U+212A) into a plain "k", so "\u212Aelvin@…" would land in kelvin@…'s account; fullwidth letters,
 * ligatures (U+FB01 "ﬁ") and the like fold the same way under NFKC, the normalisation mail
 * providers and people's eyes apply. Refusing is safer than folding: the person means another
 * mailbox than the one the characters name, and must not be let into it (UTS #39, confusables).
 */
export const EMAIL_CHARACTERS_REFUSED =
  'Alamat email memakai karakter khusus (mis. tanda Kelvin, huruf lebar penuh atau ligatur). Ketik ulang alamat email dengan huruf biasa.';

/** Invisible and control characters (C0, DEL, C1, format characters such as bidi and zero-width ones). */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
const isAscii = (char: string) => (char.codePointAt(0) ?? 0) < 0x80;

export type CanonicalEmail = { ok: true; email: string } | { ok: false; message: string };

export function canonicalEmail(raw: string): CanonicalEmail {
  const trimmed = raw.trim();
  if (trimmed.normalize('NFKC') !== trimmed || INVISIBLE.test(trimmed))
    return { ok: false, message: EMAIL_CHARACTERS_REFUSED };
  // NFKC leaves a few letters alone whose lower case is ASCII (U+0130 "İ" → "i̇"): still another mailbox.
  for (const char of trimmed)
    if (!isAscii(char) && [...char.toLowerCase()].some(isAscii))
      return { ok: false, message: EMAIL_CHARACTERS_REFUSED };
  return { ok: true, email: trimmed.toLowerCase() };
}

/** The zod edge for an email typed into a form or sent by a client: canonical, or refused with the reason. */
export const emailInput = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .transform((value, ctx) => {
    const checked = canonicalEmail(value);
    if (checked.ok) return checked.email;
    ctx.addIssue({ code: 'custom', message: checked.message });
    return z.NEVER;
  });

/** The message to show for a refused email field: ours for compatibility characters, else `fallback`. */
export function emailProblem(error: z.ZodError, fallback: string): string {
  return error.issues.some((issue) => issue.message === EMAIL_CHARACTERS_REFUSED) ? EMAIL_CHARACTERS_REFUSED : fallback;
}
