import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { LegacyData, LegacyValue } from './legacy-rows.js';
import { LICENSE_TABLES, licenseRowFrom, MEMBER_TABLES, memberRowFrom } from './legacy-rows.js';
import { LegacySourceError, redactUrl } from './source-error.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** What the driver's error codes mean to a seller, with what to check. */
function explain(error: unknown, where: string): LegacySourceError {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'koneksi ditolak: server MySQL tidak berjalan di alamat dan port itu',
    ENOTFOUND: 'nama host tidak ditemukan',
    EAI_AGAIN: 'nama host tidak dapat dicari (DNS)',
    ETIMEDOUT: 'server tidak menjawab (waktu habis); periksa host, port dan firewall',
    EHOSTUNREACH: 'host tidak dapat dijangkau',
    ECONNRESET: 'koneksi diputus oleh server',
    ER_ACCESS_DENIED_ERROR: 'pengguna atau kata sandi MySQL salah',
    ER_DBACCESS_DENIED_ERROR: 'pengguna MySQL tidak boleh membaca database itu',
    ER_BAD_DB_ERROR: 'database itu tidak ada',
  };
  const reason = reasons[code] ?? (error instanceof Error ? error.message : String(error));
  return new LegacySourceError(`Tidak dapat membaca MySQL ${where}: ${reason}${code ? ` (${code})` : ''}.`);
}

async function findTable(connection: Connection, candidates: readonly string[], where: string): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW TABLES');
  const names = rows.map((row) => String(Object.values(row)[0] ?? ''));
  for (const candidate of candidates) {
    const found = names.find((name) => name.toLowerCase() === candidate);
    if (found) return found;
  }
  throw new LegacySourceError(
    `Tabel ${candidates.join(' / ')} tidak ada di ${where}. Apakah ini database sistem lama? Tabel yang ada: ${names.join(', ') || '(kosong)'}.`,
  );
}

async function readTable(connection: Connection, table: string): Promise<Record<string, LegacyValue>[]> {
  // The name comes from SHOW TABLES, quoted by the driver: no text of ours is spliced into SQL.
  const [rows] = await connection.query<RowDataPacket[]>({ sql: `SELECT * FROM ${connection.escapeId(table)}` });
  return rows as Record<string, LegacyValue>[];
}

/**
 * Reads both old tables from a running MySQL/MariaDB (`mysql://user:pass@host:3306/db`). Dates
 * stay text (they are read as the old server's wall clock, see plan.ts), and the whole table is
 * read at once: tens of thousands of short rows are a few megabytes.
 */
export async function readMysqlSource(url: string): Promise<LegacyData> {
  const where = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LegacySourceError(`--from bukan URL yang valid. Contoh: mysql://user:sandi@127.0.0.1:3306/nama_db`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:')
    throw new LegacySourceError(`--from harus diawali mysql:// (bukan ${parsed.protocol}//).`);
  if (parsed.pathname.replace(/^\//, '') === '')
    throw new LegacySourceError(`--from tidak menyebut nama database. Contoh: mysql://user:sandi@host:3306/nama_db`);
  parsed.protocol = 'mysql:';
  // Loaded by this command only: every other gerbang command starts without the driver.
  const { createConnection } = await import('mysql2/promise');
  let connection: Connection;
  try {
    connection = await createConnection({
      uri: parsed.toString(),
      connectTimeout: CONNECT_TIMEOUT_MS,
      dateStrings: true,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  } catch (error) {
    throw explain(error, where);
  }
  try {
    const memberTable = await findTable(connection, MEMBER_TABLES, where);
    const licenseTable = await findTable(connection, LICENSE_TABLES, where);
    const members = (await readTable(connection, memberTable)).map((r, i) => memberRowFrom(r, i + 1));
    const licenses = (await readTable(connection, licenseTable)).map((r, i) => licenseRowFrom(r, i + 1));
    return { members, licenses };
  } catch (error) {
    throw error instanceof LegacySourceError ? error : explain(error, where);
  } finally {
    await connection.end().catch(() => {});
  }
}
