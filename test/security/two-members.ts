import { expect } from 'vitest';
import { databaseStorage } from '../../src/content/index.js';
import { addAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD, TestDevice, USER_AGENTS, unrevokedSessions } from '../helpers/auth.js';
import { seedTransaction } from '../helpers/hesda.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { devMailWorker } from '../helpers/world.js';

export const ANI = 'ani@example.com';
export const BUDI = 'budi@example.com';

/** What one member owns: each a row the other must never reach. */
export interface Holdings {
  memberId: number;
  licenseId: number;
  licenseKey: string;
  productTitle: string;
  activationId: number;
  transactionId: number;
  hesdaId: string;
  /** A content file this member may download: Ani's is membership content, Budi's his product's. */
  itemId: number;
}

/** The :params of member routes, filled with one member's own rows. */
export function memberRouteIds(h: Holdings): Record<string, number> {
  return { licenseId: h.licenseId, id: h.activationId, item: h.itemId };
}

/**
 * An admin and two members, each with a license bought through the signed Lynk webhook, opened on
 * their own device (an activation), and a PPOB transaction: the access walks need real rows of
 * both members to try one against the other.
 */
export async function seedTwoMembers(world: World): Promise<{ ani: Holdings; budi: Holdings }> {
  await addAdmin(world);
  const holdings = async (email: string, tag: string, userAgent: string): Promise<Holdings> => {
    const memberId = await addMember(world, email);
    const productTitle = `Kelas rahasia ${tag}`;
    const paid = await postLynk(
      world.app,
      payment({ email, items: [{ title: productTitle, uuid: `p-${tag}`, qty: 1 }] }),
    );
    expect(paid.json().outcome).toBe('processed');
    const license = await world.database.db
      .selectFrom('licenses')
      .select(['id', 'license_key'])
      .where('product_uuid', '=', `p-${tag}`)
      .executeTakeFirstOrThrow();
    const device = new TestDevice(world.app, { userAgent });
    expect((await device.login(email, PASSWORD)).statusCode).toBe(303);
    expect((await device.post(`/member/produk/${license.id}/buka`, {})).statusCode).toBe(303);
    await device.post('/auth/logout', {});
    const activation = await world.database.db
      .selectFrom('license_activations')
      .select('id')
      .where('license_id', '=', license.id)
      .executeTakeFirstOrThrow();
    const hesdaId = `HSD-${tag}`;
    const transaction = await seedTransaction(world, hesdaId, memberId);
    // Ani's item is the membership's (every member may have it); Budi's belongs to his product only.
    const itemId = await contentFile(world, tag === 'ani' ? { title: 'Daftar Member KEI' } : { uuid: `p-${tag}` });
    return {
      memberId,
      licenseId: license.id,
      licenseKey: license.license_key,
      productTitle,
      activationId: activation.id,
      transactionId: transaction.id,
      hesdaId,
      itemId,
    };
  };
  const seeded = {
    ani: await holdings(ANI, 'ani', USER_AGENTS.chromeWindows),
    budi: await holdings(BUDI, 'budi', USER_AGENTS.firefoxLinux),
  };
  // The license mails rendered into the dev mailbox (the console's mail pages show them).
  await devMailWorker(world).drain();
  return seeded;
}

/** A product's content with one file (written through the storage the app uses); the item's id. */
async function contentFile(world: World, match: { title?: string; uuid?: string }): Promise<number> {
  const { db } = world.database;
  const now = world.runtime.now();
  const file = await databaseStorage(db).save(
    { name: 'materi.pdf', mime: 'application/pdf' },
    [Buffer.from('%PDF')],
    now,
  );
  const product = await db
    .insertInto('content_products')
    .values({
      match_uuid: match.uuid ?? null,
      match_title: match.title ?? null,
      name: 'Materi',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await db
    .insertInto('content_items')
    .values({
      product_id: product.id,
      position: 1,
      kind: 'file',
      title: 'Materi',
      url: null,
      source_url: null,
      body: null,
      file_id: file.id,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return item.id;
}

/** A browser signed in as `email` (a fresh device). */
export async function signedInAs(world: World, email: string, userAgent: string = USER_AGENTS.chromeAndroid) {
  const device = new TestDevice(world.app, { userAgent });
  const res = await device.loginKeepingHere(email, PASSWORD);
  expect(res.statusCode).toBe(303);
  return device;
}

/** What a state-changing request must not have changed when it was refused. */
export async function stateSnapshot(world: World) {
  const count = async (table: 'sessions' | 'license_activations' | 'mail_outbox' | 'audit_log' | 'members') =>
    (
      await world.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    liveSessions: await unrevokedSessions(world),
    activations: Number(await count('license_activations')),
    mails: Number(await count('mail_outbox')),
    audit: Number(await count('audit_log')),
    members: Number(await count('members')),
  };
}
