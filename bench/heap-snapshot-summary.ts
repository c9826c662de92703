/**
 * Summarises a V8 .heapsnapshot (from `npm run bench:realtime -- --heap-snapshot`): self size and
 * count per constructor (objects), per string/code/array kind, largest first, and divided by the
 * number of open streams, to show what one stream costs; with a baseline snapshot (taken before the
 * streams opened), only the growth. Usage:
 * node --import tsx bench/heap-snapshot-summary.ts <file.heapsnapshot> [streams] [baseline.heapsnapshot] [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

function group(file: string): { groups: Groups; total: number } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups: Groups = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const name = snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?';
    const bytes = snap.nodes[i + sizeAt] ?? 0;
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${name}` : `(${type})`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += bytes;
    groups.set(key, group);
    total += bytes;
  }
  return { groups, total };
}

function main(): void {
  const [file, streamsArg, baselineFile, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: heap-snapshot-summary.ts <file.heapsnapshot> [streams] [baseline.heapsnapshot] [top]');
    process.exitCode = 2;
    return;
  }
  const streams = Number(streamsArg ?? 1) || 1;
  const top = Number(topArg ?? 40) || 40;
  const { groups, total: after } = group(file);
  const baseline = baselineFile ? group(baselineFile) : { groups: new Map() as Groups, total: 0 };
  for (const [key, g] of baseline.groups) {
    const now = groups.get(key) ?? { count: 0, bytes: 0 };
    groups.set(key, { count: now.count - g.count, bytes: now.bytes - g.bytes });
  }
  const total = after - baseline.total;
  console.log(
    `heap ${(total / 2 ** 20).toFixed(1)} MiB; per stream ${(total / streams).toFixed(0)} B (${streams} streams)`,
  );
  console.log(`${'bytes/stream'.padStart(12)}  ${'count/stream'.padStart(12)}  kind`);
  for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top))
    console.log(
      `${(g.bytes / streams).toFixed(0).padStart(12)}  ${(g.count / streams).toFixed(2).padStart(12)}  ${key.slice(0, 90)}`,
    );
}

main();
