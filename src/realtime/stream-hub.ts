import type { ServerResponse } from 'node:http';
import type { RealtimeEvent } from './events.js';
import { formatSseComment, formatSseMessage, formatSseRetry } from './sse.js';

/** Streams written per event-loop turn during a heartbeat. */
const PING_SLICE = 100;

interface OpenStream {
  res: ServerResponse;
  lastId: number;
  close: () => void;
}

/**
 * The open event streams of this process. One timer writes every heartbeat (not one timer per
 * stream: ten thousand timers cost memory and wake-ups for nothing), and shutdown ends every
 * stream with a reconnect hint so browsers move to another instance.
 */
export class StreamHub {
  private readonly streams = new Set<OpenStream>();
  private heartbeat: NodeJS.Timeout | null = null;
  private pinging = false;
  /** Set by closeAll: the retry hint a stream opening during shutdown is ended with at once. */
  private closingRetryMs: number | null = null;
  delivered = 0;

  constructor(private readonly heartbeatMs: number) {}

  get size(): number {
    return this.streams.size;
  }

  add(res: ServerResponse, lastId: number, onClose: () => void): OpenStream {
    const stream: OpenStream = {
      res,
      lastId,
      close: () => {
        if (!this.streams.delete(stream)) return;
        onClose();
        if (this.streams.size === 0 && this.heartbeat) {
          clearInterval(this.heartbeat);
          this.heartbeat = null;
        }
      },
    };
    this.streams.add(stream);
    res.on('close', stream.close);
    if (this.closingRetryMs !== null) {
      // Its request was authenticated while shutdown began: send it elsewhere too, or close()
      // would wait for it until the shutdown timeout.
      res.end(formatSseRetry(this.closingRetryMs));
      stream.close();
      return stream;
    }
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.ping(), this.heartbeatMs);
      this.heartbeat.unref();
    }
    return stream;
  }

  /** Writes an event once: events arriving both from the catch-up query and the bus are deduped by id. */
  send(stream: OpenStream, event: RealtimeEvent): void {
    // A write after end() throws asynchronously and would crash the process: an ended stream
    // (revoked, or closed by shutdown) takes nothing more.
    if (event.id <= stream.lastId || stream.res.writableEnded) return;
    stream.lastId = event.id;
    this.delivered += 1;
    stream.res.write(
      formatSseMessage({
        id: String(event.id),
        event: event.kind,
        data: JSON.stringify({ type: event.kind, ...event.data }),
      }),
    );
  }

  /**
   * Every write is a system call (~12 µs on loopback): ten thousand in one go would stall every
   * other request for over 100 ms. So the heartbeat goes out in slices, yielding to the event loop
   * in between; each pause stays at a few milliseconds.
   */
  private ping(): void {
    if (this.pinging) return;
    this.pinging = true;
    const frame = formatSseComment('ping');
    const targets = [...this.streams];
    const writeSlice = (from: number) => {
      for (const stream of targets.slice(from, from + PING_SLICE)) {
        if (this.streams.has(stream)) stream.res.write(frame);
      }
      if (from + PING_SLICE < targets.length) setImmediate(writeSlice, from + PING_SLICE);
      else this.pinging = false;
    };
    writeSlice(0);
  }

  /**
   * Ends the streams open now and stays open for new ones: the instance lost what feeds them (its
   * LISTEN connection), and a browser reconnecting lands on an instance that still hears events,
   * catching up by Last-Event-ID.
   */
  endOpenStreams(retryMs = 1000): number {
    const frame = formatSseRetry(retryMs);
    const open = [...this.streams];
    for (const stream of open) {
      stream.res.end(frame);
      stream.close();
    }
    return open.length;
  }

  /** Ends every stream, asking browsers to come back soon (graceful shutdown, redeploys). */
  closeAll(retryMs = 1000): void {
    this.closingRetryMs = retryMs;
    const frame = formatSseRetry(retryMs);
    for (const stream of [...this.streams]) {
      stream.res.end(frame);
      stream.close();
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
