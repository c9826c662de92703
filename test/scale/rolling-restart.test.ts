import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGerbang } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { CLUSTER_ENV, postLynkTo, sleep, startCluster } from '../helpers/scale/cluster.js';
import type { RunningNginx } from '../helpers/scale/nginx.js';
import { startNginx } from '../helpers/scale/nginx.js';

const UNIT = readFileSync(new URL('../../deploy/gerbang@.service', import.meta.url), 'utf8');

/** The unit's readiness check (ExecStartPost) for one instance, as systemd runs it: `%i` is the port. */
function readinessCheck(port: number): Promise<number | null> {
  const line = /^ExecStartPost=(.+)$/m.exec(UNIT)?.[1];
  if (!line) throw new Error('deploy/gerbang@.service has no ExecStartPost');
  const [command, ...args] = line.replaceAll('%i', String(port)).split(/\s+/);
  if (!command) throw new Error('empty ExecStartPost');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

/**
 * The rolling restart of docs/DEPLOY.md under webhook load, through the shipped nginx file: each
 * instance in turn is stopped (SIGTERM) and started again on its port, and the next one is touched
 * only once the unit's own ExecStartPost check says the new process is ready — as `systemctl
 * restart gerbang@PORT` does. Lynk must see no error at all.
 */
describe('rolling restart behind nginx', () => {
  let cluster: Cluster | undefined;
  let nginx: RunningNginx | undefined;
  const started: RunningGerbang[] = [];
  afterEach(async () => {
    await nginx?.close();
    await Promise.all(started.splice(0).map((s) => s.kill()));
    await cluster?.close();
    nginx = undefined;
    cluster = undefined;
  });

  it('restarting each instance in turn under webhook load: every delivery answered 2xx and stored once', async () => {
    const env = { TRUST_PROXY: '127.0.0.1', PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' };
    cluster = await startCluster(2, env);
    const c = cluster;
    const ports = [c.port(0), c.port(1)];
    nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
    const base = `http://127.0.0.1:${nginx.port}`;

    const answers: { status: number; duplicate: unknown }[] = [];
    let loading = true;
    let n = 0;
    const sender = async () => {
      while (loading) {
        const i = n++;
        const answer = await postLynkTo(base, payment({ email: `pembeli-${i}@example.com`, refId: `ref-${i}` }));
        answers.push({ status: answer.status, duplicate: (answer.json as { duplicate?: unknown }).duplicate });
      }
    };
    const senders = [sender(), sender(), sender(), sender()];
    await sleep(300);

    for (const [i, port] of ports.entries()) {
      const old = c.instances[i];
      if (!old) throw new Error(`no instance ${i}`);
      expect(await old.stop(['SIGTERM'])).toBe(0);
      const next = c.workspace.serve({ ...CLUSTER_ENV, ...env, PORT: String(port) });
      expect(await readinessCheck(port)).toBe(0);
      started.push(await next);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    }
    await sleep(300);
    loading = false;
    await Promise.all(senders);

    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.status < 200 || a.status > 299)).toEqual([]);
    const orders = await c.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(Number(orders?.n)).toBe(answers.length);
  }, 90_000);
});
