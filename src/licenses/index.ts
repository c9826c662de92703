export { ACCESS_ENDED_MESSAGES, accessEndedMessage } from '../shared/license-messages.js';
export type { ActivateResult, LicenseRef } from './activate.js';
export { activateLicense } from './activate.js';
export type { RevocableLicense, RevokeLicenseResult } from './admin.js';
export {
  findLicenseByKey,
  listActivations,
  resetActivations,
  revokeLicense,
  revokeLicenseIn,
} from './admin.js';
export { LICENSE_KEYS_PATH, licenseApiRoutes } from './api-routes.js';
export type { DeactivateResult, DeactivateTarget, ReleaseOrigin } from './deactivate.js';
export { deactivateLicense } from './deactivate.js';
export type { ActivationView, LicenseDeps, TokenLicense } from './deps.js';
export type { DeviceTokenSettings } from './device-tokens.js';
export { DeviceTokens } from './device-tokens.js';
export type { LicenseTerms, RestoreLicenseResult, UpdateTermsResult } from './edit.js';
export { restoreLicense, updateLicenseTerms } from './edit.js';
export { fingerprintHash, memberDeviceFingerprint } from './fingerprints.js';
export type { IssuedLine, LicenseLine } from './issue.js';
export { issueOrderLicenses } from './issue.js';
export { canonicalLicenseKey, licenseKeyPattern, newLicenseKey, newOrderNo, newTransactionNo } from './keys.js';
export type { LicenseListFilter } from './list.js';
export { licenseDetail, licensesBoughtWith, listLicenses, searchLicenses } from './list.js';
export { deviceActivation, memberActivations, memberLicense, releaseMemberActivation } from './member-licenses.js';
export type { OperatorReleaseResult } from './operator-release.js';
export { releaseActivation } from './operator-release.js';
export { resendLicenseMail } from './resend-mail.js';
export type { KeySecrets, RotateReason } from './signing-keys.js';
export { ensureActiveKey, KEY_REFRESH_MS, listSigningKeys, publishedKeys, rotateSigningKey } from './signing-keys.js';
export type { StartSigningWorker } from './signing-thread.js';
export type { LicenseState } from './status.js';
export { licenseState } from './status.js';
export type { LicenseJwk, LicenseTokenClaims, TokenCheck } from './token.js';
export { verifyLicenseToken } from './token.js';
export { LicenseTokenSigner } from './token-signer.js';
export type { StartTouchWorker, TouchWorkerData } from './touch-writer.js';
export type { ConfirmResetResult, DecideResetResult, RequestResetResult, ResetRequester } from './transfer-resets.js';
export {
  AUTOMATIC,
  confirmTransferReset,
  decideTransferReset,
  openRequest,
  pendingTransferResets,
  requestTransferReset,
  resetTransferCount,
} from './transfer-resets.js';
export type { TransferSettings } from './transfers.js';
export { TRANSFER_WINDOW_MS, transferAllowance, transferAllowances, transferSettings } from './transfers.js';
export type { InvalidCode, ValidateResult } from './validate.js';
export { validateLicense } from './validate.js';
export { licenseEvent, licenseExpirySweep, orderLicensesIssued } from './webhook-events.js';
