import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Runtime } from '../../clock.js';
import type { Config } from '../../config/index.js';
import type { Database, Dialect } from '../../db/index.js';
import { AppError } from '../../errors.js';
import type { RealtimeBus, StreamHub } from '../../realtime/index.js';
import { inputText, NUL_REFUSED } from '../../text-input.js';
import type { BrandCache } from '../../web/brand.js';
import type { SafeHtml } from '../../web/html.js';
import { sendPage } from '../../web/respond.js';
import { signedInAdmin } from '../guard.js';
import type { NavPath } from '../views/shell.js';
import { adminPage, flashFor } from '../views/shell.js';

/** What every console route plugin receives from buildApp. */
export interface ConsoleOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  runtime: Runtime;
  bus: RealtimeBus;
  config: Config;
  hub: StreamHub;
  onMailQueued?: (() => void) | undefined;
  /** Wakes the outgoing webhook worker after an action queued events or a resend. */
  onWebhookQueued?: (() => void) | undefined;
  /** The store's brand as pages show it (the store settings page forgets it after a save). */
  brand: BrandCache;
}

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** The :id of a console URL; anything else is 404, like a missing row. */
export function idParam(request: FastifyRequest): number {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new AppError('NOT_FOUND');
  return parsed.data.id;
}

const beforeQuery = z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined);

/** The keyset bound of a list page (?sebelum=ID); nonsense means the first page. */
export function beforeParam(request: FastifyRequest): number | undefined {
  return beforeQuery.parse((request.query as Record<string, unknown> | null)?.sebelum);
}

const queryText = inputText().transform((value) => value.trim().slice(0, 200));

/** A query-string value as a trimmed string (max 200), or undefined; a NUL in it is a 400. */
export function textParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string') return undefined;
  const parsed = queryText.safeParse(value);
  if (!parsed.success) throw new AppError('BAD_REQUEST', `Parameter ${name} ${NUL_REFUSED}.`);
  return parsed.data === '' ? undefined : parsed.data;
}

export function sendConsolePage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: { title: string; active: NavPath; status?: number },
  body: SafeHtml,
): FastifyReply {
  const admin = signedInAdmin(request);
  return sendPage(
    reply,
    view.status ?? 200,
    adminPage(
      {
        title: view.title,
        active: view.active,
        csrf: reply.generateCsrf(),
        adminEmail: admin.email,
        flash: flashFor(request.query),
      },
      body,
    ),
  );
}

/** After a POST: back to a page with a message (Post/Redirect/Get, so a reload repeats nothing). */
export function redirectWith(reply: FastifyReply, path: string, message: string): FastifyReply {
  const sep = path.includes('?') ? '&' : '?';
  return reply.redirect(`${path}${sep}pesan=${message}`, 303);
}

/**
 * What was typed into a refused form, to show it again (escaped like any text, never trusted): the
 * named fields that arrived as text, each cut to 500 characters. Fields that did not arrive are absent.
 */
export function typedFields(body: unknown, names: readonly string[]): Record<string, string> {
  const fields = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = fields[name];
    if (typeof value === 'string') out[name] = value.slice(0, 500);
  }
  return out;
}
