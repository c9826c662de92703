import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { sessionEndedMessage } from '../shared/session-messages.js';
import { sendError } from '../web/respond.js';
import type { RealtimeBus } from './bus.js';
import type { RealtimeEvent } from './events.js';
import { eventsAfter, isFor, lastRevocationFor } from './events.js';
import { formatSseComment, formatSseRetry, SSE_HEADERS } from './sse.js';
import type { StreamHub } from './stream-hub.js';
import type { StreamLimits } from './stream-quota.js';
import { StreamQuota } from './stream-quota.js';

/** Who owns the stream, decided from the session cookie alone (never a ?user= parameter). */
export type StreamAuth =
  | { status: 'live'; sessionId: string; memberId: number; deviceId: number; sessionCreatedAt: number }
  | { status: 'revoked'; memberId: number; deviceId: number; reason: string | null }
  | { status: 'none' };

export interface RealtimeRouteOptions {
  db: Kysely<Database>;
  bus: RealtimeBus;
  hub: StreamHub;
  limits: StreamLimits;
  authenticate: (request: FastifyRequest) => Promise<StreamAuth>;
  /**
   * False while this instance cannot hear other instances' events (its LISTEN connection is down):
   * new streams are refused with 503, which nginx passes to another instance.
   */
  available?: () => boolean;
}

/** The old client reconnected after 3 s; we keep that hint for EventSource's own retries. */
const RETRY_MS = 3000;
const TOO_MANY_STREAMS = 'Terlalu banyak koneksi realtime terbuka. Tutup beberapa tab lalu coba lagi.';
/** When a refused stream may try again: the client's longest back-off (src/client/reconnect-backoff.ts). */
const FULL_RETRY_AFTER_SECONDS = 30;
/** An instance at its descriptor ceiling: streams close all the time (pages left), so soon again. */
const FULL_INSTANCE_RETRY_AFTER_SECONDS = 10;

function lastEventId(request: FastifyRequest): number {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.lastEventId;
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
}

/**
 * GET /api/realtime/stream (and the old path /api/realtime/attendance-stream): one long-lived event
 * stream per browser. No polling: events arrive from the bus; the database is read only when the
 * stream opens (session check, and the catch-up after Last-Event-ID). A session revoked while the
 * browser was away is announced at once, and the stream ends.
 */
