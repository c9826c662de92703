/** Messages between the import and its phone-check workers (phone-check-worker.ts). */
export interface PhoneCheckRequest {
  id: number;
  phone: string;
  hash: string;
}

export interface PhoneCheckAnswer {
  id: number;
  /** The bcrypt hash is the hash of the phone number: the old default password, still unchanged. */
  isPhone: boolean;
}

/** PHP's password_hash() writes $2y$; bcryptjs reads the same algorithm as $2b$. */
export function bcryptjsHash(hash: string): string {
  return hash.replace(/^\$2y\$/, '$2b$');
}
