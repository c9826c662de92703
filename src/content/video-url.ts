/**
 * A seller pastes whatever URL their browser shows; a page can only frame a player's *embed* URL
 * (YouTube and Vimeo refuse to be framed on their watch pages). Known hosts are rewritten to their
 * embed form; anything else is kept as typed, with a warning the console shows, since only the
 * seller can tell whether it is a player.
 */
export interface NormalisedVideo {
  /** The URL the member page frames. */
  embedUrl: string;
  /** Why this URL may not play inside the page; null when it is a known embed form. */
  warning: string | null;
}

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com', 'music.youtube.com']);
const NOT_A_PLAYER = 'URL ini bukan URL pemutar (embed) yang dikenal; mungkin tidak tampil di halaman member.';

/** "90", "1m30s", "1h2m3s" → seconds; YouTube writes both forms in `t=`. */
function youtubeStart(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+s?$/.test(value)) return Number.parseInt(value, 10);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match) return null;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

function youtubeEmbed(id: string, start: number | null): NormalisedVideo {
  // The privacy-enhanced host sets no cookies until the member presses play.
  const url = new URL(`https://www.youtube-nocookie.com/embed/${id}`);
  if (start) url.searchParams.set('start', String(start));
  return { embedUrl: url.toString(), warning: null };
}

function youtube(url: URL): NormalisedVideo | null {
  const host = url.hostname.toLowerCase();
  const start = youtubeStart(url.searchParams.get('t') ?? url.searchParams.get('start'));
  if (host === 'youtu.be') {
    const id = url.pathname.slice(1).split('/')[0] ?? '';
    return YOUTUBE_ID.test(id) ? youtubeEmbed(id, start) : null;
  }
  if (!YOUTUBE_HOSTS.has(host) && host !== 'www.youtube-nocookie.com' && host !== 'youtube-nocookie.com') return null;
  const v = url.searchParams.get('v');
  if (url.pathname === '/watch' && v && YOUTUBE_ID.test(v)) return youtubeEmbed(v, start);
  const path = /^\/(embed|shorts|live|v)\/([A-Za-z0-9_-]{11})\/?$/.exec(url.pathname);
  if (path?.[2]) return youtubeEmbed(path[2], start);
  return {
    embedUrl: url.toString(),
    warning: 'URL YouTube ini bukan satu video (mis. kanal atau playlist); tempel URL video-nya.',
  };
}

function vimeo(url: URL): NormalisedVideo | null {
  const host = url.hostname.toLowerCase();
  if (host === 'player.vimeo.com' && /^\/video\/\d+\/?$/.test(url.pathname))
    return { embedUrl: url.toString(), warning: null };
  if (host !== 'vimeo.com' && host !== 'www.vimeo.com') return null;
  // vimeo.com/123456 and, for unlisted videos, vimeo.com/123456/abcdef (the hash is the `h` parameter).
  const match = /^\/(?:channels\/[^/]+\/)?(\d+)(?:\/([0-9a-f]+))?\/?$/.exec(url.pathname);
  if (!match?.[1]) return { embedUrl: url.toString(), warning: NOT_A_PLAYER };
  const embed = new URL(`https://player.vimeo.com/video/${match[1]}`);
  if (match[2]) embed.searchParams.set('h', match[2]);
  return { embedUrl: embed.toString(), warning: null };
}

/** Bunny Stream: the dashboard's "play" links and the CDN host both have an embed twin. */
function bunny(url: URL): NormalisedVideo | null {
  const host = url.hostname.toLowerCase();
  if (host !== 'iframe.mediadelivery.net' && host !== 'video.bunnycdn.com' && host !== 'player.mediadelivery.net')
    return null;
  const match = /^\/(?:embed|play)\/(\d+)\/([0-9a-f-]{36})\/?$/i.exec(url.pathname);
  if (!match) return { embedUrl: url.toString(), warning: NOT_A_PLAYER };
  const embed = new URL(`https://iframe.mediadelivery.net/embed/${match[1]}/${match[2]}`);
  for (const [k, v] of url.searchParams) embed.searchParams.set(k, v);
  return { embedUrl: embed.toString(), warning: null };
}

/** Google Drive shares a video as …/view, which refuses framing; …/preview is its player. */
function googleDrive(url: URL): NormalisedVideo | null {
  if (url.hostname.toLowerCase() !== 'drive.google.com') return null;
  const match = /^\/file\/d\/([A-Za-z0-9_-]+)(?:\/(?:view|preview|edit))?\/?$/.exec(url.pathname);
  if (!match) return { embedUrl: url.toString(), warning: NOT_A_PLAYER };
  return { embedUrl: `https://drive.google.com/file/d/${match[1]}/preview`, warning: null };
}

/** Loom's share page refuses framing; /embed/ is the player. */
function loom(url: URL): NormalisedVideo | null {
  const host = url.hostname.toLowerCase();
  if (host !== 'www.loom.com' && host !== 'loom.com') return null;
  const match = /^\/(?:share|embed)\/([0-9a-f]{32})\/?$/.exec(url.pathname);
  if (!match) return { embedUrl: url.toString(), warning: NOT_A_PLAYER };
  return { embedUrl: `https://www.loom.com/embed/${match[1]}`, warning: null };
}

/**
 * The embed URL of a video and, when it may not play inside the page, why. Returns null for what
 * is not an http(s) URL at all (the console refuses it).
 */
export function normaliseVideoUrl(input: string): NormalisedVideo | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  const known = youtube(url) ?? vimeo(url) ?? bunny(url) ?? googleDrive(url) ?? loom(url);
  if (known) return known;
  if (url.protocol === 'http:')
    return {
      embedUrl: url.toString(),
      warning: 'URL http:// tidak tampil di halaman https; gunakan URL https://.',
    };
  if (/\.(mp4|m4v|webm|mov|mkv|avi)$/i.test(url.pathname))
    return {
      embedUrl: url.toString(),
      warning: 'Ini berkas video langsung, bukan pemutar: unggah sebagai berkas atau gunakan URL embed.',
    };
  // Any other https URL may well be a player (Wistia, a seller's own): kept, without a warning when
  // its path says "embed" or "player" as most players' do.
  const looksEmbedded = /embed|player|iframe/i.test(url.hostname + url.pathname);
  return { embedUrl: url.toString(), warning: looksEmbedded ? null : NOT_A_PLAYER };
}
