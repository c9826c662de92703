import { z } from 'zod';
import { emailInput } from '../members/index.js';
import { inputText } from '../text-input.js';

/** The login form and the link/takeover posts, as zod schemas: the edge every login request passes. */

/**
 * Read at parse time: src/members' index reaches back into auth (the member pages), so while this
 * module is first evaluated its exports may not be defined yet.
 */
const email = z.lazy(() => emailInput);

/** SHA-256 hex from the login page's script; empty when the page ran without JavaScript. */
const fingerprint = z
  .string()
  .regex(/^([0-9a-f]{64})?$/, 'fingerprint must be 64 hex characters')
  .default('');
export const loginBody = z.object({
  email,
  // Only hashed, never stored or compared as text: any character a set-password form took still works.
  password: z.string().min(1).max(1000),
  fingerprint,
  takeover: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
  /** The page to go back to (checked by safeReturnPath; anything else is dropped, not refused). */
  lanjut: z.string().max(500).optional(),
});
export const tokenBody = z.object({ token: inputText().min(20).max(200), fingerprint });
/** An emailed login link used; an admin's also carries the admin password. */
export const linkBody = tokenBody.extend({ password: z.string().max(1000).default('') });
export const emailBody = z.object({ email });
export const tokenQuery = z.object({ token: inputText().min(20).max(200) });
