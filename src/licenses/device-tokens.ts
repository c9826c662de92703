import type { TokenLicense } from './deps.js';
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
    const claims = licenseTokenClaims({
      issuer: this.settings.issuer,
      license: { ...license, graceDays: license.offlineGraceDays ?? this.settings.graceDays },
      activationId,
      fingerprint,
      now: this.now(),
    });
    return this.signer.sign(claims);
  }

  /** Signs the tokens already asked for, then stops the signing thread. */
  close(): Promise<void> {
    return this.signer.close();
  }
}
