import { describe, expect, it } from 'vitest';
import { browserFamily, describeUserAgent, osFamily } from '../../src/shared/user-agent.js';

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  edgeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.2903.87',
  samsung:
    'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  firefoxIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15',
  opera:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
} as const;

describe('describeUserAgent', () => {
  it.each([
    ['Chrome on Windows', UA.chromeWindows, 'Chrome 131', 'Windows'],
    ['Chrome on macOS', UA.chromeMac, 'Chrome 131', 'macOS'],
    ['Safari on iPhone', UA.safariIphone, 'Safari 17', 'iOS'],
    ['Safari on iPad', UA.safariIpad, 'Safari 16', 'iOS'],
    ['Safari on macOS', UA.safariMac, 'Safari 17', 'macOS'],
    ['Firefox on Linux', UA.firefoxLinux, 'Firefox 128', 'Linux'],
    ['Firefox on Windows', UA.firefoxWindows, 'Firefox 133', 'Windows'],
    ['Edge on Windows (it also says Chrome)', UA.edgeWindows, 'Edge 131', 'Windows'],
    ['Edge on Android', UA.edgeAndroid, 'Edge 131', 'Android'],
    ['Samsung Internet (it also says Chrome)', UA.samsung, 'Samsung Internet 25', 'Android'],
    ['Chrome on Android (it also says Linux)', UA.chromeAndroid, 'Chrome 131', 'Android'],
    ['Chrome on iPhone', UA.chromeIphone, 'Chrome 131', 'iOS'],
    ['Firefox on iPhone', UA.firefoxIphone, 'Firefox 132', 'iOS'],
    ['Opera (it also says Chrome)', UA.opera, 'Opera 116', 'Windows'],
    ['Chrome on a Chromebook', UA.chromebook, 'Chrome 131', 'ChromeOS'],
  ])('%s', (_name, userAgent, browser, os) => {
    expect(describeUserAgent(userAgent)).toEqual({ browser, os });
  });

  it.each([
    ['an empty user agent', ''],
    ['curl', 'curl/8.5.0'],
    ['a bot', 'Googlebot/2.1 (+http://www.google.com/bot.html)'],
  ])('names %s as unknown', (_name, userAgent) => {
    expect(describeUserAgent(userAgent)).toEqual({ browser: 'Browser tidak dikenal', os: 'Sistem tidak dikenal' });
  });

  it('a known system with an unknown browser keeps the system', () => {
    expect(describeUserAgent('SomeApp/1.0 (Windows NT 10.0)')).toEqual({
      browser: 'Browser tidak dikenal',
      os: 'Windows',
    });
  });
});

describe('one table for the server and the browser', () => {
  // The fingerprint's family (browser code) and the device list's label (server) for the same agent.
  const familyNames: Record<string, string> = { Samsung: 'Samsung Internet' };
  it.each(Object.entries(UA))('%s: the label names the fingerprint family and system', (_name, userAgent) => {
    const family = browserFamily(userAgent);
    const { browser, os } = describeUserAgent(userAgent);
    expect(browser.replace(/ \d+$/, '')).toBe(familyNames[family] ?? family);
    expect(os).toBe(osFamily(userAgent));
  });
});
