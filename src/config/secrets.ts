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
});
export type DevSecrets = z.infer<typeof devSecretsSchema>;

export function devSecretsPath(dataDir: string): string {
  return join(dataDir, 'dev-secrets.json');
}

export function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; created: boolean } {
  const path = devSecretsPath(dataDir);
  if (existsSync(path)) {
    const parsed = devSecretsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) return { secrets: parsed.data, created: false };
  }
  const secrets: DevSecrets = {
    cookieSecret: randomBytes(32).toString('base64url'),
    lynkMerchantKey: `dev-${randomBytes(16).toString('hex')}`,
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, created: true };
}
