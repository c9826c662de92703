import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Parser } from 'node-sql-parser';
import type { LegacyData, LegacyValue } from './legacy-rows.js';
import { LICENSE_TABLES, licenseRowFrom, MEMBER_TABLES, memberRowFrom } from './legacy-rows.js';
import { LegacySourceError } from './source-error.js';
import { StatementSplitter } from './sql-statements.js';
import { createTableColumns, insertColumns, insertRows } from './sql-values.js';

type ParserInstance = InstanceType<typeof Parser>;

// Only the head of a statement is read here, to route it: INSERT/REPLACE and CREATE TABLE of the
// two old tables go to the SQL parser, everything else (other tables, SET, LOCK TABLES, …) is skipped
// unparsed, so a dump with large unrelated tables costs only the reading.
const IDENT = '(`(?:[^`]|``)+`|[\\w$]+)(?:\\s*\\.\\s*(`(?:[^`]|``)+`|[\\w$]+))?';
const INSERT_HEAD = new RegExp(
  `^(?:insert|replace)\\s+(?:(?:low_priority|delayed|high_priority|ignore)\\s+)*(?:into\\s+)?${IDENT}`,
  'i',
);
const CREATE_HEAD = new RegExp(`^create\\s+(?:temporary\\s+)?table\\s+(?:if\\s+not\\s+exists\\s+)?${IDENT}`, 'i');
const WANTED = new Set<string>([...MEMBER_TABLES, ...LICENSE_TABLES]);

function tableOf(match: RegExpExecArray): string {
  const name = match[2] ?? match[1] ?? '';
  return (name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name).toLowerCase();
}

async function loadParser(): Promise<ParserInstance> {
  // Loaded only by this command, and only the MariaDB/MySQL grammar (the package ships many).
  const loaded = (await import('node-sql-parser/build/mariadb.js')) as unknown as {
    default: { Parser: typeof Parser };
  };
  return new loaded.default.Parser();
}

/** The file as text; a gzip-compressed export (phpMyAdmin's .sql.gz) is unpacked on the fly. */
async function openDump(path: string): Promise<Readable> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'berkas tidak ada' : code === 'EACCES' ? 'tidak boleh dibaca' : String(error);
    throw new LegacySourceError(`Tidak dapat membuka ${path}: ${reason}.`);
  }
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  await handle.close();
  const file = createReadStream(path);
  return magic[0] === 0x1f && magic[1] === 0x8b ? file.pipe(createGunzip()) : file;
}

interface TableData {
  columns: string[] | null;
  records: Record<string, LegacyValue>[];
}

/**
 * Reads both old tables from a `.sql` export (phpMyAdmin or mysqldump): CREATE TABLE gives the
 * column order for INSERTs without a column list; extended INSERTs of thousands of rows are parsed
 * one statement at a time.
 */
export async function readSqlDump(path: string): Promise<LegacyData> {
  const parser = await loadParser();
  const tables = new Map<string, TableData>();
  const splitter = new StatementSplitter();
  const input = await openDump(path);
  let lineNo = 0;
  const handle = (statement: string) => {
    const insert = INSERT_HEAD.exec(statement);
    const create = insert ? null : CREATE_HEAD.exec(statement);
    const head = insert ?? create;
    if (!head) return;
    const table = tableOf(head);
    if (!WANTED.has(table)) return;
    let ast: unknown;
    try {
      const parsed = parser.astify(statement, { database: 'MariaDB' });
      ast = Array.isArray(parsed) ? parsed[0] : parsed;
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0]?.slice(0, 200) : String(error);
      throw new LegacySourceError(
        `${path}: pernyataan untuk tabel ${table} yang berakhir di baris ${lineNo} tidak dapat dibaca (${detail}).`,
      );
    }
    const data = tables.get(table) ?? { columns: null, records: [] };
    tables.set(table, data);
    if (create) {
      data.columns = createTableColumns(ast);
      return;
    }
    const columns = insertColumns(ast) ?? data.columns;
    if (!columns)
      throw new LegacySourceError(
        `${path} baris ${lineNo}: INSERT ke ${table} tanpa daftar kolom dan tanpa CREATE TABLE sebelumnya. Ekspor ulang dengan struktur tabel.`,
      );
    for (const values of insertRows(ast)) {
      const record: Record<string, LegacyValue> = {};
      columns.forEach((column, i) => {
        record[column] = values[i] ?? null;
      });
      data.records.push(record);
    }
  };
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      lineNo++;
      for (const statement of splitter.line(line)) {
        handle(statement);
      }
    }
    for (const statement of splitter.end()) handle(statement);
  } catch (error) {
    if (error instanceof LegacySourceError) throw error;
    throw new LegacySourceError(`Tidak dapat membaca ${path}: ${error instanceof Error ? error.message : error}.`);
  }
  const pick = (candidates: readonly string[]) => {
    for (const name of candidates) {
      const found = tables.get(name);
      if (found) return found.records;
    }
    throw new LegacySourceError(
      `${path} tidak berisi tabel ${candidates.join(' / ')}. Ekspor database sistem lama lengkap (struktur dan data).`,
    );
  };
  return {
    members: pick(MEMBER_TABLES).map((r, i) => memberRowFrom(r, i + 1)),
    licenses: pick(LICENSE_TABLES).map((r, i) => licenseRowFrom(r, i + 1)),
  };
}
