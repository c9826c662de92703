import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrustProxy } from '../../src/config/index.js';
import { clientAddress, fastifyTrustProxy, loadConfig, trustedProxyPeer } from '../../src/config/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function load(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-edge-'));
  dirs.push(dir);
  return loadConfig(env, dir);
}
function trustOf(value: string): TrustProxy {
  const result = load({ TRUST_PROXY: value });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.config.trustProxy;
}

describe('TRUST_PROXY', () => {
  it('is off by default and with false or 0: the socket peer is the client', () => {
    const result = load({});
    expect(result.ok && result.config.trustProxy).toEqual({ kind: 'none' });
    expect(trustOf('false')).toEqual({ kind: 'none' });
    expect(trustOf('0')).toEqual({ kind: 'none' });
  });

  it('refuses true, saying in Indonesian what to write instead', () => {
    const result = load({ TRUST_PROXY: 'true' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = result.errors.find((e) => e.startsWith('TRUST_PROXY: '));
    expect(line).toMatch(/"true" tidak dipakai lagi/);
    expect(line).toMatch(/TRUST_PROXY=1 untuk satu nginx/);
    expect(line).toMatch(/TRUST_PROXY=127\.0\.0\.1/);
  });

  it('takes a hop count: that many proxies are skipped from the right of X-Forwarded-For', () => {
    const trust = trustOf('1');
    expect(trust).toEqual({ kind: 'hops', hops: 1 });
    const fn = fastifyTrustProxy(trust);
    if (typeof fn !== 'function') throw new Error('expected a function');
    expect([fn('127.0.0.1', 0), fn('203.0.113.9', 1)]).toEqual([true, false]);
  });

  it('takes proxy addresses, CIDRs and the named ranges; only those peers are proxies', () => {
    const trust = trustOf('127.0.0.1, 10.0.0.0/8, ::1, uniquelocal');
    expect(trust).toEqual({ kind: 'addresses', entries: ['127.0.0.1', '10.0.0.0/8', '::1', 'uniquelocal'] });
    const isProxy = trustedProxyPeer(trust);
    expect(['127.0.0.1', '::ffff:127.0.0.1', '10.20.30.40', '::1', '192.168.1.5'].map(isProxy)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['127.0.0.2', '203.0.113.9', '::2', 'not-an-ip'].map(isProxy)).toEqual([false, false, false, false]);
    expect(trustedProxyPeer(trustOf('loopback'))('127.0.0.2')).toBe(true);
  });

  it('refuses what is not an address, naming it', () => {
    for (const bad of ['yes', '10.0.0.0/33', '127.0.0.1/8/1', 'nginx', '11']) {
      const result = load({ TRUST_PROXY: bad });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toMatch(/^TRUST_PROXY: /m);
    }
    const named = load({ TRUST_PROXY: '127.0.0.1,nginx' });
    expect(!named.ok && named.errors.join('\n')).toMatch(/bukan alamat IP atau CIDR: nginx;/);
  });
});

describe('the client address below Fastify (the event stream)', () => {
  it('is the address Fastify gives as request.ip, under every kind of TRUST_PROXY', async () => {
    const peers = ['127.0.0.1', '::ffff:10.1.2.3', '203.0.113.5'];
    const forwarded = [
      undefined,
      '',
      '198.51.100.1',
      '198.51.100.1, 10.0.0.7',
      ' 198.51.100.1 ,, 10.0.0.7 ',
      '1.1.1.1,2.2.2.2, 3.3.3.3',
      'nonsense, 127.0.0.1',
    ];
    for (const setting of ['false', '1', '2', '127.0.0.1', '10.0.0.0/8, loopback']) {
      const trust = trustOf(setting);
      const app = Fastify({ trustProxy: fastifyTrustProxy(trust) });
      app.get('/ip', async (request) => ({ ip: request.ip }));
      const address = clientAddress(trust);
      try {
        for (const peer of peers)
          for (const header of forwarded) {
            const res = await app.inject({
              url: '/ip',
              remoteAddress: peer,
              headers: header === undefined ? {} : { 'x-forwarded-for': header },
            });
            expect(address(peer, header), `${setting} / ${peer} / ${header}`).toBe(res.json().ip);
          }
      } finally {
        await app.close();
      }
    }
  });
});

describe('the edge limits', () => {
  it('default to 100 connections per address, 30 s per request and 2.5 s per database wait', () => {
    const result = load({});
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.config.http).toEqual({ requestTimeoutMs: 30_000, maxConnectionsPerIp: 100 });
    expect(result.config.databaseStatementTimeoutMs).toBe(2500);
  });

  it('take other values and refuse nonsense, naming the variable', () => {
    const result = load({
      MAX_CONNECTIONS_PER_IP: '20',
      HTTP_REQUEST_TIMEOUT_SECONDS: '10',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
    });
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.config.http).toEqual({ requestTimeoutMs: 10_000, maxConnectionsPerIp: 20 });
    expect(result.config.databaseStatementTimeoutMs).toBe(5000);
    const bad = load({
      MAX_CONNECTIONS_PER_IP: '0',
      HTTP_REQUEST_TIMEOUT_SECONDS: 'lama',
      DATABASE_STATEMENT_TIMEOUT_MS: '10',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      const text = bad.errors.join('\n');
      for (const name of ['MAX_CONNECTIONS_PER_IP', 'HTTP_REQUEST_TIMEOUT_SECONDS', 'DATABASE_STATEMENT_TIMEOUT_MS'])
        expect(text).toMatch(new RegExp(`^${name}: `, 'm'));
    }
  });
});
