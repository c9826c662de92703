import { parseArgs } from 'node:util';
import { systemRuntime } from '../clock.js';
import { getDelivery, OTHER_IPS, replayLynkEvent } from '../webhooks/index.js';
import { configFromEnvironment, UsageError, withDatabase } from './context.js';
import { complain, formatTime, say } from './output.js';

function eventIdArg(positionals: string[], command: 'show' | 'replay'): number {
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1)
    throw new UsageError(`sebutkan satu id event, mis. \`gerbang events ${command} 12\``);
  return id;
}

export async function eventsShow(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const id = eventIdArg(positionals, 'show');
  const config = configFromEnvironment();
  const event = await withDatabase(config, ({ db }) => getDelivery(db, id));
  if (!event) {
    complain(`event #${id} tidak ada\n`);
    process.exitCode = 1;
    return;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
    return;
  }
  let body = event.raw_body;
  try {
    body = JSON.stringify(JSON.parse(event.raw_body), null, 2);
  } catch {
    // Rejected bodies may not be JSON: show them as received.
  }
  say(
    [
      `Event #${event.id} · ${event.provider} · ${event.outcome}`,
      event.outcome === 'rejected'
        ? `Diterima: ${formatTime(event.received_at)} (${event.delivery_count}× ditolak dalam menit ini dari ${event.remote_ip === OTHER_IPS ? 'berbagai IP' : (event.remote_ip ?? '-')}, terakhir ${formatTime(event.last_received_at)}; isi di bawah: kiriman pertama, paling banyak 16 KiB)`
        : `Diterima: ${formatTime(event.received_at)} (${event.delivery_count}× dikirim)`,
      `Tanda tangan sah: ${event.signature_valid === 1 ? 'ya' : 'tidak'}`,
      `ID eksternal: ${event.external_id ?? '-'} · jenis: ${event.event_type ?? '-'}`,
      event.note ? `Hasil: ${event.note}` : null,
      event.error_code ? `Galat: ${event.error_code}: ${event.error_message ?? ''}` : null,
      '',
      body,
      '',
    ]
      .filter((l) => l !== null)
      .join('\n'),
  );
}

export async function eventsReplay(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { email: { type: 'string' } },
    allowPositionals: true,
  });
  const id = eventIdArg(positionals, 'replay');
  const config = configFromEnvironment();
  const result = await withDatabase(config, ({ db }) =>
    replayLynkEvent({ db, config, runtime: systemRuntime }, id, values.email ? { email: values.email } : {}),
  );
  if (!result.ok) {
    complain(`${result.message}\n`);
    process.exitCode = 1;
    return;
  }
  const detail = result.note ?? result.message ?? '';
  say(`Event #${id} diproses ulang: ${result.outcome}${detail ? ` — ${detail}` : ''}\n`);
  if (result.outcome === 'processed') say('Email yang diantrekan akan dikirim oleh server yang sedang berjalan.\n');
  if (result.outcome === 'failed') process.exitCode = 1;
}
