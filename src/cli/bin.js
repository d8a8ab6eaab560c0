#!/usr/bin/env node
// The `harpoon` executable: load TypeScript through tsx, then hand over to the CLI.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // Fast path: the version needs neither TypeScript nor the engine client (about 0.5 s to load).
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
