import type { TokenLicense } from './deps.js';
import type { ThreadLookup, ThreadVerdict, ValidateJob } from './signing-thread.js';
import type { LicenseTokenClaims } from './token.js';
import { licenseTokenClaims } from './token.js';
import type { LicenseTokenSigner } from './token-signer.js';

export interface DeviceTokenSettings {
  /** LICENSE_TOKENS. */
  enabled: boolean;
  /** LICENSE_TOKEN_GRACE_DAYS, for licenses whose product rule names no grace. */
  graceDays: number;
  /** PUBLIC_URL, the tokens' `iss`. */
  issuer: string;
}

/** The claims of a device's token: the product's grace, or LICENSE_TOKEN_GRACE_DAYS. */
export function deviceTokenClaims(
  settings: { issuer: string; graceDays: number },
  license: TokenLicense,
  activationId: number,
  fingerprint: string,
  now: number,
): LicenseTokenClaims {
  return licenseTokenClaims({
    issuer: settings.issuer,
    license: { ...license, graceDays: license.offlineGraceDays ?? settings.graceDays },
    activationId,
    fingerprint,
    now,
  });
}

/**
 * The token `activate` and `validate` hand to a device: only for a usable license and a device
 * that holds an activation (the token names it), so a copy on another machine fails the app's
 * fingerprint check offline as the API would refuse it online.
 */
export class DeviceTokens {
  constructor(
    private readonly signer: LicenseTokenSigner,
    private readonly settings: DeviceTokenSettings,
    private readonly now: () => number,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The public keys apps verify tokens with (published even with tokens off: older tokens stay checkable). */
  publishedKeys() {
    return this.signer.publishedKeys();
  }

  async issue(license: TokenLicense, activationId: number, fingerprint: string): Promise<string | null> {
    if (!this.settings.enabled) return null;
    return this.signer.sign(deviceTokenClaims(this.settings, license, activationId, fingerprint, this.now()));
  }

  /**
   * A whole validation on the signing thread (SQLite, tokens on): its look-up on the thread's own
   * connection, the verdict and the device's token, so the event loop only parses and answers.
   * `onLoop` does the same on the event loop when the thread cannot.
   */
  validateOnThread(
    lookup: ThreadLookup,
    input: { key: string; fingerprint: string | undefined; now: number },
    onLoop: () => Promise<ThreadVerdict>,
  ): Promise<ThreadVerdict> {
    const job: ValidateJob = { ...input, issuer: this.settings.issuer, graceDays: this.settings.graceDays };
    return this.signer.validate(lookup, job, onLoop);
  }

  /** Signs the tokens already asked for, then stops the signing thread. */
  close(): Promise<void> {
    return this.signer.close();
  }
}
