import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/index.js';
import { addMember } from '../helpers/auth.js';
import { hesdaEnv, seedTransaction } from '../helpers/hesda.js';
import { buyLicense, LICENSE_RULES } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';
import type { CorpusEntry } from './corpus/index.js';
import { CORPUS, CORPUS_SIZES } from './corpus/index.js';
import type { CsrfPair } from './hostile-request.js';
import { expandText, requestBytes } from './hostile-request.js';
import type { RawResponse } from './raw-http.js';
import { sendRaw } from './raw-http.js';
import type { SchemaColumn, TableChange, TableRows } from './table-snapshot.js';
import { diffRows, schemaColumns, snapshotRows } from './table-snapshot.js';

/**
 * Every entry of the hostile corpus (test/abuse/corpus/, one module per target) goes over real HTTP on loopback
 * (a bare socket, so invalid UTF-8, doubled headers and lying lengths arrive as sent) to a server
 * on SQLite and on PostgreSQL. Each must get the answer its entry names (a 4xx with
 * {error:{code,message,requestId}}, or for a signed webhook the stored event it names), and:
 * - no write but the ones allowed: the entry's own webhook delivery (a new event, or one more on the
 *   sampled row of its IP, reason and minute for a refusal, or on the first event for a repeat),
 *   rate-limit counters, and the tables an accepted entry names (then read back byte for byte);
 * - Object.prototype as before (the server runs in this process, so pollution would show here);
 * - afterwards the server still answers /healthz, the schema is unchanged, no unhandled rejection.
 * Defences this proves: zod at every edge, the JSON parser's prototype-poisoning refusal, the
 * body limits (64 KiB on the webhooks, 1 MiB elsewhere), signature-before-trust, UTF-8 checking of
 * webhook bodies, and the one error shape for client errors the HTTP parser itself refuses.
 */

/**
 * The only table any entry may change: rate-limit counters. Login counts every attempt there, and on
 * PostgreSQL the license API merges its counters into it up to a second later (so during whatever
 * entry runs next). The audit log is not allowed: with the limits raised, no entry may add to it.
 * Webhook entries record exactly the one delivery their expectation names; nothing else is written
 * except by the accepted entries, which list their tables and are read back byte for byte.
 */
const ALLOWED_BOOKKEEPING = ['rate_limits'];

const corpus = CORPUS;
const outcomes = new Map<string, number>();

/** The corpus itself: every target's entries there, each id once (run once, by hostile-input.test.ts). */
export function describeCorpus(): void {
  describe('the hostile corpus', () => {
    it('holds every entry of every target, each id once', () => {
      const byTarget: Record<string, number> = {};
      for (const entry of corpus) byTarget[entry.target] = (byTarget[entry.target] ?? 0) + 1;
      expect(byTarget).toEqual(CORPUS_SIZES);
      expect(new Set(corpus.map((entry) => entry.id)).size).toBe(corpus.length);
    });
  });
}

/**
 * The corpus against a server on one dialect. SQLite and PostgreSQL have a test file each
 * (hostile-input.test.ts, hostile-input-postgres.test.ts), so the two runs go to two workers at once.
 */
