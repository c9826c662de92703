export type { LicenseOverflowPolicy, ProductAction, ProductCatalog } from './rules.js';
export { resolveProductAction } from './rules.js';
