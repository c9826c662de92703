import { isJson } from './realtime-events.js';

/**
 * The browser APIs the realtime monitor uses, as interfaces (Node tests pass fakes) and the real ones,
 * and what its tabs share: the Web Lock the leading tab holds and the channel it relays frames on.
 */

export const LEADER_LOCK = 'gerbang-realtime-leader';
export const RELAY_CHANNEL = 'gerbang-realtime';

/** An SSE frame as the leader relays it; `id` is '' for events made locally (an expired session). */
export interface Frame {
  id: string;
  type: string;
  data: string;
}
export const isFrame = (value: unknown): value is Frame =>
  isJson(value) && typeof value.id === 'string' && typeof value.type === 'string' && typeof value.data === 'string';

/** What the monitor needs of an EventSource (a fake in Node tests). */
export interface StreamSource {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** What the monitor needs of a BroadcastChannel. */
export interface RelayChannel {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** What the monitor needs of `navigator.locks`. */
export interface LeaderLocks {
  request(name: string, options: LockOptions, callback: (lock: object | null) => unknown): Promise<unknown>;
}

export interface RealtimeEnvironment {
  openStream(url: string): StreamSource;
  fetch(url: string, init: RequestInit): Promise<{ status: number }>;
  /** Absent where the browser has no Web Locks or no BroadcastChannel: then one stream per tab. */
  locks?: LeaderLocks | undefined;
  openChannel?: ((name: string) => RelayChannel) | undefined;
  /** Where `pagehide`/`pageshow` arrive. */
  page?: Pick<Window, 'addEventListener' | 'removeEventListener'> | undefined;
}

export function browserEnvironment(): RealtimeEnvironment {
  const hasLocks = typeof navigator !== 'undefined' && navigator.locks !== undefined;
  const hasChannel = typeof BroadcastChannel === 'function';
  return {
    openStream: (url) => new EventSource(url),
    fetch: (url, init) => fetch(url, init),
    locks: hasLocks && hasChannel ? navigator.locks : undefined,
    openChannel: hasLocks && hasChannel ? (name) => new BroadcastChannel(name) : undefined,
    page: typeof window === 'undefined' ? undefined : window,
  };
}
