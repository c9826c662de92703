/**
 * A source that cannot be read: the message is for the seller, in Indonesian, and says what to
 * check. It never contains the password from the connection URL.
 */
export class LegacySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacySourceError';
  }
}

/** mysql://user:***@host:3306/db — safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(URL tidak valid)';
  }
}
