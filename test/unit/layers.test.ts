// The layer rule of src/ (.dependency-cruiser.cjs): imports go only downward, cli →
// orchestrator | proxy | project → launcher → core, and no cycles. Fails listing each import
// that breaks it. A second test cruises a small tree of bad imports, so the rules cannot
// quietly match nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = join(import.meta.dirname, '..', '..');
const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));

async function violations(baseDir: string, cruiseOptions: ICruiseOptions, tsConfigFile?: string) {
  const tsConfig = tsConfigFile ? extractTSConfig(tsConfigFile) : undefined;
  const { output } = await cruise(
    ['src'],
    { ...cruiseOptions, baseDir, validate: true },
    undefined,
    tsConfig ? { tsConfig } : undefined,
  );
  const result = output as ICruiseResult;
  const lines = result.summary.violations.map((v) =>
    v.cycle?.length
      ? `${v.rule.name}: ${v.from} → ${v.cycle.map((c) => c.name).join(' → ')}`
      : `${v.rule.name}: ${v.from} → ${v.to}`,
  );
  return { lines, modules: result.summary.totalCruised };
}

test('src/ keeps the layer rule: no import runs back up, no cycles', async () => {
  const { lines, modules } = await violations(root, options, join(root, 'tsconfig.json'));
  assert.ok(modules > 100, `cruised ${modules} modules: the config's paths no longer match src/?`);
  assert.equal(
    lines,
    [],
    `${lines.length} import(s) break the layer rule (see .dependency-cruiser.cjs):\n  ${lines.join('\n  ')}\n`,
  );
});

test('the rules catch each kind of bad import (a throw-away tree of them)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-layers-'));
  try {
    const files: Record<string, string> = {
      'src/core/a.ts': "import '../launcher/b.ts';",
      'src/launcher/b.ts': "import '../proxy/c.ts';",
      'src/proxy/c.ts': "import '../orchestrator/d.ts';",
      'src/orchestrator/d.ts': "import '../project/e.ts';",
      'src/project/e.ts': "import '../cli/f.ts'; import '../index.ts';",
      'src/cli/f.ts': "import '../core/cycle-1.ts';",
      'src/core/cycle-1.ts': "import './cycle-2.ts';",
      'src/core/cycle-2.ts': "import './cycle-1.ts';",
      'src/index.ts': "import './core/a.ts';",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${text}\nexport {};\n`);
    }
    const { lines } = await violations(dir, options);
    const fired = new Set(lines.map((l) => l.split(':')[0]));
    const rules = (options.ruleSet?.forbidden ?? []).map((r) => r.name ?? '(unnamed)');
    assert.ok(rules.length >= 8, `rules: ${rules}`);
    for (const rule of rules)
      assert.ok(fired.has(rule), `rule ${rule} did not fire; reported:\n  ${lines.join('\n  ')}`);
    assert.ok(lines.includes('core-imports-no-module: src/core/a.ts → src/launcher/b.ts'), lines.join('\n'));
    assert.ok(lines.includes('only-cli-imports-cli: src/project/e.ts → src/cli/f.ts'), lines.join('\n'));
    assert.not.ok(
      lines.some((l) => l.startsWith('only-cli-imports-cli: src/cli/')),
      'cli may import anything',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
