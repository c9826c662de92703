import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort, waitFor } from '../../helpers/gerbang-process.js';

/**
 * Debian's nginx as a child of the test, in front of Gerbang instances, running the shipped
 * deploy/nginx-gerbang.conf. Everything (pid file, logs, temp files) lives in a temp prefix; the
 * system's nginx service, if any, is never touched.
 */

export const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const SITE = fileURLToPath(new URL('../../../deploy/nginx-gerbang.conf', import.meta.url));

export interface RunningNginx {
  port: number;
  errorLog(): string;
  close(): Promise<void>;
}

/** The shipped site with its upstream servers and listen port replaced; fails when a line it expects is gone. */
export function siteFor(upstreams: readonly string[], port: number): string {
  const site = readFileSync(SITE, 'utf8');
  const servers = /^( *)server 127\.0\.0\.1:\d+ (.*);$/gm;
  const first = servers.exec(site);
  if (!first) throw new Error('deploy/nginx-gerbang.conf has no upstream server lines');
  const [indent, options] = [first[1] ?? '', first[2] ?? ''];
  let replaced = false;
  const withUpstreams = site.replace(servers, () => {
    if (replaced) return '';
    replaced = true;
    return upstreams.map((u) => `${indent}server ${u} ${options};`).join('\n');
  });
  const listen = /^( *)listen 80;$/m;
  if (!listen.test(withUpstreams)) throw new Error('deploy/nginx-gerbang.conf has no "listen 80;" line');
  return withUpstreams.replace(listen, `$1listen 127.0.0.1:${port};`);
}

export async function startNginx(upstreams: readonly string[]): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'gerbang-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  const port = await closedPort();
  writeFileSync(join(prefix, 'gerbang.conf'), siteFor(upstreams, port));
  const temp = (name: string) => `${name} ${join(prefix, 'temp', name.replace('_path', ''))};`;
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      // As root, nginx's workers would switch to nobody, who cannot write into the temp prefix.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'logs', 'error.log')} info;`,
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(prefix, 'logs', 'access.log')};`,
      `  ${temp('client_body_temp_path')}`,
      `  ${temp('proxy_temp_path')}`,
      `  ${temp('fastcgi_temp_path')}`,
      `  ${temp('uwsgi_temp_path')}`,
      `  ${temp('scgi_temp_path')}`,
      `  include ${join(prefix, 'gerbang.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return `${output}${readFileSync(join(prefix, 'logs', 'error.log'), 'utf8')}`;
    } catch {
      return output;
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // TERM: nginx's fast shutdown (QUIT would wait for open event streams).
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${errorLog()}`);
        const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
        return up ? true : undefined;
      },
      'nginx to answer',
      15_000,
      100,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { port, errorLog, close };
}
