import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { BrandCache } from './brand.js';
import { brandStylesheet } from './brand.js';
import { FAVICON, STYLESHEET } from './layout.js';
import { sendError } from './respond.js';

/** The browser bundles esbuild writes (npm run build): found from the package root, wherever this code runs from. */
function publicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'public');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'dist', 'public');
}

const BUNDLES = ['login.js', 'member.js', 'copy.js'] as const;

/** GET /assets/gerbang.css, /assets/favicon.svg, /assets/login.js, member.js, copy.js (read once, kept in memory). */
export const assetRoutes: FastifyPluginAsync<{ brand: BrandCache }> = async (app, opts) => {
  // The store's colour and logo (src/web/brand.ts): the URL carries the brand's version, so a
  // long cache is safe and a save shows at once.
  app.get('/assets/brand.css', async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(brandStylesheet(await opts.brand.get())),
  );
  app.get('/assets/logo', async (request, reply) => {
    const { logo } = await opts.brand.get();
    if (!logo) return sendError(request, reply, 'NOT_FOUND', { json: true });
    return reply
      .header('content-type', logo.mime)
      .header('cache-control', 'public, max-age=86400')
      .send(Buffer.from(logo.data, 'base64'));
  });
  const dir = publicDir();
  const cache = new Map<string, string>();
  app.get('/assets/gerbang.css', async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLESHEET),
  );
  app.get('/assets/favicon.svg', async (_request, reply) =>
    reply.header('content-type', 'image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON),
  );
  for (const name of BUNDLES) {
    app.get(`/assets/${name}`, async (request, reply) => {
      let body = cache.get(name);
      if (body === undefined) {
        const file = join(dir, name);
        if (!existsSync(file)) {
          request.log.error({ file }, 'browser bundle missing: run `npm run build`');
          return sendError(request, reply, 'ASSET_MISSING', { json: true });
        }
        body = readFileSync(file, 'utf8');
        cache.set(name, body);
      }
      return reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(body);
    });
  }
};
