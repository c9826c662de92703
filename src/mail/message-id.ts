import { createHash } from 'node:crypto';

/**
 * The Message-ID of an outbox mail, the same on every attempt. Exactly-once has one window we
 * cannot close from here: SMTP accepted the message and the process died before marking it sent,
 * so after the lease it goes out again. With the same Message-ID (RFC 5322 §3.6.4: one message, one
 * id) mail providers and clients recognise the second copy as the same message. The id is a hash of
 * the row id and dedupe key (nothing personal in it), at the sender's own domain.
 */
export function outboxMessageId(mail: { id: number; dedupe_key: string }, from: string): string {
  const digest = createHash('sha256').update(`${mail.id}\n${mail.dedupe_key}`, 'utf8').digest('hex').slice(0, 32);
  return `<gerbang.${digest}@${senderDomain(from)}>`;
}

/** The domain of MAIL_FROM (`Toko <toko@kei.example>` → kei.example); `localhost` without one. */
function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1] ?? 'localhost';
}
