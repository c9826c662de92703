import { performance } from 'node:perf_hooks';
import type { SignedInMember } from './realtime-members.js';
import { BENCH_PASSWORD } from './realtime-members.js';
import type { ServerMetrics } from './realtime-metrics.js';
import type { DeliveryCheck, TakeoverFigures, TakeoverLatencies } from './realtime-report.js';
import { percentiles } from './realtime-report.js';
import type { ReceivedEvent, StreamFleet } from './realtime-streams.js';
import { nearTick, runLimited } from './realtime-streams.js';
import type { TakeoverOutcome } from './realtime-takeover.js';
import { sessionStillLive, takeOverOnDeviceB } from './realtime-takeover.js';

/**
 * The measured phase: takeovers of distinct members from device "B", a few in flight (argon2 on
 * libuv's pool bounds the rate), then the check that each reached its own old stream exactly once.
 */

/** Events are published before the login answers; stragglers get this long after the last answer. */
const EVENT_WAIT_MS = 10_000;
/** Then this long more, so an event on a wrong stream or a second copy would still be seen. */
const STRAY_WAIT_MS = 1000;
/** Old sessions (and untouched ones) probed over HTTP after the phase. */
const SESSION_SAMPLE = 20;

export interface TakeoverPhase {
  /** targets[k] is the member (and stream) index of takeover k. */
  targets: number[];
  outcomes: TakeoverOutcome[];
  figures: Pick<TakeoverFigures, 'count' | 'concurrency' | 'seconds' | 'perSecond' | 'failed' | 'failures'>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function revocations(fleet: StreamFleet): number {
  return fleet.events.filter((e) => e.event === 'session.revoked').length;
}

export async function runTakeovers(
  /** Where takeover k logs in; with several instances, one other than the stream's (by member index). */
  baseUrl: string | ((memberIndex: number) => string),
  fleet: StreamFleet,
  members: readonly SignedInMember[],
  options: { takeovers: number; concurrency: number },
): Promise<TakeoverPhase> {
  const count = options.takeovers;
  // Spread over the whole range of members (and so over the server's subscription map).
  const targets = Array.from({ length: count }, (_, k) => Math.floor((k * members.length) / count));
  const outcomes: TakeoverOutcome[] = new Array(count);
  const started = performance.now();
  await runLimited(count, options.concurrency, async (k) => {
    const member = members[targets[k] ?? -1];
    if (!member) throw new Error(`no member for takeover ${k}`);
    try {
      const url = typeof baseUrl === 'string' ? baseUrl : baseUrl(targets[k] ?? -1);
      outcomes[k] = await takeOverOnDeviceB(url, member.email, BENCH_PASSWORD);
    } catch (error) {
      outcomes[k] = { sentPerf: Number.NaN, answeredPerf: Number.NaN, status: 0, error: String(error) };
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + EVENT_WAIT_MS;
  while (revocations(fleet) < count && performance.now() < deadline) await sleep(50);
  await sleep(STRAY_WAIT_MS);
  const failures = outcomes.flatMap((o, k) => (o.error ? [`takeover of member ${targets[k]}: ${o.error}`] : []));
  return {
    targets,
    outcomes,
    figures: {
      count,
      concurrency: options.concurrency,
      seconds,
      perSecond: count / seconds,
      failed: failures.length,
      failures,
    },
  };
}

function revokedAt(event: ReceivedEvent): { at: number; reason: string } | null {
  try {
    const data = JSON.parse(event.data) as { type?: unknown; reason?: unknown; at?: unknown };
    if (data.type !== 'session.revoked' || typeof data.at !== 'number' || typeof data.reason !== 'string') return null;
    return { at: data.at, reason: data.reason };
  } catch {
    return null;
  }
}

export async function checkDeliveries(
  baseUrl: string,
  fleet: StreamFleet,
  members: readonly SignedInMember[],
  phase: TakeoverPhase,
  server: {
    deliveredBefore: number;
    metrics: () => Promise<ServerMetrics>;
    /** PostgreSQL: when each event's NOTIFY reached a bystander listener (event id → Date.now()). */
    notified?: ReadonlyMap<string, number>;
  },
): Promise<{ check: DeliveryCheck; latencies: TakeoverLatencies }> {
  const byStream = new Map<number, ReceivedEvent[]>();
  for (const event of fleet.events) {
    const list = byStream.get(event.stream);
    if (list) list.push(event);
    else byStream.set(event.stream, [event]);
  }
  const targetOf = new Map(phase.targets.map((stream, k) => [stream, k]));
  let deliveredOnce = 0;
  let missing = 0;
  let duplicates = 0;
  let wrongReason = 0;
  const delivery: number[] = [];
  const endToEnd: number[] = [];
  const during: number[] = [];
  const otherwise: number[] = [];
  const afterAnswer: number[] = [];
  const toNotify: number[] = [];
  const fromNotify: number[] = [];
  phase.targets.forEach((stream, k) => {
    const received = byStream.get(stream) ?? [];
    const first = received[0];
    if (!first) {
      missing += 1;
      return;
    }
    duplicates += received.length - 1;
    const revoked = first.event === 'session.revoked' ? revokedAt(first) : null;
    if (revoked?.reason !== 'takeover') {
      wrongReason += 1;
      return;
    }
    if (received.length === 1) deliveredOnce += 1;
    const latency = first.wallMs - revoked.at;
    delivery.push(latency);
    (nearTick(first.perfMs, fleet.bursts) ? during : otherwise).push(latency);
    const notified = server.notified?.get(first.id);
    if (notified !== undefined) {
      toNotify.push(notified - revoked.at);
      // Both sub-millisecond wall clocks (this process's and the watcher's timeOrigin + now()).
      fromNotify.push(performance.timeOrigin + first.perfMs - notified);
    }
    const outcome = phase.outcomes[k];
    if (outcome && !outcome.error) {
      endToEnd.push(first.perfMs - outcome.sentPerf);
      afterAnswer.push(first.perfMs - outcome.answeredPerf);
    }
  });
  let strays = 0;
  for (const [stream, received] of byStream) if (!targetOf.has(stream)) strays += received.length;

  // The old cookies must be dead now, and members nobody took over must still be signed in.
  const cookieHeader = (m: SignedInMember) =>
    `${fleet.target.cookieNames.session}=${m.sessionCookie}; ${fleet.target.cookieNames.device}=${m.deviceCookie}`;
  const sampled = phase.targets.slice(0, SESSION_SAMPLE);
  let oldSessionsStillLive = 0;
  for (const stream of sampled) {
    const member = members[stream];
    if (member && (await sessionStillLive(baseUrl, cookieHeader(member)))) oldSessionsStillLive += 1;
  }
  const untouched = members.filter((_, i) => !targetOf.has(i)).slice(0, SESSION_SAMPLE);
  let untouchedSessionsDead = 0;
  for (const member of untouched)
    if (!(await sessionStillLive(baseUrl, cookieHeader(member)))) untouchedSessionsDead += 1;

  const after = await server.metrics();
  const count = phase.targets.length;
  const check = {
    eventsReceived: fleet.events.length,
    deliveredOnce,
    missing,
    duplicates,
    strays,
    wrongReason,
    serverDelivered: after.delivered - server.deliveredBefore,
    oldSessionsStillLive,
    untouchedSessionsDead,
    sampled: sampled.length,
    streamsLost: fleet.lost.length,
    serverStreamsAfter: after.streams,
  };
  const problems: string[] = [];
  if (phase.figures.failed > 0) problems.push(`${phase.figures.failed} logins failed`);
  if (check.eventsReceived !== count) problems.push(`${check.eventsReceived} events for ${count} takeovers`);
  if (missing > 0) problems.push(`${missing} takeovers never reached their stream`);
  if (duplicates > 0) problems.push(`${duplicates} duplicate events`);
  if (strays > 0) problems.push(`${strays} events on streams nobody took over`);
  if (wrongReason > 0) problems.push(`${wrongReason} events were not session.revoked/takeover`);
  if (check.serverDelivered !== count) problems.push(`server counted ${check.serverDelivered} deliveries`);
  if (oldSessionsStillLive > 0) problems.push(`${oldSessionsStillLive} of ${sampled.length} old sessions still live`);
  if (untouchedSessionsDead > 0) problems.push(`${untouchedSessionsDead} untouched sessions no longer live`);
  if (check.streamsLost > 0) problems.push(`${check.streamsLost} streams dropped`);
  // The server ends each taken-over stream after its revocation; every other stream stays open.
  if (fleet.endedAfterRevocation.length !== count)
    problems.push(`${fleet.endedAfterRevocation.length} streams ended after their revocation, not ${count}`);
  if (check.serverStreamsAfter !== members.length - count)
    problems.push(`server holds ${check.serverStreamsAfter} streams, not ${members.length - count}`);
  const ok = problems.length === 0;
  const summary = ok
    ? `OK — ${count} takeovers, ${check.eventsReceived} events, each once on its own stream, none elsewhere; ` +
      `server counted ${check.serverDelivered}; ${sampled.length} old sessions refused, ${untouched.length} untouched still live; ` +
      `${fleet.endedAfterRevocation.length} revoked streams ended by the server, ${check.serverStreamsAfter} others still open`
    : `FAILED — ${problems.join('; ')}`;
  const loginAnswer = phase.outcomes.filter((o) => !o.error).map((o) => o.answeredPerf - o.sentPerf);
  return {
    check: { ok, summary, ...check },
    latencies: {
      delivery: percentiles(delivery),
      endToEnd: percentiles(endToEnd),
      loginAnswer: percentiles(loginAnswer),
      deliveryDuringHeartbeat: percentiles(during),
      deliveryOtherwise: percentiles(otherwise),
      eventAfterAnswer: percentiles(afterAnswer),
      toNotify: percentiles(toNotify),
      fromNotify: percentiles(fromNotify),
    },
  };
}
