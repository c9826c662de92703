export type { LicenseOverflowPolicy, ProductAction, ProductCatalog, ProductMatch } from './rules.js';
export { normalizeTitle, resolveProductAction, withStoredRules } from './rules.js';
export type { ProductRuleInput, SaveRuleResult } from './store.js';
export { deleteProductRule, listProductRules, saveProductRule, storedProductRules } from './store.js';
