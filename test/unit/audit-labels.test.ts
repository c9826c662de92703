import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS } from '../../src/admin/views/audit-labels.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('audit log labels', () => {
  it('every audit action the code records has an Indonesian label in the console', () => {
    const actions = new Set<string>();
    for (const file of sourceFiles(join(process.cwd(), 'src'))) {
      const text = readFileSync(file, 'utf8');
      // `action: 'member.update'` and `action: x ? 'a.b' : 'c.d'`
      for (const m of text.matchAll(/action:\s*([^,\n}]+)/g))
        for (const code of (m[1] ?? '').matchAll(/'([a-z_]+\.[a-z_]+)'/g)) actions.add(code[1] ?? '');
    }
    expect(actions.size).toBeGreaterThan(30);
    expect([...actions].filter((a) => !Object.hasOwn(AUDIT_ACTION_LABELS, a)).sort()).toEqual([]);
  });
});
