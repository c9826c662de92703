import autocannon from 'autocannon';
import type { DeliveryLedger } from './payment-pool.js';

/**
 * autocannon fed from the pre-built pool: `setupRequest` takes the next entry, `onResponse` records
 * its answer in the ledger (pipelining is 1, so the per-connection context still names the request
 * being answered). Latencies come from the 'response' event as floats: autocannon's own histogram
 * keeps whole milliseconds, too coarse for answers that take about one.
 */

export interface AutocannonRun {
  connections: number;
  durationS: number;
  /** autocannon's overallRate (a per-connection quota per second); omit for saturation. */
  overallRate?: number;
}

export interface AutocannonResult {
  durationS: number;
  latenciesMs: Float64Array;
  errors: number;
  timeouts: number;
  poolExhausted: boolean;
}

interface DeliveryContext {
  index?: number;
}

export async function runAutocannon(
  url: string,
  ledger: DeliveryLedger,
  run: AutocannonRun,
): Promise<AutocannonResult> {
  const latencies = new Float64Array(ledger.pool.size);
  let answered = 0;
  let poolExhausted = false;
  let stop: (() => void) | undefined;

  const setupRequest = (req: autocannon.Request, context: object): autocannon.Request => {
    const ctx = context as DeliveryContext;
    const index = ledger.next();
    if (index === null) {
      // Never repeat a delivery (a duplicate is cheap and would flatter the result): stop instead,
      // and fill this last slot with a harmless probe that the ledger ignores.
      poolExhausted = true;
      delete ctx.index;
      setImmediate(() => stop?.());
      return { ...req, method: 'GET', path: '/healthz', headers: {}, body: '' };
    }
    ctx.index = index;
    return {
      ...req,
      method: 'POST',
      path: '/webhook/lynk',
      headers: { 'content-type': 'application/json', 'x-lynk-signature': ledger.pool.signatures[index] ?? '' },
      body: ledger.pool.bodies[index] ?? '',
    };
  };
  const onResponse = (status: number, body: string, context: object) => {
    const index = (context as DeliveryContext).index;
    if (index !== undefined) ledger.answer(index, status, body);
  };

  const options: autocannon.Options = {
    url,
    connections: run.connections,
    duration: run.durationS,
    pipelining: 1,
    timeout: 10,
    ...(run.overallRate ? { overallRate: run.overallRate } : {}),
    requests: [{ setupRequest, onResponse }],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, done: autocannon.Result) =>
      error ? reject(error) : resolve(done),
    );
    stop = () => instance.stop();
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (answered < latencies.length) latencies[answered++] = responseTime;
    });
  });
  return {
    durationS: result.duration,
    latenciesMs: latencies.slice(0, answered),
    errors: result.errors,
    timeouts: result.timeouts,
    poolExhausted,
  };
}
