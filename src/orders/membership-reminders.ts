import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { enqueueMail, membershipReminderMailSubject, normalizeIndonesianPhone } from '../mail/index.js';
import { membersEndingBetween, renewUrlOf } from '../members/index.js';

const DAY_MS = 86_400_000;

/** The reminders before a membership ends: 7 days and 1 day before, each mailed once per end date. */
export const REMINDER_DAYS = [7, 1] as const;

/**
 * Queues the reminders that fell due. Run by the mail worker before each run (at least every
 * MAIL_POLL_INTERVAL_MS). A reminder's dedupe key names the member, the end and the day, so each is
 * queued once however often this runs and on however many instances; a renewal moves the end, and
 * the new end gets its own reminders. A membership that already runs less than a day gets only the
 * last one.
 */
export async function queueMembershipReminders(
  db: Kysely<Database>,
  now: number,
  /** Reminders also go to the member's WhatsApp (WHATSAPP_GATEWAY set). */
  options: { whatsapp: boolean } = { whatsapp: false },
): Promise<number> {
  let queued = 0;
  const ending = await membersEndingBetween(db, now, now + REMINDER_DAYS[0] * DAY_MS);
  for (const member of ending) {
    const endsAt = Number(member.membership_ends_at);
    const left = endsAt - now;
    // The nearest reminder that is due: the 1-day one inside the last day, else the 7-day one.
    const days = REMINDER_DAYS.filter((d) => left <= d * DAY_MS).at(-1);
    if (days === undefined) continue;
    const renew = await renewUrlOf(db, member.id);
    const params = {
      kind: 'membership_reminder' as const,
      name: member.name,
      email: member.email,
      productTitle: renew.title,
      endsAt,
      daysLeft: days,
      renewUrl: renew.url,
    };
    await enqueueMail(
      db,
      {
        dedupeKey: `membership_reminder:${member.id}:${endsAt}:${days}`,
        to: member.email,
        subject: membershipReminderMailSubject(params),
        params,
        whatsappTo: options.whatsapp ? normalizeIndonesianPhone(member.phone) : null,
      },
      now,
    );
    queued++;
  }
  return queued;
}
