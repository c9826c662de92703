/**
 * SMTP_URL checked at start, so a mistake in it is a configuration error naming the variable, not a
 * DNS failure at the first send hours later. The common mistake is a password pasted as is: an `@`
 * in it makes two `@`, and a `/`, `?` or `#` ends the address early, so the host becomes part of the
 * password. Messages never repeat the URL: it holds the password.
 */
export function smtpUrlProblem(text: string): string | null {
  const scheme = /^(smtps?):\/\//i.exec(text);
  if (!scheme) return 'harus berupa URL smtp:// atau smtps://';
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const ats = authority.split('@').length - 1;
  if (tail.includes('@'))
    return 'nama pengguna atau kata sandi memuat "/", "?" atau "#": tulis sebagai %2F, %3F, %23 (encodeURIComponent)';
  if (ats > 1) return 'nama pengguna atau kata sandi memuat "@": tulis sebagai %40 (encodeURIComponent)';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'bukan URL yang valid (periksa host dan port; karakter khusus di kata sandi ditulis dengan %XX)';
  }
  if (url.hostname === '') return 'tidak ada nama host server SMTP';
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'nama pengguna atau kata sandi memuat "%" yang bukan %XX: tulis "%" sebagai %25';
  }
  if (url.username !== '' && url.password === '' && authority.includes(':') && ats === 1)
    return 'kata sandi kosong setelah ":"';
  return null;
}
