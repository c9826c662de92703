import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DOWNLOAD_URL_TTL_MS,
  downloadSigningKey,
  normaliseVideoUrl,
  parseRange,
  renderMarkdown,
  signDownload,
  stampPdf,
  verifyDownload,
} from '../../src/content/index.js';
import { cleanFileName } from '../../src/content/schema.js';
import { attachment, servedType } from '../../src/content/send-file.js';
import { pageTexts, samplePdf } from '../content/content-world.js';

describe('video URLs become embed URLs', () => {
  it.each([
    ['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
    ['https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=90', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90'],
    ['https://youtu.be/dQw4w9WgXcQ?t=1h2m3s', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=3723'],
    ['https://www.youtube.com/shorts/dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
    ['https://www.youtube.com/embed/dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
    ['https://vimeo.com/76979871', 'https://player.vimeo.com/video/76979871'],
    ['https://vimeo.com/76979871/8272103f6e', 'https://player.vimeo.com/video/76979871?h=8272103f6e'],
    ['https://player.vimeo.com/video/76979871', 'https://player.vimeo.com/video/76979871'],
    [
      'https://video.bunnycdn.com/play/12345/0d6f9a43-7c1e-4b8b-9f0e-123456789abc',
      'https://iframe.mediadelivery.net/embed/12345/0d6f9a43-7c1e-4b8b-9f0e-123456789abc',
    ],
    [
      'https://drive.google.com/file/d/1AbCdEf_gh/view?usp=sharing',
      'https://drive.google.com/file/d/1AbCdEf_gh/preview',
    ],
    [
      'https://www.loom.com/share/0123456789abcdef0123456789abcdef',
      'https://www.loom.com/embed/0123456789abcdef0123456789abcdef',
    ],
    ['https://fast.wistia.net/embed/iframe/abc123', 'https://fast.wistia.net/embed/iframe/abc123'],
  ])('%s → %s', (input, embed) => {
    expect(normaliseVideoUrl(input)).toEqual({ embedUrl: embed, warning: null });
  });

  it('warns about what may not play inside a page, and refuses what is no web URL', () => {
    for (const url of [
      'https://www.youtube.com/@kanal',
      'https://www.youtube.com/playlist?list=PL123',
      'https://vimeo.com/channels/staffpicks',
      'http://player.example.com/embed/1',
      'https://cdn.example.com/kelas/1.mp4',
      'https://example.com/halaman-kelas',
    ])
      expect([url, typeof normaliseVideoUrl(url)?.warning]).toEqual([url, 'string']);
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'bukan url', 'https://user:pw@example.com/embed/1'])
      expect(normaliseVideoUrl(url)).toBeNull();
  });
});

describe('Range headers (RFC 9110)', () => {
  it.each([
    [undefined, 100, null],
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=90-500', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-500', 100, { start: 0, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=9-3', 100, null],
    ['bytes=0-1,5-6', 100, null],
    ['items=0-9', 100, null],
    ['bytes=abc', 100, null],
    ['bytes=9999999999999999-', 100, 'unsatisfiable'],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('signed download URLs', () => {
  const key = downloadSigningKey('test-cookie-secret-0123456789abcdef0123456789');
  const now = Date.UTC(2026, 10, 23, 5, 0, 0);
  const holder = { kind: 'license', id: 12 } as const;

  it('verify for their item, holder and session until they expire', () => {
    const token = signDownload(key, 7, holder, 'sesi-a', now);
    expect(verifyDownload(key, token, 7, 'sesi-a', now + DOWNLOAD_URL_TTL_MS - 1000)).toEqual({ ok: true, holder });
    expect(verifyDownload(key, token, 7, 'sesi-a', now + DOWNLOAD_URL_TTL_MS + 1000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyDownload(key, token, 8, 'sesi-a', now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyDownload(key, token, 7, 'sesi-b', now)).toEqual({ ok: false, reason: 'invalid' });
    const otherKey = downloadSigningKey('another-cookie-secret-0123456789abcdef');
    expect(verifyDownload(otherKey, token, 7, 'sesi-a', now)).toEqual({ ok: false, reason: 'invalid' });
    const member = signDownload(key, 7, { kind: 'member', id: 12 }, 'sesi-a', now);
    expect(member.startsWith('m12.')).toBe(true);
    expect(verifyDownload(key, member.replace(/^m/, 'l'), 7, 'sesi-a', now).ok).toBe(false);
    for (const junk of ['', 'l1', `l12.${Math.ceil(now / 1000)}.${'A'.repeat(42)}`, `x12.1.${'A'.repeat(43)}`])
      expect(verifyDownload(key, junk, 7, 'sesi-a', now)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('Markdown text blocks', () => {
  it('escape raw HTML and keep links to http(s) and mailto only', () => {
    const out = renderMarkdown(
      [
        '<script>alert(1)</script> <img src=x onerror=alert(2)>',
        '[klik](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:x)',
        '![gambar](https://tracker.example/p.png)',
        '**tebal** [toko](https://toko.example/a?b=1) <mailto:cs@toko.example>',
      ].join('\n\n'),
    ).toString();
    // Tags only where markdown-it made them: the script and img above are text, the bad links stay text.
    expect(out).not.toMatch(/<script|<img|<[a-z]+ [^>]*onerror|href="(javascript|data|vbscript)/i);
    expect(out).toContain('[klik](javascript:alert(3))');
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('<strong>tebal</strong>');
    expect(out).toContain(
      '<a href="https://toko.example/a?b=1" rel="noopener noreferrer nofollow" target="_blank">toko</a>',
    );
    expect(out).toContain('href="mailto:cs@toko.example"');
  });
});

describe('file names and types of downloads', () => {
  it('keeps a readable name, never a path, quote or control character', () => {
    expect(cleanFileName('C:\\Users\\Budi\\modul "akhir".pdf')).toBe('modul akhir.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('a\r\nb.zip')).toBe('ab.zip');
    expect(cleanFileName('')).toBe('berkas');
    expect(attachment('Panduan Ekspor – 2026.pdf')).toBe(
      `attachment; filename="Panduan Ekspor _ 2026.pdf"; filename*=UTF-8''Panduan%20Ekspor%20%E2%80%93%202026.pdf`,
    );
    expect(servedType('x.PDF')).toBe('application/pdf');
    for (const name of ['x.html', 'x.svg', 'x.htm', 'x', 'x.js'])
      expect(servedType(name)).toBe('application/octet-stream');
  });
});

describe('the buyer stamp', () => {
  it('prints a name in a script the PDF font lacks as "?", and refuses what is no PDF', async () => {
    const stamped = await stampPdf(await samplePdf(2), {
      name: '王小明 😀',
      email: 'wang@example.com',
      orderNo: 'KEI-1',
    });
    if (!stamped.ok) throw new Error('not stamped');
    for (const text of await pageTexts(stamped.bytes))
      expect(text).toContain('Dibeli oleh ??? ? <wang@example.com> - Pesanan KEI-1');
    expect(await stampPdf(randomBytes(2000), { name: '', email: 'a@b.c', orderNo: '-' })).toEqual({
      ok: false,
      reason: 'unreadable',
    });
  });
});
