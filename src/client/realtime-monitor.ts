/**
 * Listens to the server's realtime stream (SSE) and hands typed events to handlers.
 *
 * A port of the old realtime.js `RealtimeMonitor` (seed 000, "Realtime Monitoring"), fixed:
 * - events are typed and dispatched by type; unknown types are ignored, so the server can add
 *   `license.revoked` or `ppob.transaction.updated` before this bundle knows them;
 * - on error we close the EventSource and reconnect ourselves with the old back-off (3 s × 1.5, at
 *   most 30 s, reset on open), resuming with `?lastEventId=`: a new EventSource cannot send the
 *   Last-Event-ID header, and the browser's own retry would ignore our back-off;
 * - a refused stream (401 or any non-200: the EventSource ends CLOSED without ever opening) is told
 *   apart from a network drop by asking `/api/session`, so an expired session logs out instead of
 *   retrying forever;
 * - one stream per browser however many tabs: the tab holding a Web Lock opens the stream and relays
 *   every event over a BroadcastChannel; when that tab closes, the lock passes to a waiting tab, which
 *   resumes after the last id it was relayed. Without those APIs (Safari before 15.4) each tab opens
 *   its own stream.
 */

import type { Frame, LeaderLocks, RealtimeEnvironment, RelayChannel, StreamSource } from './realtime-environment.js';
import { browserEnvironment, isFrame, LEADER_LOCK, RELAY_CHANNEL } from './realtime-environment.js';
import type { RealtimeEvent, RealtimeEventType, RealtimeHandler } from './realtime-events.js';
import { isJson, parseRealtimeEvent, REALTIME_EVENT_TYPES } from './realtime-events.js';
import type { BackoffOptions } from './reconnect-backoff.js';
import { ReconnectBackoff, streamUrl } from './reconnect-backoff.js';

export type { LeaderLocks, RealtimeEnvironment, RelayChannel, StreamSource } from './realtime-environment.js';
export { browserEnvironment, LEADER_LOCK, RELAY_CHANNEL } from './realtime-environment.js';
export type {
  RealtimeEvent,
  RealtimeEventMap,
  RealtimeEventType,
  RealtimeHandler,
  SessionRevokedEvent,
  TransactionUpdatedEvent,
} from './realtime-events.js';
export { parseRealtimeEvent, REALTIME_EVENT_TYPES } from './realtime-events.js';
export type { BackoffOptions } from './reconnect-backoff.js';
export { DEFAULT_BACKOFF, ReconnectBackoff, streamUrl } from './reconnect-backoff.js';

export type RealtimeState = 'connecting' | 'open' | 'following' | 'closed' | 'ended';

export interface RealtimeMonitorOptions {
  /** Default `/api/realtime/stream`. */
  url?: string;
  /** Answers 401 when the session is gone. Default `/api/session`. */
  sessionUrl?: string;
  onOpen?: () => void;
  onDisconnected?: () => void;
  onError?: (error: unknown) => void;
  onStateChange?: (state: RealtimeState) => void;
  backoff?: BackoffOptions;
  /** The browser's APIs unless given (tests pass fakes). */
  environment?: RealtimeEnvironment;
}

const CLOSED = 2; // EventSource.CLOSED; the constant itself is missing in Node

export class RealtimeMonitor {
  private readonly url: string;
  private readonly sessionUrl: string;
  private readonly options: RealtimeMonitorOptions;
  private readonly backoff: ReconnectBackoff;
  private readonly handlers = new Map<RealtimeEventType, Set<(event: RealtimeEvent) => void>>();
  private env: RealtimeEnvironment | undefined;
  private current: RealtimeState = 'closed';
  private running = false; // between start() and stop(), pagehide or a revocation
  private ended = false; // after stop() or a revocation: never starts again
  private source: StreamSource | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private channel: RelayChannel | null = null;
  private lockWait: AbortController | null = null;
  private releaseLock: (() => void) | null = null;
  private lastId = '';
  private wasOpen = false;

  constructor(options: RealtimeMonitorOptions = {}) {
    this.options = options;
    this.url = options.url ?? '/api/realtime/stream';
    this.sessionUrl = options.sessionUrl ?? '/api/session';
    this.backoff = new ReconnectBackoff(options.backoff);
  }

  get state(): RealtimeState {
    return this.current;
  }

  /** The id of the last event seen on the stream or relayed by the leader tab. */
  get lastEventId(): string {
    return this.lastId;
  }

