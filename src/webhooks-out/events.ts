/**
 * The events Gerbang sends to the seller's systems, with the label the console shows. Member
 * expiry and renewal arrive with memberships that end (they do not exist yet); their names are
 * reserved here so endpoints can subscribe to them today.
 */
export const WEBHOOK_EVENT_TYPES = {
  'order.paid': 'Pesanan dibayar (Lynk.id)',
  'license.issued': 'Lisensi diterbitkan',
  'license.activated': 'Lisensi diaktifkan di perangkat',
  'license.deactivated': 'Perangkat dilepas dari lisensi',
  'license.revoked': 'Lisensi dicabut',
  'license.expired': 'Lisensi kedaluwarsa',
  'member.created': 'Member baru',
  'member.expired': 'Keanggotaan berakhir (belum dipakai)',
  'member.renewed': 'Keanggotaan diperpanjang (belum dipakai)',
  'session.takeover': 'Sesi member diambil alih perangkat lain',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

/** Sent only by "Kirim event uji", to one endpoint, whatever it subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, value);
}

/** An event to announce; `data` is built only when some endpoint wants the event. */
export interface WebhookEventInput {
  type: WebhookEventType;
  /** One message per fact however often it is noticed (e.g. `license.expired:42`). */
  dedupeKey?: string;
  data: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Epoch ms as the ISO text events carry. */
export const isoTime = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
