import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { plainAddress } from './config/index.js';

export interface ConnectionCapOptions {
  /** Open connections one remote address may hold (MAX_CONNECTIONS_PER_IP). */
  max: number;
  /** Peers never capped: the trusted reverse proxy carries every client's connections. */
  exempt: (address: string) => boolean;
  log: Logger;
}

/**
 * Caps the open connections of each remote address. Request and header timeouts end one slow
 * connection; this stops one address from holding hundreds of them at once (a slowloris), which
 * would starve file descriptors and memory while Lynk's genuine delivery waits for a socket.
 * A connection past the cap is destroyed before a byte is read from it.
 *
 * Behind a proxy every connection comes from the proxy's address, so trusted proxies are exempt
 * (TRUST_PROXY): the proxy is the one to limit its clients. With a hop count every peer counts as
 * the proxy, so nothing is capped here; give the proxy's address instead to keep the cap for
 * anything else that reaches the port.
 */
export function capConnectionsPerAddress(
  server: Server,
  options: ConnectionCapOptions,
): { open(address: string): number } {
  const open = new Map<string, number>();
  let lastWarning = 0;
  server.on('connection', (socket) => {
    const address = plainAddress(socket.remoteAddress ?? '');
    if (address === '' || options.exempt(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > options.max) {
      socket.destroy();
      // One line a minute, not one per refused socket: the flood must not fill the log too.
      const now = Date.now();
      if (now - lastWarning > 60_000) {
        lastWarning = now;
        options.log.warn(
          { ip: address, max: options.max },
          'connection refused: too many open connections from one address',
        );
      }
      return;
    }
    open.set(address, count);
    // 'close' comes once (on, not once: once would wrap the listener in two more objects per socket,
    // and an instance holds thousands of sockets, its event streams).
    socket.on('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return { open: (address) => open.get(address) ?? 0 };
}
