/**
 * An upload form (`form[data-upload]`) sends its file with a progress bar: the seller on a phone
 * connection sees how far a 200 MB file has come, and the button is disabled so a second tap does
 * not send it twice. Without script the form posts as before; with it, the answer's page is opened
 * once the server has it (its redirect to the list with the flash), and a refusal is told in place.
 */
function wire(form: HTMLFormElement): void {
  form.addEventListener('submit', (event) => {
    if (!('FormData' in window) || !form.reportValidity()) return;
    event.preventDefault();
    // Said before sending, not after minutes of uploading what the server will refuse.
    const max = Number(form.dataset.maxBytes);
    const tooLarge = [...form.querySelectorAll<HTMLInputElement>('input[type=file]')]
      .flatMap((input) => [...(input.files ?? [])])
      .find((file) => max > 0 && file.size > max);
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    bar.className = 'upload-progress';
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.className = 'upload-status';
    status.textContent = 'Mengunggah… 0%';
    form.querySelector('.upload-progress')?.remove();
    form.querySelector('.upload-status')?.remove();
    form.append(bar, status);
    if (button) button.disabled = true;
    const done = (message: string) => {
      status.textContent = message;
      status.className = 'upload-status error';
      bar.remove();
      if (button) button.disabled = false;
    };

    if (tooLarge) {
      const limit = max >= 1_048_576 ? `${Math.floor(max / 1_048_576)} MB` : `${Math.round(max / 1024)} KB`;
      done(`Berkas "${tooLarge.name}" terlalu besar: paling besar ${limit}.`);
      return;
    }

    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    request.upload.addEventListener('progress', (progress) => {
      if (!progress.lengthComputable) return;
      const percent = Math.min(100, Math.floor((progress.loaded / progress.total) * 100));
      bar.value = percent;
      status.textContent = percent < 100 ? `Mengunggah… ${percent}%` : 'Terunggah, sedang diproses server…';
    });
    request.addEventListener('load', () => {
      if (request.status < 400) {
        // The server redirected to the page with its flash message; XHR followed it.
        window.location.assign(request.responseURL || window.location.href);
        return;
      }
      const page = new DOMParser().parseFromString(request.responseText, 'text/html');
      const reason = page.querySelector('[role=alert], .error, h1')?.textContent?.trim();
      done(reason ? `Unggahan gagal: ${reason}` : `Unggahan gagal (HTTP ${request.status}). Coba lagi.`);
    });
    request.addEventListener('error', () =>
      done('Sambungan terputus saat mengunggah. Periksa internet lalu coba lagi.'),
    );
    request.addEventListener('timeout', () => done('Unggahan terlalu lama. Coba lagi.'));
    request.send(new FormData(form));
  });
}

export function wireUploads(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-upload]')) wire(form);
}
