import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import type { Connection } from 'mysql2/promise';
import { createConnection } from 'mysql2/promise';

/**
 * The previous system's database, built in the machine's MariaDB (127.0.0.1:3306, root, no
 * password) under a unique name per test and dropped after it. The tables are the seed's models
 * with the columns a real CodeIgniter install grows (timestamps, a photo) beside them.
 */
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

let reachable: boolean | undefined;

/** Is MariaDB there? It must be (CI starts it): a missing server fails the import suites loudly. */
export async function requireMariadb(): Promise<void> {
  if (reachable) return;
  let connection: Connection | undefined;
  try {
    connection = await createConnection({ uri: MARIADB_URL, connectTimeout: 3000 });
    reachable = true;
  } catch (error) {
    throw new Error(`MariaDB at ${MARIADB_URL} is unreachable (the import tests need it): ${String(error)}`);
  } finally {
    await connection?.end().catch(() => {});
  }
}

/** PHP's password_hash(): bcrypt with the $2y$ prefix. Cost 4 keeps tests quick (PHP uses 10). */
export function phpHash(password: string, cost = 4): string {
  return bcrypt.hashSync(password, cost).replace(/^\$2[ab]\$/, '$2y$');
}

export interface LegacyMember {
  id?: number;
  role?: string | null;
  username?: string | null;
  email?: string | null;
  password?: string | null;
  pic_phone?: string | null;
  pic?: string | null;
  fingerprint_device?: string | null;
}

export interface LegacyLicense {
  id?: number;
  email?: string | null;
  key_license?: string | null;
  produk_digital?: string | null;
  device_active?: string | null;
  id_order?: string | null;
  id_transaction?: string | null;
  trx_lynk_id?: string | null;
  created_at?: string | null;
}

export interface LegacyDatabase {
  name: string;
  url: string;
  /** A mysqldump-format export of it (MariaDB's own mariadb-dump), as a seller on shared hosting makes. */
  dump(path: string): Promise<void>;
  drop(): Promise<void>;
}

const MEMBER_COLUMNS = ['id', 'role', 'username', 'password', 'email', 'pic_phone', 'pic', 'fingerprint_device'];
const LICENSE_COLUMNS = [
  'id',
  'email',
  'key_license',
  'produk_digital',
  'device_active',
  'id_order',
  'id_transaction',
  'trx_lynk_id',
  'created_at',
];

async function insertRows(
  connection: Connection,
  table: string,
  columns: string[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows
      .slice(i, i + 1000)
      .map((row, j) => columns.map((c) => (c === 'id' ? (row.id ?? i + j + 1) : (row[c] ?? null))));
    await connection.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [values]);
  }
}

