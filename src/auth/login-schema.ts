import { z } from 'zod';
import { inputText } from '../text-input.js';

/** The login form and the link/takeover posts, as zod schemas: the edge every login request passes. */

/** SHA-256 hex from the login page's script; empty when the page ran without JavaScript. */
const fingerprint = z
  .string()
  .regex(/^([0-9a-f]{64})?$/, 'fingerprint must be 64 hex characters')
  .default('');
export const loginBody = z.object({
  email: inputText().trim().min(3).max(254),
  // Only hashed, never stored or compared as text: any character a set-password form took still works.
  password: z.string().min(1).max(1000),
  fingerprint,
  takeover: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
});
export const tokenBody = z.object({ token: inputText().min(20).max(200), fingerprint });
export const emailBody = z.object({ email: inputText().trim().min(3).max(254) });
export const tokenQuery = z.object({ token: inputText().min(20).max(200) });