export function describeHostileInput(dialect: Dialect): void {
  describe(`hostile input on ${dialect}`, () => {
    let world: World;
    let port: number;
    let licenseKey: string;
    let csrf: CsrfPair;
    let columns: SchemaColumn[];
    /** The previous entry's "after": a write landing late, between two entries, still counts. */
    let rows: TableRows | undefined;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    beforeAll(async () => {
      process.on('unhandledRejection', onUnhandled);
      world = await createWorld(dialect, {
        ...hesdaEnv(null),
        PRODUCT_RULES: LICENSE_RULES,
        // Raised so every entry reaches the checks it was written for instead of a 429.
        LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
        LICENSE_API_MAX_PER_IP: '10000000',
        LICENSE_API_MAX_PER_KEY: '10000000',
        WEBHOOK_MAX_REFUSED_PER_IP: '10000000',
        // The entries release devices of one key and take over one account more often than a buyer would.
        LICENSE_MAX_TRANSFERS: '0',
        TAKEOVER_LIMIT: '0',
      });
      licenseKey = (await buyLicense(world, 'Tiga Perangkat')).key;
      await addMember(world, 'anggota@example.com');
      await world.app.listen({ port: 0, host: '127.0.0.1' });
      port = (world.app.server.address() as AddressInfo).port;
      csrf = await csrfPair(port);
      columns = await schemaColumns(world.database.db, dialect);
    });

    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled);
      await world?.close();
    });

    it.each(corpus)('$id', async (entry) => {
      const db = world.database.db;
      if (entry.seedPpob) {
        await seedTransaction(world, entry.seedPpob);
        rows = undefined;
      }
      const before = rows ?? (await snapshotRows(db, dialect, columns));
      const prototypeBefore = Object.getOwnPropertyNames(Object.prototype);

      const response = await sendRaw(port, requestBytes(entry, licenseKey, csrf), entry.contentLength === 'longer');
      // Read before any assertion: a failing entry must not leave its writes to the next one's diff.
      rows = await snapshotRows(db, dialect, columns);
      // A length shorter than the body leaves the first request still being handled behind the
      // parser's answer: wait (at most 2 s, polling) for its write to land in this entry's window,
      // however loaded the machine is.
      for (let waited = 0; entry.contentLength === 'shorter' && waited < 2000; waited += 50) {
        if (diffRows(before, rows).size > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
        rows = await snapshotRows(db, dialect, columns);
      }
      const said = `${response.status} ${response.body.toString('utf8').slice(0, 300)}`;
      expect(response.status, said).toBe(entry.expect.status);
      checkAnswer(entry, response, said);

      const changes = diffRows(before, rows);
      for (const [table, change] of changes) {
        // The entry's own delivery is checked below.
        if (ALLOWED_BOOKKEEPING.includes(table) || table === 'webhook_events') continue;
        const allowed = [...(entry.expect.writes ?? []), ...(entry.expect.mayWrite ?? [])];
        expect(allowed, `unexpected write to ${table}: ${JSON.stringify(change)}`).toContain(table);
      }
      for (const table of entry.expect.writes ?? []) expect(changes.has(table), `${table} not written`).toBe(true);

      const events = deliveriesRecorded(changes.get('webhook_events'), columns);
      const wanted = entry.expect.event ?? null;
      expect(events.map((e) => e.outcome)).toEqual(wanted ? [wanted] : []);
      if (wanted) expect(events[0]?.signature_valid).toBe(wanted === 'rejected' ? 0 : 1);

      for (const literal of entry.expect.literal ?? []) {
        let query = db
          .selectFrom(literal.table as 'orders')
          .select(sql<string>`${sql.ref(literal.column)}`.as('value'))
          .orderBy('id', 'desc');
        for (const [column, value] of Object.entries(literal.match)) query = query.where(sql.ref(column), '=', value);
        const row = await query.executeTakeFirst();
        expect(row?.value, `${literal.table}.${literal.column}`).toBe(expandText(literal.text, licenseKey));
      }

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeBefore);
      const key = `${entry.target}\t${entry.category}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    });

    it('still answers /healthz, keeps its schema and saw no unhandled rejection', async () => {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await schemaColumns(world.database.db, dialect)).toEqual(columns);
      expect(unhandled).toEqual([]);
    });
  });

  afterAll(() => {
    const entries = new Map<string, number>();
    for (const entry of corpus)
      entries.set(`${entry.target}\t${entry.category}`, (entries.get(`${entry.target}\t${entry.category}`) ?? 0) + 1);
    const lines = [...entries]
      .sort()
      .map(([key, n]) => `${key.padEnd(32)}\t${n} entries\t${outcomes.get(key) ?? 0} passed`);
    const byTarget = new Map<string, number>();
    for (const entry of corpus) byTarget.set(entry.target, (byTarget.get(entry.target) ?? 0) + 1);
    console.log(
      `hostile corpus on ${dialect}: ${corpus.length} entries (${[...byTarget].map(([t, n]) => `${t} ${n}`).join(', ')})\n` +
        `per target/category:\n${lines.join('\n')}`,
    );
  });
}

function checkAnswer(entry: CorpusEntry, response: RawResponse, said: string): void {
  const type = response.headers['content-type'] ?? '';
  if (entry.expect.body === 'html') {
    expect(type, said).toMatch(/^text\/html/);
    return;
  }
  expect(type, said).toMatch(/^application\/json/);
  const body = JSON.parse(response.body.toString('utf8')) as {
    status?: string;
    valid?: boolean;
    code?: string;
    error?: { code?: unknown; message?: unknown; requestId?: unknown };
  };
  if (entry.expect.body === 'verdict') {
    expect(body.valid, said).toBe(false);
    expect(body.code, said).toBe(entry.expect.code);
    return;
  }
  if (entry.expect.body === 'ok') return;
  if (entry.expect.body === 'hesda-error') expect(body.status, said).toBe('error');
  expect(body.error?.code, said).toBe(entry.expect.code);
  expect(body.error?.message, said).toEqual(expect.any(String));
  expect(String(body.error?.requestId ?? ''), said).not.toBe('');
}

/**
 * The deliveries one entry recorded in webhook_events: each a new row, or one more on a row stored
 * before (a refusal counted on the sampled row of its IP, reason and minute, or a repeat). Such a
 * row may change only by that count and its last arrival; nothing else stored is ever touched.
 */
function deliveriesRecorded(
  change: TableChange | undefined,
  columns: readonly SchemaColumn[],
): { outcome: string; signature_valid: number }[] {
  if (!change) return [];
  const names = columns.filter((c) => c.table === 'webhook_events' && c.column !== 'raw_body').map((c) => c.column);
  const at = (name: string) => names.indexOf(name);
  const parse = (row: string) => JSON.parse(row) as unknown[];
  const added = change.added.map(parse);
  const recorded = added.filter((row) => !change.removed.some((old) => parse(old)[at('id')] === row[at('id')]));
  for (const old of change.removed.map(parse)) {
    const now = added.find((row) => row[at('id')] === old[at('id')]);
    expect(now, `webhook event #${String(old[at('id')])} removed`).toBeDefined();
    if (!now) continue;
    const counted = [...old];
    counted[at('delivery_count')] = Number(old[at('delivery_count')]) + 1;
    counted[at('last_received_at')] = now[at('last_received_at')];
    expect(now, 'a stored webhook event changed beyond one more delivery').toEqual(counted);
    recorded.push(now);
  }
  return recorded.map((row) => ({
    outcome: String(row[at('outcome')]),
    signature_valid: Number(row[at('signature_valid')]),
  }));
}

/** A browser's CSRF pair from the login page, sent with every login entry that asks for it. */
async function csrfPair(port: number): Promise<CsrfPair> {
  const page = await fetch(`http://127.0.0.1:${port}/login`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token || !cookie) throw new Error('the login page carried no CSRF pair');
  return { cookie, token };
}
