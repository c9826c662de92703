/**
 * Entry point of /assets/member.js, loaded with `defer` by every protected member page
 * (`<body class="protected-page" data-realtime-url="…">`).
 *
 * Starts the realtime monitor at once on every protected page, the video page included: the old
 * layout.php waited for the iframe's VIDEO_READY message, so a member who never pressed play was
 * never logged out. When the session is revoked it shows why in #realtime-notice, then goes to the
 * login page.
 */
// The texts come from the server's table (pure data, bundled in): one wording everywhere.
import { accessEndedMessage } from '../shared/license-messages.js';
import { sessionEndedMessage } from '../shared/session-messages.js';
import { watchVideoFrames } from './content-videos.js';
import { applyTransactionUpdate } from './ppob-live.js';
import { RealtimeMonitor, type RealtimeState, type SessionRevokedEvent } from './realtime-monitor.js';

declare global {
  interface Window {
    /** For browser tests and the console: the running monitor. */
    gerbangRealtime?: { monitor: RealtimeMonitor };
  }
}

// The old layout.php waited 2 s before leaving, so the member can read why; kept on purpose.
const REDIRECT_DELAY_MS = 2000;

/** The server's own wording first; the same table by reason when it sent none. */
function revocationMessage(event: SessionRevokedEvent): string {
  return event.message ?? sessionEndedMessage(event.reason);
}

function startMonitoring(): void {
  const body = document.body;
  if (!body.classList.contains('protected-page')) return;

  const monitor = new RealtimeMonitor({
    url: body.dataset.realtimeUrl || '/api/realtime/stream',
    // Tests wait on this attribute: connecting, open, following, closed or ended.
    onStateChange: (state: RealtimeState) => {
      body.dataset.realtime = state;
    },
  });

  let revoked = false;
  monitor.on('session.revoked', (event) => {
    // Once only, even if a revocation arrives twice (a replay after reconnecting, a relay from another tab).
    if (revoked) return;
    revoked = true;
    // Paid content goes at once (players stop), not after the notice's delay.
    document.getElementById('product-content')?.remove();
    const notice = document.getElementById('realtime-notice');
    if (notice) {
      notice.textContent = revocationMessage(event); // textContent: the server's text is never HTML
      notice.hidden = false;
    }
    setTimeout(() => {
      location.assign(`/login?alasan=${encodeURIComponent(event.reason)}`);
    }, REDIRECT_DELAY_MS);
  });

  // The transactions page follows its rows live; other pages have no such table and ignore these events.
  monitor.on('transaction.updated', (event) => {
    const table = document.getElementById('transactions');
    if (table instanceof HTMLTableElement) applyTransactionUpdate(table, event);
  });

  watchProduct(body, monitor);
  watchMembership(body, monitor);
  watchVideoFrames();
  window.gerbangRealtime = { monitor };
  body.dataset.realtime = monitor.state;
  monitor.start();
}

/**
 * The "open product" page (`data-license-id`, `data-activation-id`): when this license is revoked,
 * or this browser's activation ends (another device took the license over, it was released, an
 * admin reset it), the content goes at once — removed from the page, not just hidden — and the
 * reason shows. Events about the member's other licenses or devices are ignored.
 */
function watchProduct(body: HTMLElement, monitor: RealtimeMonitor): void {
  const licenseId = Number(body.dataset.licenseId);
  const activationId = Number(body.dataset.activationId);
  if (!licenseId || !activationId) return;
  body.dataset.product = 'open';
  const close = (reason: string, message: string | undefined) => {
    if (body.dataset.product === 'closed') return;
    body.dataset.product = 'closed';
    document.getElementById('product-content')?.remove();
    const notice = document.getElementById('product-closed');
    if (notice) {
      notice.textContent = message ?? accessEndedMessage(reason);
      notice.hidden = false;
    }
    // A revoked license cannot be opened again; a moved or released activation can (it asks first).
    const reopen = document.getElementById('product-reopen');
    if (reopen && body.dataset.licenseRevoked !== 'true') reopen.hidden = false;
  };
  monitor.on('license.revoked', (event) => {
    if (event.licenseId !== licenseId) return;
    body.dataset.licenseRevoked = 'true';
    close(event.reason, event.message);
  });
  monitor.on('activation.revoked', (event) => {
    if (event.activationId === activationId) close(event.reason, event.message);
  });
  // A license with validity days ends by itself: no event announces it, the page knows when.
  // (Timers past ~24.8 days overflow; a page open that long is reloaded before it matters.)
  const expiresIn = Number(body.dataset.expiresIn);
  if (body.dataset.expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn < 2_147_483_647) {
    setTimeout(() => {
      body.dataset.licenseRevoked = 'true'; // an expired license cannot be opened again either
      close('expired', undefined);
    }, expiresIn);
  }
}

/**
 * The member content page (`data-membership="open"`): a membership taken back (a refund) removes
 * the content at once and says why; the next visit shows the renewal page.
 */
function watchMembership(body: HTMLElement, monitor: RealtimeMonitor): void {
  if (body.dataset.membership !== 'open') return;
  monitor.on('membership.ended', (event) => {
    if (body.dataset.membership === 'closed') return;
    body.dataset.membership = 'closed';
    document.getElementById('product-content')?.remove();
    const notice = document.getElementById('product-closed');
    if (notice) {
      notice.textContent = event.message ?? 'Keanggotaan Anda sudah berakhir.';
      notice.hidden = false;
    }
  });
}

function start(): void {
  startMonitoring();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
