import type { z } from 'zod';

/**
 * A refused input's problems in one line, each after the field it concerns ("key: Harus berupa teks,
 * bukan objek."). The messages are zod's, set to Indonesian; zod's own `prettifyError` adds English
 * ("✖ …", "→ at key") that would reach an answer's message.
 */
export function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.map(String).join('.');
      return field === '' ? issue.message : `${field}: ${issue.message}`;
    })
    .join('; ');
}
