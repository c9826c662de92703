export type { LicenseOverflowPolicy, ProductAction, ProductCatalog } from './rules.js';
export { resolveProductAction, withStoredRules } from './rules.js';
export type { ProductRuleInput, SaveRuleResult } from './store.js';
export { deleteProductRule, listProductRules, saveProductRule, storedProductRules } from './store.js';