export const realtimeRoutes: FastifyPluginAsync<RealtimeRouteOptions> = async (
  app,
  { db, bus, hub, limits, authenticate, available },
) => {
  const quota = new StreamQuota(limits);

  const refuseFull = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('retry-after', String(FULL_INSTANCE_RETRY_AFTER_SECONDS));
    return sendError(request, reply, 'STREAMS_FULL');
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (available && !available()) {
      reply.header('retry-after', '2');
      return sendError(request, reply, 'STORAGE_UNAVAILABLE');
    }
    // Refused before the session check: at the ceiling a crowd of reconnects costs no query.
    if (hub.full) return refuseFull(request, reply);
    const auth = await authenticate(request);
    if (auth.status === 'none') {
      return sendError(request, reply, 'UNAUTHENTICATED');
    }
    // Again after the check's await: streams admitted meanwhile may have filled the last places.
    if (hub.full) return refuseFull(request, reply);
    // A revoked session's stream says its last word and ends at once: only live ones take a slot.
    if (auth.status === 'live') {
      const admission = quota.admit(auth.sessionId, request.ip);
      if (!admission.admitted) {
        request.log.warn({ memberId: auth.memberId, ip: request.ip, cap: admission.cap }, 'realtime stream refused');
        reply.header('retry-after', String(FULL_RETRY_AFTER_SECONDS));
        return sendError(request, reply, 'RATE_LIMITED', { message: TOO_MANY_STREAMS });
      }
      // 'close' comes however the response ends: the server ending it, the browser leaving, shutdown.
      // (on, not once: release is idempotent, and once would wrap it in two more objects per stream.)
      reply.raw.on('close', admission.release);
      if (reply.raw.closed) {
        // The browser left while its session was checked: that 'close' has passed, nothing to follow.
        admission.release();
        reply.hijack();
        return;
      }
    }
    const after = lastEventId(request);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id });
    res.write(formatSseRetry(RETRY_MS));
    // Nagle would hold small event frames back for an ACK; latency matters more than packets here.
    // (Optional call: inject()'s fake socket has no setNoDelay.)
    request.raw.socket?.setNoDelay?.(true);
    // The silent-socket timeout (connectionTimeout) cannot fire on a stream, whose heartbeats
    // write at least every 20 s; dropping it saves a timer per stream and its re-arming on each write.
    request.raw.socket?.setTimeout?.(0);
    try {
      if (auth.status === 'revoked') await announceRevocation(res, auth, after);
      else await follow(request, res, auth, after);
    } catch (error) {
      // The reply is hijacked: Fastify's error handler cannot answer any more, so end the stream
      // here (the browser reconnects with back-off) instead of leaving the connection hanging.
      request.log.error({ err: error }, 'realtime stream failed');
      res.end();
    }
  };

  /** A session revoked while the browser was away: the revocation at once, then the end. */
  const announceRevocation = async (
    res: ServerResponse,
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
    const stream = hub.add(res, 0, () => {});
    hub.send(stream, event);
    res.end();
    stream.close();
  };

  const follow = async (
    request: FastifyRequest,
    res: ServerResponse,
    auth: { memberId: number; deviceId: number; sessionCreatedAt: number },
    after: number,
  ) => {
    const { memberId, deviceId } = auth;
    let unsubscribe = () => {};
    const stream = hub.add(res, after, () => unsubscribe());
    // Subscribe before the catch-up query, so nothing published in between is missed; the hub
    // drops duplicates by id.
    const pending: RealtimeEvent[] = [];
    let caughtUp = false;
    // A revocation is the last thing a stream says: its session is over, so the stream ends too
    // (the page leaves for the login page; the connection is not held for nothing).
    const deliver = (event: RealtimeEvent) => {
      hub.send(stream, event);
      if (event.kind === 'session.revoked') {
        res.end();
        stream.close();
      }
    };
    unsubscribe = bus.subscribe(memberId, (event) => {
      if (!isFor(event, memberId, deviceId)) return;
      // The PostgreSQL bus may hand over, late, events it caught up after a reconnect: a revocation
      // from before this session began ended an earlier one (strictly earlier: a live revocation
      // can share the session's millisecond).
      if (event.kind === 'session.revoked' && event.createdAt < auth.sessionCreatedAt) return;
      if (caughtUp) deliver(event);
      else pending.push(event);
    });
    if (after > 0) {
      for (const event of await eventsAfter(db, memberId, deviceId, after)) {
        // Revocations addressed to this device before this session began ended an earlier session
        // (the browser logged in again since): not this stream's business.
        if (event.kind === 'session.revoked' && event.createdAt <= auth.sessionCreatedAt) continue;
        deliver(event);
      }
    } else {
      // No id to resume from: a revocation committed between the check above and the subscription
      // would be missed, so look once more now that we listen.
      const again = await authenticate(request);
      if (again.status !== 'live') {
        const event = await lastRevocationFor(db, memberId, deviceId);
        if (event) hub.send(stream, event);
        res.end();
        stream.close();
        return;
      }
      if (res.writableEnded) return;
      res.write(formatSseComment('connected'));
    }
    caughtUp = true;
    for (const event of pending.splice(0)) deliver(event);
    // Ended while subscribing (shutdown, or a revocation in the catch-up): let the listener go.
    if (res.writableEnded) unsubscribe();
  };
  app.get('/api/realtime/stream', handler);
  // The old realtime.js path, kept so bookmarked pages and cached scripts keep working.
  app.get('/api/realtime/attendance-stream', handler);
};
