import { BRAND_MARKERS } from './brand.js';
import { html, SafeHtml } from './html.js';

export interface PageOptions {
  /** Bundles from /assets (login.js, member.js), loaded deferred. */
  scripts?: readonly string[];
  bodyClass?: string;
  /** data-* attributes on <body> (settings for the page's script). */
  bodyData?: Readonly<Record<string, string>>;
  wide?: boolean;
}

// Filled by applyBrand (src/web/brand.ts) on the way out: the store's stylesheet, header and footer.
const BRAND_HEAD = new SafeHtml(BRAND_MARKERS.head);
const BRAND_TOP = new SafeHtml(BRAND_MARKERS.top);
const BRAND_FOOTER = new SafeHtml(BRAND_MARKERS.footer);

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
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
${BRAND_HEAD}
<script src="/assets/copy.js" defer></script>
${scripts}</head>
<body${options.bodyClass ? html` class="${options.bodyClass}"` : ''}${data}>
<main class="${options.wide ? 'card wide' : 'card'}">
${options.bodyClass === 'admin' ? '' : BRAND_TOP}${body}
${BRAND_FOOTER}</main>
</body>
</html>`.toString();
}

/** A gate on the primary colour: the tab icon of every page. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f6feb"/><path d="M9 25V13a7 7 0 0 1 14 0v12" fill="none" stroke="#fff" stroke-width="3"/><path d="M16 11v14" stroke="#fff" stroke-width="2"/></svg>`;

