import pg from 'pg';

/**
 * A bystander on the instances' NOTIFY channel: when each event's notification reached a
 * listener (Date.now()). It splits a cross-instance delivery in two: from the event's `at` to the
 * notification (the login's transaction, its commit, the NOTIFY) and from there to the stream
 * (the receiving instance's work and the socket write).
 */
export class NotifyWatch {
  /** Event id → Date.now() when its notification arrived here. */
  readonly arrivals = new Map<string, number>();
  private constructor(private readonly client: pg.Client) {}

  static async start(url: string, schema: string): Promise<NotifyWatch> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    const watch = new NotifyWatch(client);
    client.on('notification', (message) => {
      const at = Date.now();
      const payload = message.payload ?? '';
      const id = payload.startsWith('{')
        ? String((JSON.parse(payload) as { id?: unknown }).id)
        : (/^(\d+):/.exec(payload)?.[1] ?? '');
      if (id !== '' && !watch.arrivals.has(id)) watch.arrivals.set(id, at);
    });
    // The channel the server names after its schema (src/realtime/postgres-channel.ts).
    await client.query(`listen ${pg.escapeIdentifier(`gerbang_realtime_${schema}`.slice(0, 63))}`);
    return watch;
  }

  async stop(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
