import type { Member } from '../db/index.js';
import type { WebhookEventInput } from '../webhooks-out/index.js';
import { isoTime } from '../webhooks-out/index.js';

/**
 * `member.created` for the seller's systems: who the member is and how they came (a payment, with
 * its order number, or the console). Never a password or a link. `member.expired` and
 * `member.renewed` come with memberships that end; there is none yet.
 */
export function memberCreatedEvent(
  member: Pick<Member, 'id' | 'email' | 'name' | 'phone' | 'created_at'>,
  source: { via: 'payment'; orderNo: string } | { via: 'console' },
): WebhookEventInput {
  return {
    type: 'member.created',
    data: () => ({
      member: {
        id: member.id,
        email: member.email,
        name: member.name,
        phone: member.phone,
        created_at: isoTime(member.created_at),
      },
      source: source.via,
      order_no: source.via === 'payment' ? source.orderNo : null,
    }),
  };
}