export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;padding:16px}
.card{background:#fff;max-width:440px;width:100%;min-width:0;border-radius:10px;padding:28px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 12px}
p{line-height:1.5}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=password],input[type=email],input[type=text],input[type=url],input[type=tel],input[type=search]{width:100%;padding:10px 12px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px}
button{margin-top:20px;width:100%;padding:12px;border:0;border-radius:6px;background:var(--primary,#1f6feb);color:#fff;font-size:16px;cursor:pointer}
.error{background:#fde8e8;color:#9b1c1c;padding:10px 12px;border-radius:6px}
.ok{background:#def7ec;color:#03543f;padding:10px 12px;border-radius:6px}
code{background:#f0f2f5;padding:2px 6px;border-radius:4px;overflow-wrap:anywhere}
.muted{color:#616e7c;font-size:14px}
.card.wide{max-width:860px}
nav.member{display:flex;gap:16px;flex-wrap:wrap;align-items:center;border-bottom:1px solid #e4e7eb;padding-bottom:12px;margin-bottom:16px}
nav.member a{color:var(--primary,#1f6feb);text-decoration:none;font-weight:600}
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
/* A member's pages start at the top, as the console's do: a short page does not float mid-screen. */
body.protected-page{align-items:flex-start}
body.admin .card.wide{max-width:1180px;padding:16px 20px}
.admin-head{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.admin-head form{margin-left:auto}
/* The menu wraps onto as many lines as it needs: every console page is one tap away at any width. */
nav.admin{display:flex;flex-wrap:wrap;gap:4px;border-bottom:1px solid #e4e7eb;margin:10px 0 16px;padding-bottom:4px}
nav.admin a{white-space:nowrap;padding:8px 10px;border-radius:6px;color:var(--primary,#1f6feb);text-decoration:none;font-weight:600;font-size:15px}
nav.admin a[aria-current=page]{background:var(--primary,#1f6feb);color:#fff}
@media (max-width:600px){nav.admin{gap:2px}nav.admin a{padding:6px 8px;font-size:14px}}
button.small{width:auto;margin:0;padding:7px 12px;font-size:14px}
button.danger{background:#c81e1e}
form.inline{display:inline-block;margin:0 6px 6px 0}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:8px 0}
.table-wrap table{min-width:560px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin:12px 0}
.tile{border:1px solid #e4e7eb;border-radius:8px;padding:12px;text-decoration:none;color:inherit}
.tile{min-width:0}
.tile b{display:block;font-size:clamp(17px,4.6vw,26px);margin-top:4px;overflow-wrap:normal}
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
progress.upload-progress{display:block;width:100%;height:14px;margin:10px 0 4px}.upload-status{margin:4px 0;font-size:14px}
details.tech{margin-top:4px;font-size:13px;color:#616e7c}details.tech code{word-break:break-all}
.secret{font-size:16px;padding:10px;background:#fff8e1;border-radius:6px;word-break:break-all}
.pager{text-align:right}
@media (max-width:600px){dl.facts{grid-template-columns:1fr}dl.facts dt{margin-top:6px}h1{font-size:20px}}
td .devices li{display:flex;justify-content:space-between;align-items:center;gap:8px}
td .devices form{margin:0}
button.release{margin:0;width:auto;padding:4px 10px;font-size:13px}
.own-devices li{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap;overflow-wrap:anywhere}
.own-devices form{margin:0}
table.counts{max-width:420px}svg.chart{width:100%;max-width:640px;height:auto;display:block;margin:8px 0}
form.confirm-action{margin:0 0 12px}form.confirm-action label{font-weight:400;margin:0 0 6px}
@media (max-width:600px){table.cards-on-phone thead{display:none}table.cards-on-phone,table.cards-on-phone tbody,table.cards-on-phone tr,table.cards-on-phone td{display:block;width:100%}
table.cards-on-phone tr{border:1px solid #e4e7eb;border-radius:8px;padding:6px 10px;margin:0 0 12px;overflow-wrap:break-word}table.cards-on-phone td .devices li{flex-wrap:wrap}
table.cards-on-phone td{border:0;padding:4px 0;text-align:left}table.cards-on-phone td:empty{display:none}table.cards-on-phone td::before{content:attr(data-label);display:block;font-size:12px;color:#616e7c;font-weight:600}
.table-wrap table.cards-on-phone{min-width:0}
/* The member's PPOB rows are also built live in the page (src/client/ppob-live.ts): labelled by class. */
#transactions td.tx-time::before{content:"Waktu"}#transactions td.tx-product::before{content:"Produk"}#transactions td.tx-customer::before{content:"Nomor tujuan"}
#transactions td.tx-status::before{content:"Status"}#transactions td.tx-sn::before{content:"SN"}#transactions td.tx-message::before{content:"Keterangan"}#transactions tr.empty td::before{content:none}}
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
a.button-link{display:inline-block;background:var(--primary,#1f6feb);color:#fff;padding:8px 16px;border-radius:6px;text-decoration:none;font-weight:600}
ol.content-admin{padding-left:22px}
.content-admin-item{border-bottom:1px solid #e4e7eb;padding:8px 0;overflow-wrap:anywhere}
.content-admin-item p{margin:4px 0}
.item-actions{margin:6px 0}
form.stack textarea{width:100%;padding:10px 12px;border:1px solid #cbd2d9;border-radius:6px;font-size:16px;font-family:inherit}
form.stack input[type=file]{width:100%;font-size:15px}
details>summary{cursor:pointer;font-weight:600;margin:8px 0}
header.store{display:flex;align-items:center;gap:10px;margin:0 0 16px;font-size:18px;overflow-wrap:anywhere}
img.store-logo{max-height:40px;max-width:160px;width:auto}
footer.store-footer{margin-top:24px;padding-top:12px;border-top:1px solid #e4e7eb;color:#616e7c;font-size:13px;white-space:pre-line;overflow-wrap:anywhere}
td.num{text-align:right;white-space:nowrap}
details.confirm{display:inline-block;margin:0 6px 6px 0;vertical-align:top}
details.confirm>summary{display:inline-block;list-style:none;margin:0;padding:7px 12px;font-size:14px;border-radius:6px;background:var(--primary,#1f6feb);color:#fff}
details.confirm>summary.danger{background:#c81e1e}
details.confirm>summary::-webkit-details-marker{display:none}
details.confirm[open]{display:block;border:1px solid #e4e7eb;border-radius:8px;padding:8px}
details.confirm p{margin:8px 0}
select{max-width:100%}
p,li,dd,h1,h2,h3{overflow-wrap:anywhere}
form.filters>div{max-width:100%;min-width:0}
.key-copy{display:inline-flex;flex-wrap:wrap;align-items:center;gap:6px;max-width:100%}
code.key{word-break:normal;overflow-wrap:normal;white-space:normal}
button.copy{margin:0;width:auto;padding:4px 10px;font-size:13px;background:#e4e7eb;color:#1f2933}
.actions{display:flex;flex-wrap:wrap;gap:6px;align-items:stretch}
.actions form.inline{display:flex;margin:0}
.actions button{height:100%}
@media (max-width:600px){
body{padding:8px}
.card{padding:18px 14px}
.card table:not(.table-wrap table){display:block;overflow-x:auto;max-width:100%}
}
figure.chart{margin:8px 0 16px;color:var(--primary,var(--primary,#1f6feb))}
figure.chart svg{width:100%;height:auto;display:block}
ul.plain{list-style:none;padding:0}
ul.plain li{margin:0 0 8px;overflow-wrap:anywhere}
h3{font-size:16px;margin:16px 0 6px}
.license-key{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
form.stack textarea.reason{min-height:70px}
section.account h2{font-size:18px;margin:24px 0 4px}
`;
