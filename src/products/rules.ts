import type { ProductRule } from '../config/index.js';

export type ProductAction =
  /** A membership: days from the payment (null: lifetime), and the seller's page to buy it again. */
  | { action: 'member'; validityDays: number | null; renewUrl: string | null }
  | {
      action: 'license';
      maxDevices: number;
      validityDays: number | null;
      onLimit: LicenseOverflowPolicy;
      /** Offline grace of the license's tokens; null: LICENSE_TOKEN_GRACE_DAYS. */
      offlineGraceDays: number | null;
    };

/** What an activation beyond a license's device limit does (see productRuleSchema). */
export type LicenseOverflowPolicy = 'refuse' | 'takeover';

export interface ProductCatalog {
  readonly memberTitles: readonly string[];
  readonly rules: readonly ProductRule[];
}

/**
 * What a paid item does. A rule by uuid wins over a rule by title (titles get renamed, uuids do
 * not); then MEMBER_PRODUCT_TITLES; anything unknown issues a one-device license, like the old
 * system did for every product that was not "Daftar Member KEI" (seed 000 §1).
 */
export function resolveProductAction(catalog: ProductCatalog, item: { uuid: string; title: string }): ProductAction {
  const byUuid = item.uuid ? catalog.rules.find((r) => r.uuid === item.uuid) : undefined;
  const rule = byUuid ?? catalog.rules.find((r) => r.uuid === undefined && r.title === item.title);
  if (rule) {
    return rule.action === 'member'
      ? { action: 'member', validityDays: rule.validityDays ?? null, renewUrl: rule.renewUrl ?? null }
      : {
          action: 'license',
          maxDevices: rule.maxDevices,
          validityDays: rule.validityDays ?? null,
          onLimit: rule.onLimit,
          offlineGraceDays: rule.offlineGraceDays ?? null,
        };
  }
  if (catalog.memberTitles.includes(item.title)) return { action: 'member', validityDays: null, renewUrl: null };
  return { action: 'license', maxDevices: 1, validityDays: null, onLimit: 'refuse', offlineGraceDays: null };
}

/**
 * The catalog a webhook uses: the console's rules (product_rules) before PRODUCT_RULES. Lookup is
 * still uuid first, then title, so a uuid rule from either source beats any title rule; between
 * two rules for the same uuid (or the same title) the console's wins, because an operator edits
 * it at run time while the environment only changes on a restart.
 */
export function withStoredRules(catalog: ProductCatalog, stored: readonly ProductRule[]): ProductCatalog {
  if (stored.length === 0) return catalog;
  return { memberTitles: catalog.memberTitles, rules: [...stored, ...catalog.rules] };
}
