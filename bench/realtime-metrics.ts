import { readFileSync } from 'node:fs';

/**
 * What the server says about itself (GET /metrics, behind METRICS_TOKEN) and what the kernel says
 * about it (/proc). Serving /metrics runs no database statement, so reading the query counter
 * does not move it.
 */

export interface ServerMetrics {
  queries: number;
  streams: number;
  delivered: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** gerbang_realtime_streams_max: streams held before new ones get 503 (null: no ceiling known). */
  streamsMax: number | null;
}

export async function readServerMetrics(baseUrl: string, token: string): Promise<ServerMetrics> {
  const response = await fetch(`${baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [name, value] = line.split(' ');
    if (name && value) values.set(name, Number(value));
  }
  const need = (name: string): number => {
    const value = values.get(name);
    if (value === undefined || !Number.isFinite(value)) throw new Error(`GET /metrics lacks ${name}`);
    return value;
  };
  return {
    queries: need('gerbang_db_queries_total'),
    streams: need('gerbang_realtime_streams'),
    delivered: need('gerbang_realtime_events_delivered_total'),
    rssBytes: need('process_resident_memory_bytes'),
    heapUsedBytes: need('nodejs_heap_used_bytes'),
    streamsMax: values.get('gerbang_realtime_streams_max') ?? null,
  };
}

/** Several instances as one: counters, streams and memory added up. */
export async function readClusterMetrics(baseUrls: readonly string[], token: string): Promise<ServerMetrics> {
  const all = await Promise.all(baseUrls.map((url) => readServerMetrics(url, token)));
  return all.reduce((sum, m) => ({
    queries: sum.queries + m.queries,
    streams: sum.streams + m.streams,
    delivered: sum.delivered + m.delivered,
    rssBytes: sum.rssBytes + m.rssBytes,
    heapUsedBytes: sum.heapUsedBytes + m.heapUsedBytes,
    streamsMax: sum.streamsMax === null || m.streamsMax === null ? null : sum.streamsMax + m.streamsMax,
  }));
}

/** Polls until the server holds `expected` streams; returns the last count seen. */
export async function waitForStreamCount(
  baseUrl: string | readonly string[],
  token: string,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = (await readClusterMetrics(typeof baseUrl === 'string' ? [baseUrl] : baseUrl, token)).streams;
    if (seen === expected) return seen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return seen;
}

/** The process's threads as the kernel counts them (libuv pool, V8 helpers, the event loop). */
export function threadCount(pid: number): number | null {
  try {
    const match = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
