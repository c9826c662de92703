import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { signHesdaWebhook, signLynkPayment } from '../../src/webhooks/index.js';
import { addMember, cookieNames, PASSWORD, TestDevice } from '../helpers/auth.js';
import { HESDA_SECRET, hesdaEnv, seedTransaction, update } from '../helpers/hesda.js';
import { payment } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, MERCHANT_KEY } from '../helpers/world.js';

/**
 * "No secrets in logs": the production logger (src/logger.ts, at its most verbose level) writes
 * every line of a session that carries every kind of secret Gerbang handles, and none of them may
 * appear. This fails if the request serializer ever logs headers, if a URL's one-time token is
 * not redacted, or if a service logs a body or a key.
 */
describe('log lines never carry a secret', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('passwords, cookies, signatures, bearer tokens, one-time tokens and keys stay out of every log line', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    world = await createWorld('sqlite', hesdaEnv(null), { logger: createLogger('trace', sink) });
    const { app } = world;
    await addMember(world, 'ani@example.com');
    const secrets: Record<string, string> = {
      password: PASSWORD,
      merchantKey: MERCHANT_KEY,
      hesdaSecret: HESDA_SECRET,
    };
    secrets.cookieSecret = world.config.cookieSecret;

    // A member signs in and reads a page: the session and device cookies travel on every request.
    const device = new TestDevice(app);
    expect((await device.loginKeepingHere('ani@example.com', PASSWORD)).statusCode).toBe(303);
    expect((await device.get('/member')).statusCode).toBe(200);
    const names = cookieNames(world);
    for (const name of [names.session, names.device]) {
      const value = device.cookies.get(name);
      if (!value) throw new Error(`no ${name} cookie after login`);
      secrets[name] = value;
    }
    // A wrong password is logged as a failure, never with what was typed.
    const typo = `salah-${randomBytes(6).toString('hex')}`;
    secrets.typo = typo;
    await new TestDevice(app).login('ani@example.com', typo);

    // One-time tokens arrive in links; the request log keeps the path only.
    const linkToken = randomBytes(32).toString('base64url');
    secrets.linkToken = linkToken;
    await app.inject({ method: 'GET', url: `/akun/atur-sandi?token=${linkToken}` });
    await app.inject({ method: 'GET', url: `/login/tautan?token=${linkToken}` });

    // Webhook signatures, a genuine and a forged one, for both providers.
    const body = payment();
    const signed = signLynkPayment(body, MERCHANT_KEY);
    secrets.lynkSignature = signed.signature;
    const forged = randomBytes(32).toString('hex');
    secrets.forged = forged;
    for (const signature of [signed.signature, forged]) {
      await app.inject({
        method: 'POST',
        url: '/webhook/lynk',
        headers: { 'content-type': 'application/json', 'x-lynk-signature': signature },
        payload: JSON.stringify(body),
      });
    }
    await seedTransaction(world, 'TRX-LOG-1');
    const hesda = signHesdaWebhook(update('TRX-LOG-1', 'success'), HESDA_SECRET, 'transaction.update');
    secrets.hesdaSignature = hesda.headers['x-hesda-signature'];
    await app.inject({ method: 'POST', url: '/webhooks/ppob', headers: hesda.headers, payload: hesda.body });

    // An admin API token (not a valid one: the refusal is logged too).
    const bearer = `gbt_${randomBytes(32).toString('base64url')}`;
    secrets.bearer = bearer;
    await app.inject({
      method: 'GET',
      url: '/api/admin/ppob/transactions',
      headers: { authorization: `Bearer ${bearer}` },
    });

    const log = lines.join('');
    // The capture works: requests, the login failure and the forged webhook were all logged.
    expect(lines.length).toBeGreaterThan(12);
    expect(log).toContain('/akun/atur-sandi?token=[redacted]');
    expect(log).toContain('INVALID_SIGNATURE');
    for (const [what, value] of Object.entries(secrets)) {
      expect(log.includes(value), `${what} appears in the log`).toBe(false);
    }
  });
});
