import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult, Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows, waitFor } from '../helpers/gerbang-process.js';

/**
 * A buyer name and a refused webhook body written to drive the operator's terminal: set its title
 * (OSC), clear the screen (CSI), a one-character C1 CSI, DEL, and a right-to-left override.
 */
const HOSTILE_NAME = 'Budi\u001b]0;pwned\u0007\u001b[2J\u202eevil\u009b31m\u007f';
const HOSTILE_TITLE = 'Kelas\u001b[8mtersembunyi\u001b[0m Ekspor';
const HOSTILE_BODY = '{"pesan":"\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[1A\u001b[2Kok"}\r\u001b[31mPALSU\u009b0m';

/** Characters a terminal acts on (C0 but TAB/LF, DEL, C1) or that reorder text (bidi controls). */
function terminalControls(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.codePointAt(0) ?? 0;
    const c0 = code < 0x20 && c !== '\n' && c !== '\t';
    const bidi = (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
    return c0 || (code >= 0x7f && code <= 0x9f) || bidi;
  });
}

function expectPrintable(result: CommandResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(terminalControls(result.stdout)).toEqual([]);
  expect(terminalControls(result.stderr)).toEqual([]);
}

describe('human-readable CLI output escapes what strangers wrote; --json stays exact', () => {
  let ws: Workspace;
  let rejectedId: number;
  let processedIds: number[];
  let simulated: CommandResult[];

  beforeAll(async () => {
    ws = await createWorkspace();
    const server = await ws.serve();
    const url = `${server.url}/webhook/lynk`;
    const sent = await Promise.all([
      ws.run([
        'lynk',
        'simulate',
        '--url',
        url,
        '--email',
        'budi@example.com',
        '--name',
        HOSTILE_NAME,
        '--product',
        'Daftar Member KEI',
      ]),
      ws.run([
        'lynk',
        'simulate',
        '--url',
        url,
        '--email',
        'siti@example.com',
        '--name',
        'Siti',
        '--product',
        HOSTILE_TITLE,
      ]),
    ]);
    simulated = sent;
    for (const r of sent) expect(r.code, r.stderr).toBe(0);
    // Unsigned and not even JSON: refused, and kept (raw) for the operator to look at.
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: HOSTILE_BODY,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const events = jsonRows(await ws.run(['events', 'list', '--json']));
    rejectedId = Number(events.find((e) => e.outcome === 'rejected')?.id);
    processedIds = events.filter((e) => e.outcome === 'processed').map((e) => Number(e.id));
    expect(processedIds).toHaveLength(2);
    await waitFor(async () => {
      const mails = jsonRows(await ws.run(['mail', 'list', '--json']));
      return mails.length === 2 && mails.every((m) => m.status === 'sent') ? true : undefined;
    }, 'both mails to be sent');
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('events show prints a refused body with its control characters written out', async () => {
    const shown = await ws.run(['events', 'show', String(rejectedId)]);
    expectPrintable(shown);
    expect(shown.stdout).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[1A\\x1b[2Kok"}\\x0d\\x1b[31mPALSU\\x9b0m');
    const json = await ws.run(['events', 'show', String(rejectedId), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).raw_body).toBe(HOSTILE_BODY);
  });

  it('lynk simulate echoes the name and title it sent, escaped', () => {
    for (const r of simulated) expectPrintable(r);
  });

  it('events show of a processed payment escapes the buyer name in the pretty-printed body', async () => {
    for (const id of processedIds) expectPrintable(await ws.run(['events', 'show', String(id)]));
  });

  it('list commands escape buyer names and product titles in every cell', async () => {
    const members = await ws.run(['members', 'list']);
    expectPrintable(members);
    expect(members.stdout).toContain('Budi\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\\x9b31m\\x7f');
    const licenses = await ws.run(['licenses', 'list']);
    expectPrintable(licenses);
    expect(licenses.stdout).toContain('Kelas\\x1b[8mtersembunyi\\x1b[0m Ekspor');
    for (const args of [
      ['events', 'list'],
      ['mail', 'list'],
    ])
      expectPrintable(await ws.run(args));
  });

  it('--json keeps every value exact', async () => {
    const members = jsonRows(await ws.run(['members', 'list', '--json']));
    expect(members.find((m) => m.email === 'budi@example.com')?.name).toBe(HOSTILE_NAME);
    const licenses = jsonRows(await ws.run(['licenses', 'list', '--json']));
    expect(licenses.map((l) => l.product_title)).toContain(HOSTILE_TITLE);
  });
});
