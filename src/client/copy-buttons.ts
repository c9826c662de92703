/**
 * Entry point of /assets/copy.js, on every page: a "Salin" button beside each license key (rendered
 * hidden and shown here, so a browser without script never sees a dead one), and the progress of
 * an upload form (upload-progress.ts).
 */
import { wireUploads } from './upload-progress.js';

const COPIED_MS = 2000;

async function copyText(text: string, source: Element | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http, an old browser): select the key so a long press copies it.
    if (source) {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    return false;
  }
}

function wire(button: HTMLButtonElement): void {
  const text = button.dataset.copy ?? '';
  const label = button.textContent ?? 'Salin';
  button.hidden = false;
  button.addEventListener('click', () => {
    const key = button.parentElement?.querySelector('code') ?? null;
    void copyText(text, key).then((copied) => {
      button.textContent = copied ? 'Tersalin' : 'Tekan lama untuk menyalin';
      window.setTimeout(() => {
        button.textContent = label;
      }, COPIED_MS);
    });
  });
}

function wireAll(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) wire(button);
  wireUploads();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wireAll);
else wireAll();
