import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** The page shell: Indonesian, mobile-friendly, no inline script (the CSP forbids it). */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gerbang</title>
<link rel="stylesheet" href="/assets/gerbang.css">
</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>`.toString();
}

export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;padding:16px}
.card{background:#fff;max-width:440px;width:100%;border-radius:10px;padding:28px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 12px}
p{line-height:1.5}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=password],input[type=email],input[type=text]{width:100%;padding:10px 12px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px}
button{margin-top:20px;width:100%;padding:12px;border:0;border-radius:6px;background:#1f6feb;color:#fff;font-size:16px;cursor:pointer}
.error{background:#fde8e8;color:#9b1c1c;padding:10px 12px;border-radius:6px}
.ok{background:#def7ec;color:#03543f;padding:10px 12px;border-radius:6px}
code{background:#f0f2f5;padding:2px 6px;border-radius:4px;word-break:break-all}
.muted{color:#616e7c;font-size:14px}
`;