  /** Calls `handler` for every event of `type`; returns the function that unsubscribes it. */
  on<K extends RealtimeEventType>(type: K, handler: RealtimeHandler<K>): () => void {
    const set = this.handlers.get(type) ?? new Set();
    this.handlers.set(type, set);
    // Widening is safe: receive() hands each set only events whose `type` is its key.
    const stored = handler as (event: RealtimeEvent) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  start(): void {
    if (this.running || this.ended) return;
    const env = this.env ?? this.options.environment ?? browserEnvironment();
    this.env = env;
    this.running = true;
    // pagehide, not beforeunload: it also fires on mobile tab discards and bfcache entries.
    env.page?.addEventListener('pagehide', this.onPageHide);
    env.page?.addEventListener('pageshow', this.onPageShow);
    const { locks, openChannel } = env;
    if (!locks || !openChannel) {
      this.connect();
      return;
    }
    const channel = openChannel(RELAY_CHANNEL);
    channel.onmessage = (event) => {
      if (isFrame(event.data)) this.receive(event.data, false);
    };
    this.channel = channel;
    this.setState('connecting');
    // ifAvailable answers at once, so a tab knows straight away whether it leads or follows.
    locks
      .request(LEADER_LOCK, { ifAvailable: true }, (lock) => (lock ? this.lead() : this.follow(locks)))
      .catch((error: unknown) => this.lockFailed(error));
  }

  /** Closes the stream and lets another tab lead; the monitor cannot be started again. */
  stop(): void {
    this.ended = true;
    this.teardown(false);
    this.env?.page?.removeEventListener('pagehide', this.onPageHide);
    this.env?.page?.removeEventListener('pageshow', this.onPageShow);
    this.setState('ended');
  }

  private readonly onPageHide = (): void => {
    this.teardown(false);
    if (!this.ended) this.setState('closed');
  };

  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) this.start(); // back from the bfcache
  };

  /** Holds the lock (the returned promise) until stop(), pagehide, or the page goes. */
  private lead(): Promise<void> | undefined {
    if (!this.running) return undefined; // stopped while waiting: hand the lock straight on
    this.lockWait = null;
    this.connect();
    return new Promise((resolve) => {
      this.releaseLock = resolve;
    });
  }

  private follow(locks: LeaderLocks): void {
    if (!this.running) return;
    this.setState('following');
    const wait = new AbortController();
    this.lockWait = wait;
    locks
      .request(LEADER_LOCK, { signal: wait.signal }, () => this.lead())
      .catch((error: unknown) => this.lockFailed(error));
  }

  private lockFailed(error: unknown): void {
    if ((isJson(error) && error.name === 'AbortError') || !this.running) return;
    // Opaque origins and some sandboxed frames refuse locks: this tab gets a stream of its own.
    this.options.onError?.(error);
    this.channel?.close();
    this.channel = null;
    if (!this.source && this.reconnectTimer === undefined) this.connect();
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (!this.running || !this.env) return;
    this.setState('connecting');
    let source: StreamSource;
    try {
      source = this.env.openStream(streamUrl(this.url, this.lastId));
    } catch (error) {
      this.options.onError?.(error);
      this.scheduleReconnect();
      return;
    }
    this.source = source;
    let opened = false;
    source.addEventListener('open', () => {
      if (source !== this.source) return;
      opened = true;
      this.wasOpen = true;
      this.backoff.reset();
      this.setState('open');
      console.info('[gerbang] realtime stream open');
      this.options.onOpen?.();
    });
    source.addEventListener('error', (event) => {
      if (source === this.source) this.streamFailed(source, opened, event);
    });
    const onFrame = (event: MessageEvent): void => {
      if (source !== this.source) return;
      this.receive({ id: event.lastEventId, type: event.type, data: String(event.data) }, true);
    };
    // A frame with `event: X` reaches only X's listeners; one without reaches only `message`.
    for (const type of [...REALTIME_EVENT_TYPES, 'message']) source.addEventListener(type, onFrame);
  }

  private streamFailed(source: StreamSource, opened: boolean, event: Event): void {
    // Read before close(): CLOSED without an open means the server answered but refused (non-200).
    const refused = source.readyState === CLOSED && !opened;
    this.closeStream();
    this.setState('closed');
    if (this.wasOpen) console.info('[gerbang] realtime stream closed, reconnecting');
    this.wasOpen = false;
    this.options.onDisconnected?.();
    this.options.onError?.(event);
    if (refused) this.checkSession();
    else this.scheduleReconnect();
  }

  private checkSession(): void {
    if (!this.running || !this.env) return;
    const init: RequestInit = {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    };
    this.env.fetch(this.sessionUrl, init).then(
      (response) => {
        if (!this.running) return;
        if (response.status !== 401) {
          this.scheduleReconnect(); // a live session: the refusal was a passing fault (restart, 503)
          return;
        }
        const data = JSON.stringify({ type: 'session.revoked', reason: 'expired', at: Date.now() });
        this.receive({ id: '', type: 'session.revoked', data }, true);
      },
      () => this.scheduleReconnect(), // offline: the next attempt asks again
    );
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff.next());
  }

  private receive(frame: Frame, fromStream: boolean): void {
    if (this.ended) return;
    if (frame.id !== '') this.lastId = frame.id;
    // Relay first: a handler may navigate away, and every other tab must still hear of a revocation.
    if (fromStream) this.channel?.postMessage(frame);
    const event = parseRealtimeEvent(frame.data, frame.type);
    if (!event) return; // unknown or malformed: a newer server, an older bundle
    for (const handler of [...(this.handlers.get(event.type) ?? [])]) {
      try {
        handler(event);
      } catch (error) {
        // One failing handler must not starve the others; rethrown apart so it still shows in the console.
        setTimeout(() => {
          throw error;
        });
      }
    }
    if (event.type === 'session.revoked') {
      // Final: nothing to reconnect to. The lock stays held until the page goes, so no other tab is
      // promoted (and reconnects with a dead cookie) before the relayed revocation reaches it.
      this.ended = true;
      this.teardown(true);
      this.setState('ended');
    }
  }

  private teardown(keepLock: boolean): void {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.closeStream();
    this.lockWait?.abort();
    this.lockWait = null;
    this.channel?.close();
    this.channel = null;
    if (keepLock) return;
    this.releaseLock?.();
    this.releaseLock = null;
  }

  private closeStream(): void {
    this.source?.close();
    this.source = null;
  }

  private setState(state: RealtimeState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
