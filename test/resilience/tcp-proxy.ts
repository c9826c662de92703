import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * A TCP proxy on loopback that a test can cut, to take a real service (PostgreSQL) away from the
 * server under test without stopping it for everyone else on the machine:
 * - `refuse`: open connections are reset, new ones are reset as soon as they arrive (the host is up,
 *   the service is not);
 * - `blackhole`: open connections are reset, new ones are accepted and never answered (a network
 *   partition: only the client's own timeout ends the wait).
 * - `stall`: open connections stay open but nothing passes either way, and new ones are accepted and
 *   never answered (a database frozen, or packets dropped without a reset: nothing tells the
 *   client, whose statement on a pooled connection just waits).
 * `restore()` lets connections through again on the same port (stalled ones carry on).
 */
export type ProxyState = 'up' | 'refuse' | 'blackhole' | 'stall';

export interface TcpProxy {
  readonly port: number;
  readonly state: ProxyState;
  /** Connections accepted since start (the server reconnecting after a cut shows here). */
  readonly accepted: number;
  cut(mode: Exclude<ProxyState, 'up'>): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: ProxyState = 'up';
  let accepted = 0;
  const live = new Set<Socket>();
  const held = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const reset = (socket: Socket) => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };

  const server = createServer((client) => {
    accepted += 1;
    client.on('error', () => {});
    if (state === 'refuse') return reset(client);
    if (state === 'blackhole' || state === 'stall') {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => reset(client));
    client.on('error', () => reset(upstream));
    for (const socket of [client, upstream]) {
      live.add(socket);
      socket.on('close', () => {
        live.delete(socket);
        // One side gone: the other goes too, as a broken path would take both.
        reset(socket === client ? upstream : client);
      });
    }
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    get state() {
      return state;
    },
    get accepted() {
      return accepted;
    },
    cut(mode) {
      state = mode;
      if (mode !== 'stall') {
        for (const socket of [...live]) reset(socket);
        return;
      }
      // Bytes stop moving; each side's kernel buffers fill and then its writes wait too.
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      const wasStalled = state === 'stall';
      state = 'up';
      if (wasStalled) {
        for (const { client, upstream } of pairs) {
          client.pipe(upstream);
          upstream.pipe(client);
        }
      }
      // Connection attempts held in the black hole fail now; the client's next attempt goes through.
      for (const socket of [...held]) reset(socket);
    },
    async close() {
      for (const socket of [...live, ...held]) reset(socket);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same PostgreSQL URL, through the proxy (search_path and other options kept). */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}
