/** The typed events of the realtime stream, and their parsing (untrusted JSON in, typed values out). */

export interface SessionRevokedEvent {
  type: 'session.revoked';
  /** `takeover`, `logout`, `expired`, or a reason the server adds later. */
  reason: string;
  /** Epoch milliseconds. */
  at: number;
  message?: string;
}

/** A PPOB transaction of this member changed; the fields the transactions page shows. */
export interface TransactionUpdatedEvent {
  type: 'transaction.updated';
  id: number;
  status: string;
  statusLabel: string;
  productCode: string;
  productName: string;
  customerNo: string;
  sn: string;
  message: string;
  createdAt: number;
  updatedAt: number;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A license was revoked: pages using it close their content. */
export interface LicenseRevokedEvent {
  type: 'license.revoked';
  licenseId: number;
  reason: string;
  at: number;
  message?: string;
}

/** One activation of a license ended (taken over by another device, released, reset). */
export interface ActivationRevokedEvent {
  type: 'activation.revoked';
  licenseId: number;
  activationId: number;
  reason: string;
  at: number;
  message?: string;
}

/** The membership was taken back (a refund): pages showing member content close it. */
export interface MembershipEndedEvent {
  type: 'membership.ended';
  reason: string;
  at: number;
  message?: string;
}

/** Every event type the monitor dispatches. To add one: a field here and a parser in EVENT_PARSERS. */
export interface RealtimeEventMap {
  'session.revoked': SessionRevokedEvent;
  'transaction.updated': TransactionUpdatedEvent;
  'license.revoked': LicenseRevokedEvent;
  'activation.revoked': ActivationRevokedEvent;
  'membership.ended': MembershipEndedEvent;
}
export type RealtimeEventType = keyof RealtimeEventMap;
export type RealtimeEvent = RealtimeEventMap[RealtimeEventType];
export type RealtimeHandler<K extends RealtimeEventType> = (event: RealtimeEventMap[K]) => void;

export type Json = Record<string, unknown>;
export const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null;

const positiveId = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
const reasonOf = (data: Json) => (typeof data.reason === 'string' && data.reason !== '' ? data.reason : 'unknown');
const messageOf = (data: Json) =>
  typeof data.message === 'string' && data.message !== '' ? { message: data.message } : {};

// Each parser checks the payload of one type; an event that fails its check is dropped, not guessed at.
const EVENT_PARSERS: { [K in RealtimeEventType]: (data: Json) => RealtimeEventMap[K] | null } = {
  'session.revoked': (data) => ({
    type: 'session.revoked',
    // A revocation without a reason still ends the session: losing it would leave a stolen session open.
    reason: typeof data.reason === 'string' && data.reason !== '' ? data.reason : 'unknown',
    at: typeof data.at === 'number' ? data.at : Date.now(),
    ...(typeof data.message === 'string' && data.message !== '' ? { message: data.message } : {}),
  }),
  // Without a numeric id and a status there is no row to update: dropped.
  'transaction.updated': (data) =>
    typeof data.id === 'number' && Number.isInteger(data.id) && typeof data.status === 'string' && data.status !== ''
      ? {
          type: 'transaction.updated',
          id: data.id,
          status: data.status,
          statusLabel: str(data.statusLabel) || data.status,
          productCode: str(data.productCode),
          productName: str(data.productName),
          customerNo: str(data.customerNo),
          sn: str(data.sn),
          message: str(data.message),
          createdAt: typeof data.createdAt === 'number' ? data.createdAt : Date.now(),
          updatedAt: typeof data.updatedAt === 'number' ? data.updatedAt : Date.now(),
        }
      : null,
  // Without the ids a page cannot tell whether the event is about its own license: dropped.
  'license.revoked': (data) => {
    const licenseId = positiveId(data.licenseId);
    if (licenseId === null) return null;
    const at = typeof data.at === 'number' ? data.at : Date.now();
    return { type: 'license.revoked', licenseId, reason: reasonOf(data), at, ...messageOf(data) };
  },
  'activation.revoked': (data) => {
    const licenseId = positiveId(data.licenseId);
    const activationId = positiveId(data.activationId);
    if (licenseId === null || activationId === null) return null;
    const at = typeof data.at === 'number' ? data.at : Date.now();
    return { type: 'activation.revoked', licenseId, activationId, reason: reasonOf(data), at, ...messageOf(data) };
  },
  'membership.ended': (data) => ({
    type: 'membership.ended',
    reason: reasonOf(data),
    at: typeof data.at === 'number' ? data.at : Date.now(),
    ...messageOf(data),
  }),
};

export const REALTIME_EVENT_TYPES = Object.keys(EVENT_PARSERS) as RealtimeEventType[];

// A Set, not `in` (which would accept "toString") nor Object.hasOwn (missing in Safari 14, and esbuild
// lowers syntax, not library calls).
const KNOWN_TYPES = new Set<string>(REALTIME_EVENT_TYPES);
const isKnownType = (type: string): type is RealtimeEventType => KNOWN_TYPES.has(type);

/** One SSE frame's `data` as a typed event; `data.type` wins over the SSE `event:` name. Else null. */
export function parseRealtimeEvent(data: string, sseType: string): RealtimeEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isJson(parsed)) return null;
  const type = typeof parsed.type === 'string' ? parsed.type : sseType;
  return isKnownType(type) ? EVENT_PARSERS[type](parsed) : null;
}
