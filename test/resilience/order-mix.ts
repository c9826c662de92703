import { buildLynkPayment, signLynkPayment } from '../../src/webhooks/index.js';
import type { LynkDelivery } from './lynk-sender.js';

/**
 * The seeded stream of Lynk payments the crash-safety run sends, and what the database must hold
 * afterwards, computed from what was sent (never read back from the code under test). Each
 * product says itself what a payment for it must do; PRODUCT_RULES is derived from the same list.
 */

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Product {
  title: string;
  uuid: string;
  price: number;
  /** What a paid unit must yield, and through which configuration it gets there. */
  yields: { member: true } | { member: false; maxDevices: number; onLimit: 'refuse' | 'takeover' };
  rule: 'member-title' | 'uuid' | 'title' | 'none';
}

const MEMBER_PRODUCTS: Product[] = [
  // MEMBER_PRODUCT_TITLES' default, as the old system knew it.
  {
    title: 'Daftar Member KEI',
    uuid: 'prod-member-kei',
    price: 150_000,
    yields: { member: true },
    rule: 'member-title',
  },
  { title: 'Kelas VIP Ekspor', uuid: 'prod-vip', price: 450_000, yields: { member: true }, rule: 'uuid' },
];
const LICENSE_PRODUCTS: Product[] = [
  {
    title: 'E-book Ekspor',
    uuid: 'prod-ebook',
    price: 72_000,
    yields: { member: false, maxDevices: 1, onLimit: 'refuse' },
    rule: 'uuid',
  },
  {
    title: 'Software Kalkulator HS Code',
    uuid: 'prod-hs',
    price: 250_000,
    yields: { member: false, maxDevices: 2, onLimit: 'refuse' },
    rule: 'uuid',
  },
  {
    title: 'Template Dokumen Ekspor',
    uuid: 'prod-template',
    price: 99_000,
    yields: { member: false, maxDevices: 3, onLimit: 'takeover' },
    rule: 'title',
  },
  // No rule at all: the default, a one-device license.
  {
    title: 'Konsultasi Ekspor 1 Jam',
    uuid: 'prod-konsul',
    price: 300_000,
    yields: { member: false, maxDevices: 1, onLimit: 'refuse' },
    rule: 'none',
  },
];

/** PRODUCT_RULES for the server, from the same list the expectations are computed from. */
export function productRulesEnv(): string {
  const rules = [...MEMBER_PRODUCTS, ...LICENSE_PRODUCTS].flatMap((p): Record<string, unknown>[] => {
    const action = p.yields.member
      ? { action: 'member' }
      : { action: 'license', maxDevices: p.yields.maxDevices, onLimit: p.yields.onLimit };
    if (p.rule === 'uuid') return [{ uuid: p.uuid, ...action }];
    if (p.rule === 'title') return [{ title: p.title, ...action }];
    return [];
  });
  return JSON.stringify(rules);
}

export interface SentOrder {
  refId: string;
  messageId: string;
  /** As the server must store it (Lynk buyers type their address in any case). */
  email: string;
  lines: { lineNo: number; uuid: string; qty: number; yields: Product['yields'] }[];
}

export interface DeliveryPlan {
  /** What the sender sends, in order: every order once plus the re-sends of earlier deliveries. */
  queue: LynkDelivery[];
  orders: SentOrder[];
  duplicates: number;
}

const NAMES = ['Budi Santoso', 'Sari Wulandari', 'Andi Pratama', 'Dewi Lestari', 'Rina Marlina', '', 'Agus Setiawan'];

export function planDeliveries(
  random: () => number,
  options: { orders: number; duplicates: number; buyers: number; merchantKey: string; tag: string },
): DeliveryPlan {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const orders: SentOrder[] = [];
  const queue: { key: number; delivery: LynkDelivery }[] = [];
  for (let i = 0; i < options.orders; i++) {
    // Squared: low buyer numbers come back again and again, as loyal customers do.
    const buyer = Math.floor(random() ** 2 * options.buyers);
    const typed = random() < 0.15 ? `Pembeli${buyer}@Contoh.ID` : `pembeli${buyer}@contoh.id`;
    const products: Product[] = [];
    // Few member products: each new member costs an argon2 hash (~55 ms of CPU), as in production.
    if (random() < 0.025) products.push(pick(MEMBER_PRODUCTS));
    if (products.length === 0 || random() < 0.3) {
      const count = random() < 0.7 ? 1 : random() < 0.67 ? 2 : 3;
      for (let n = 0; n < count; n++) products.push(pick(LICENSE_PRODUCTS));
    }
    const items = products.map((p) => ({
      title: p.title,
      uuid: p.uuid,
      price: p.price,
      qty: p.yields.member ? 1 : random() < 0.8 ? 1 : 2 + Math.floor(random() * 4),
    }));
    const refId = `${options.tag}${i.toString(36).padStart(4, '0')}${Math.floor(random() * 1e9).toString(36)}`;
    const messageId = `LYNK_${options.tag}_${i}`;
    const body = buildLynkPayment({
      email: typed,
      name: pick(NAMES),
      phone: random() < 0.2 ? '' : `08${Math.floor(1e9 + random() * 9e9)}`,
      items,
      refId,
      messageId,
      createdAt: '2026-11-23T12:00:00',
    });
    const signed = signLynkPayment(body, options.merchantKey);
    const delivery = { id: messageId, body: signed.body, signature: signed.signature };
    orders.push({
      refId,
      messageId,
      email: typed.toLowerCase(),
      lines: items.map((item, index) => ({
        lineNo: index + 1,
        uuid: item.uuid,
        qty: item.qty,
        yields: (products[index] as Product).yields,
      })),
    });
    queue.push({ key: i, delivery });
  }
  // A re-send follows its original by up to 200 places: often while the first is still in flight.
  for (let d = 0; d < options.duplicates; d++) {
    const original = Math.floor(random() * options.orders);
    const first = queue[original];
    if (!first) throw new Error(`no delivery ${original}`);
    queue.push({ key: original + 0.5 + random() * 200, delivery: first.delivery });
  }
  queue.sort((a, b) => a.key - b.key);
  return { queue: queue.map((q) => q.delivery), orders, duplicates: options.duplicates };
}

export interface ExpectedOutcome {
  licenses: number;
  /** Buyers (lower-case) who paid for a member product at least once. */
  members: Set<string>;
  /** refIds whose order must have queued one license mail. */
  licenseMailRefs: Set<string>;
  /** refIds of orders with a member product: each queues one mail (registration, or a repeat purchase's notice). */
  memberMailRefs: Set<string>;
  mails: number;
}

export function expectedOutcome(orders: readonly SentOrder[]): ExpectedOutcome {
  const members = new Set<string>();
  const licenseMailRefs = new Set<string>();
  const memberMailRefs = new Set<string>();
  let licenses = 0;
  for (const order of orders) {
    for (const line of order.lines) {
      if (line.yields.member) {
        members.add(order.email);
        memberMailRefs.add(order.refId);
      } else {
        licenses += line.qty;
        licenseMailRefs.add(order.refId);
      }
    }
  }
  return {
    licenses,
    members,
    licenseMailRefs,
    memberMailRefs,
    mails: memberMailRefs.size + licenseMailRefs.size,
  };
}
