/**
 * Seed 000's handshake for sellers' own players: a player page posts `{type: 'VIDEO_READY'}` to its
 * parent once it has loaded. The old layout held the session monitor back until then; here the
 * monitor runs from the start (a member who never pressed play is still logged out), and the
 * message only marks the frame ready: `data-ready="true"` on the iframe, and the body's
 * `video-render` class — on while some frame is still loading, for sellers' CSS — comes off once
 * every frame said so. Only a message from a framed player's own window counts.
 */
export function watchVideoFrames(doc: Document = document): void {
  const frames = Array.from(doc.querySelectorAll<HTMLIFrameElement>('iframe.content-player'));
  if (frames.length === 0) return;
  doc.body.classList.add('video-render');
  const view = doc.defaultView;
  if (!view) return;
  view.addEventListener('message', (event: MessageEvent) => {
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'VIDEO_READY') return;
    const frame = frames.find((f) => f.contentWindow !== null && f.contentWindow === event.source);
    if (!frame || originOf(frame.src) !== event.origin) return;
    frame.dataset.ready = 'true';
    if (frames.every((f) => f.dataset.ready === 'true' || !f.isConnected)) doc.body.classList.remove('video-render');
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
