import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { closedPort, createWorkspace, runGerbang } from '../helpers/gerbang-process.js';
import type { LegacyDatabase } from '../helpers/legacy.js';
import { createLegacyDatabase, phpHash, sampleLegacyData } from '../helpers/legacy.js';
import { DIALECTS } from '../helpers/world.js';

const BIN = fileURLToPath(new URL('../../bin/gerbang.js', import.meta.url));
const MEMBERS = 300;

let sample: LegacyDatabase;
let large: LegacyDatabase;
beforeAll(async () => {
  sample = await createLegacyDatabase(sampleLegacyData());
  // Cost 7 (~15 ms a comparison) makes each batch of members take a while: time to kill the import mid-way.
  const hash = phpHash('0800', 7);
  large = await createLegacyDatabase({
    members: Array.from({ length: MEMBERS }, (_, i) => ({
      email: `member${i}@example.com`,
      username: `member${i}@example.com`,
      password: hash,
      pic_phone: '0800',
      pic: `Member ${i}`,
    })),
    licenses: Array.from({ length: MEMBERS }, (_, i) => ({
      email: `member${i}@example.com`,
      key_license: `KEI-${String(i).padStart(4, '0')}-AAAA${String(i).padStart(4, '0')}`,
      produk_digital: 'prod-ebook',
      trx_lynk_id: `ref-${i}`,
    })),
  });
});
afterAll(async () => {
  await sample?.drop();
  await large?.drop();
});

describe.each(DIALECTS)('gerbang import legacy (%s)', (dialect) => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace(dialect);
    // Only serve and migrate --create may create the database; an import runs into an existing one.
    expect((await ws.run(['migrate', '--create'])).code).toBe(0);
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('an unreachable MySQL or a missing file is a clear error in Indonesian and exit code 1', async () => {
    const port = await closedPort();
    const result = await ws.run(['import', 'legacy', '--from', `mysql://root:rahasia@127.0.0.1:${port}/lama`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Tidak dapat membaca MySQL');
    expect(result.stderr).toContain('koneksi ditolak');
    expect(result.stderr).not.toContain('rahasia');
    const bad = await ws.run(['import', 'legacy', '--from-sql', '/tidak/ada.sql']);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      1,
      'gerbang: Tidak dapat membuka /tidak/ada.sql: berkas tidak ada.',
    ]);
    expect((await ws.run(['import', 'legacy'])).code).toBe(2);
  });

  it('--json prints one JSON report on stdout; progress goes to stderr', async () => {
    const dry = await ws.run(['import', 'legacy', '--from', sample.url, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, members: { toCreate: 4 } });
    const real = await ws.run(['import', 'legacy', '--from', sample.url, '--json']);
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout);
    expect(report).toMatchObject({ dryRun: false, members: { created: 4, phoneDefault: 1 }, licenses: { created: 5 } });
    expect(report.skipped).toHaveLength(7);
    expect(real.stderr).toContain('Lisensi: 5/5');
    const text = await ws.run(['import', 'legacy', '--from', sample.url]);
    expect(text.stdout).toContain('Member : 8 baris → 0 dibuat, 4 sudah diimpor, 4 dilewati');
    expect(text.stdout).toContain('member 4: email kosong');
  });

  it('an import killed mid-way, run again, completes without a duplicate', async () => {
    const child = spawn(process.execPath, [BIN, 'import', 'legacy', '--from', large.url, '--batch-size', '20'], {
      cwd: ws.dir,
      env: ws.env,
    });
    let stderr = '';
    const killed = new Promise<string>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        // The first batch of members is committed: stop the process as a power cut would.
        if (/Member: [1-9]\d*\//.test(stderr)) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => resolve(String(signal)));
    });
    expect(await killed).toBe('SIGKILL');
    expect(stderr).not.toContain(`Member: ${MEMBERS}/${MEMBERS}`);

    // Bounded generously: the machine may be busy with other suites.
    const resumed = await runGerbang(['import', 'legacy', '--from', large.url, '--batch-size', '20', '--json'], {
      env: ws.env,
      cwd: ws.dir,
      timeoutMs: 120_000,
    });
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);
    const before = report.members.alreadyImported;
    expect(before).toBeGreaterThanOrEqual(20);
    expect(before).toBeLessThan(MEMBERS);
    expect(report.members.created).toBe(MEMBERS - before);
    expect(report.licenses.created + report.licenses.alreadyImported).toBe(MEMBERS);

    const list = await ws.run(['members', 'list', '--limit', '1000', '--json']);
    const emails: string[] = JSON.parse(list.stdout).map((m: { email: string }) => m.email);
    expect(emails.filter((e) => e.startsWith('member'))).toHaveLength(MEMBERS);
    expect(new Set(emails).size).toBe(emails.length);
    const rerun = await runGerbang(['import', 'legacy', '--from', large.url, '--json'], {
      env: ws.env,
      cwd: ws.dir,
      timeoutMs: 120_000,
    });
    const again = JSON.parse(rerun.stdout);
    expect(again.members).toMatchObject({ created: 0, alreadyImported: MEMBERS });
    expect(again.licenses).toMatchObject({ created: 0, alreadyImported: MEMBERS });
  }, 240_000);
});
