import type { Server, ServerResponse } from 'node:http';

/** Seconds a client is told to wait before retrying a request refused while this instance drains. */
export const DRAIN_RETRY_AFTER_SECONDS = 5;

/**
 * The first half of a shutdown. While draining, the listener stays open and every new request is
 * answered at once with our own 503 + Retry-After (app.ts): a closed listener would make nginx
 * answer 502 for a lone instance, and a reset would lose the request. Requests already under way
 * when draining began (a webhook whose body is still arriving, one that is committing) are waited
 * for; requests that arrive meanwhile are not, so steady traffic cannot keep the drain open.
 */
export class Drain {
  private readonly open = new Set<ServerResponse>();
  private draining: Promise<void> | null = null;

  get active(): boolean {
    return this.draining !== null;
  }

  /** Counts every request of the listener from its first byte of headers to its last byte out. */
  track(server: Server): void {
    const open = this.open;
    // One listener for every response (`this` is the response): nothing is allocated per request,
    // which matters for the thousands of event streams an instance holds.
    function forget(this: ServerResponse) {
      open.delete(this);
    }
    // Prepended: the response is known before Fastify's handler can answer (and close) it.
    server.prependListener('request', (_request, response: ServerResponse) => {
      if (this.draining) return;
      open.add(response);
      // 'close' comes once, however the response ends.
      response.on('close', forget);
    });
  }

  /** Starts draining (idempotent); resolves once every request that was under way has ended. */
  begin(): Promise<void> {
    this.draining ??= Promise.all(
      [...this.open].map((response) => new Promise<void>((resolve) => response.once('close', () => resolve()))),
    ).then(() => {});
    return this.draining;
  }
}
