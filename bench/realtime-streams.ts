import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { SseFrame } from './realtime-sse-reader.js';
import { ChunkedDecoder, SseReader } from './realtime-sse-reader.js';

/**
 * Thousands of browsers' event streams, each a bare TCP socket with a hand-written request: a
 * node:http ClientRequest per stream would cost the bench more memory and CPU than the server.
 * Every frame is stamped with the moment its bytes arrived, on both clocks: Date.now() (the same
 * clock the server's `at` field uses, on this machine) and performance.now() (for end-to-end times).
 */

const OPEN_TIMEOUT_MS = 30_000;
/** Heartbeats closer together than this belong to one wake of the server's heartbeat timer (wakes are 50 ms apart). */
const BURST_GAP_MS = 20;
/** An ephemeral port is unique per (local address, remote address, remote port): ~28,000 per address. */
const STREAMS_PER_LOCAL_ADDRESS = 20_000;

export interface ReceivedEvent {
  stream: number;
  id: string;
  event: string;
  data: string;
  /** Date.now() when its bytes arrived. */
  wallMs: number;
  /** performance.now() at the same moment. */
  perfMs: number;
}

export interface StreamCredentials {
  sessionCookie: string;
  deviceCookie: string;
}

export interface StreamTarget {
  host: string;
  port: number;
  /** With several instances: the port stream `index` opens on (default `port`). */
  portFor?: (index: number) => number;
  cookieNames: { session: string; device: string };
  userAgent: string;
}

/** One tick of the server's heartbeat as the streams saw it: the first to the last ping that arrived. */
export interface HeartbeatBurst {
  startMs: number;
  endMs: number;
  pings: number;
}

export class StreamFleet {
  readonly events: ReceivedEvent[] = [];
  readonly bursts: HeartbeatBurst[] = [];
  opened = 0;
  heartbeats = 0;
  /** Streams that ended or broke while the bench still held them, without a revocation first. */
  readonly lost: number[] = [];
  /** Streams the server ended after delivering their session's revocation (as it should). */
  readonly endedAfterRevocation: number[] = [];
  private readonly sockets = new Map<number, Socket>();
  private closing = false;

  constructor(readonly target: StreamTarget) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Resolves once the server said `: connected` (it subscribed this stream to the member's events). */
  open(index: number, credentials: StreamCredentials): Promise<void> {
    const { host, cookieNames, userAgent } = this.target;
    const port = this.target.portFor?.(index) ?? this.target.port;
    const request =
      `GET /api/realtime/stream HTTP/1.1\r\nhost: ${host}:${port}\r\nuser-agent: ${userAgent}\r\n` +
      'accept: text/event-stream\r\ncache-control: no-cache\r\n' +
      `cookie: ${cookieNames.session}=${credentials.sessionCookie}; ${cookieNames.device}=${credentials.deviceCookie}\r\n\r\n`;
    return new Promise<void>((resolve, reject) => {
      const localAddress = localAddressFor(index);
      const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
      socket.setNoDelay(true);
      let head: Buffer | null = Buffer.alloc(0);
      const chunked = new ChunkedDecoder();
      const sse = new SseReader();
      let connected = false;
      let failed = false;
      let wallMs = 0;
      let perfMs = 0;
      const fail = (why: string) => {
        if (connected || failed) return;
        failed = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`stream ${index}: ${why}`));
      };
      const timer = setTimeout(() => fail(`no ": connected" within ${OPEN_TIMEOUT_MS} ms`), OPEN_TIMEOUT_MS);
      const onFrame = (frame: SseFrame) => {
        for (const comment of frame.comments) {
          if (comment === 'ping') this.recordHeartbeat(perfMs);
          else if (comment === 'connected' && !connected && !failed) {
            connected = true;
            clearTimeout(timer);
            this.opened += 1;
            this.sockets.set(index, socket);
            resolve();
          }
        }
        if (frame.event !== undefined || frame.data.length > 0)
          this.events.push({
            stream: index,
            id: frame.id ?? '',
            event: frame.event ?? 'message',
            data: frame.data.join('\n'),
            wallMs,
            perfMs,
          });
      };
      socket.once('connect', () => socket.write(request));
      socket.on('data', (bytes: Buffer) => {
        wallMs = Date.now();
        perfMs = performance.now();
        let body = bytes;
        if (head) {
          head = Buffer.concat([head, bytes]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          const text = head.toString('latin1', 0, end + 2);
          body = head.subarray(end + 4);
          head = null;
          const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
          if (status !== '200') return fail(`answered ${status ?? '?'}: ${body.toString('utf8').slice(0, 200)}`);
          if (!/\r\ntransfer-encoding: chunked\r\n/i.test(text)) return fail('answer is not chunked');
        }
        try {
          const ended = chunked.push(body, (piece) => sse.push(piece, onFrame));
          if (ended) socket.end();
        } catch (error) {
          fail(String(error));
          socket.destroy();
        }
      });
      socket.on('error', (error) => fail(error.message));
      socket.on('close', () => {
        fail('closed before ": connected"');
        if (connected && this.sockets.get(index) === socket) {
          this.sockets.delete(index);
          const revoked = this.events.some((e) => e.stream === index && e.event === 'session.revoked');
          if (revoked) this.endedAfterRevocation.push(index);
          else if (!this.closing) this.lost.push(index);
        }
      });
    });
  }

  /** Hangs up every stream (the bench is done with them). */
  closeAll(): void {
    this.closing = true;
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
  }

  private recordHeartbeat(perfMs: number): void {
    this.heartbeats += 1;
    const last = this.bursts[this.bursts.length - 1];
    if (last && perfMs - last.endMs < BURST_GAP_MS) {
      last.endMs = perfMs;
      last.pings += 1;
    } else {
      this.bursts.push({ startMs: perfMs, endMs: perfMs, pings: 1 });
    }
  }
}

/** Beyond 20,000 streams, client sockets spread over 127.0.0.2, .3, … (all of 127/8 is loopback on Linux). */
export function localAddressFor(index: number): string | undefined {
  const group = Math.floor(index / STREAMS_PER_LOCAL_ADDRESS);
  return group === 0 ? undefined : `127.0.0.${1 + group}`;
}

/** Runs `task(0 … count−1)` with at most `limit` in flight; resolves when all ended. */
export async function runLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/**
 * How long before an arrival a heartbeat tick counts as overlapping it. A fixed window, not the
 * whole flight of the push: heartbeats now come in short ticks every 50 ms, so a long delivery
 * would overlap one merely by lasting (and slow ones would all be counted "during a tick").
 * Whatever waited behind a tick's writes arrives within a few ms of that tick.
 */
export const TICK_OVERLAP_WINDOW_MS = 5;

/** Whether a heartbeat tick's pings arrived in the window just before (or at) this arrival. */
export function nearTick(arrivalPerf: number, bursts: readonly HeartbeatBurst[]): boolean {
  return bursts.some((b) => b.startMs <= arrivalPerf && b.endMs >= arrivalPerf - TICK_OVERLAP_WINDOW_MS);
}
