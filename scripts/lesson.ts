// npm run lesson -- N | all: run lesson N (or every lesson in order), each in its own process.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from './build.ts';

const dir = join(import.meta.dirname, '..', 'lessons');
const lessons = readdirSync(dir)
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort();
const wanted = process.argv[2];
if (!wanted) {
  console.error(`usage: npm run lesson -- N|all\n${lessons.map((l) => `  ${l}`).join('\n')}`);
  process.exit(2);
}
const chosen = wanted === 'all' ? lessons : lessons.filter((f) => Number(f.slice(0, 2)) === Number(wanted));
if (chosen.length === 0) {
  console.error(`no lesson ${wanted}; there are: ${lessons.join(', ')}`);
  process.exit(2);
}
// Lessons 07 and 08 run the `harpoon` executable as the package ships it: dist/cli/bin.js.
ensureBuilt();
for (const file of chosen) {
  const title = file.replace(
    /^(\d\d)-(.*)\.ts$/,
    (_, n: string, name: string) => `Lesson ${n}: ${name.replace(/-/g, ' ')}`,
  );
  console.log(`\n=== ${title} ===\n`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`\n${file} failed (exit ${status})`);
    process.exit(status ?? 1);
  }
}
