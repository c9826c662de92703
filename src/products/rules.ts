import type { ProductRule } from '../config/index.js';

/** Which rule decided (see ItemMatch in the schema): `none` is the default one-device license. */
export type ProductMatch = 'uuid' | 'title' | 'member_title' | 'member_uuid' | 'none';

export type ProductAction =
  /** A membership: days from the payment (null: lifetime), the seller's page to buy it again, and the
   * rule's override of TAKEOVER_LIMIT for members it registers (absent: none). */
  (
    | { action: 'member'; validityDays: number | null; renewUrl: string | null; takeoverLimit?: number }
    | {
        action: 'license';
        maxDevices: number;
        validityDays: number | null;
        onLimit: LicenseOverflowPolicy;
        /** Offline grace of the license's tokens; null: LICENSE_TOKEN_GRACE_DAYS. */
        offlineGraceDays: number | null;
        /** Releases per 30 days; absent: LICENSE_MAX_TRANSFERS. */
        maxTransfers?: number;
      }
  ) & { matchedBy: ProductMatch };

/** What an activation beyond a license's device limit does (see productRuleSchema). */
export type LicenseOverflowPolicy = 'refuse' | 'takeover';

export interface ProductCatalog {
  readonly memberTitles: readonly string[];
  readonly rules: readonly ProductRule[];
}

/**
 * A title as rules compare it: sellers retype titles in Lynk's dashboard, so letter case, repeated
 * and trailing spaces (and Unicode spellings of the same letters) do not make another product.
 */
export function normalizeTitle(title: string): string {
  return title.normalize('NFKC').replace(/\s+/g, ' ').trim().toLocaleLowerCase('id-ID');
}

/**
 * What a paid item does. A rule by uuid wins over a rule by title (titles get renamed, uuids do
 * not); then MEMBER_PRODUCT_TITLES; anything unknown issues a one-device license, like the old
 * system did for every product that was not "Daftar Member KEI" (seed 000 §1).
 */
export function resolveProductAction(
  catalog: ProductCatalog,
  item: { uuid: string; title: string },
  /** Product uuids that made members before: a member product renamed in Lynk stays a membership. */
  memberUuids: ReadonlySet<string> = new Set(),
): ProductAction {
  const title = normalizeTitle(item.title);
  const byUuid = item.uuid ? catalog.rules.find((r) => r.uuid === item.uuid) : undefined;
  const rule =
    byUuid ??
    (title === ''
      ? undefined
      : catalog.rules.find((r) => r.uuid === undefined && normalizeTitle(r.title ?? '') === title));
  if (rule) {
    const matchedBy = byUuid ? 'uuid' : 'title';
    return rule.action === 'member'
      ? {
          action: 'member',
          validityDays: rule.validityDays ?? null,
          renewUrl: rule.renewUrl ?? null,
          matchedBy,
          ...(rule.takeoverLimit !== undefined ? { takeoverLimit: rule.takeoverLimit } : {}),
        }
      : {
          action: 'license',
          maxDevices: rule.maxDevices,
          validityDays: rule.validityDays ?? null,
          onLimit: rule.onLimit,
          offlineGraceDays: rule.offlineGraceDays ?? null,
          ...(rule.maxTransfers !== undefined ? { maxTransfers: rule.maxTransfers } : {}),
          matchedBy,
        };
  }
  if (title !== '' && catalog.memberTitles.some((t) => normalizeTitle(t) === title))
    return { action: 'member', validityDays: null, renewUrl: null, matchedBy: 'member_title' };
  if (item.uuid !== '' && memberUuids.has(item.uuid))
    return { action: 'member', validityDays: null, renewUrl: null, matchedBy: 'member_uuid' };
  return {
    action: 'license',
    maxDevices: 1,
    validityDays: null,
    onLimit: 'refuse',
    offlineGraceDays: null,
    matchedBy: 'none',
  };
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
