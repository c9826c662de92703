import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenseKeyPattern } from '../../src/licenses/index.js';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows, waitFor } from '../helpers/gerbang-process.js';

/**
 * A payment whose buyer email is empty is kept as a failed event; the operator learns the email from
 * Lynk and replays it from the command line while the server keeps running and sends the mail.
 */
describe('events replay of a payment without buyer email', () => {
  let ws: Workspace;
  let server: RunningGerbang;
  let eventId: number;

  beforeAll(async () => {
    ws = await createWorkspace();
    // A short poll so the running server picks up mail queued by the CLI process quickly.
    server = await ws.serve({ MAIL_POLL_INTERVAL_MS: '200' });
    const simulate = await ws.run([
      'lynk',
      'simulate',
      '--url',
      `${server.url}/webhook/lynk`,
      '--email',
      '',
      '--product',
      'Kelas Ekspor',
      '--json',
    ]);
    expect(simulate.code, simulate.stderr).toBe(0);
    const answer = JSON.parse(simulate.stdout) as { status: number; body: { event_id: number; outcome: string } };
    // Lynk gets a 200 anyway: retrying would not make the email appear.
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('failed');
    eventId = answer.body.event_id;
  });
  afterAll(async () => {
    await ws?.close();
  });

  const event = async () => {
    const result = await ws.run(['events', 'show', String(eventId), '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  it('is listed as failed with the reason', async () => {
    const failed = await jsonRows(await ws.run(['events', 'list', '--outcome', 'failed', '--json']));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      id: eventId,
      outcome: 'failed',
      error_code: 'INVALID_PAYMENT',
      error_message: expect.stringMatching(/customer\.email: .*email/),
    });
  });

  it('replayed without --email it stays failed and the command exits 1', async () => {
    const replay = await ws.run(['events', 'replay', String(eventId)]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(new RegExp(`Event #${eventId} diproses ulang: failed — .*email`));
  });

  it('replayed with --email it is processed, the license is issued and the running server mails it', async () => {
    const replay = await ws.run(['events', 'replay', String(eventId), '--email', 'fixed@example.com']);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(new RegExp(`Event #${eventId} diproses ulang: processed — .*1 lisensi`));

    const licenses = jsonRows(await ws.run(['licenses', 'list', '--json']));
    expect(licenses).toHaveLength(1);
    expect(licenses[0]).toMatchObject({ email: 'fixed@example.com', product_title: 'Kelas Ekspor', status: 'active' });
    expect(licenses[0]?.license_key).toMatch(licenseKeyPattern('KEI-'));

    const mail = await waitFor(async () => {
      const rows = jsonRows(await ws.run(['mail', 'list', '--status', 'sent', '--json']));
      return rows.find((m) => m.to === 'fixed@example.com');
    }, 'the replayed license mail to be sent by the server');
    expect(mail.text).toContain(licenses[0]?.license_key);
  });

  it('a processed event is not replayed again: exit 1, "tidak bisa diulang", no second license', async () => {
    const again = await ws.run(['events', 'replay', String(eventId), '--email', 'other@example.com']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`event #${eventId} (lynk, processed) tidak bisa diulang`);
    expect(jsonRows(await ws.run(['licenses', 'list', '--json']))).toHaveLength(1);
  });

  it('events show keeps the raw body as received and records who supplied the email', async () => {
    const shown = await event();
    expect(shown).toMatchObject({ id: eventId, provider: 'lynk', outcome: 'processed', signature_valid: 1 });
    expect(typeof shown.raw_body).toBe('string');
    const raw = JSON.parse(String(shown.raw_body)) as { data: { message_data: { customer: { email: string } } } };
    expect(raw.data.message_data.customer.email).toBe('');
    expect(shown.note).toContain('email pembeli diisi operator: fixed@example.com');
  });

  it('an unknown event id: replay exits 1 saying it does not exist', async () => {
    expect(await ws.run(['events', 'replay', '999'])).toMatchObject({ code: 1, stderr: 'event #999 tidak ada\n' });
  });
});
