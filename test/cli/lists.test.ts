import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows, waitFor } from '../helpers/gerbang-process.js';

describe('list commands over a served shop', () => {
  let ws: Workspace;
  const list = async (...args: string[]) => jsonRows(await ws.run([...args, '--json']));
  /** Every list in full, read once: the filter tests compare against these. */
  let all: Record<'members' | 'licenses' | 'events' | 'mail', Record<string, unknown>[]>;

  beforeAll(async () => {
    ws = await createWorkspace();
    const server = await ws.serve();
    const simulate = (...args: string[]) =>
      ws.run(['lynk', 'simulate', '--url', `${server.url}/webhook/lynk`, ...args]);
    const sent = await Promise.all([
      simulate('--email', 'siti@example.com', '--name', 'Siti', '--product', 'Template Invoice'),
      simulate('--email', 'budi@example.com', '--name', 'Budi', '--product', 'Kelas Ekspor', '--qty', '2'),
      simulate('--email', 'ani@example.com', '--name', 'Ani Wulandari', '--product', 'Daftar Member KEI'),
      simulate('--email', '', '--product', 'Kelas Ekspor'),
    ]);
    for (const r of sent) expect(r, r.stderr).toMatchObject({ code: 0 });
    const [members, licenses, events, mail] = await Promise.all([
      list('members', 'list'),
      list('licenses', 'list'),
      list('events', 'list'),
      waitFor(async () => {
        const mails = await list('mail', 'list');
        return mails.length === 3 && mails.every((m) => m.status === 'sent') ? mails : undefined;
      }, 'three mails to be sent'),
    ]);
    all = { members, licenses, events, mail };
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('--json on every list prints a JSON array of objects', () => {
    // Buyers of licenses have accounts too (they sign in by emailed link to see their keys).
    expect(all.members.map((m) => m.email).sort()).toEqual(['ani@example.com', 'budi@example.com', 'siti@example.com']);
    expect(all.members.find((m) => m.email === 'ani@example.com')).toMatchObject({
      name: 'Ani Wulandari',
      status: 'active',
      password_set: false,
    });
    expect(all.licenses.map((l) => l.email).sort()).toEqual([
      'budi@example.com',
      'budi@example.com',
      'siti@example.com',
    ]);
    expect(all.events).toHaveLength(4);
    expect(all.mail.map((m) => [m.kind, m.to]).sort()).toEqual([
      ['license', 'budi@example.com'],
      ['license', 'siti@example.com'],
      ['registration', 'ani@example.com'],
    ]);
  });

  it('without --json a list is a table with a header row, one line per row', async () => {
    const result = await ws.run(['licenses', 'list']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+LICENSE_KEY\s+EMAIL\s+PRODUCT_TITLE\s+STATUS\s+ORDER_NO\s+CREATED_AT$/);
    expect(lines).toHaveLength(4);
    for (const license of all.licenses) expect(result.stdout).toContain(String(license.license_key));
  });

  it('--limit keeps the newest N rows', async () => {
    const two = await list('licenses', 'list', '--limit', '2');
    expect(two).toEqual(all.licenses.slice(0, 2));
    expect(Number(two[0]?.id)).toBeGreaterThan(Number(two[1]?.id));
  });

  it('--search finds licenses by email or key, and members by name', async () => {
    const siti = all.licenses.find((l) => l.email === 'siti@example.com');
    const [byEmail, byKey, byName, nobody] = await Promise.all([
      list('licenses', 'list', '--search', 'budi@'),
      list('licenses', 'list', '--search', String(siti?.license_key)),
      list('members', 'list', '--search', 'wulan'),
      list('members', 'list', '--search', 'tidak-ada'),
    ]);
    expect(byEmail.map((l) => l.email)).toEqual(['budi@example.com', 'budi@example.com']);
    expect(byKey).toEqual([siti]);
    expect(byName.map((m) => m.email)).toEqual(['ani@example.com']);
    expect(nobody).toEqual([]);
  });

  it('--outcome and --provider filter events; the failed one carries its reason', async () => {
    const [failed, processed] = await Promise.all([
      list('events', 'list', '--outcome', 'failed'),
      list('events', 'list', '--outcome', 'processed', '--provider', 'lynk'),
    ]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ outcome: 'failed', error_code: 'INVALID_PAYMENT', signature_valid: true });
    expect(failed[0]?.error_message).toMatch(/customer\.email/);
    expect(processed.map((e) => e.id)).toEqual(all.events.filter((e) => e.outcome === 'processed').map((e) => e.id));
    expect(processed).toHaveLength(3);
  });

  it('--status filters the outbox', async () => {
    const [sent, pending] = await Promise.all([
      list('mail', 'list', '--status', 'sent'),
      list('mail', 'list', '--status', 'pending'),
    ]);
    expect(sent).toEqual(all.mail);
    expect(pending).toEqual([]);
  });
});

describe('usage errors', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
  });
  afterAll(async () => {
    await ws?.close();
  });

  it.concurrent.for([
    { command: 'licenses list --limit 0', message: '--limit harus bilangan bulat 1–100000' },
    { command: 'events list --outcome nope', message: '--outcome harus salah satu dari: processed' },
    // A filter a list cannot apply is refused rather than silently ignored.
    { command: 'mail list --search budi', message: "Unknown option '--search'" },
    { command: 'members list --frob', message: "Unknown option '--frob'" },
    { command: 'frobnicate', message: 'perintah tidak dikenal: frobnicate' },
    { command: 'events show abc', message: 'sebutkan satu id event, mis. `gerbang events show 12`' },
  ])('gerbang $command → exit 2 with a message, before touching the database', async ({ command, message }, t) => {
    const dataDir = join(ws.dir, command.replace(/\W+/g, '_'));
    const result = await ws.run(command.split(' '), { DATA_DIR: dataDir });
    t.expect(result.code).toBe(2);
    t.expect(result.stderr).toContain(`gerbang: ${message}`);
    t.expect(result.stderr).toContain('Lihat `gerbang --help`.');
    t.expect(result.stdout).toBe('');
    t.expect(existsSync(dataDir)).toBe(false);
  });

  it('--help lists every command and exits 0', async () => {
    const result = await ws.run(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'serve',
      'migrate',
      'members list',
      'licenses list',
      'events list',
      'events show',
      'events replay',
      'mail list',
      'lynk simulate',
      'ppob order',
      'ppob list',
      'ppob resolve',
    ])
      expect(result.stdout).toContain(`  ${command} `);
  });
});
