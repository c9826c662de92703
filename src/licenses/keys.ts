/**
 * Identifiers from a CSPRNG in Crockford base32 (no I, L, O, U: nothing to misread when a buyer
 * types a key). Ids with 15 random bits collide after a few hundred orders (the birthday bound);
 * these have 80 (license keys) and 65 (order and transaction numbers).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type RandomBytes = (size: number) => Buffer;

/** `chars` base32 characters (5 bits each) from fresh random bytes. */
export function randomBase32(randomBytes: RandomBytes, chars: number): string {
  const bytes = randomBytes(Math.ceil((chars * 5) / 8));
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** `KEI-7G2K-QX9D-M4TB-0ZRH`: 16 characters = 80 bits, in groups of four. */
export function newLicenseKey(prefix: string, randomBytes: RandomBytes): string {
  const body = randomBase32(randomBytes, 16);
  return `${prefix}${body.match(/.{4}/g)?.join('-')}`;
}

/** `KEI-Q3M8T2ZK0RB7D`: 13 characters = 65 bits. */
export function newOrderNo(prefix: string, randomBytes: RandomBytes): string {
  return `${prefix}${randomBase32(randomBytes, 13)}`;
}

/** `KEI-TRX-4KD9W0P1ZXQ2M`: 65 bits. */
export function newTransactionNo(prefix: string, randomBytes: RandomBytes): string {
  return `${prefix}TRX-${randomBase32(randomBytes, 13)}`;
}

export const licenseKeyPattern = (prefix: string): RegExp =>
  new RegExp(`^${prefix.replace(/[-]/g, '\\-')}([${ALPHABET}]{4}-){3}[${ALPHABET}]{4}$`);

/**
 * The stored form of a key as a person typed it: keys are issued upper-case, so any letter case is
 * accepted (surrounding spaces are trimmed by the schema). A prefix configured with lower-case
 * letters is kept as configured; only what follows it is upper-cased.
 */
export function canonicalLicenseKey(input: string, prefix: string): string {
  if (prefix !== '' && input.slice(0, prefix.length).toUpperCase() === prefix.toUpperCase())
    return prefix + input.slice(prefix.length).toUpperCase();
  return input.toUpperCase();
}
