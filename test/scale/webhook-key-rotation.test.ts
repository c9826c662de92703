import { afterEach, describe, expect, it } from 'vitest';
import { signLynkPayment } from '../../src/webhooks/index.js';
import { jsonRows, runGerbang, waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { CLUSTER_ENV, startCluster } from '../helpers/scale/cluster.js';
import { MERCHANT_KEY } from '../helpers/world.js';

const NEW_KEY = 'kunci-baru-dari-lynk-0123456789';

async function deliver(base: string, key: string, email: string): Promise<number> {
  const signed = signLynkPayment(payment({ email }), key);
  const res = await fetch(`${base}/webhook/lynk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
    body: signed.body,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * The Lynk merchant key rotated while two instances run: the keys live in the database, so the new
 * key verifies on every instance at once and the old one keeps verifying until it is retired —
 * whatever order the instances were (or were not) restarted in.
 */
describe('webhook key rotation across instances', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('a key added with the CLI verifies on both instances at once; the old one until it is retired', async () => {
    cluster = await startCluster(2);
    const c = cluster;
    const cli = (args: string[], input?: string) =>
      runGerbang(args, { env: { ...c.workspace.env, ...CLUSTER_ENV }, cwd: c.workspace.dir, input: input ?? '' });

    const added = await cli(['webhook-keys', 'add', '--provider', 'lynk', '--key-stdin', '--json'], `${NEW_KEY}\n`);
    expect(added.code, added.stderr).toBe(0);
    const statuses: number[] = [];
    for (const i of [0, 1]) {
      statuses.push(await deliver(c.url(i), NEW_KEY, `baru-${i}@example.com`));
      statuses.push(await deliver(c.url(i), MERCHANT_KEY, `lama-${i}@example.com`));
    }
    expect(statuses).toEqual([200, 200, 200, 200]);

    // `lynk simulate` signs with the database's current key, as the servers now verify.
    const simulated = await cli([
      'lynk',
      'simulate',
      '--url',
      `${c.url(0)}/webhook/lynk`,
      '--email',
      'sim@example.com',
    ]);
    expect(simulated.code, simulated.stdout).toBe(0);

    const keys = jsonRows(await cli(['webhook-keys', 'list', '--provider', 'lynk', '--json']));
    expect(keys.map((k) => [k.status, k.source])).toEqual([
      ['current', 'database'],
      ['previous', 'database'],
    ]);
    expect(JSON.stringify(keys)).not.toContain(NEW_KEY);
    const old = keys.find((k) => k.status === 'previous');
    expect((await cli(['webhook-keys', 'retire', String(keys[0]?.id)])).code).toBe(1);
    const retired = await cli(['webhook-keys', 'retire', String(old?.id)]);
    expect(retired.code, retired.stderr).toBe(0);

    let n = 0;
    for (const i of [0, 1])
      await waitFor(
        async () => ((await deliver(c.url(i), MERCHANT_KEY, `setelah-${n++}@example.com`)) === 401 ? true : undefined),
        `instance ${i} to refuse the retired key`,
        10_000,
        250,
      );
    expect(await deliver(c.url(1), NEW_KEY, 'akhir@example.com')).toBe(200);
  }, 60_000);
});
