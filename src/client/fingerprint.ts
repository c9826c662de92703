/**
 * The device fingerprint sent with every login: lowercase hex SHA-256 over a `|`-joined list of
 * browser properties.
 *
 * Why only *stable* properties: the server compares this value with the one stored for the member's
 * device, and a mismatch counts as "another device" (and meets the one-device rule). A
 * fingerprint that changes on its own therefore logs people out for nothing. So it hashes only what
 * stays the same while the browser updates itself:
 * - the browser *family* (Chrome, Edge, Firefox, Safari, Opera, Samsung), never its version;
 * - the OS family (Windows, macOS, iOS, Android, Linux, ChromeOS), never its version;
 * - CPU cores (`hardwareConcurrency`), `deviceMemory` where the browser has it, `maxTouchPoints`;
 * - the primary language, the IANA time zone, `screen.colorDepth`.
 * Deliberately left out, though the old login.php used several of them:
 * - the full user agent or any version number: it changes with every browser update (every few weeks);
 * - canvas or WebGL rendering: it changes with GPU drivers and browser updates;
 * - screen width/height: it changes when a laptop is plugged into a monitor;
 * - plugin lists: empty or frozen in current browsers, and changing when they are not.
 * The result identifies a *kind* of device, not a unique one: two identical laptops may share a
 * fingerprint. That is accepted; the session cookie, not this hash, is what authenticates.
 */
import { browserFamily, osFamily } from '../shared/user-agent.js';
import { sha256Hex, toHex } from './sha256.js';

/** The properties read from the browser; a plain object so the rules run (and are tested) in Node. */
export interface FingerprintEnv {
  userAgent: string;
  /** `navigator.userAgentData.brands` (Chromium, secure contexts only); the versions are never read. */
  brands?: readonly { brand: string; version?: string }[] | undefined;
  /** `navigator.userAgentData.platform`, else `navigator.platform`. */
  platform?: string | undefined;
  hardwareConcurrency?: number | undefined;
  deviceMemory?: number | undefined;
  maxTouchPoints?: number | undefined;
  language?: string | undefined;
  timeZone?: string | undefined;
  colorDepth?: number | undefined;
}

const text = (value: string | number | undefined): string => (value === undefined ? '' : String(value));

/**
 * The stable components, in a fixed order, labelled so an absent value (`memory=` on Firefox and
 * Safari) cannot shift the others.
 */
export function fingerprintComponents(env: FingerprintEnv): string[] {
  return [
    `browser=${browserFamily(env.userAgent, env.brands)}`,
    `os=${osFamily(env.userAgent, env.platform)}`,
    `cores=${text(env.hardwareConcurrency)}`,
    `memory=${text(env.deviceMemory)}`,
    `touch=${text(env.maxTouchPoints ?? 0)}`,
    // Lowercased: old Safari reported "en-us" where others say "en-US".
    `lang=${text(env.language).toLowerCase()}`,
    `tz=${text(env.timeZone)}`,
    `color=${text(env.colorDepth)}`,
  ].map((component) => component.replace(/\|/g, '/'));
}

/** SHA-256 hex of `input`, by WebCrypto when this is a secure context, else by the bundled fallback. */
export async function sha256HexOf(input: string, subtle: SubtleCrypto | undefined): Promise<string> {
  if (subtle) {
    try {
      return toHex(new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(input))));
    } catch {
      // Some embedded webviews expose `subtle` but refuse to digest; the fallback gives the same bytes.
    }
  }
  return sha256Hex(input);
}

interface NavigatorExtras {
  userAgentData?: { brands?: readonly { brand: string }[]; platform?: string };
  deviceMemory?: number;
}

/** Reads the environment in the browser. */
export function readFingerprintEnv(): FingerprintEnv {
  const nav: Navigator & NavigatorExtras = navigator;
  return {
    userAgent: nav.userAgent,
    brands: nav.userAgentData?.brands,
    platform: nav.userAgentData?.platform || nav.platform,
    hardwareConcurrency: nav.hardwareConcurrency,
    deviceMemory: nav.deviceMemory,
    maxTouchPoints: nav.maxTouchPoints,
    language: nav.language,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    colorDepth: typeof screen === 'undefined' ? undefined : screen.colorDepth,
  };
}

/** The 64-character fingerprint of this browser. */
export async function computeFingerprint(): Promise<string> {
  const input = fingerprintComponents(readFingerprintEnv()).join('|');
  return sha256HexOf(input, globalThis.crypto?.subtle);
}
