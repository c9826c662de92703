import type { ApplyCounts } from './apply.js';
import type { ImportPlan, ImportWarning, SkipCode, SkippedRow } from './plan.js';

/** What an import did (or, dry, would do): the CLI prints it as text or, with --json, as JSON. */
export interface ImportReport {
  dryRun: boolean;
  source: string;
  members: {
    rows: number;
    /** Members the plan creates. */
    toCreate: number;
    /** Actually written (null in a dry run). */
    created: number | null;
    alreadyImported: number;
    skipped: number;
    /** Of the created, those whose password still was their phone number (null: not checked in a dry run). */
    phoneDefault: number | null;
    withoutPassword: number;
  };
  licenses: {
    rows: number;
    toCreate: number;
    created: number | null;
    alreadyImported: number;
    skipped: number;
    ordersCreated: number | null;
    activationsCreated: number | null;
  };
  /** Every row left out, with why (rows imported before are only counted). */
  skipped: SkippedRow[];
  warnings: ImportWarning[];
  durationMs: number;
}

export function buildReport(
  plan: ImportPlan,
  counts: (Omit<ApplyCounts, 'phoneDefault'> & { phoneDefault: number | null }) | null,
  meta: { dryRun: boolean; source: string; durationMs: number },
): ImportReport {
  const count = (table: SkippedRow['table'], code?: SkipCode) =>
    plan.skipped.filter(
      (s) => s.table === table && (code === undefined ? s.code !== 'ALREADY_IMPORTED' : s.code === code),
    ).length;
  const licensesToCreate = plan.orders.reduce((n, o) => n + o.licenses.length, 0);
  return {
    dryRun: meta.dryRun,
    source: meta.source,
    members: {
      rows: plan.totals.memberRows,
      toCreate: plan.members.length,
      created: counts?.membersCreated ?? null,
      alreadyImported: count('member', 'ALREADY_IMPORTED'),
      skipped: count('member'),
      phoneDefault: counts?.phoneDefault ?? null,
      withoutPassword: plan.members.filter((m) => m.bcryptHash === null).length,
    },
    licenses: {
      rows: plan.totals.licenseRows,
      toCreate: licensesToCreate,
      created: counts?.licensesCreated ?? null,
      alreadyImported: count('lynk_webhook', 'ALREADY_IMPORTED'),
      skipped: count('lynk_webhook'),
      ordersCreated: counts?.ordersCreated ?? null,
      activationsCreated: counts?.activationsCreated ?? null,
    },
    skipped: plan.skipped.filter((s) => s.code !== 'ALREADY_IMPORTED'),
    warnings: plan.warnings,
    durationMs: meta.durationMs,
  };
}

const TABLE_TEXT = { member: 'member', lynk_webhook: 'lisensi' } as const;

/** The report for people, in Indonesian. */
export function reportText(r: ImportReport): string {
  const lines: string[] = [];
  lines.push(
    r.dryRun
      ? `Uji coba impor dari ${r.source} — tidak ada yang ditulis.`
      : `Impor dari ${r.source} selesai dalam ${(r.durationMs / 1000).toFixed(1)} detik.`,
  );
  const m = r.members;
  const made = (planned: number, done: number | null) => (done === null ? `${planned} akan dibuat` : `${done} dibuat`);
  lines.push(
    `Member : ${m.rows} baris → ${made(m.toCreate, m.created)}, ${m.alreadyImported} sudah diimpor, ${m.skipped} dilewati`,
  );
  if (m.phoneDefault !== null && m.phoneDefault > 0)
    lines.push(
      `         ${m.phoneDefault} masih memakai nomor HP sebagai kata sandi: wajib membuat kata sandi baru saat masuk`,
    );
  if (m.phoneDefault === null && m.toCreate > 0)
    lines.push(
      r.dryRun
        ? '         kata sandi = nomor HP diperiksa saat impor sebenarnya (bukan pada uji coba)'
        : '         kata sandi = nomor HP diperiksa saat member pertama kali masuk',
    );
  if (m.withoutPassword > 0)
    lines.push(
      `         ${m.withoutPassword} tanpa kata sandi bcrypt: masuk lewat tautan email, lalu membuat kata sandi`,
    );
  const l = r.licenses;
  const extra =
    l.ordersCreated === null ? '' : ` (${l.ordersCreated} order baru, ${l.activationsCreated ?? 0} aktivasi perangkat)`;
  lines.push(
    `Lisensi: ${l.rows} baris → ${made(l.toCreate, l.created)}${extra}, ${l.alreadyImported} sudah diimpor, ${l.skipped} dilewati`,
  );
  if (r.skipped.length > 0) {
    lines.push('', 'Dilewati:');
    for (const s of r.skipped) lines.push(`  ${TABLE_TEXT[s.table]} ${s.ref}: ${s.reason}`);
  }
  if (r.warnings.length > 0) {
    lines.push('', 'Catatan:');
    for (const w of r.warnings) lines.push(`  ${TABLE_TEXT[w.table]} ${w.ref}: ${w.message}`);
  }
  return `${lines.join('\n')}\n`;
}
