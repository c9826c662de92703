import type { SafeHtml } from './html.js';
import { html } from './html.js';

export interface PageOptions {
  /** Bundles from /assets (login.js, member.js), loaded deferred. */
  scripts?: readonly string[];
  bodyClass?: string;
  /** data-* attributes on <body> (settings for the page's script). */
  bodyData?: Readonly<Record<string, string>>;
  wide?: boolean;
}

/** The page shell: Indonesian, mobile-friendly, no inline script (the CSP forbids it). */
export function page(title: string, body: SafeHtml, options: PageOptions = {}): string {
  const data = Object.entries(options.bodyData ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const scripts = (options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`);
  return html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gerbang</title>
<link rel="stylesheet" href="/assets/gerbang.css">
${scripts}</head>
<body${options.bodyClass ? html` class="${options.bodyClass}"` : ''}${data}>
<main class="${options.wide ? 'card wide' : 'card'}">
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
.card.wide{max-width:860px}
nav.member{display:flex;gap:16px;flex-wrap:wrap;align-items:center;border-bottom:1px solid #e4e7eb;padding-bottom:12px;margin-bottom:16px}
nav.member a{color:#1f6feb;text-decoration:none;font-weight:600}
nav.member form{margin-left:auto}
nav.member button,button.secondary{background:#e4e7eb;color:#1f2933}
nav.member button{margin:0;width:auto;padding:8px 14px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e4e7eb;vertical-align:top}
.video{position:relative;padding-top:56.25%;background:#000;border-radius:8px;overflow:hidden}
.video iframe{position:absolute;inset:0;width:100%;height:100%;border:0}
.alert-overlay{position:fixed;inset:0;background:rgba(15,23,42,.55);display:flex;align-items:center;justify-content:center;padding:16px;z-index:10}
.alert-modal{background:#fff;max-width:460px;width:100%;border-radius:10px;padding:24px;box-shadow:0 10px 30px rgba(0,0,0,.25)}
.alert-title{margin:0 0 12px;font-size:20px}
.info-box{background:#fff8e1;color:#7a4f01;padding:10px 12px;border-radius:6px;margin:12px 0}
.devices{list-style:none;padding:0;margin:12px 0}
.devices li{border:1px solid #e4e7eb;border-radius:6px;padding:10px 12px;margin-bottom:8px}
.alert-footer{display:flex;gap:12px;flex-wrap:wrap}
.alert-footer form{flex:1;min-width:160px}
.alert-footer button{margin-top:8px}
.session-ended{position:fixed;left:16px;right:16px;top:16px;max-width:560px;margin:0 auto;background:#9b1c1c;color:#fff;padding:14px 16px;border-radius:8px;font-weight:600;z-index:20;box-shadow:0 6px 20px rgba(0,0,0,.3)}
.session-ended[hidden]{display:none}
.links{display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px;margin-top:16px;font-size:14px}
.status{display:inline-block;padding:2px 8px;border-radius:10px;font-size:13px;font-weight:600;background:#e4e7eb}
.status-pending,.status-unknown{background:#fff8e1;color:#7a4f01}
.status-success{background:#def7ec;color:#03543f}
.status-failed{background:#fde8e8;color:#9b1c1c}
body.admin{align-items:flex-start;padding:8px}
body.admin .card.wide{max-width:1180px;padding:16px 20px}
.admin-head{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.admin-head form{margin-left:auto}
nav.admin{display:flex;gap:4px;overflow-x:auto;border-bottom:1px solid #e4e7eb;margin:10px 0 16px;padding-bottom:2px;-webkit-overflow-scrolling:touch}
nav.admin a{white-space:nowrap;padding:8px 10px;border-radius:6px;color:#1f6feb;text-decoration:none;font-weight:600;font-size:15px}
nav.admin a[aria-current=page]{background:#1f6feb;color:#fff}
button.small{width:auto;margin:0;padding:7px 12px;font-size:14px}
button.danger{background:#c81e1e}
form.inline{display:inline-block;margin:0 6px 6px 0}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:8px 0}
.table-wrap table{min-width:560px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin:12px 0}
.tile{border:1px solid #e4e7eb;border-radius:8px;padding:12px;text-decoration:none;color:inherit}
.tile b{display:block;font-size:26px;margin-top:4px}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e4e7eb}
.badge.ok{background:#def7ec;color:#03543f}.badge.warn{background:#fff8e1;color:#7a4f01}.badge.bad{background:#fde8e8;color:#9b1c1c}
form.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:flex-end;margin:8px 0}
form.filters label{margin:0 0 4px;font-size:13px}
form.filters input,form.filters select{padding:8px 10px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px;max-width:100%}
form.filters button{margin:0;width:auto;padding:9px 14px}
form.stack{max-width:520px}
form.stack select,form.stack input[type=number]{width:100%;padding:10px 12px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px}
pre.raw{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow:auto;max-height:480px;font-size:13px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;font-size:14px}
dl.facts dt{color:#616e7c}dl.facts dd{margin:0;word-break:break-word}
iframe.mail{width:100%;min-height:480px;border:1px solid #e4e7eb;border-radius:8px;background:#fff}
.secret{font-size:16px;padding:10px;background:#fff8e1;border-radius:6px;word-break:break-all}
.pager{text-align:right}
@media (max-width:600px){dl.facts{grid-template-columns:1fr}dl.facts dt{margin-top:6px}h1{font-size:20px}}
td .devices li{display:flex;justify-content:space-between;align-items:center;gap:8px}
td .devices form{margin:0}
button.release{margin:0;width:auto;padding:4px 10px;font-size:13px}
.content-items{list-style:none;padding:0;margin:16px 0}
.content-item{margin:0 0 20px;overflow-wrap:anywhere}
.content-video{margin:0}
.content-video figcaption,.content-text h3{font-weight:600;font-size:17px;margin:0 0 8px}
.content-text pre{overflow-x:auto;background:#f0f2f5;padding:10px;border-radius:6px}
.content-text table{display:block;overflow-x:auto}
.content-file,.content-link{border:1px solid #e4e7eb;border-radius:8px;padding:10px 12px;margin:0}
.content-file a,.content-link a{font-weight:600;margin-right:6px}
.content-file .muted{display:inline-block}
h2.content-name{font-size:18px;margin:16px 0 4px}
.product-cards{list-style:none;padding:0;margin:12px 0;display:grid;gap:12px}
.product-card{border:1px solid #e4e7eb;border-radius:8px;padding:12px 14px;overflow-wrap:anywhere}
.product-card p{margin:6px 0 10px}
a.button-link{display:inline-block;background:#1f6feb;color:#fff;padding:8px 16px;border-radius:6px;text-decoration:none;font-weight:600}
ol.content-admin{padding-left:22px}
.content-admin-item{border-bottom:1px solid #e4e7eb;padding:8px 0;overflow-wrap:anywhere}
.content-admin-item p{margin:4px 0}
.item-actions{margin:6px 0}
form.stack textarea{width:100%;padding:10px 12px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px;font-family:inherit}
form.stack input[type=file]{width:100%;font-size:15px}
details>summary{cursor:pointer;font-weight:600;margin:8px 0}
.license-key{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
button.copy{width:auto;margin:0;padding:4px 10px;font-size:13px}
form.stack textarea.reason{min-height:70px}
section.account h2{font-size:18px;margin:24px 0 4px}
`;
