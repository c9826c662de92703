import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';
import { createContent, patternedBytes, signedUrl, storedItems, uploadFile } from './content-world.js';

/** The signed part of a download URL is a credential for five minutes: request logs blank it. */
describe('download URLs in the log', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('the production logger at trace never writes a download token, only the path with [redacted]', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    world = await createWorld('sqlite', {}, { logger: createLogger('trace', sink) });
    await addAdmin(world);
    await addMember(world, 'ani@example.com');
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'Daftar Member KEI' });
    await uploadFile(world, admin, productId, {
      filename: 'a.zip',
      type: 'application/zip',
      data: patternedBytes(5000),
    });
    const [item] = await storedItems(world, productId);
    const ani = new TestDevice(world.app);
    expect((await ani.login('ani@example.com', PASSWORD)).statusCode).toBe(303);
    const url = await signedUrl(ani, item?.id ?? 0);
    expect((await ani.get(url)).statusCode).toBe(200);
    world.runtime.advance(10 * 60_000);
    expect((await ani.get(url)).statusCode).toBe(403);

    const token = new URL(url, 'http://x').searchParams.get('token') ?? '';
    const mac = token.split('.')[2] ?? '';
    expect(mac.length).toBe(43);
    const log = lines.join('');
    expect(log).toContain(`/member/konten/${item?.id}/unduh?token=[redacted]`);
    expect(log).not.toContain(mac);
  });
});
