import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { devTransport, MailWorker } from '../src/mail/index.js';
import { linkIssuer, passwordHashing } from '../src/members/index.js';
import { holdPasswordHashing } from './helpers/auth.js';
import { waitFor } from './helpers/gerbang-process.js';
import { payment, postLynk } from './helpers/lynk.js';
import type { World } from './helpers/world.js';
import { createWorld, DIALECTS } from './helpers/world.js';

const TOKEN = 'metrics-token-0123456789';
const LICENSE_RULES = '[{"uuid":"prod-ebook","action":"license"}]';

/** GET /metrics (prom-client) and the request log, as an operator's Prometheus and journal see them. */
describe.each(DIALECTS)('metrics and logs (%s)', (dialect) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const scrape = async (w: World) => {
    const res = await w.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const value = (body: string, series: string) => {
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts webhook outcomes by provider, the outbox, HTTP latency by route and the pool', async () => {
    const w = await createWorld(dialect, { METRICS_TOKEN: TOKEN, PRODUCT_RULES: LICENSE_RULES });
    world = w;
    const body = payment({ email: 'budi@example.com' });
    expect((await postLynk(w.app, body)).statusCode).toBe(200);
    expect((await postLynk(w.app, body)).json()).toMatchObject({ duplicate: true });
    expect((await postLynk(w.app, payment(), { signature: 'd'.repeat(64) })).statusCode).toBe(401);
    expect((await postLynk(w.app, { event: 'test_event' }, { signature: null })).statusCode).toBe(200);
    w.runtime.advance(90_000);

    const metrics = await scrape(w);
    for (const [outcome, n] of [
      ['processed', 1],
      ['duplicate', 1],
      ['refused', 1],
      ['test', 1],
    ] as const)
      expect(value(metrics, `gerbang_webhook_deliveries_total{provider="lynk",outcome="${outcome}"}`), outcome).toBe(n);
    expect(value(metrics, 'gerbang_mail_outbox{status="pending"}')).toBe(1);
    expect(value(metrics, 'gerbang_mail_outbox{status="failed"}')).toBe(0);
    expect(value(metrics, 'gerbang_mail_outbox_oldest_pending_seconds')).toBe(90);
    expect(
      value(metrics, 'gerbang_http_request_duration_seconds_count{method="POST",route="/webhook/lynk",status="2xx"}'),
    ).toBe(3);
    expect(value(metrics, 'gerbang_realtime_streams')).toBe(0);
    expect(value(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value(metrics, 'nodejs_heap_used_bytes')).toBeGreaterThan(0);
    if (dialect === 'postgres') expect(value(metrics, 'gerbang_db_pool_max')).toBe(w.config.databasePoolSize);
    expect(value(metrics, 'gerbang_password_hashes_active')).toBe(0);
    expect(value(metrics, 'gerbang_password_hashes_waiting')).toBe(0);
    // Reading /metrics does not move the statement counter (the outbox gauges' own query is not counted).
    const before = value(metrics, 'gerbang_db_queries_total');
    expect(value(await scrape(w), 'gerbang_db_queries_total')).toBe(before);
  });

  it('shows password hashes waiting for their turn', async () => {
    const w = await createWorld(dialect, { METRICS_TOKEN: TOKEN });
    world = w;
    const hashing = holdPasswordHashing(5);
    try {
      const during = await scrape(w);
      expect(value(during, 'gerbang_password_hashes_active')).toBe(passwordHashing.size);
      expect(value(during, 'gerbang_password_hashes_waiting')).toBe(5);
    } finally {
      await hashing.release();
    }
    expect(value(await scrape(w), 'gerbang_password_hashes_waiting')).toBe(0);
    expect(value(await scrape(w), 'gerbang_password_hashes_active')).toBe(0);
  });

  it('one log line per request, none for probes and scrapes, and no buyer email at info', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const w = await createWorld(
      dialect,
      { METRICS_TOKEN: TOKEN, PRODUCT_RULES: LICENSE_RULES },
      { logger: createLogger('info', sink) },
    );
    world = w;
    expect((await postLynk(w.app, payment({ email: 'budi.pembeli@example.com' }))).statusCode).toBe(200);
    for (const url of ['/healthz', '/readyz']) await w.app.inject({ url });
    await scrape(w);
    await w.app.inject({ url: '/admin/member?cari=budi.pembeli@example.com' });
    // The mail worker's "sent" line names the mail, never its address.
    const worker = new MailWorker({
      db: w.database.db,
      dialect: w.database.dialect,
      config: w.config,
      runtime: w.runtime,
      transport: devTransport(),
      log: createLogger('info', sink),
      issueLink: linkIssuer(w.runtime),
    });
    worker.start();
    await waitFor(
      async () => (lines.some((l) => l.includes('mail stored in the dev mailbox')) ? true : undefined),
      'the mail',
    );
    await worker.stop();

    const requests = lines
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .filter((l) => l.msg === 'request');
    expect(requests.map((r) => r.url)).toEqual(['/webhook/lynk', '/admin/member?cari=[email]']);
    expect(lines.join('')).not.toContain('budi.pembeli@example.com');
    expect(lines.find((l) => l.includes('mail stored in the dev mailbox'))).toMatch(/"toDigest":"[0-9a-f]{12}"/);
  });
});
