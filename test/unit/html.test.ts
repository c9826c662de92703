import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/logger.js';
import { escapeHtml, html } from '../../src/web/html.js';

describe('auto-escaping templates', () => {
  it('escape every interpolated string', () => {
    const name = '<script>alert("x")</script> & \'quote\' `tick`';
    expect(html`<p>${name}</p>`.toString()).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quote&#39; &#96;tick&#96;</p>',
    );
  });
  it('nest already-safe fragments without escaping them twice', () => {
    const items = ['<a>', '<b>'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul><li>&lt;a&gt;</li><li>&lt;b&gt;</li></ul>');
  });
  it('never let markup characters through (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = escapeHtml(s);
        return !/[<>"'`]/.test(out) && !/&(?!(amp|lt|gt|quot|#39|#96);)/.test(out);
      }),
    );
  });
});

describe('log redaction', () => {
  it('removes one-time tokens from URLs', () => {
    expect(redactUrl('/akun/atur-sandi?token=abc123&x=1')).toBe('/akun/atur-sandi?token=[redacted]&x=1');
    expect(redactUrl('/login?a=1&password=hunter2')).toBe('/login?a=1&password=[redacted]');
    expect(redactUrl('/webhook/lynk')).toBe('/webhook/lynk');
  });
});
