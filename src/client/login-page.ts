/**
 * Entry point of /assets/login.js, loaded with `defer` by /login and /login/tautan.
 *
 * Fills `<input type="hidden" name="fingerprint">` in every `<form data-fingerprint>` with the device
 * fingerprint (see fingerprint.ts). The forms stay plain HTML forms: without this script they post an
 * empty fingerprint, which the server accepts, so a failure here never blocks a login.
 */
import { computeFingerprint } from './fingerprint.js';

// A login waits at most this long for the hash (normally a few milliseconds); then it goes without.
const FINGERPRINT_WAIT_MS = 3000;

function fill(form: HTMLFormElement, fingerprint: string): void {
  const input = form.querySelector<HTMLInputElement>('input[name="fingerprint"]');
  if (input) input.value = fingerprint;
}

/** Resolves to the fingerprint, or '' when it fails or takes too long; never rejects. */
function fingerprintOrEmpty(): Promise<string> {
  const computed = computeFingerprint().then(
    (value) => value,
    () => '',
  );
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(''), FINGERPRINT_WAIT_MS));
  return Promise.race([computed, timeout]);
}

/**
 * `form.submit()` sends no submitter, so the clicked button's name=value (if it has one) is added as a
 * hidden input first, to reach the server as a normal click would have sent it.
 */
function submitAsIf(form: HTMLFormElement, submitter: HTMLElement | null): void {
  if (submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement) {
    if (submitter.name !== '') {
      const carried = document.createElement('input');
      carried.type = 'hidden';
      carried.name = submitter.name;
      carried.value = submitter.value;
      form.appendChild(carried);
    }
  }
  // From the prototype: a control named "submit" would shadow form.submit.
  HTMLFormElement.prototype.submit.call(form);
}

function enhanceLoginForms(): void {
  const forms = Array.from(document.querySelectorAll<HTMLFormElement>('form[data-fingerprint]'));
  if (forms.length === 0) return;

  let fingerprint: string | null = null;
  const ready = fingerprintOrEmpty();
  ready.then(
    (value) => {
      fingerprint = value;
      for (const form of forms) fill(form, value);
    },
    () => undefined, // fingerprintOrEmpty never rejects
  );

  const waiting = new Set<HTMLFormElement>();
  for (const form of forms) {
    form.addEventListener('submit', (event) => {
      if (fingerprint !== null) return; // ready: the browser submits as usual
      // Too early: hold this submit, finish the hash, then send. A programmatic submit() fires no
      // submit event, so this handler does not see it again.
      event.preventDefault();
      if (waiting.has(form)) return; // a second click while waiting
      waiting.add(form);
      const submitter = event.submitter ?? null; // undefined before Safari 15.4
      ready.then(
        (value) => {
          fill(form, value);
          submitAsIf(form, submitter);
        },
        () => submitAsIf(form, submitter),
      );
    });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhanceLoginForms);
else enhanceLoginForms();
