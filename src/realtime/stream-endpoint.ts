import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import type { Log } from '../logger.js';
import { sessionEndedMessage } from '../shared/session-messages.js';
import type { RealtimeBus } from './bus.js';
import type { RealtimeEvent } from './events.js';
import { eventsAfter, isFor, lastRevocationFor } from './events.js';
import { formatSseComment, formatSseRetry } from './sse.js';
import type { OpenStream, StreamHub, StreamOutput } from './stream-hub.js';
import type { StreamLimits } from './stream-quota.js';
import { StreamQuota } from './stream-quota.js';

/** Who owns the stream, decided from the session cookie alone (never a ?user= parameter). */
export type StreamAuth =
  | { status: 'live'; sessionId: string; memberId: number; deviceId: number; sessionCreatedAt: number }
  | { status: 'revoked'; memberId: number; deviceId: number; reason: string | null }
  | { status: 'none' };

/** What opening a stream needs of its request, read from the headers once (they are let go after). */
export interface StreamRequest {
  id: string;
  /** The client's address as `request.ip` gives it (TRUST_PROXY applied): the per-IP cap counts it. */
  ip: string;
  /** The Cookie header: the session is checked from it alone. */
  cookie: string | undefined;
  /** The last event the browser has (Last-Event-ID, or ?lastEventId=); 0 for none. */
  after: number;
}

/** How a stream is answered: on a socket taken over from Node's HTTP server, or through Fastify. */
export interface StreamAnswer {
  /** The client left before it was answered. */
  readonly gone: boolean;
  /** An error answer ({error:{code,message,requestId}}), with Retry-After when given. */
  refuse(code: ErrorCode, options?: { message?: string; retryAfterSeconds?: number }): void;
  /** The 200 event-stream head and a first frame; the stream's frames go to the output from here on. */
  start(firstFrame: string): StreamOutput;
  /** The client left before its answer: nothing is written, the request is let go. */
  abandon(): void;
}

export interface StreamEndpointOptions {
  db: Kysely<Database>;
  bus: RealtimeBus;
  hub: StreamHub;
  limits: StreamLimits;
  /** The session check, from the request's Cookie header. */
  authenticate: (cookieHeader: string | undefined) => Promise<StreamAuth>;
  /**
   * False while this instance cannot hear other instances' events (its LISTEN connection is down):
   * new streams are refused with 503, which nginx passes to another instance.
   */
  available?: (() => boolean) | undefined;
  log: Log;
}

/** The old client reconnected after 3 s; we keep that hint for EventSource's own retries. */
const RETRY_MS = 3000;
const TOO_MANY_STREAMS = 'Terlalu banyak koneksi realtime terbuka. Tutup beberapa tab lalu coba lagi.';
/** When a refused stream may try again: the client's longest back-off (src/client/reconnect-backoff.ts). */
const FULL_RETRY_AFTER_SECONDS = 30;
/** An instance at its descriptor ceiling: streams close all the time (pages left), so soon again. */
const FULL_INSTANCE_RETRY_AFTER_SECONDS = 10;
/** The LISTEN connection comes back within seconds, or nginx has tried another instance by then. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

const nothing = () => {};

/** Last-Event-ID from the header, or from ?lastEventId= (given once) for clients that cannot set headers. */
export function resumeFrom(header: string | string[] | undefined, url: string | undefined): number {
  let raw = typeof header === 'string' ? header : '';
  const query = url?.indexOf('?') ?? -1;
  if (!raw && url && query >= 0) {
    const given = new URLSearchParams(url.slice(query + 1)).getAll('lastEventId');
    raw = given.length === 1 ? (given[0] ?? '') : '';
  }
  return /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
}

/**
 * GET /api/realtime/stream (and the old path /api/realtime/attendance-stream): one long-lived event
 * stream per browser. No polling: events arrive from the bus; the database is read only when the
 * stream opens (session check, and the catch-up after Last-Event-ID). A session revoked while the
 * browser was away is announced at once, and the stream ends. The answer's transport is the
 * caller's (StreamAnswer); this is what the stream does.
 */
