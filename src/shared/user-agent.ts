/**
 * The one table of browsers and operating systems, read by the server (the device list and the
 * conflict dialog: "Chrome 131", "Windows") and by the browser (the login fingerprint's families).
 * Dependency-free: it is bundled into the browser scripts as well. Nothing here decides security.
 *
 * Each entry has two patterns because the two readers need different things: `family` must stay the
 * same while a browser updates itself (the fingerprint hashes it, and a changed fingerprint counts as
 * another device), `label` names what a person recognises, with the major version.
 */

export type BrowserFamily = 'Edge' | 'Opera' | 'Samsung' | 'Firefox' | 'Chrome' | 'Safari' | 'other';

interface BrowserEntry {
  family: Exclude<BrowserFamily, 'other'>;
  /** What a person reads. */
  name: string;
  /** Whether the user agent belongs to the family; never reads a version. */
  familyPattern: RegExp;
  /** The label's patterns, tried in order; the first group that matched is the major version. */
  labelPatterns: readonly RegExp[];
}

// Order matters: Edge, Opera and Samsung Internet also say "Chrome" and "Safari"; Chrome says "Safari".
const BROWSERS: readonly BrowserEntry[] = [
  { family: 'Edge', name: 'Edge', familyPattern: /\bEdg(e|A|iOS)?\//, labelPatterns: [/Edg(?:e|A|iOS)?\/(\d+)/] },
  { family: 'Opera', name: 'Opera', familyPattern: /\bOPR\/|\bOpera\b/, labelPatterns: [/OPR\/(\d+)/] },
  {
    family: 'Samsung',
    name: 'Samsung Internet',
    familyPattern: /\bSamsungBrowser\//,
    labelPatterns: [/SamsungBrowser\/(\d+)/],
  },
  {
    family: 'Firefox',
    name: 'Firefox',
    familyPattern: /\bFirefox\/|\bFxiOS\//,
    labelPatterns: [/Firefox\/(\d+)|FxiOS\/(\d+)/],
  },
  {
    family: 'Chrome',
    name: 'Chrome',
    familyPattern: /\bChrome\/|\bCriOS\/|\bChromium\//,
    labelPatterns: [/CriOS\/(\d+)/, /Chrome\/(\d+)/],
  },
  {
    family: 'Safari',
    name: 'Safari',
    familyPattern: /\bSafari\/|\bAppleWebKit\//,
    // Safari's own version is in "Version/…"; the WebKit number would mean nothing to anyone.
    labelPatterns: [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//],
  },
];

// Brand names from User-Agent Client Hints. Brave and other Chromium forks say "Chromium" and look like
// Chrome in their user agent too, so both sources agree on "Chrome" for them.
const BRAND_FAMILIES: readonly [string, BrowserFamily][] = [
  ['Microsoft Edge', 'Edge'],
  ['Opera', 'Opera'],
  ['Samsung Internet', 'Samsung'],
  ['Google Chrome', 'Chrome'],
  ['Chromium', 'Chrome'],
];

interface SystemEntry {
  name: string;
  /** Read over `navigator.platform` and the user agent together, in any case. */
  familyPattern: RegExp;
  /** Read over the user agent a request sent. */
  labelPattern: RegExp;
}

// Most specific first: Android says "Linux", iOS says "like Mac OS X", ChromeOS says "X11".
const SYSTEMS: readonly SystemEntry[] = [
  { name: 'Android', familyPattern: /\bAndroid\b/i, labelPattern: /Android/ },
  { name: 'ChromeOS', familyPattern: /\bCrOS\b|Chrome ?OS/i, labelPattern: /CrOS/ },
  { name: 'iOS', familyPattern: /\biPhone|\biPad|\biPod|\biOS\b/i, labelPattern: /iPhone|iPad|iPod/ },
  { name: 'Windows', familyPattern: /\bWin(dows|32|64)?\b/i, labelPattern: /Windows NT/ },
  { name: 'macOS', familyPattern: /\bMac/i, labelPattern: /Mac OS X|Macintosh/ },
  { name: 'Linux', familyPattern: /\bLinux|\bX11\b/i, labelPattern: /Linux/ },
];

/** The browser family, from client-hint brands when they name one, else from the user agent. */
export function browserFamily(userAgent: string, brands?: readonly { brand: string }[]): BrowserFamily {
  const names = new Set((brands ?? []).map((b) => b.brand));
  for (const [brand, family] of BRAND_FAMILIES) if (names.has(brand)) return family;
  return BROWSERS.find((entry) => entry.familyPattern.test(userAgent))?.family ?? 'other';
}

/**
 * The OS family, never its version. Platform and user agent are read together: Android's
 * `navigator.platform` says "Linux armv8l" while its client hints say "Android", and both must give
 * the same answer.
 */
export function osFamily(userAgent: string, platform?: string): string {
  const source = `${platform ?? ''} ${userAgent}`;
  return SYSTEMS.find((entry) => entry.familyPattern.test(source))?.name ?? 'other';
}

/** "Chrome 131" and "Windows" for a request's User-Agent header. */
export function describeUserAgent(userAgent: string): { browser: string; os: string } {
  let browser = 'Browser tidak dikenal';
  for (const entry of BROWSERS) {
    const match = entry.labelPatterns.map((pattern) => pattern.exec(userAgent)).find((m) => m !== null);
    if (match) {
      const version = match.slice(1).find((v) => v !== undefined);
      browser = version ? `${entry.name} ${version}` : entry.name;
      break;
    }
  }
  const os = SYSTEMS.find((entry) => entry.labelPattern.test(userAgent))?.name ?? 'Sistem tidak dikenal';
  return { browser, os };
}
