import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Development secrets: generated once, kept in DATA_DIR/dev-secrets.json (mode 0600) so that
 * cookies and a locally configured Lynk merchant key survive restarts. Never used in production.
 */
const devSecretsSchema = z.object({
  cookieSecret: z.string().min(32),
  lynkMerchantKey: z.string().min(8),
  // Added with PPOB: files written before it lack the key and get one added.
  hesdaSecretKey: z.string().min(8).optional(),
});
export type DevSecrets = Required<z.infer<typeof devSecretsSchema>>;

export function devSecretsPath(dataDir: string): string {
  return join(dataDir, 'dev-secrets.json');
}

export function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; created: boolean } {
  const path = devSecretsPath(dataDir);
  if (existsSync(path)) {
    const parsed = devSecretsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success && parsed.data.hesdaSecretKey !== undefined)
      return { secrets: { ...parsed.data, hesdaSecretKey: parsed.data.hesdaSecretKey }, created: false };
    if (parsed.success) {
      const secrets = { ...parsed.data, hesdaSecretKey: newHesdaSecret() };
      writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
      return { secrets, created: false };
    }
  }
  const secrets: DevSecrets = {
    cookieSecret: randomBytes(32).toString('base64url'),
    lynkMerchantKey: `dev-${randomBytes(16).toString('hex')}`,
    hesdaSecretKey: newHesdaSecret(),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, created: true };
}

function newHesdaSecret(): string {
  return `dev-${randomBytes(16).toString('hex')}`;
}
