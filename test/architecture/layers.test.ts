import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer rules live in biome.json (noImportCycles, and noRestrictedImports per folder). These
 * tests run Biome on a copy of src/: the real tree must pass, and violations planted in the copy
 * must be caught, so a rule that silently stopped matching (a renamed folder, a changed glob)
 * fails here rather than letting an upward import in.
 */
const root = resolve(import.meta.dirname, '../..');
const biome = join(root, 'node_modules/.bin/biome');
const copies: string[] = [];

function copyOfSrc(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-layers-'));
  copies.push(dir);
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(root, 'biome.json'), join(dir, 'biome.json'));
  return dir;
}

function lint(dir: string) {
  const run = spawnSync(biome, ['lint', '--max-diagnostics=200', '--colors=off', 'src'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('layers without circles', () => {
  it('the source tree has no import cycle and no upward import', () => {
    const result = lint(copyOfSrc());
    expect(result.output).not.toContain('noImportCycles');
    expect(result.output).not.toContain('noRestrictedImports');
  });

  it('an upward import, a cycle and browser code reaching server code are each refused', () => {
    const dir = copyOfSrc();
    // members (accounts) reaching up into auth
    writeFileSync(join(dir, 'src/members/planted-upward.ts'), "export { memberGuard } from '../auth/index.js';\n");
    // mail importing members, which it must be handed functions from instead
    writeFileSync(join(dir, 'src/mail/planted-members.ts'), "export { linkIssuer } from '../members/index.js';\n");
    // the kernel importing a feature
    writeFileSync(join(dir, 'src/db/planted-feature.ts'), "export { issueLicenses } from '../licenses/index.js';\n");
    // browser code importing server code
    writeFileSync(join(dir, 'src/client/planted-server.ts'), "export { errorTable } from '../errors.js';\n");
    // a two-file circle inside one folder
    writeFileSync(
      join(dir, 'src/orders/planted-a.ts'),
      "import { b } from './planted-b.js';\nexport const a = () => b;\n",
    );
    writeFileSync(
      join(dir, 'src/orders/planted-b.ts'),
      "import { a } from './planted-a.js';\nexport const b = () => a;\n",
    );
    const result = lint(dir);
    expect(result.status).not.toBe(0);
    for (const file of [
      'members/planted-upward',
      'mail/planted-members',
      'db/planted-feature',
      'client/planted-server',
    ])
      expect(result.output).toMatch(new RegExp(`src/${file}\\.ts:\\d+:\\d+ lint/style/noRestrictedImports`));
    expect(result.output).toMatch(/src\/orders\/planted-[ab]\.ts:\d+:\d+ lint\/suspicious\/noImportCycles/);
  });
});
