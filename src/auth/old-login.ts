import type { FastifyPluginAsync } from 'fastify';
import { errorTable } from '../errors.js';
import { sendError } from '../web/respond.js';

/**
 * The previous system's login page posted to /cekfingerprint, and browsers may still show a
 * cached copy after the switch. That script reads `status` and `message` from the answer and shows
 * the message when `status` is "invalid" (seed 000, login.php fetchHandler), so this answer makes
 * the old page say where to log in now, instead of failing on a missing route or looping. Nothing
 * in the body is read: passwords sent here are never checked or logged.
 */
export const oldLoginRoutes: FastifyPluginAsync = async (app) => {
  app.post('/cekfingerprint', async (request, reply) => {
    const code = 'LEGACY_LOGIN_GONE' as const;
    reply.header('cache-control', 'no-store');
    return sendError(request, reply, code, {
      json: true,
      envelope: { status: 'invalid', message: errorTable[code].message, login: '/login' },
    });
  });
};
