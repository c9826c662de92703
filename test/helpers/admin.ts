import { expect } from 'vitest';
import type { AuditEntry } from '../../src/db/index.js';
import { addMember, PASSWORD, TestDevice } from './auth.js';
import type { World } from './world.js';

/** Admins, their browsers and the audit log as the console tests need them. */

export const ADMIN = 'admin@toko.example';

/** An admin account (role admin, PASSWORD), marking first-run setup as done like a real one would. */
export async function addAdmin(world: World, email = ADMIN): Promise<number> {
  const id = await addMember(world, email);
  await world.database.db.updateTable('members').set({ role: 'admin' }).where('id', '=', id).execute();
  await world.database.db
    .insertInto('admin_setup')
    .values({ id: 1, member_id: id, completed_at: world.runtime.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return id;
}

/** A browser signed in as the admin through the normal login page. */
export async function signInAdmin(world: World, email = ADMIN, ip = '203.0.113.7'): Promise<TestDevice> {
  const device = new TestDevice(world.app, { ip });
  const res = await device.login(email, PASSWORD);
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toBe('/admin');
  return device;
}

/** The CSRF token of a console page (the same one every form on it carries). */
export function csrfOf(body: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

export async function auditEntries(world: World, action?: string): Promise<AuditEntry[]> {
  let q = world.database.db.selectFrom('audit_log').selectAll().orderBy('id');
  if (action) q = q.where('action', '=', action);
  return q.execute();
}

/** Exactly one entry for the action, by this admin from this IP, about this target. */
export async function expectAudited(
  world: World,
  action: string,
  expected: { actorId: number; ip: string; target?: [string, string | number] },
): Promise<AuditEntry> {
  const entries = await auditEntries(world, action);
  expect(entries, `audit entries for ${action}`).toHaveLength(1);
  const entry = entries[0] as AuditEntry;
  expect(entry).toMatchObject({ actor_type: 'admin', actor_id: expected.actorId, ip: expected.ip });
  if (expected.target)
    expect([entry.target_type, entry.target_id]).toEqual([expected.target[0], String(expected.target[1])]);
  return entry;
}

export { PASSWORD };
