import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LegacySourceError } from '../../src/legacy-import/index.js';
import { readSqlDump } from '../../src/legacy-import/sql-dump-source.js';
import { StatementSplitter } from '../../src/legacy-import/sql-statements.js';
import { unescapeRest } from '../../src/legacy-import/sql-values.js';

const PHPMYADMIN = fileURLToPath(new URL('./fixtures/phpmyadmin-export.sql', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gerbang-sql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('reading a .sql export of the old database', () => {
  it('a phpMyAdmin export: escaped quotes, semicolons and comment marks inside strings, procedures and triggers', async () => {
    const data = await readSqlDump(PHPMYADMIN);
    expect(data.members.map((m) => [m.ref, m.email, m.phone, m.name])).toEqual([
      ['1', 'ani@example.com', '081111', "Ani O'Neil"],
      ['2', 'budi@example.com', '082222', 'Budi "Bos" Santoso; -- CEO'],
      ['3', 'cici@example.com', '083333', 'Cici\\Dewi\r\nBaris dua 😀 /* bukan komentar */ # juga bukan'],
    ]);
    expect(data.members[0]?.password).toBe('$2y$10$vI8aWBnW3fID.ZQ4/zo1G.q1lRps.9cGLcZEiGDMVr5yUP1KUOYTa');
    expect(data.licenses).toEqual([
      {
        ref: '1',
        email: 'ani@example.com',
        key: 'KEI-1A2B-3C4D5E6F',
        productUuid: '6a11a51a1157c5fd6ac78da0-1561-9280289592-1779541274064',
        deviceActive: '',
        orderNo: 'KEI-11112222',
        transactionNo: 'KEI-8001',
        refId: 'ref-ani-1',
        createdAt: '2025-01-10 10:00:00',
      },
      expect.objectContaining({ ref: '2', deviceActive: 'k3x9qz', refId: 'ref-budi' }),
    ]);
  });

  it('the same export compressed (.sql.gz) reads the same', async () => {
    const gz = write('export.sql.gz', gzipSync(readFileSync(PHPMYADMIN)));
    expect(await readSqlDump(gz)).toEqual(await readSqlDump(PHPMYADMIN));
  });

  it('an export without the license table, or with a statement that is not SQL, is a clear error', async () => {
    const onlyMembers = write(
      'members-only.sql',
      "CREATE TABLE `member` (`id` int, `email` varchar(99));\nINSERT INTO `member` VALUES (1,'a@b.co');\n",
    );
    await expect(readSqlDump(onlyMembers)).rejects.toThrow(
      new LegacySourceError(
        `${onlyMembers} tidak berisi tabel lynk_webhook / webhook_lynk. Ekspor database sistem lama lengkap (struktur dan data).`,
      ),
    );
    const broken = write('broken.sql', 'INSERT INTO `member` (`id`) VALUES (1,,);\n');
    await expect(readSqlDump(broken)).rejects.toThrow(/tabel member yang berakhir di baris 1 tidak dapat dibaca/);
  });

  it('statements end at the delimiter outside quotes and comments, also across lines', () => {
    const splitter = new StatementSplitter();
    const lines = [
      'INSERT INTO t VALUES (\'a;b\', "c;d", `e;f`); -- komentar; bukan pernyataan',
      "/*!40101 SET NAMES utf8mb4 */; INSERT INTO t VALUES ('baris",
      "baru\\'s'); # selesai",
      'DELIMITER //',
      'CREATE PROCEDURE p() BEGIN SELECT 1; END//',
      'DELIMITER ;',
    ];
    const out = lines.flatMap((line) => splitter.line(line));
    expect([...out, ...splitter.end()]).toEqual([
      'INSERT INTO t VALUES (\'a;b\', "c;d", `e;f`)',
      "INSERT INTO t VALUES ('baris\nbaru\\'s')",
      'CREATE PROCEDURE p() BEGIN SELECT 1; END',
    ]);
  });

  it('string escapes finish as MySQL reads them', () => {
    expect(unescapeRest("O\\'Neil", "'")).toBe("O'Neil");
    expect(unescapeRest("it''s", "'")).toBe("it's");
    expect(unescapeRest('a\\\\b', "'")).toBe('a\\b');
    expect(unescapeRest('\\0\\Z', "'")).toBe('\0\x1a');
    expect(unescapeRest('50\\%', "'")).toBe('50\\%');
    expect(unescapeRest('say ""hi""', '"')).toBe('say "hi"');
  });
});
