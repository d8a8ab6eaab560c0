// Compile src/ to dist/ (ESM, .d.ts, source maps) when dist/ is missing or older than the
// sources: the tests, lessons and benches run the `harpoon` executable as the package ships it,
// dist/cli/bin.js. `npm run build` always compiles; prepack runs it, so every tarball is fresh.
//   tsx scripts/build.ts [--if-stale]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.built-from');

/** The newest modification time of the sources and the build's configuration. */
function newestSource(): number {
  let newest = Math.max(
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

/** Whether dist/ was built from the sources as they are now. */
export function isFresh(): boolean {
  if (!existsSync(STAMP)) return false;
  return Number(readFileSync(STAMP, 'utf8')) >= newestSource();
}

/** Build dist/ from scratch (a removed source file must not linger there). */
export function build(): void {
  const newest = newestSource();
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    { cwd: ROOT, stdio: 'inherit' },
  );
  writeFileSync(STAMP, String(newest));
}

export function ensureBuilt(): void {
  if (!isFresh()) build();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--if-stale')) ensureBuilt();
  else build();
}
