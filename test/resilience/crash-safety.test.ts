import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { DatabaseHandle, Dialect } from '../../src/db/index.js';
import { openDatabase } from '../../src/db/index.js';
import type { Workspace } from '../cli/gerbang-process.js';
import { createWorkspace, waitFor } from '../cli/gerbang-process.js';
import { DIALECTS } from '../helpers/world.js';
import type { SmtpSink } from '../mail/smtp-sink.js';
import { startSmtpSink } from '../mail/smtp-sink.js';
import { portBelowEphemeralRange, startCrashLoop } from './crash-loop.js';
import { describeFigures, sendLikeLynk } from './lynk-sender.js';
import { expectedOutcome, planDeliveries, productRulesEnv, seededRandom } from './order-mix.js';
import { integrityProblems, storedOutcomeProblems } from './stored-outcome.js';

/**
 * Crash safety (issue 8 §1). Thousands of signed Lynk deliveries, a tenth of them re-sent, go to a
 * real `gerbang serve` that is SIGKILLed at random moments and restarted, while SMTP is down. The
 * sender retries every delivery until it gets a 200, as Lynk does. Then SMTP comes up, a final
 * server sends the outbox, and the database must hold each paid delivery once, processed once:
 * one order, its licenses (items × qty), one member per buyer, each mail queued once and received
 * once. Defences proven: verify→store→process in one transaction before the 200 (receive.ts), the
 * unique (provider, message_id) and (provider, refId) keys, the outbox written in the webhook's
 * transaction with a dedupe key, the claim lease that frees mail a killed worker held
 * (mail/claim.ts), and SQLite's WAL with synchronous=FULL.
 *
 * CRASH_SEED=n repeats a run's payloads and kill points (the seed is printed).
 */
const SEED = Number(process.env.CRASH_SEED ?? randomInt(1, 2 ** 31));
const KILLS_WHILE_SENDING = 7;
// PostgreSQL does one commit per webhook (no group commit) and its server shares the two cores:
// fewer deliveries keep the pair of runs inside the suite's budget. Same mix, same checks.
const SCALE: Record<Dialect, { orders: number; duplicates: number; buyers: number }> = {
  sqlite: { orders: 4500, duplicates: 500, buyers: 1200 },
  postgres: { orders: 900, duplicates: 100, buyers: 300 },
};
/** The hard cap per run: past it the test fails saying which phase did not finish. */
const RUN_BUDGET_MS = 150_000;

