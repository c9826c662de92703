import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which peers may say, in X-Forwarded-For, who the client is. The answer decides the IP that login
 * and license-API limits count and that the audit log and session list show, so it is never "anyone":
 * a client reaching the port directly would choose its own address.
 * - `none`: the socket's peer is the client (no proxy).
 * - `hops`: that many proxies stand in front (nginx alone: 1); the address that many hops back is the client.
 * - `addresses`: peers in these addresses/CIDRs are proxies, skipped from the right; the first other one is the client.
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'addresses'; readonly entries: readonly string[] };

/** proxy-addr's (Express, Fastify) named ranges, so the familiar spellings work. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const INSTEAD =
  'tulis jumlah proxy di depan Gerbang (mis. TRUST_PROXY=1 untuk satu nginx) atau alamat proxy-nya ' +
  '(mis. TRUST_PROXY=127.0.0.1 bila nginx di mesin yang sama, atau 10.0.0.0/8)';

/**
 * `true` used to mean "trust every hop": refused rather than mapped to 1, because the right
 * number depends on the deployment (a CDN in front of nginx makes it 2) and a guessed one either
 * keeps spoofing possible or merges every client into the proxy's address; an error at start is
 * seen at once, a warning in a log is not.
 */
export const trustProxySchema = z.string().transform((text, ctx): TrustProxy => {
  const value = text.trim().toLowerCase();
  if (value === 'false' || value === '0') return { kind: 'none' };
  if (value === 'true') {
    ctx.addIssue({
      code: 'custom',
      message: `"true" tidak dipakai lagi: klien bisa memalsukan IP lewat X-Forwarded-For. Sebagai gantinya ${INSTEAD}`,
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) ctx.addIssue({ code: 'custom', message: 'jumlah proxy paling banyak 10' });
    return { kind: 'hops', hops };
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  const bad = entries.filter((e) => !(e in NAMED_RANGES) && parseSubnet(e) === null);
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `bukan alamat IP atau CIDR: ${bad.join(', ') || '(kosong)'}; ${INSTEAD}, atau false tanpa proxy`,
    });
    return z.NEVER;
  }
  return { kind: 'addresses', entries };
});

/** `10.0.0.0/8`, `::1`, `127.0.0.1`: the network, its prefix length and family; null when malformed. */
function parseSubnet(entry: string): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [network = '', prefixText, extra] = entry.split('/');
  const version = isIP(network);
  if (version === 0 || extra !== undefined) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > max) return null;
  return { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A socket address as the config spells it: a dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * Whether a directly connected peer is one of the trusted proxies. With a hop count every peer is
 * (nothing but the proxy is meant to reach the port); with none, no peer is.
 */
export function trustedProxyPeer(trust: TrustProxy): (address: string) => boolean {
  if (trust.kind === 'none') return () => false;
  if (trust.kind === 'hops') return () => true;
  const list = new BlockList();
  for (const entry of trust.entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const subnet = parseSubnet(entry);
    if (subnet) list.addSubnet(subnet.network, subnet.prefix, subnet.family);
  }
  return (address) => {
    const plain = plainAddress(address);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * Fastify's `trustProxy` option for the same rule (request.ip, request.protocol): proxy-addr walks
 * X-Forwarded-For from the right, asking of each address (hop 0 is the socket's peer) whether it
 * is a proxy; the first that is not is the client.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | ((address: string, hop: number) => boolean) {
  if (trust.kind === 'none') return false;
  if (trust.kind === 'hops') {
    const { hops } = trust;
    return (_address, hop) => hop < hops;
  }
  return trustedProxyPeer(trust);
}

/**
 * The client's address as Fastify's `request.ip` gives it under the same rule, for code that answers
 * below Fastify (the event stream, src/realtime/stream-socket.ts): X-Forwarded-For read from the
 * right after the socket's peer (hop 0), stopping at the first address that is not a trusted proxy;
 * every hop trusted, the leftmost. As @fastify/proxy-addr does, a repeated header (an array) is
 * ignored and empty entries are skipped.
 */
export function clientAddress(
  trust: TrustProxy,
): (peer: string | undefined, forwardedFor: string | string[] | undefined) => string | undefined {
  const trusted = fastifyTrustProxy(trust);
  if (!trusted) return (peer) => peer;
  return (peer, forwardedFor) => {
    const hops = typeof forwardedFor === 'string' ? forwardedHops(forwardedFor) : [];
    let address = peer;
    for (let hop = 0; hop < hops.length; hop++) {
      if (!trusted(address ?? '', hop)) return address;
      address = hops[hop];
    }
    return address;
  };
}

/** X-Forwarded-For's addresses, nearest first. */
function forwardedHops(header: string): string[] {
  const hops: string[] = [];
  for (const entry of header.split(',')) {
    const address = entry.replace(/^[ \t]+|[ \t]+$/g, '');
    if (address !== '') hops.push(address);
  }
  return hops.reverse();
}