export function createStreamEndpoint(options: StreamEndpointOptions) {
  const { db, bus, hub, authenticate, available, log } = options;
  const quota = new StreamQuota(options.limits);

  const refuseFull = (answer: StreamAnswer) =>
    answer.refuse('STREAMS_FULL', { retryAfterSeconds: FULL_INSTANCE_RETRY_AFTER_SECONDS });

  /** A session revoked while the browser was away: the revocation at once, then the end. */
  const announceRevocation = async (
    stream: OpenStream,
    auth: { memberId: number; deviceId: number; reason: string | null },
    after: number,
  ) => {
    const now = Date.now();
    const event: RealtimeEvent = (await lastRevocationFor(db, auth.memberId, auth.deviceId)) ?? {
      // Ended without a logged event (e.g. expired with the reason kept): an id past the client's.
      id: after + 1,
      memberId: auth.memberId,
      deviceId: auth.deviceId,
      kind: 'session.revoked',
      data: { reason: auth.reason ?? 'expired', at: now, message: sessionEndedMessage(auth.reason) },
      createdAt: now,
    };
    hub.send(stream, event);
    stream.end();
  };

  /**
   * Subscribes a live session's stream to its member's events. Until the catch-up is written,
   * events from the bus wait in `pending`; the hub drops duplicates by id. Only what delivery needs
   * is kept by the listener: the stream, the member, the device, the session's start.
   */
  const subscribe = (stream: OpenStream, memberId: number, deviceId: number, sessionCreatedAt: number) => {
    let pending: RealtimeEvent[] | null = [];
    // A revocation is the last thing a stream says: its session is over, so the stream ends too
    // (the page leaves for the login page; the connection is not held for nothing).
    const deliver = (event: RealtimeEvent) => {
      hub.send(stream, event);
      if (event.kind === 'session.revoked') stream.end();
    };
    const unsubscribe = bus.subscribe(memberId, (event) => {
      if (!isFor(event, memberId, deviceId)) return;
      // The PostgreSQL bus may hand over, late, events it caught up after a reconnect: a revocation
      // from before this session began ended an earlier one (strictly earlier: a live revocation
      // can share the session's millisecond).
      if (event.kind === 'session.revoked' && event.createdAt < sessionCreatedAt) return;
      if (pending) pending.push(event);
      else deliver(event);
    });
    return {
      unsubscribe,
      deliver,
      /** The catch-up is written: what waited goes out, and the bus's events go straight to the stream. */
      caughtUp() {
        const waiting = pending ?? [];
        pending = null;
        for (const event of waiting) deliver(event);
      },
    };
  };

  return async function openStream(request: StreamRequest, answer: StreamAnswer): Promise<void> {
    if (available && !available()) {
      return answer.refuse('STORAGE_UNAVAILABLE', { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS });
    }
    // Refused before the session check: at the ceiling a crowd of reconnects costs no query.
    if (hub.full) return refuseFull(answer);
    const auth = await authenticate(request.cookie);
    if (auth.status === 'none') return answer.refuse('UNAUTHENTICATED');
    // Again after the check's await: streams admitted meanwhile may have filled the last places.
    if (hub.full) return refuseFull(answer);
    // A revoked session's stream says its last word and ends at once: only live ones take a slot.
    const slot = auth.status === 'live' ? auth.sessionId : null;
    const ip = request.ip;
    if (slot !== null) {
      const cap = quota.admit(slot, ip);
      if (cap !== null) {
        log.warn({ reqId: request.id, memberId: auth.memberId, ip, cap }, 'realtime stream refused');
        return answer.refuse('RATE_LIMITED', {
          message: TOO_MANY_STREAMS,
          retryAfterSeconds: FULL_RETRY_AFTER_SECONDS,
        });
      }
    }
    // The browser left while its session was checked: nothing to follow, no slot to hold.
    if (answer.gone) {
      if (slot !== null) quota.release(slot, ip);
      answer.abandon();
      return;
    }
    const output = answer.start(formatSseRetry(RETRY_MS));
    let unsubscribe = nothing;
    // 'close' comes once however the stream ends: the server ending it, the browser leaving,
    // shutdown. A revocation is announced whatever id the browser last had (it may be its own).
    const stream = hub.add(output, auth.status === 'revoked' ? 0 : request.after, () => {
      unsubscribe();
      if (slot !== null) quota.release(slot, ip);
    });
    try {
      if (auth.status === 'revoked') return await announceRevocation(stream, auth, request.after);
      const subscription = subscribe(stream, auth.memberId, auth.deviceId, auth.sessionCreatedAt);
      unsubscribe = subscription.unsubscribe;
      // Ended at once (shutdown began while the session was checked): let the listener go.
      if (stream.index < 0) return unsubscribe();
      if (request.after > 0) {
        for (const event of await eventsAfter(db, auth.memberId, auth.deviceId, request.after)) {
          // Revocations addressed to this device before this session began ended an earlier session
          // (the browser logged in again since): not this stream's business.
          if (event.kind === 'session.revoked' && event.createdAt <= auth.sessionCreatedAt) continue;
          subscription.deliver(event);
        }
      } else {
        // No id to resume from: a revocation committed between the check above and the subscription
        // would be missed, so look once more now that we listen.
        const again = await authenticate(request.cookie);
        if (again.status !== 'live') {
          const event = await lastRevocationFor(db, auth.memberId, auth.deviceId);
          if (event) hub.send(stream, event);
          stream.end();
          return;
        }
        if (output.writableEnded) return;
        output.write(formatSseComment('connected'));
      }
      subscription.caughtUp();
    } catch (error) {
      // The answer has begun: no error answer can follow, so the stream ends here (the browser
      // reconnects with back-off) instead of leaving the connection hanging.
      log.error({ reqId: request.id, err: error }, 'realtime stream failed');
      stream.end();
    }
  };
}

export type StreamEndpoint = ReturnType<typeof createStreamEndpoint>;
