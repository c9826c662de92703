import { StartupConfigError } from '../database-wait.js';
import { UsageError } from './context.js';
import { takeEnvFileOption } from './env-file.js';
import { complain } from './output.js';

type Command = (args: string[]) => Promise<void>;

/**
 * A command's module is loaded when that command runs (scripts/build.mjs splits the bundle along
 * these imports): `gerbang members list` does not load the web server, its plugins and metrics,
 * about a third of a short command's start-up CPU.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (module: M) => Command): Command =>
  async (args) =>
    pick(await load())(args);

const admin = () => import('./admin.js');
const doctor = () => import('./doctor.js');
const events = () => import('./events.js');
const legacyImport = () => import('./import.js');
const keys = () => import('./keys.js');
const licenses = () => import('./licenses.js');
const lists = () => import('./lists.js');
const lynk = () => import('./lynk.js');
const ppob = () => import('./ppob.js');
const serve = () => import('./serve.js');
const tokens = () => import('./tokens.js');
const webhookKeys = () => import('./webhook-keys.js');

const COMMANDS: Record<string, Command> = {
  serve: lazy(serve, (m) => m.serve),
  migrate: lazy(serve, (m) => m.migrate),
  doctor: lazy(doctor, (m) => m.doctor),
  'members list': lazy(lists, (m) => m.membersList),
  'licenses list': lazy(lists, (m) => m.licensesList),
  'licenses show': lazy(licenses, (m) => m.licensesShow),
  'licenses revoke': lazy(licenses, (m) => m.licensesRevoke),
  'licenses reset': lazy(licenses, (m) => m.licensesReset),
  'events list': lazy(lists, (m) => m.eventsList),
  'events show': lazy(events, (m) => m.eventsShow),
  'events replay': lazy(events, (m) => m.eventsReplay),
  'mail list': lazy(lists, (m) => m.mailList),
  'lynk simulate': lazy(lynk, (m) => m.lynkSimulate),
  'tokens create': lazy(tokens, (m) => m.tokensCreate),
  'tokens list': lazy(tokens, (m) => m.tokensList),
  'tokens revoke': lazy(tokens, (m) => m.tokensRevoke),
  'ppob order': lazy(ppob, (m) => m.ppobOrder),
  'ppob list': lazy(ppob, (m) => m.ppobList),
  'admin create': lazy(admin, (m) => m.adminCreate),
  'ppob resolve': lazy(ppob, (m) => m.ppobResolve),
  'import legacy': lazy(legacyImport, (m) => m.importLegacyCommand),
  'keys show': lazy(keys, (m) => m.keysShow),
  'keys rotate': lazy(keys, (m) => m.keysRotate),
  'webhook-keys list': lazy(webhookKeys, (m) => m.webhookKeysList),
  'webhook-keys add': lazy(webhookKeys, (m) => m.webhookKeysAdd),
  'webhook-keys retire': lazy(webhookKeys, (m) => m.webhookKeysRetire),
};

const HELP = `Pemakaian: gerbang [--env-file FILE] <perintah> [opsi]

  serve          [--no-mail]  jalankan server (HOST, PORT, DATA_DIR, DATABASE_URL, …); --no-mail: email tidak dikirim
  migrate        [--create]   terapkan migrasi database (--create: buat database bila belum ada)
  doctor         [--url U] [--no-delivery]   pemeriksaan sebelum go-live: konfigurasi, database, SMTP,
                 PUBLIC_URL, kunci Lynk, kiriman uji bertanda tangan ke server yang berjalan
  members list   [--search S] [--limit N] [--json]
  licenses list  [--search S] [--limit N] [--json]
  licenses show  <kunci> [--json]   satu lisensi dengan perangkat (aktivasi)-nya
  licenses revoke <kunci> [--reason ALASAN]   cabut lisensi (dicatat di log audit)
  licenses reset <kunci>            lepaskan semua perangkat lisensi (dicatat di log audit)
  events list    [--outcome processed|ignored|failed|rejected] [--provider lynk|hesda] [--limit N] [--json]
  events show    <id> [--json]   isi mentah dan hasil satu webhook
  events replay  <id> [--email E]  proses ulang event Lynk yang gagal (--email: email pembeli bila kosong)
  mail list      [--status pending|sending|sent|failed] [--limit N] [--json]
  lynk simulate  [--url U] [--product JUDUL] [--uuid U] [--email E] [--name N] [--phone P] [--qty N] [--price N]
                 [--ref-id R] [--json]   kirim pembayaran contoh bertanda tangan ke server yang berjalan
                 (--url: alamat server, mis. http://127.0.0.1:3000, atau URL webhook lengkap)
  tokens create  --name NAMA [--json]   buat token API admin (ditampilkan sekali)
  tokens list    [--json]
  tokens revoke  <id>
  ppob order     --product KODE --customer NOMOR [--member EMAIL] [--key K] [--json]
                 pesan produk PPOB di Hesda (tidak pernah dikirim ulang; hasil tak pasti → status unknown)
  ppob list      [--status unknown|pending|success|failed] [--limit N] [--json]
  admin create   --email E --password-stdin [--json]   buat akun admin (kata sandi dari stdin)
  ppob resolve   <id> (--transaction-id ID_HESDA | --not-ordered) [--json]
                 selesaikan rekonsiliasi transaksi unknown (setelah cek dasbor Hesda)
  import legacy  (--from mysql://user:sandi@host:3306/db | --from-sql dump.sql) [--dry-run] [--json] [--batch-size N]
                 [--phone-check import|login]
                 impor member dan kunci lisensi dari sistem lama (PHP); aman dijalankan ulang
  keys show      [--json]   kunci publik token lisensi (Ed25519) dan URL publikasinya
  keys rotate    [--revoke-previous] [--json]   ganti kunci penandatangan token lisensi
  webhook-keys list   [--provider lynk|hesda] [--json]   kunci webhook (sidik jari, status, sampai kapan)
  webhook-keys add    --provider lynk|hesda --key-stdin [--previous-hours 72]
                      kunci baru aktif di semua server; kunci lama diterima sampai batasnya
  webhook-keys retire <id> [--at WAKTU]   kunci lama tidak diterima lagi

Konfigurasi dibaca dari variabel lingkungan dan file .env, atau dari --env-file (format EnvironmentFile
systemd, mis. /etc/gerbang/gerbang.env; lihat docs/CONFIG.md).
`;

async function main(given: string[]): Promise<void> {
  const argv = takeEnvFileOption(given);
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(HELP);
    return;
  }
  const two = argv.slice(0, 2).join(' ');
  const [name, rest] = COMMANDS[two] ? [two, argv.slice(2)] : [argv[0] ?? '', argv.slice(1)];
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`perintah tidak dikenal: ${argv.slice(0, 2).join(' ')}`);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usage =
    error instanceof UsageError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
  complain(`gerbang: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) complain('Lihat `gerbang --help`.\n');
  // 2: a usage or configuration error, which the systemd unit does not restart (RestartPreventExitStatus=2).
  process.exit(usage || error instanceof StartupConfigError ? 2 : 1);
});
