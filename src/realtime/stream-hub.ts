import type { RealtimeEvent } from './events.js';
import { formatSseComment, formatSseMessage, formatSseRetry } from './sse.js';

/** How often the heartbeat timer wakes; each wake writes its share of the streams. */
export const HEARTBEAT_TICK_MS = 50;
/** Heartbeats written per event-loop turn within one wake. */
export const PING_SLICE = 32;

const PING_FRAME = formatSseComment('ping');

/**
 * Where a stream's frames go: the socket the stream took over from Node's HTTP server
 * (src/realtime/stream-socket.ts), or a ServerResponse (app.inject(), requests Fastify answers).
 */
export interface StreamOutput {
  write(frame: string): unknown;
  end(): unknown;
  end(frame: string): unknown;
  readonly writableEnded: boolean;
  on(event: 'close', listener: () => void): unknown;
  /** A socket's: closes it once what was written is flushed (a ServerResponse leaves that to Node). */
  destroySoon?(): void;
}

/** One open event stream. Its position in the hub's array lets it leave in O(1). */
export class OpenStream {
  /** Position in the hub's list; -1 once closed. */
  index = -1;
  readonly close: () => void;

  constructor(
    readonly output: StreamOutput,
    public lastId: number,
    hub: StreamHub,
    onClose: () => void,
  ) {
    this.close = () => {
      if (hub.remove(this)) onClose();
    };
  }

  /** Ends the stream, with a last frame if given; the hub lets it go at once. */
  end(frame?: string): void {
    if (frame === undefined) this.output.end();
    else this.output.end(frame);
    // A taken-over socket is the stream's alone: nothing else can follow on it.
    this.output.destroySoon?.();
    this.close();
  }
}

/**
 * The open event streams of this process. Heartbeats are spread over the interval: one shared
 * timer wakes every 50 ms and writes the next share of the streams (1/300th of them at a 15 s
 * heartbeat), a few dozen writes per event-loop turn, so no delivery or request ever waits
 * behind a burst of thousands of heartbeat writes (each is a system call, ~12 µs on loopback).
 * Shutdown ends every stream with a reconnect hint so browsers move to another instance.
 */
export class StreamHub {
  private readonly streams: OpenStream[] = [];
  /** Streams before this index were pinged in the current round. */
  private cursor = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private pinging = false;
  /** Set by closeAll: the retry hint a stream opening during shutdown is ended with at once. */
  private closingRetryMs: number | null = null;
  delivered = 0;
  /** Heartbeats written (tests check the spreading with it). */
  pings = 0;

  /**
   * @param capacity streams held at most (the descriptor ceiling, src/realtime/fd-limit.ts); the
   *   route refuses new ones past it
   */
  constructor(
    private readonly heartbeatMs: number,
    readonly capacity = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.streams.length;
  }

  /** No room for another stream: a new one is refused (503) rather than run out of descriptors. */
  get full(): boolean {
    return this.streams.length >= this.capacity;
  }

  add(output: StreamOutput, lastId: number, onClose: () => void): OpenStream {
    const stream = new OpenStream(output, lastId, this, onClose);
    stream.index = this.streams.push(stream) - 1;
    output.on('close', stream.close);
    if (this.closingRetryMs !== null) {
      // Its request was authenticated while shutdown began: send it elsewhere too, or close()
      // would wait for it until the shutdown timeout.
      stream.end(formatSseRetry(this.closingRetryMs));
      return stream;
    }
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.tick(), Math.min(HEARTBEAT_TICK_MS, this.heartbeatMs));
      this.heartbeat.unref();
    }
    return stream;
  }

  /**
   * Takes the stream out; false when it was out already. The last stream fills the hole; if the
   * hole is in the part already pinged this round, the filler (not yet pinged) swaps with the last
   * pinged one, so every stream still gets exactly one heartbeat per round.
   */
  remove(stream: OpenStream): boolean {
    const at = stream.index;
    if (at < 0) return false;
    stream.index = -1;
    const last = this.streams.pop();
    if (last && last !== stream) {
      this.streams[at] = last;
      last.index = at;
      if (at < this.cursor) {
        const pinged = this.streams[this.cursor - 1];
        if (pinged && pinged !== last) {
          this.streams[at] = pinged;
          pinged.index = at;
          this.streams[this.cursor - 1] = last;
          last.index = this.cursor - 1;
        }
        this.cursor -= 1;
      }
    } else if (this.cursor > this.streams.length) {
      this.cursor = this.streams.length;
    }
    if (this.streams.length === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
      this.cursor = 0;
    }
    return true;
  }

  /** Writes an event once: events arriving both from the catch-up query and the bus are deduped by id. */
  send(stream: OpenStream, event: RealtimeEvent): void {
    // A write after end() throws asynchronously and would crash the process: an ended stream
    // (revoked, or closed by shutdown) takes nothing more.
    if (event.id <= stream.lastId || stream.output.writableEnded) return;
    stream.lastId = event.id;
    this.delivered += 1;
    stream.output.write(
      formatSseMessage({
        id: String(event.id),
        event: event.kind,
        data: JSON.stringify({ type: event.kind, ...event.data }),
      }),
    );
  }

  /** One wake of the heartbeat timer: this wake's share of the round, PING_SLICE writes per turn. */
  private tick(): void {
    // A wake still writing (a loop so busy its turns are slow) is not doubled up.
    if (this.pinging || this.streams.length === 0) return;
    const tickMs = Math.min(HEARTBEAT_TICK_MS, this.heartbeatMs);
    let share = Math.ceil((this.streams.length * tickMs) / this.heartbeatMs);
    const writeSlice = () => {
      let budget = Math.min(PING_SLICE, share);
      share -= budget;
      while (budget > 0) {
        if (this.cursor >= this.streams.length) this.cursor = 0;
        const stream = this.streams[this.cursor];
        if (!stream) break;
        this.cursor += 1;
        budget -= 1;
        if (stream.output.writableEnded) continue;
        stream.output.write(PING_FRAME);
        this.pings += 1;
      }
      if (share > 0 && this.streams.length > 0) setImmediate(writeSlice);
      else this.pinging = false;
    };
    this.pinging = true;
    writeSlice();
  }

  /**
   * Ends the streams open now and stays open for new ones: the instance lost what feeds them (its
   * LISTEN connection), and a browser reconnecting lands on an instance that still hears events,
   * catching up by Last-Event-ID.
   */
  endOpenStreams(retryMs = 1000): number {
    const frame = formatSseRetry(retryMs);
    const open = [...this.streams];
    for (const stream of open) stream.end(frame);
    return open.length;
  }

  /** Ends every stream, asking browsers to come back soon (graceful shutdown, redeploys). */
  closeAll(retryMs = 1000): void {
    this.closingRetryMs = retryMs;
    const frame = formatSseRetry(retryMs);
    for (const stream of [...this.streams]) stream.end(frame);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
