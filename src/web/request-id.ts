import { randomUUID } from 'node:crypto';

/**
 * A request's id: the caller's X-Request-Id when it looks like one (a proxy's or a client's
 * correlation id), else a new UUID. Arbitrary bytes are never echoed into logs or headers.
 */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}
