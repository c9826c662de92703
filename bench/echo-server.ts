/**
 * The baseline every bench measures beside Gerbang: a bare Fastify app on this machine whose one
 * route answers a JSON body with the same JSON. No hooks, no logger, no database: what Node and
 * Fastify cost per request here, so a bench's figure can be read as a share of it. Prints its URL.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`echo listening ${url}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => void app.close().then(() => process.exit(0)));