export async function createLegacyDatabase(data: {
  members: readonly LegacyMember[];
  licenses: readonly LegacyLicense[];
}): Promise<LegacyDatabase> {
  await requireMariadb();
  const name = `gerbang_lama_${randomBytes(5).toString('hex')}`;
  const connection = await createConnection({ uri: MARIADB_URL, multipleStatements: true, charset: 'utf8mb4' });
  try {
    await connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    await connection.query(`USE ${name}`);
    await connection.query(`
      CREATE TABLE member (
        id int(11) NOT NULL AUTO_INCREMENT,
        role varchar(20) DEFAULT 'member',
        username varchar(100) DEFAULT NULL,
        password varchar(255) DEFAULT NULL,
        email varchar(100) DEFAULT NULL,
        pic_phone varchar(30) DEFAULT NULL,
        pic varchar(100) DEFAULT NULL,
        fingerprint_device varchar(100) DEFAULT NULL,
        action varchar(20) DEFAULT NULL,
        foto blob DEFAULT NULL,
        created_at datetime DEFAULT current_timestamp(),
        updated_at datetime DEFAULT NULL,
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE lynk_webhook (
        id int(11) NOT NULL AUTO_INCREMENT,
        email varchar(100) DEFAULT NULL,
        key_license varchar(50) DEFAULT NULL,
        produk_digital varchar(100) DEFAULT NULL,
        device_active varchar(100) DEFAULT NULL,
        id_order varchar(20) DEFAULT NULL,
        id_transaction varchar(20) DEFAULT NULL,
        trx_lynk_id varchar(100) DEFAULT NULL,
        created_at datetime DEFAULT NULL,
        updated_at datetime DEFAULT NULL,
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE sessions (id varchar(128) NOT NULL, data blob, PRIMARY KEY (id)) ENGINE=InnoDB;
      INSERT INTO sessions VALUES ('ci_session:1', 0x00ff27225c);`);
    await insertRows(connection, 'member', MEMBER_COLUMNS, data.members as Record<string, unknown>[]);
    await insertRows(connection, 'lynk_webhook', LICENSE_COLUMNS, data.licenses as Record<string, unknown>[]);
  } finally {
    await connection.end();
  }
  const base = new URL(MARIADB_URL);
  return {
    name,
    url: `${MARIADB_URL}/${name}`,
    async dump(path) {
      await promisify(execFile)('mariadb-dump', [
        '-h',
        base.hostname,
        '-P',
        base.port || '3306',
        '-u',
        decodeURIComponent(base.username || 'root'),
        `--result-file=${path}`,
        name,
      ]);
    },
    async drop() {
      const admin = await createConnection({ uri: MARIADB_URL });
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** The old shop in miniature: good rows, and each kind of bad row the import must report. */
export function sampleLegacyData() {
  return {
    members: [
      // Registered by the old webhook: the password is the phone number.
      {
        id: 1,
        role: 'member',
        username: 'ani@example.com',
        email: 'ani@example.com',
        password: phpHash('081111'),
        pic_phone: '081111',
        pic: "Ani O'Neil",
      },
      // Changed their password in the old system.
      {
        id: 2,
        role: 'member',
        username: 'budi@example.com',
        email: 'budi@example.com',
        password: phpHash('sandi lama budi'),
        pic_phone: '082222',
        pic: 'Budi',
      },
      {
        id: 3,
        role: 'member',
        username: 'Ani@Example.com',
        email: 'Ani@Example.com',
        password: phpHash('lain'),
        pic_phone: '083333',
        pic: 'Ani lagi',
      },
      {
        id: 4,
        role: 'member',
        username: '',
        email: '',
        password: phpHash('x'),
        pic_phone: '084444',
        pic: 'Tanpa email',
      },
      {
        id: 5,
        role: 'member',
        username: 'bukan-email',
        email: 'bukan-email',
        password: phpHash('x'),
        pic_phone: '085555',
        pic: 'Salah',
      },
      {
        id: 6,
        role: 'admin',
        username: 'admin@example.com',
        email: 'admin@example.com',
        password: phpHash('admin'),
        pic_phone: '',
        pic: 'Admin',
      },
      {
        id: 7,
        role: 'member',
        username: 'cici@example.com',
        email: 'cici@example.com',
        password: 'md5:5f4dcc3b',
        pic_phone: '087777',
        pic: 'Cici',
      },
      {
        id: 8,
        role: 'member',
        username: 'dodi@example.com',
        email: 'dodi@example.com',
        password: phpHash('sandi dodi'),
        pic_phone: null,
        pic: 'Dodi',
      },
    ],
    licenses: [
      {
        id: 1,
        email: 'ani@example.com',
        key_license: 'KEI-1A2B-3C4D5E6F',
        produk_digital: 'prod-ebook',
        id_order: 'KEI-11112222',
        id_transaction: 'KEI-8001',
        trx_lynk_id: 'ref-ani-1',
        created_at: '2025-01-10 10:00:00',
      },
      {
        id: 2,
        email: 'ani@example.com',
        key_license: 'KEI-AAAA-BBBBCCCC',
        produk_digital: 'prod-setahun',
        device_active: 'laptop-ani-lama',
        id_order: 'KEI-33334444',
        id_transaction: 'KEI-8002',
        trx_lynk_id: 'ref-ani-2',
        created_at: '2026-06-01 08:00:00',
      },
      // A Lynk retry the old system did not recognise: two keys for one payment.
      {
        id: 3,
        email: 'Budi@Example.com',
        key_license: 'KEI-9F8E-7D6C5B4A',
        produk_digital: 'prod-ebook',
        id_order: 'KEI-55556666',
        id_transaction: 'KEI-8003',
        trx_lynk_id: 'ref-budi',
      },
      {
        id: 4,
        email: 'budi@example.com',
        key_license: 'KEI-0001-00020003',
        produk_digital: 'prod-ebook',
        id_order: 'KEI-77778888',
        id_transaction: 'KEI-8003',
        trx_lynk_id: 'ref-budi',
      },
      { id: 5, email: 'budi@example.com', key_license: '', produk_digital: 'prod-ebook', trx_lynk_id: 'ref-kosong' },
      {
        id: 6,
        email: 'eko@example.com',
        key_license: 'KEI-1A2B-3C4D5E6F',
        produk_digital: 'prod-ebook',
        trx_lynk_id: 'ref-ganda',
      },
      {
        id: 7,
        email: '',
        key_license: 'KEI-FFFF-00000001',
        produk_digital: 'prod-ebook',
        trx_lynk_id: 'ref-tanpa-email',
      },
      // A buyer who never became a member.
      {
        id: 8,
        email: 'eko@example.com',
        key_license: 'KEI-EE00-12345678',
        produk_digital: 'prod-ebook',
        device_active: '0',
        trx_lynk_id: 'ref-eko',
      },
    ],
  };
}

/** The rule the sample's second product has in Gerbang: two devices, a year. */
export const LEGACY_PRODUCT_RULES = JSON.stringify([
  { uuid: 'prod-setahun', action: 'license', maxDevices: 2, validityDays: 365 },
]);
