export type { IssuedLine, LicenseLine } from './issue.js';
export { issueOrderLicenses, listLicenses } from './issue.js';
export { licenseKeyPattern, newLicenseKey, newOrderNo, newTransactionNo } from './keys.js';
