import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import { buildLynkPayment, currentSigningKey, signLynkPayment, webhookEnvKeys } from '../webhooks/index.js';
import { configFromEnvironment, UsageError } from './context.js';
import { complain, say } from './output.js';

/**
 * `gerbang lynk simulate`: sends a correctly signed payment.received to a running server, exactly
 * as Lynk.id would, so a seller can try the whole flow before pasting the URL into Lynk.
 */
export async function lynkSimulate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      product: { type: 'string', default: 'Produk Digital Contoh' },
      uuid: { type: 'string' },
      email: { type: 'string', default: 'pembeli@example.com' },
      name: { type: 'string', default: 'Pembeli Contoh' },
      phone: { type: 'string', default: '' },
      qty: { type: 'string', default: '1' },
      price: { type: 'string', default: '72000' },
      'ref-id': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const qty = Number(values.qty);
  if (!Number.isInteger(qty) || qty < 1 || qty > 1000) throw new UsageError('--qty harus bilangan bulat 1–1000');
  const price = Number(values.price);
  if (!Number.isFinite(price) || price < 0) throw new UsageError('--price harus angka ≥ 0');
  const config = configFromEnvironment();
  const url = values.url === undefined ? `${config.publicUrl}/webhook/lynk` : webhookUrl(values.url);

  const payment = buildLynkPayment({
    email: values.email,
    name: values.name,
    phone: values.phone,
    items: [{ title: values.product, qty, price, ...(values.uuid ? { uuid: values.uuid } : {}) }],
    ...(values['ref-id'] ? { refId: values['ref-id'] } : {}),
  });
  const { body, signature } = signLynkPayment(payment, await currentLynkKey(config));
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lynk-signature': signature },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    complain(`Tidak bisa menghubungi ${url}: ${reason}\nApakah server sudah berjalan (npm start)?\n`);
    process.exitCode = 1;
    return;
  }
  const text = await response.text();
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ status: response.status, body: safeJson(text), request: payment }, null, 2)}\n`,
    );
  } else {
    say(`POST ${url}\n→ ${response.status} ${text}\n`);
    if (response.ok) {
      const outcome = (safeJson(text) as { outcome?: string } | null)?.outcome;
      const verdict =
        outcome === 'processed'
          ? 'diterima dan diproses'
          : `diterima, tetapi hasilnya "${outcome ?? '?'}" — lihat alasannya dengan gerbang events list`;
      say(
        `Pembayaran contoh untuk "${values.product}" × ${qty} (${values.email}) ${verdict}.\nLihat hasilnya: gerbang events list · gerbang licenses list · gerbang mail list\n`,
      );
    }
  }
  if (!response.ok) process.exitCode = 1;
}

/**
 * The key the server verifies with: the database's current Lynk key once `webhook-keys add` stored
 * one, else LYNK_MERCHANT_KEY. A database that does not exist (yet) is not created for this.
 */
async function currentLynkKey(config: Config): Promise<string> {
  if (config.database.kind === 'sqlite' && !existsSync(config.database.file)) return config.lynkMerchantKey;
  const database = openDatabase(config.database, { poolSize: 1 });
  try {
    return (await currentSigningKey(database.db, webhookEnvKeys(config), 'lynk', Date.now())) ?? config.lynkMerchantKey;
  } catch {
    return config.lynkMerchantKey; // no such table (a database not migrated yet), or unreachable
  } finally {
    await database.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The webhook's address from --url: the server's own address (`http://127.0.0.1:3000`, as the
 * start-up banner and PUBLIC_URL give it) gets the Lynk path; a URL with a path is used as it is.
 */
export function webhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url harus alamat lengkap, mis. http://127.0.0.1:3000 (bukan "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url harus alamat http:// atau https:// (bukan "${raw}")`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/webhook/lynk';
  else url.pathname = url.pathname.replace(/\/+$/, '');
  return url.toString();
}
