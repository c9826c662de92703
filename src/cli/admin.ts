import { parseArgs } from 'node:util';
import { createAdmin } from '../admin/index.js';
import { CLI_ACTOR } from '../audit/index.js';
import { systemRuntime } from '../clock.js';
import { configFromEnvironment, UsageError, withDatabase } from './context.js';
import { complain, say } from './output.js';
import { readStdin } from './stdin.js';

/**
 * gerbang admin create --email E --password-stdin. The password comes from stdin only: an argument
 * would sit in the shell history and in `ps` for every user of the machine to read.
 */
export async function adminCreate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.email?.trim()) throw new UsageError('--email wajib diisi');
  if (!values['password-stdin'])
    throw new UsageError(
      'kata sandi dibaca dari stdin: tambahkan --password-stdin (mis. `gerbang admin create --email a@b.c --password-stdin < sandi.txt`)',
    );
  const email = values.email;
  const password = await readStdin();
  const config = configFromEnvironment();
  const result = await withDatabase(config, ({ db }) =>
    createAdmin(db, systemRuntime, { email, password, firstRun: false }, () => CLI_ACTOR),
  );
  if (!result.ok) {
    complain(`gerbang: ${result.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ id: result.memberId, email: email.trim().toLowerCase() })}\n`);
    return;
  }
  say(`Admin #${result.memberId} ${email.trim().toLowerCase()} dibuat. Masuk di ${config.publicUrl}/login\n`);
}
