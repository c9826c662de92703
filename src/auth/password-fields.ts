import { MIN_PASSWORD_LENGTH } from '../members/index.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';

/**
 * The "new password" pair every form shows (set-password link, "Ubah kata sandi", a replaced
 * default password, the first-run page), with the one rule's hint: one rule, one wording.
 */
export function newPasswordFields(extraHint = ''): SafeHtml {
  const min = String(MIN_PASSWORD_LENGTH);
  return html`<label for="password">Kata sandi baru</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${min}" maxlength="200" required>
<label for="password_confirm">Ulangi kata sandi</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" minlength="${min}" maxlength="200" required>
<p class="muted">Minimal ${min} karakter, bukan kata sandi yang umum dipakai${extraHint}. Kalimat panjang paling mudah diingat.</p>`;
}
