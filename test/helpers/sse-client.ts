import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';

/** One SSE frame as a browser's EventSource would parse it (comments kept, for heartbeats). */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comment = line.slice(1).trimStart();
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value;
  }
  return frame;
}

/**
 * A loopback HTTP client for the event stream: it keeps everything received, parses frames, and
 * records how the response ended (the server closing it, or us).
 */
export class SseConnection {
  raw = '';
  /** True once the server ended the response (the 'end' event, not our own abort). */
  endedByServer = false;
  readonly ended: Promise<void>;
  private waiters = new Set<() => void>();
  private destroy: () => void = () => {};

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    ended: Promise<void>,
  ) {
    this.ended = ended;
  }

  static open(port: number, path: string, headers: Record<string, string> = {}): Promise<SseConnection> {
    return new Promise((resolve, reject) => {
      // agent: false → a connection of its own, as each EventSource has.
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        headers: { accept: 'text/event-stream', ...headers },
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let markEnded: () => void = () => {};
        const ended = new Promise<void>((r) => {
          markEnded = r;
        });
        const connection = new SseConnection(res.statusCode ?? 0, res.headers, ended);
        connection.destroy = () => req.destroy();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          connection.raw += chunk;
          for (const wake of [...connection.waiters]) wake();
        });
        res.on('end', () => {
          connection.endedByServer = true;
          markEnded();
          for (const wake of [...connection.waiters]) wake();
        });
        res.on('close', () => markEnded());
        res.on('error', () => markEnded());
        resolve(connection);
      });
      req.end();
    });
  }

  /** Complete frames received so far. */
  frames(): SseFrame[] {
    const blocks = this.raw.split('\n\n');
    blocks.pop();
    return blocks.map(parseFrame);
  }

  events(kind = 'session.revoked'): SseFrame[] {
    return this.frames().filter((f) => f.event === kind);
  }

  /** Resolves when the predicate holds for the frames received; rejects after `timeoutMs`. */
  waitFor(predicate: (frames: SseFrame[]) => boolean, timeoutMs = 3000): Promise<SseFrame[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const frames = this.frames();
        if (!predicate(frames)) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(frames);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms; received: ${JSON.stringify(this.raw)}`));
      }, timeoutMs);
      this.waiters.add(wake);
      check();
    });
  }

  /** The stream is subscribed once the server sent ": connected" (only without Last-Event-ID). */
  connected(): Promise<SseFrame[]> {
    return this.waitFor((frames) => frames.some((f) => f.comment === 'connected'));
  }

  nextEvent(kind = 'session.revoked', timeoutMs = 3000): Promise<SseFrame> {
    return this.waitFor((frames) => frames.some((f) => f.event === kind), timeoutMs).then(
      (frames) => frames.find((f) => f.event === kind) as SseFrame,
    );
  }

  close(): void {
    this.destroy();
  }
}

/** A plain GET over loopback HTTP, timed. */
export function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
