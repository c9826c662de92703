import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { resolveDevice } from '../src/auth/devices.js';
import { createSession } from '../src/auth/index.js';
import type { Config } from '../src/config/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { createMemberIfAbsent, hashPassword } from '../src/members/index.js';

/**
 * The members the realtime bench signs in. Ten thousand logins over HTTP would spend ten minutes in
 * argon2, so each member, its device "A" and a live session are written straight into the
 * database with the server's own functions (the cookies are exactly what a login would have set).
 * All members share one password hash: the takeover logins still verify it at full cost.
 */

export const BENCH_PASSWORD = 'bench-password-realtime-0123';

/** Device "A": the browser each member is signed in on before the takeovers. */
export const DEVICE_A_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface SignedInMember {
  memberId: number;
  email: string;
  /** The gerbang_session and gerbang_device cookie values of device "A". */
  sessionCookie: string;
  deviceCookie: string;
}

export function benchEmail(index: number): string {
  return `member-${index}@bench.example`;
}

/** Migrates the database the config names and signs `count` members in on their device "A". */
export async function seedSignedInMembers(
  config: Config,
  count: number,
): Promise<{ members: SignedInMember[]; seconds: number }> {
  const started = performance.now();
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db, database.dialect);
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    const now = Date.now();
    // One transaction: one commit (one fsync) for the whole set instead of one per statement.
    const members = await database.db.transaction().execute(async (trx) => {
      const out: SignedInMember[] = [];
      for (let i = 0; i < count; i++) {
        const email = benchEmail(i);
        const { member } = await createMemberIfAbsent(
          trx,
          { email, name: `Member ${i}`, phone: '', passwordHash, sourceOrderId: null },
          now,
        );
        const claim = {
          token: undefined,
          fingerprint: randomBytes(32).toString('hex'),
          userAgent: DEVICE_A_USER_AGENT,
        };
        const device = await resolveDevice(trx, claim, now, randomBytes);
        if (!device.newToken) throw new Error(`device of ${email} got no token`);
        const session = await createSession(trx, {
          memberId: member.id,
          deviceId: device.id,
          ip: '127.0.0.1',
          now,
          settings: config.auth,
          randomBytes,
        });
        out.push({ memberId: member.id, email, sessionCookie: session.value, deviceCookie: device.newToken });
      }
      return out;
    });
    return { members, seconds: (performance.now() - started) / 1000 };
  } finally {
    await database.close();
  }
}

/**
 * A fresh PostgreSQL schema (as test/helpers/world.ts makes them): the returned URL pins
 * search_path to it through libpq's `options`, so the server's tables land there.
 */
export async function createBenchSchema(
  baseUrl: string,
): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = `bench_rt_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create schema ${schema}`);
  const separator = baseUrl.includes('?') ? '&' : '?';
  return {
    url: `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    schema,
    drop: () => run(`drop schema if exists ${schema} cascade`),
  };
}