describe.each(DIALECTS)('crash safety under SIGKILL (%s)', (dialect) => {
  let workspace: Workspace | undefined;
  let database: DatabaseHandle | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await database?.close();
    await sink?.close();
    await workspace?.close();
    database = undefined;
    sink = undefined;
    workspace = undefined;
  });

  it(
    'every delivery answered 200 is stored and processed once, and every mail is sent once after SMTP returns',
    async () => {
      const started = Date.now();
      const deadline = started + RUN_BUDGET_MS;
      const random = seededRandom(SEED + (dialect === 'postgres' ? 1 : 0));
      const merchantKey = `crash-merchant-${SEED}-${dialect}`;
      const plan = planDeliveries(random, { ...SCALE[dialect], merchantKey, tag: SEED.toString(36) });
      const expected = expectedOutcome(plan.orders);
      const [port, smtpPort] = [await portBelowEphemeralRange(random), await portBelowEphemeralRange(random)];
      workspace = await createWorkspace(dialect);
      const env = {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: 'error',
        LYNK_MERCHANT_KEY: merchantKey,
        COOKIE_SECRET: 'crash-cookie-secret-0123456789abcdef0123456789',
        PRODUCT_RULES: productRulesEnv(),
        // Nothing listens there until the kills are over. pool=true keeps one SMTP connection for
        // the final burst (the test server greets each new connection only after 100 ms).
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}?pool=true&maxMessages=100000`,
        // Retries soon and often enough to outlast the outage (never "failed"), and the lease of a
        // mail claimed by a killed worker runs out within the test instead of after two minutes.
        MAIL_MAX_ATTEMPTS: '40',
        MAIL_RETRY_BASE_SECONDS: '1',
        MAIL_POLL_INTERVAL_MS: '500',
        MAIL_LEASE_SECONDS: '10',
      };
      const loaded = loadConfig({ ...workspace.env, ...env }, workspace.dir);
      if (!loaded.ok) throw new Error(loaded.errors.join('; '));

      let answered = 0;
      const killPoints = Array.from({ length: KILLS_WHILE_SENDING }, () =>
        Math.floor((0.03 + random() * 0.94) * plan.queue.length),
      ).sort((a, b) => a - b);
      const loop = await startCrashLoop({ workspace, env, random, progress: () => answered, killPoints });
      const abort = new AbortController();
      const kills = loop.run(abort.signal).catch((error: unknown) => {
        abort.abort();
        throw error;
      });
      const sent = await sendLikeLynk(plan.queue, {
        target: loop.url,
        concurrency: 24,
        attemptTimeoutMs: 15_000,
        deadline,
        random,
        onAnswered: (n) => {
          answered = n;
        },
        signal: abort.signal,
      }).catch(async (error: unknown) => {
        abort.abort();
        await kills; // a crash loop failure is the cause: reported instead, if there was one
        throw error;
      });
      await kills;
      const sendingDone = Date.now();
      console.log(
        `crash safety (${dialect}, seed ${SEED}): ${plan.queue.length} deliveries answered in ${(sendingDone - started) / 1000} s, ${loop.kills} kills; ${describeFigures(sent.figures)}`,
      );
      // The last kill: whatever the worker had claimed stays "sending" until its lease runs out.
      await loop.killNow();

      database = openDatabase(loaded.config.database, { poolSize: 2 });
      const db = database.db;
      const left = await db
        .selectFrom('mail_outbox')
        .select((eb) => [
          'status',
          eb.fn.countAll<number>().as('n'),
          eb.fn.max('next_attempt_at').as('due'),
          eb.fn.max('lease_until').as('lease'),
        ])
        .groupBy('status')
        .execute();
      console.log(
        `outbox at the last kill: ${JSON.stringify(left.map((r) => ({ status: r.status, n: Number(r.n), dueInMs: Number(r.due) - Date.now(), leaseInMs: r.lease === null ? null : Number(r.lease) - Date.now() })))}; restarts took ${loop.restartMs.join(', ')} ms`,
      );
      sink = await startSmtpSink({ port: smtpPort });
      const smtp = sink;
      const t0 = Date.now();
      const final = await workspace.serve(env);
      const samples: string[] = [`listen ${Date.now() - t0}`];
      const sampler = setInterval(() => samples.push(`${Date.now() - t0}:${smtp.received.length}`), 2000);
      await waitFor(
        async () => {
          const unsent = await db
            .selectFrom('mail_outbox')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', 'in', ['pending', 'sending'])
            .executeTakeFirstOrThrow();
          return Number(unsent.n) === 0 && smtp.holding() === 0 ? true : undefined;
        },
        `the outbox to be sent after SMTP came back (outbox at the last kill: ${JSON.stringify(left)})`,
        Math.max(5_000, deadline - Date.now()),
        200,
      );
      const mailDone = Date.now();
      clearInterval(sampler);
      console.log(`DIAG final phase ${samples.join(' ')}`);
      expect(await final.stop()).toBe(0);

      const figures = {
        seed: SEED,
        dialect,
        deliveries: plan.orders.length,
        duplicates: plan.duplicates,
        sender: describeFigures(sent.figures),
        kills: loop.kills,
        restarts: loop.restarts,
        outboxAtLastKill: Object.fromEntries(left.map((r) => [r.status, Number(r.n)])),
        mailsSent: smtp.received.length,
        sendingSeconds: (sendingDone - started) / 1000,
        mailSeconds: (mailDone - sendingDone) / 1000,
        totalSeconds: (Date.now() - started) / 1000,
      };
      console.log(`crash safety: ${JSON.stringify(figures)}`);

      expect(loop.kills).toBeGreaterThanOrEqual(KILLS_WHILE_SENDING + 1);
      expect(sent.figures.otherStatus.size, 'no valid delivery is answered 4xx').toBe(0);
      const problems = [
        ...(await storedOutcomeProblems(db, { plan, expected, receipts: sent.receipts }, smtp.received)),
        ...(await integrityProblems(db, dialect)),
      ];
      expect(problems).toEqual([]);
      expect(smtp.received).toHaveLength(expected.mails);
      // No process logged an error or died of an unhandled rejection: the only exits were our kills.
      for (const server of [...loop.processes, final]) expect(server.output().stderr).toBe('');
      const errors = [...loop.processes, final]
        .flatMap((s) => s.output().stdout.split('\n'))
        .filter((l) => l.includes('"level":50') || l.includes('"level":60'));
      expect(errors.slice(0, 3)).toEqual([]);
    },
    RUN_BUDGET_MS + 30_000,
  );
});
