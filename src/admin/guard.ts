import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuditActor } from '../audit/index.js';
import type { GuardDeps, LiveSession } from '../auth/index.js';
import { memberGuard } from '../auth/index.js';
import { AppError } from '../errors.js';

/**
 * preHandler for every /admin route: the member guard first (no session → /login for pages, 401
 * JSON otherwise; the session is checked in the database on each request), then the role. A
 * member's live session is refused with 403: it proves who they are, not that they may operate.
 */
export function adminGuard(deps: GuardDeps): preHandlerAsyncHookHandler {
  const requireMember = memberGuard(deps);
  return async function requireAdmin(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    await requireMember.call(this, request, reply);
    if (reply.sent) return reply;
    reply.header('cache-control', 'no-store');
    if (request.member?.role !== 'admin') {
      request.log.warn({ memberId: request.member?.memberId }, 'member session refused on an admin route');
      throw new AppError('FORBIDDEN', 'Halaman ini hanya untuk admin.');
    }
  };
}

/** The admin the guard admitted (every route of the console runs behind it). */
export function signedInAdmin(request: FastifyRequest): LiveSession {
  const member = request.member;
  if (member?.role !== 'admin') throw new Error('admin guard did not run');
  return member;
}

/** The audit actor of a console request: the admin, from where. */
export function adminActor(request: FastifyRequest): AuditActor {
  const admin = signedInAdmin(request);
  return { type: 'admin', id: admin.memberId, label: admin.email, ip: request.ip };
}
