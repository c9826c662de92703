import { describe, expect, it } from 'vitest';
import { eventReason } from '../../src/admin/views/webhooks.js';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { visibleText } from '../helpers/visible-text.js';
import { worldPerTest } from '../helpers/world.js';

describe('the webhook log says why in Indonesian; the code stays under "Rincian teknis"', () => {
  const open = worldPerTest('sqlite', addAdmin);

  it('a refusal of a wrong signature, a missing one and a body that is no event', async () => {
    const world = await open();
    expect((await postLynk(world.app, payment(), { signature: 'a'.repeat(64) })).statusCode).toBe(401);
    expect((await postLynk(world.app, payment({ email: 'ani@example.com' }), { signature: null })).statusCode).toBe(
      401,
    );
    expect((await postLynk(world.app, '[1,2,3]', { signature: 'b'.repeat(64) })).statusCode).toBe(400);
    const admin = await signInAdmin(world);
    const list = await admin.get('/admin/webhook');
    expect(list.statusCode).toBe(200);
    const shown = visibleText(list.body);
    expect(shown).toContain('Tanda tangan tidak cocok: dikirim dengan kunci lain, atau bukan dari penyedia.');
    expect(shown).toContain('Dikirim tanpa tanda tangan.');
    expect(shown).toContain('Isinya bukan event yang dikenal.');
    expect(shown).not.toMatch(/INVALID_SIGNATURE|MISSING_SIGNATURE|INVALID_PAYLOAD|does not match|header/);

    const rejected = await world.database.db
      .selectFrom('webhook_events')
      .select('id')
      .where('error_code', '=', 'INVALID_SIGNATURE')
      .executeTakeFirstOrThrow();
    const detail = await admin.get(`/admin/webhook/${rejected.id}`);
    expect(visibleText(detail.body)).not.toContain('INVALID_SIGNATURE');
    expect(detail.body).toContain(
      '<summary>Rincian teknis</summary><code>INVALID_SIGNATURE: X-Lynk-Signature does not match</code>',
    );
  });

  it("Gerbang's own Indonesian reasons are shown as stored; no code, no reason", () => {
    expect(eventReason('DUPLICATE_PAYMENT', 'refId R1 sudah diproses sebagai order KEI-1')).toBe(
      'refId R1 sudah diproses sebagai order KEI-1',
    );
    expect(eventReason('PROCESSING_ERROR', 'Cannot read properties of undefined')).toBe(
      'Galat saat memproses: setelah penyebabnya diperbaiki, proses ulang event ini.',
    );
    expect(eventReason(null, null)).toBe('');
  });
});
